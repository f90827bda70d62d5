// The cross-sectional sampler: valid timestamps recomputed here by brute
// force from the tickers' bars (listings, delistings, max_gap holes,
// min_present), the documented Philox mapping, uniformity over the valid
// timestamps and `all` in time order.

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <Random123/philox.h>
#include <gtest/gtest.h>

#include "sampling/cross_section_sampler.h"
#include "sampling/end_bar_runs.h"

namespace barforge {
namespace {

constexpr int kWindow = 3;
constexpr int kHorizon = 2;
constexpr int64_t kNoStart = std::numeric_limits<int64_t>::min();
constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();

// Timestamps first, first + step, ... (n bars), then `holes` removed.
std::vector<int64_t> Bars(int64_t first, int64_t n, std::set<int64_t> holes = {}) {
  std::vector<int64_t> t;
  for (int64_t b = 0; b < n; ++b) {
    const int64_t ts = (first + b) * 60;
    if (holes.count(first + b) == 0) t.push_back(ts);
  }
  return t;
}

struct Universe {
  std::vector<std::vector<int64_t>> tickers;
  int64_t max_gap_ns = 0;
  int64_t start_ns = kNoStart, end_ns = kNoEnd, embargo = 0;

  std::vector<EndBarRun> Runs() const {
    std::vector<EndBarRun> runs;
    for (size_t k = 0; k < tickers.size(); ++k) {
      AppendEndBarRuns(static_cast<uint32_t>(k), tickers[k], GapPositions(tickers[k], max_gap_ns), start_ns, end_ns,
                       embargo, {kWindow, kHorizon, max_gap_ns}, runs);
    }
    return runs;
  }
  CrossSectionSampler Sampler(int64_t min_present, PairChoice choice = PairChoice::kUniform, uint64_t seed = 7,
                              uint32_t stream = 0) const {
    std::vector<std::span<const int64_t>> spans(tickers.begin(), tickers.end());
    return CrossSectionSampler(seed, stream, spans, Runs(), min_present, choice);
  }
  // The rule written out plainly: ticker k is present at t when its bar b
  // at t has every touched bar b-W+1 .. b+H in [start, end), the first at
  // least `embargo` bars after k's first bar there, and no two consecutive
  // touched bars more than max_gap apart.
  std::map<int64_t, std::vector<int64_t>> Expected(int64_t min_present) const {
    std::map<int64_t, std::vector<int64_t>> end_bars;  // t -> end bar per ticker (-1 absent)
    for (size_t k = 0; k < tickers.size(); ++k) {
      const auto& t = tickers[k];
      int64_t first_in = -1;
      for (size_t b = 0; b < t.size(); ++b) {
        if (t[b] >= start_ns && t[b] < end_ns) {
          first_in = static_cast<int64_t>(b);
          break;
        }
      }
      for (int64_t b = 0; b < std::ssize(t); ++b) {
        bool ok = first_in >= 0 && b - kWindow + 1 >= first_in + embargo && b + kHorizon < std::ssize(t);
        for (int64_t j = b - kWindow + 1; ok && j <= b + kHorizon; ++j) {
          ok = t[static_cast<size_t>(j)] >= start_ns && t[static_cast<size_t>(j)] < end_ns;
          if (ok && j > b - kWindow + 1 && max_gap_ns > 0) {
            ok = t[static_cast<size_t>(j)] - t[static_cast<size_t>(j - 1)] <= max_gap_ns;
          }
        }
        auto& row = end_bars.try_emplace(t[static_cast<size_t>(b)], std::vector<int64_t>(tickers.size(), -1)).first->second;
        if (ok) row[k] = b;
      }
    }
    std::map<int64_t, std::vector<int64_t>> valid;
    for (const auto& [ts, row] : end_bars) {
      if (std::count_if(row.begin(), row.end(), [](int64_t e) { return e >= 0; }) >= min_present) valid[ts] = row;
    }
    return valid;
  }
};

// Every valid timestamp, in order, with each ticker's end bar.
void ExpectIndex(const Universe& u, int64_t min_present) {
  const CrossSectionSampler sampler = u.Sampler(min_present, PairChoice::kEveryPairOnce);
  const auto expected = u.Expected(min_present);
  ASSERT_EQ(sampler.num_timestamps(), std::ssize(expected));
  ASSERT_EQ(sampler.members(), std::ssize(u.tickers));
  int64_t i = 0, pairs = 0;
  for (const auto& [ts, row] : expected) {
    const CrossSectionDraw draw = sampler.Draw(static_cast<uint64_t>(i));
    EXPECT_EQ(draw.t_index, i);
    EXPECT_EQ(draw.timestamp_ns, ts) << "valid timestamp " << i;
    for (int m = 0; m < sampler.members(); ++m) {
      EXPECT_EQ(sampler.EndBar(i, m), row[static_cast<size_t>(m)]) << "t " << ts << ", ticker " << m;
      EXPECT_EQ(sampler.Present(i, m), row[static_cast<size_t>(m)] >= 0);
      pairs += row[static_cast<size_t>(m)] >= 0;
    }
    ++i;
  }
  EXPECT_EQ(sampler.present_pairs(), pairs);
}

TEST(CrossSectionSamplerTest, ListingAndDelistingTickersArePresentOnlyWhereTheirWindowsAre) {
  Universe u;
  u.tickers = {Bars(0, 40), Bars(10, 40), Bars(-5, 20)};  // B lists at bar 10, C delists after bar 14
  ExpectIndex(u, 1);
  ExpectIndex(u, 2);
  ExpectIndex(u, 3);
  // By hand: B is first present at t = 12 (its bar 2) and C last at t = 12
  // (its bar 17), so all three only at t = 12.
  const CrossSectionSampler all3 = u.Sampler(3, PairChoice::kEveryPairOnce);
  ASSERT_EQ(all3.num_timestamps(), 1);
  EXPECT_EQ(all3.Draw(0).timestamp_ns, 12 * 60);
  EXPECT_EQ(all3.EndBar(0, 0), 12);
  EXPECT_EQ(all3.EndBar(0, 1), 2);
  EXPECT_EQ(all3.EndBar(0, 2), 17);
}

TEST(CrossSectionSamplerTest, MaxGapHolesMakeATickerAbsentAroundThem) {
  Universe u;
  u.tickers = {Bars(0, 50, {20, 21}), Bars(0, 50), Bars(3, 44, {30})};
  u.max_gap_ns = 60;  // a missing bar is a gap
  ExpectIndex(u, 1);
  ExpectIndex(u, 2);
  // Around A's hole, A is absent: its window or horizon crosses it.
  const CrossSectionSampler sampler = u.Sampler(1, PairChoice::kEveryPairOnce);
  for (int64_t i = 0; i < sampler.num_timestamps(); ++i) {
    const int64_t bar = sampler.Draw(static_cast<uint64_t>(i)).timestamp_ns / 60;
    if (bar >= 18 && bar <= 23) {
      EXPECT_FALSE(sampler.Present(i, 0)) << bar;
    }
  }
  // Without max_gap the hole is just two missing timestamps.
  u.max_gap_ns = 0;
  ExpectIndex(u, 1);
}

TEST(CrossSectionSamplerTest, SplitBoundsAndEmbargoApplyPerTicker) {
  Universe u;
  u.tickers = {Bars(0, 60), Bars(7, 60), Bars(0, 30, {12})};
  u.start_ns = 20 * 60;
  u.end_ns = 45 * 60;
  u.embargo = 2;
  ExpectIndex(u, 1);
  ExpectIndex(u, 2);
  u.max_gap_ns = 60;
  ExpectIndex(u, 1);
}

TEST(CrossSectionSamplerTest, NoTimestampWithMinPresentTickersLeavesTheListEmpty) {
  Universe u;
  u.tickers = {Bars(0, 20), Bars(100, 20)};  // never at the same time
  const CrossSectionSampler sampler = u.Sampler(2);
  EXPECT_EQ(sampler.num_timestamps(), 0);
  EXPECT_EQ(sampler.most_present(), 1);
  EXPECT_EQ(u.Sampler(1).num_timestamps(), 2 * (20 - kWindow - kHorizon + 1));
}

TEST(CrossSectionSamplerTest, MoreThan64TickersUseMoreWordsPerTimestamp) {
  Universe u;
  for (int k = 0; k < 70; ++k) u.tickers.push_back(Bars(k, 12));
  ExpectIndex(u, 1);
  ExpectIndex(u, 5);
  EXPECT_EQ(u.Sampler(1).bytes_per_timestamp(), 24u);
  Universe small;
  small.tickers = {Bars(0, 12)};
  EXPECT_EQ(small.Sampler(1).bytes_per_timestamp(), 16u);
}

// docs/semantics.md: t_index = floor((w0 + 2^32 w1) * T / 2^64), position =
// floor(w2 * 3 / 2^32) - 1, counter (i low, i high, split, 0).
TEST(CrossSectionSamplerTest, MatchesTheDocumentedMapping) {
  Universe u;
  u.tickers = {Bars(0, 1000), Bars(500, 1000), Bars(200, 50)};
  const uint64_t seed = 0x123456789abcdef0ULL;
  for (const uint32_t stream : {0u, 3u}) {
    const CrossSectionSampler sampler = u.Sampler(1, PairChoice::kUniform, seed, stream);
    const auto t = static_cast<long double>(sampler.num_timestamps());
    for (const uint64_t i : {0ULL, 1ULL, 77ULL, 4294967296ULL + 5}) {
      r123::Philox4x32 philox;
      const auto out = philox({{static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32), stream, 0}},
                              {{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)}});
      const long double r = static_cast<long double>(out.v[0]) + std::ldexp(static_cast<long double>(out.v[1]), 32);
      const auto index = static_cast<int64_t>(std::floor(r * t / std::ldexp(1.0L, 64)));
      const CrossSectionDraw draw = sampler.Draw(i);
      EXPECT_EQ(draw.t_index, index);
      EXPECT_EQ(draw.position, static_cast<int>((static_cast<uint64_t>(out.v[2]) * 3) >> 32) - 1);
      EXPECT_EQ(draw.timestamp_ns, sampler.timestamps_ns()[static_cast<size_t>(index)]);
    }
  }
}

