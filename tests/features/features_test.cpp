// Window features and raw meta against direct formulas of docs/dataset.md
// evaluated in long double from the raw bars.

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "support/float_close.h"

#include "features/prepared_series.h"
#include "features/window_features.h"
#include "rawdata/synthetic_market.h"

namespace barforge {
namespace {

using Real = long double;

using testing::ExpectFloatClose;

BarSeries TestBars() {
  SyntheticConfig options;
  options.n_bars = 3000;
  BarSeries bars = GenerateSyntheticBars("FEAT", options, 11);
  // A few zero volumes (valid) so ln(1 + V) sees 0.
  bars.volume[100] = 0;
  bars.volume[101] = 0;
  return bars;
}

TEST(WindowFeaturesTest, OhlcAndVolumeMatchSpec) {
  const BarSeries bars = TestBars();
  const PreparedSeries prepared = PrepareSeries(bars);
  EXPECT_EQ(prepared.bars, &bars);
  for (const int window : {2, 16, 64}) {
    std::vector<float> ohlc(4 * static_cast<size_t>(window)), volume(static_cast<size_t>(window));
    for (const int64_t e : {int64_t{window - 1}, int64_t{101}, int64_t{777}, int64_t{2999}}) {
      if (e < window - 1) continue;
      const WindowRef ref{&prepared, e, 0};
      ComputeOhlcFeatures({&ref, 1}, window, ohlc.data());
      ComputeVolumeFeatures({&ref, 1}, window, volume.data());
      const size_t first = static_cast<size_t>(e) + 1 - static_cast<size_t>(window);
      const Real c_e = bars.close[static_cast<size_t>(e)];
      std::vector<Real> x(static_cast<size_t>(window));
      Real sum = 0;
      for (size_t j = 0; j < x.size(); ++j) {
        const size_t b = first + j;
        ExpectFloatClose(ohlc[4 * j + 0], std::log(static_cast<Real>(bars.open[b]) / c_e), "open", e, j);
        ExpectFloatClose(ohlc[4 * j + 1], std::log(static_cast<Real>(bars.high[b]) / c_e), "high", e, j);
        ExpectFloatClose(ohlc[4 * j + 2], std::log(static_cast<Real>(bars.low[b]) / c_e), "low", e, j);
        ExpectFloatClose(ohlc[4 * j + 3], std::log(static_cast<Real>(bars.close[b]) / c_e), "close", e, j);
        x[j] = std::log(1 + static_cast<Real>(bars.volume[b]));
        sum += x[j];
      }
      const Real mean = sum / window;
      Real squares = 0;
      for (Real v : x) squares += (v - mean) * (v - mean);
      const Real std_dev = std::sqrt(squares / window);
      for (size_t j = 0; j < x.size(); ++j) {
        // Division by a std that is itself rounded: allow a few float ulps.
        const Real expected = std_dev < 1e-12L ? 0 : (x[j] - mean) / std_dev;
        EXPECT_NEAR(volume[j], static_cast<double>(expected), 1e-6) << "W=" << window << " e=" << e << " j=" << j;
      }
      EXPECT_EQ(ohlc[4 * static_cast<size_t>(window - 1) + 3], 0.0f);  // ln(C_e / C_e)
    }
  }
}

TEST(WindowFeaturesTest, ConstantVolumeGivesZeros) {
  BarSeries bars = TestBars();
  for (size_t b = 200; b < 300; ++b) bars.volume[b] = 1234.5;
  const PreparedSeries prepared = PrepareSeries(bars);
  std::vector<float> volume(32, 99.0f);
  const WindowRef ref{&prepared, 250, 0};
  ComputeVolumeFeatures({&ref, 1}, 32, volume.data());
  for (float v : volume) EXPECT_EQ(v, 0.0f);
}

TEST(RawMetaTest, MatchesSpec) {
  const BarSeries bars = TestBars();
  const PreparedSeries prepared = PrepareSeries(bars);
  for (const int window : {2, 3, 64}) {
    for (const int64_t e : {int64_t{63}, int64_t{500}, int64_t{2999}}) {
      for (const int8_t position : {int8_t{-1}, int8_t{0}, int8_t{1}}) {
        const WindowRef ref{&prepared, e, position};
        std::array<double, kMetaFeatureCount> meta;
        ComputeRawMeta({&ref, 1}, window, {&meta, 1});
        const size_t ue = static_cast<size_t>(e);
        const size_t first = ue + 1 - static_cast<size_t>(window);
        const Real ret_window = std::log(static_cast<Real>(bars.close[ue]) / bars.close[first]);
        std::vector<Real> returns;
        for (size_t b = first + 1; b <= ue; ++b) returns.push_back(std::log(static_cast<Real>(bars.close[b]) / bars.close[b - 1]));
        Real mean_return = 0;
        for (Real r : returns) mean_return += r;
        mean_return /= static_cast<Real>(returns.size());
        Real squares = 0;
        for (Real r : returns) squares += (r - mean_return) * (r - mean_return);
        const Real volatility = std::sqrt(squares / static_cast<Real>(returns.size()));
        Real range = 0, log_volume = 0;
        for (size_t b = first; b <= ue; ++b) {
          range += std::log(static_cast<Real>(bars.high[b]) / bars.low[b]);
          log_volume += std::log(1 + static_cast<Real>(bars.volume[b]));
        }
        const Real expected[kMetaFeatureCount] = {ret_window,
                                                  volatility,
                                                  range / window,
                                                  log_volume / window,
                                                  std::log(static_cast<Real>(bars.close[ue])),
                                                  static_cast<Real>(position)};
        for (int f = 0; f < kMetaFeatureCount; ++f) {
          EXPECT_NEAR(meta[f], static_cast<double>(expected[f]), 1e-12 + 1e-9 * std::fabs(static_cast<double>(expected[f])))
              << kMetaFeatureNames[static_cast<size_t>(f)] << " W=" << window << " e=" << e;
        }
      }
    }
  }
}

TEST(PrepareSeriesTest, FirstReturnIsZeroAndLogsMatch) {
  const BarSeries bars = TestBars();
  const PreparedSeries prepared = PrepareSeries(bars);
  EXPECT_EQ(prepared.log_return[0], 0.0);
  EXPECT_EQ(prepared.log_close.size(), bars.close.size());
  // ln(1 + V) of every bar, to a few ulps of the long double value; exactly
  // 0 for the zero volumes.
  for (size_t b = 0; b < bars.volume.size(); ++b) {
    const auto expected = static_cast<double>(std::log1p(static_cast<Real>(bars.volume[b])));
    EXPECT_NEAR(prepared.log1p_volume[b], expected, 4 * std::numeric_limits<double>::epsilon() * expected) << b;
  }
  EXPECT_EQ(prepared.log1p_volume[100], 0.0);
  EXPECT_EQ(prepared.log1p_volume[101], 0.0);
  EXPECT_NEAR(prepared.log_range[5], static_cast<double>(std::log(static_cast<Real>(bars.high[5]) / bars.low[5])), 1e-15);
}

// Windows are done four at a time; every value must have the bits of the
// window done alone, whatever its place in the group (and the remainder).
TEST(WindowFeaturesTest, GroupedWindowsGiveTheBitsOfSingleWindows) {
  const BarSeries bars = TestBars();
  const PreparedSeries prepared = PrepareSeries(bars);
  BarSeries flat = TestBars();
  for (double& v : flat.volume) v = 10;  // std 0: the zero branch inside a group
  const PreparedSeries flat_prepared = PrepareSeries(flat);
  for (const int window : {2, 5, 64}) {
    std::vector<WindowRef> windows;
    for (int64_t i = 0; i < 11; ++i) {  // 2 groups of 4 and a remainder of 3
      windows.push_back({i % 5 == 3 ? &flat_prepared : &prepared, window - 1 + i * 211, static_cast<int8_t>(i % 3 - 1)});
    }
    const auto w = static_cast<size_t>(window);
    std::vector<std::array<double, kMetaFeatureCount>> meta(windows.size());
    std::vector<float> ohlc(windows.size() * 4 * w), volume(windows.size() * w);
    ComputeRawMeta(windows, window, meta);
    ComputeOhlcFeatures(windows, window, ohlc.data());
    ComputeVolumeFeatures(windows, window, volume.data());
    for (size_t i = 0; i < windows.size(); ++i) {
      std::array<double, kMetaFeatureCount> one_meta;
      std::vector<float> one_ohlc(4 * w), one_volume(w);
      ComputeRawMeta({&windows[i], 1}, window, {&one_meta, 1});
      ComputeOhlcFeatures({&windows[i], 1}, window, one_ohlc.data());
      ComputeVolumeFeatures({&windows[i], 1}, window, one_volume.data());
      EXPECT_EQ(std::memcmp(meta[i].data(), one_meta.data(), sizeof one_meta), 0) << "W=" << window << " i=" << i;
      EXPECT_EQ(std::memcmp(&ohlc[i * 4 * w], one_ohlc.data(), 4 * w * sizeof(float)), 0) << "W=" << window << " i=" << i;
      EXPECT_EQ(std::memcmp(&volume[i * w], one_volume.data(), w * sizeof(float)), 0) << "W=" << window << " i=" << i;
      if (windows[i].series == &flat_prepared) {
        EXPECT_EQ(volume[i * w], 0.0f);
      }
    }
  }
}

}  // namespace
}  // namespace barforge
