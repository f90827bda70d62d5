#include "rawdata/synthetic_market.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "rawdata/philox_stream.h"

namespace barforge {

namespace {

// Model parameters (docs/semantics.md explains them). Per-bar volatility of
// 0.1% at one-minute bars, scaled with sqrt(bar length), capped at 5%.
constexpr double kBaseVolatility = 0.001;
constexpr double kMaxVolatility = 0.05;
constexpr double kGarchAlpha = 0.05;
constexpr double kGarchBeta = 0.94;
// Variance is held within this factor of the long-run variance, so no
// sequence of draws can make the recursion run away.
constexpr double kVarianceBound = 100.0;
// Weak pull of ln(price) towards its start: keeps very long series finite.
constexpr double kMeanReversion = 1e-6;
constexpr int kSubSteps = 8;
constexpr double kGapFraction = 0.1;  // open-to-previous-close gap, in bar volatilities
constexpr double kLogBaseVolume = 6.9;  // e^6.9 ~ 1000 units
constexpr double kVolumeReturnLoading = 0.35;
constexpr double kVolumeNoise = 0.5;
constexpr uint32_t kSyntheticDomain = 0x53594e54;  // "SYNT": keeps these counters apart from the sampler's

uint64_t MixKey(uint64_t seed, uint64_t ticker_hash) {
  // splitmix64 finaliser over seed and hash: every bit of both reaches the key.
  uint64_t z = seed ^ (ticker_hash * 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::string SyntheticParametersJson(const std::string& ticker, const SyntheticConfig& options, uint64_t seed) {
  // Tickers are restricted to characters that need no JSON escaping.
  return fmt::format(R"({{"generator": {}, "ticker": "{}", "seed": {}, "n_bars": {}, "bar_seconds": {}, "start_ns": {}}})",
                     kSyntheticGeneratorVersion, ticker, seed, options.n_bars, options.bar_seconds, options.start_ns);
}

BarSeries GenerateSyntheticBars(const std::string& ticker, const SyntheticConfig& options, uint64_t seed) {
  const uint64_t key = MixKey(seed, Fnv1a64(ticker));
  const auto n = static_cast<size_t>(std::max<int64_t>(options.n_bars, 0));
  BarSeries bars;
  bars.ticker = ticker;
  bars.timestamp_ns.resize(n);
  bars.open.resize(n);
  bars.high.resize(n);
  bars.low.resize(n);
  bars.close.resize(n);
  bars.volume.resize(n);

  const double long_run_vol =
      std::min(kMaxVolatility, kBaseVolatility * std::sqrt(static_cast<double>(options.bar_seconds) / 60.0));
  const double long_run_var = long_run_vol * long_run_vol;
  const double omega = long_run_var * (1.0 - kGarchAlpha - kGarchBeta);
  // Start price in [20, 200), from a counter no bar uses.
  const PhiloxWords start_words = PhiloxDraw(key, {0, 0, 0xffffffffu, kSyntheticDomain});
  const double start_log_price = std::log(20.0 + 180.0 * (start_words[0] * 0x1p-32));

  double variance = long_run_var;
  double last_return = 0.0;
  double log_close = start_log_price;
  const int64_t step_ns = options.bar_seconds * 1000000000LL;
  for (size_t i = 0; i < n; ++i) {
    const auto index = static_cast<uint64_t>(i);
    // 12 normals per bar: 8 intrabar steps, the gap, the volume noise, 2 spare.
    double normals[12];
    for (uint32_t block = 0; block < 3; ++block) {
      const PhiloxWords w =
          PhiloxDraw(key, {static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), block, kSyntheticDomain});
      const auto first = NormalPair(w[0], w[1]);
      const auto second = NormalPair(w[2], w[3]);
      normals[block * 4 + 0] = first[0];
      normals[block * 4 + 1] = first[1];
      normals[block * 4 + 2] = second[0];
      normals[block * 4 + 3] = second[1];
    }
    if (i > 0) {
      variance = omega + kGarchAlpha * last_return * last_return + kGarchBeta * variance;
      variance = std::clamp(variance, long_run_var / kVarianceBound, long_run_var * kVarianceBound);
    }
    const double vol = std::sqrt(variance);
    const double previous_log_close = log_close;
    const double log_open = i == 0 ? start_log_price : previous_log_close + kGapFraction * vol * normals[8];
    // Drift: the Ito correction keeps E[price] flat; the reversion term
    // keeps ln(price) near its start over any length of series.
    const double step_drift = (-0.5 * variance - kMeanReversion * (log_open - start_log_price)) / kSubSteps;
    const double step_vol = vol / std::sqrt(static_cast<double>(kSubSteps));
    double path = log_open;
    double path_max = log_open;
    double path_min = log_open;
    for (int s = 0; s < kSubSteps; ++s) {
      path += step_drift + step_vol * normals[s];
      path_max = std::max(path_max, path);
      path_min = std::min(path_min, path);
    }
    log_close = path;
    last_return = log_close - previous_log_close;

    const double open = std::exp(log_open);
    const double close = std::exp(log_close);
    bars.timestamp_ns[i] = options.start_ns + static_cast<int64_t>(i) * step_ns;
    bars.open[i] = open;
    bars.close[i] = close;
    // Taking max/min with open and close again makes the invariants exact
    // even where exp() of the path extremes rounds differently.
    bars.high[i] = std::max({std::exp(path_max), open, close});
    bars.low[i] = std::min({std::exp(path_min), open, close});
    const double abs_move = std::abs(last_return) / long_run_vol;
    bars.volume[i] = std::exp(kLogBaseVolume + kVolumeReturnLoading * abs_move + kVolumeNoise * normals[9]);
  }
  return bars;
}

}  // namespace barforge