TEST(CrossSectionSamplerTest, DrawsAreUniformOverTheValidTimestamps) {
  Universe u;
  u.tickers = {Bars(0, 60), Bars(30, 60)};
  const CrossSectionSampler sampler = u.Sampler(1);
  const int64_t t = sampler.num_timestamps();
  ASSERT_EQ(t, 86);  // A's end bars at t = 2 .. 57, B's at 32 .. 87
  constexpr int64_t kDraws = 200000;
  std::vector<int64_t> hits(static_cast<size_t>(t), 0);
  std::array<int64_t, 3> positions{};
  for (int64_t i = 0; i < kDraws; ++i) {
    const CrossSectionDraw draw = sampler.Draw(static_cast<uint64_t>(i));
    ++hits[static_cast<size_t>(draw.t_index)];
    ++positions[static_cast<size_t>(draw.position + 1)];
  }
  // Chi-square over T cells, df = T - 1 = 85: the 0.999 quantile is about 130.
  const double expected = static_cast<double>(kDraws) / static_cast<double>(t);
  double chi2 = 0;
  for (const int64_t h : hits) chi2 += (static_cast<double>(h) - expected) * (static_cast<double>(h) - expected) / expected;
  EXPECT_LT(chi2, 130.0);
  EXPECT_GT(chi2, 50.0);  // not suspiciously even either (0.001 quantile about 52)
  for (const int64_t p : positions) EXPECT_NEAR(static_cast<double>(p) / kDraws, 1.0 / 3, 0.01);
}

}  // namespace
}  // namespace barforge
