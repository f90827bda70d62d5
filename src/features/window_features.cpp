#include "features/window_features.h"

#include <cmath>

namespace barforge {

namespace {

constexpr double kMinStd = 1e-12;

}  // namespace

void ComputeRawMeta(const PreparedSeries& series, int64_t end_bar, int window, int8_t position,
                    double raw_meta[kMetaFeatureCount]) {
  const auto e = static_cast<size_t>(end_bar);
  const auto w = static_cast<size_t>(window);
  const size_t first = e + 1 - w;
  // Returns of bars first+1..e: the W-1 one-bar returns inside the window.
  double return_sum = 0;
  for (size_t b = first + 1; b <= e; ++b) return_sum += series.log_return[b];
  const double return_mean = return_sum / static_cast<double>(w - 1);
  double return_squares = 0;
  double range_sum = 0;
  double volume_sum = series.log1p_volume[first];
  range_sum += series.log_range[first];
  for (size_t b = first + 1; b <= e; ++b) {
    const double d = series.log_return[b] - return_mean;
    return_squares += d * d;
    range_sum += series.log_range[b];
    volume_sum += series.log1p_volume[b];
  }
  raw_meta[0] = series.log_close[e] - series.log_close[first];
  raw_meta[1] = std::sqrt(return_squares / static_cast<double>(w - 1));
  raw_meta[2] = range_sum / static_cast<double>(w);
  raw_meta[3] = volume_sum / static_cast<double>(w);
  raw_meta[4] = series.log_close[e];
  raw_meta[5] = position;
}

void ComputeOhlcFeatures(const PreparedSeries& series, int64_t end_bar, int window, float* ohlc) {
  const auto e = static_cast<size_t>(end_bar);
  const auto w = static_cast<size_t>(window);
  const size_t first = e + 1 - w;
  const double log_close_end = series.log_close[e];
  for (size_t j = 0; j < w; ++j) {
    const size_t b = first + j;
    ohlc[4 * j + 0] = static_cast<float>(series.log_open[b] - log_close_end);
    ohlc[4 * j + 1] = static_cast<float>(series.log_high[b] - log_close_end);
    ohlc[4 * j + 2] = static_cast<float>(series.log_low[b] - log_close_end);
    ohlc[4 * j + 3] = static_cast<float>(series.log_close[b] - log_close_end);
  }
}

void ComputeVolumeFeatures(const PreparedSeries& series, int64_t end_bar, int window, float* volume) {
  const auto e = static_cast<size_t>(end_bar);
  const auto w = static_cast<size_t>(window);
  const size_t first = e + 1 - w;
  double sum = 0;
  for (size_t j = 0; j < w; ++j) sum += series.log1p_volume[first + j];
  const double mean = sum / static_cast<double>(w);
  double squares = 0;
  for (size_t j = 0; j < w; ++j) {
    const double d = series.log1p_volume[first + j] - mean;
    squares += d * d;
  }
  const double std_dev = std::sqrt(squares / static_cast<double>(w));
  for (size_t j = 0; j < w; ++j) {
    volume[j] = std_dev < kMinStd ? 0.0f : static_cast<float>((series.log1p_volume[first + j] - mean) / std_dev);
  }
}

}  // namespace barforge
