// The synthetic market: every bar valid by the rules of docs/semantics.md, reproducible per
// (seed, ticker), different across tickers and seeds, plausible dynamics.

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rawdata/synthetic_market.h"

namespace barforge {
namespace {

// The validity rules written out again, independently of
// src/rawdata/bar_validation.cpp.
void ExpectEveryBarValid(const BarSeries& bars) {
  for (int64_t i = 0; i < bars.size(); ++i) {
    const auto b = static_cast<size_t>(i);
    const double o = bars.open[b], h = bars.high[b], l = bars.low[b], c = bars.close[b], v = bars.volume[b];
    ASSERT_TRUE(std::isfinite(o) && std::isfinite(h) && std::isfinite(l) && std::isfinite(c)) << "bar " << i;
    ASSERT_TRUE(o > 0 && h > 0 && l > 0 && c > 0) << "bar " << i;
    ASSERT_TRUE(std::isfinite(v) && v >= 0) << "bar " << i;
    ASSERT_GE(h, o) << "bar " << i;
    ASSERT_GE(h, c) << "bar " << i;
    ASSERT_LE(l, o) << "bar " << i;
    ASSERT_LE(l, c) << "bar " << i;
    if (i > 0) {
      ASSERT_GT(bars.timestamp_ns[b], bars.timestamp_ns[b - 1]) << "bar " << i;
    }
  }
}

SyntheticConfig Options(int64_t n_bars, int64_t bar_seconds = 60) {
  SyntheticConfig options;
  options.n_bars = n_bars;
  options.bar_seconds = bar_seconds;
  return options;
}

TEST(SyntheticMarketTest, EveryBarValidForSeveralTickersAndSeeds) {
  for (const uint64_t seed : {0ULL, 42ULL, 0xdeadbeefcafef00dULL}) {
    for (const std::string ticker : {"SYN0", "SYN1", "AAPL", "x"}) {
      const BarSeries bars = GenerateSyntheticBars(ticker, Options(20000), seed);
      ASSERT_EQ(bars.size(), 20000);
      EXPECT_EQ(bars.ticker, ticker);
      ExpectEveryBarValid(bars);
    }
  }
  // Long bars: larger volatility, same invariants.
  ExpectEveryBarValid(GenerateSyntheticBars("DAY", Options(5000, 86400), 7));
}

TEST(SyntheticMarketTest, DefaultLengthStaysPositiveAndFinite) {
  const BarSeries bars = GenerateSyntheticBars("SYN0", Options(500000), 42);
  ExpectEveryBarValid(bars);
  double min_close = bars.close[0], max_close = bars.close[0];
  for (double c : bars.close) {
    min_close = std::min(min_close, c);
    max_close = std::max(max_close, c);
  }
  // ln-price std of a 500k-bar walk at 0.1% per bar is ~0.7; a factor e^5
  // either way would mean the drift or the volatility ran away.
  EXPECT_GT(min_close, bars.close[0] * std::exp(-5.0));
  EXPECT_LT(max_close, bars.close[0] * std::exp(5.0));
}

TEST(SyntheticMarketTest, TimestampsFollowStartAndBarLength) {
  SyntheticConfig options = Options(100, 300);
  options.start_ns = 1700000000LL * 1000000000LL;
  const BarSeries bars = GenerateSyntheticBars("T", options, 1);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(bars.timestamp_ns[i], options.start_ns + static_cast<int64_t>(i) * 300LL * 1000000000LL);
  }
}

TEST(SyntheticMarketTest, SameSeedAndTickerSameBarsOtherwiseDifferent) {
  const BarSeries a = GenerateSyntheticBars("SYN0", Options(3000), 42);
  const BarSeries b = GenerateSyntheticBars("SYN0", Options(3000), 42);
  EXPECT_EQ(a.timestamp_ns, b.timestamp_ns);
  EXPECT_EQ(a.open, b.open);
  EXPECT_EQ(a.high, b.high);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.close, b.close);
  EXPECT_EQ(a.volume, b.volume);
  // A prefix does not depend on how many bars follow.
  const BarSeries shorter = GenerateSyntheticBars("SYN0", Options(1000), 42);
  EXPECT_TRUE(std::equal(shorter.close.begin(), shorter.close.end(), a.close.begin()));
  const BarSeries other_ticker = GenerateSyntheticBars("SYN1", Options(3000), 42);
  const BarSeries other_seed = GenerateSyntheticBars("SYN0", Options(3000), 43);
  int same_ticker = 0, same_seed = 0;
  for (size_t i = 1; i < 3000; ++i) {
    same_ticker += std::log(a.close[i] / a.close[i - 1]) == std::log(other_ticker.close[i] / other_ticker.close[i - 1]);
    same_seed += std::log(a.close[i] / a.close[i - 1]) == std::log(other_seed.close[i] / other_seed.close[i - 1]);
  }
  EXPECT_LT(same_ticker, 3);
  EXPECT_LT(same_seed, 3);
}

// Autocorrelation of squared returns (volatility clustering) is positive;
// that of returns is near 0; log volume rises with |return|.
TEST(SyntheticMarketTest, StylisedFacts) {
  const BarSeries bars = GenerateSyntheticBars("SYN2", Options(200000), 5);
  const size_t n = bars.close.size();
  std::vector<double> r(n - 1), r2(n - 1), lv(n - 1);
  for (size_t i = 1; i < n; ++i) {
    r[i - 1] = std::log(bars.close[i] / bars.close[i - 1]);
    r2[i - 1] = r[i - 1] * r[i - 1];
    lv[i - 1] = std::log(bars.volume[i]);
  }
  auto correlation = [](const std::vector<double>& x, const std::vector<double>& y) {
    const auto m = static_cast<double>(x.size());
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      sx += x[i];
      sy += y[i];
    }
    const double mx = sx / m, my = sy / m;
    for (size_t i = 0; i < x.size(); ++i) {
      sxx += (x[i] - mx) * (x[i] - mx);
      syy += (y[i] - my) * (y[i] - my);
      sxy += (x[i] - mx) * (y[i] - my);
    }
    return sxy / std::sqrt(sxx * syy);
  };
  auto lagged = [&](const std::vector<double>& x) {
    return correlation(std::vector<double>(x.begin(), x.end() - 1), std::vector<double>(x.begin() + 1, x.end()));
  };
  EXPECT_GT(lagged(r2), 0.05);
  EXPECT_LT(std::abs(lagged(r)), 0.02);
  std::vector<double> abs_r(r.size());
  for (size_t i = 0; i < r.size(); ++i) abs_r[i] = std::abs(r[i]);
  EXPECT_GT(correlation(abs_r, lv), 0.2);
}

}  // namespace
}  // namespace barforge
