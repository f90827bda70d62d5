#include "features/window_features.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace barforge {

namespace {

constexpr double kMinStd = 1e-12;

template <size_t N>
void RawMetaOf(const WindowRef* windows, int window, std::array<double, kMetaFeatureCount>* raw_meta) {
  const auto w = static_cast<size_t>(window);
  const double* returns[N];
  const double* ranges[N];
  const double* volumes[N];
  for (size_t s = 0; s < N; ++s) {
    const size_t first = static_cast<size_t>(windows[s].end_bar) + 1 - w;
    returns[s] = windows[s].series->log_return.data() + first;
    ranges[s] = windows[s].series->log_range.data() + first;
    volumes[s] = windows[s].series->log1p_volume.data() + first;
  }
  // Returns of bars first+1..e: the W-1 one-bar returns inside the window.
  double return_sum[N] = {};
  for (size_t j = 1; j < w; ++j) {
    for (size_t s = 0; s < N; ++s) return_sum[s] += returns[s][j];
  }
  double return_mean[N], return_squares[N] = {}, range_sum[N] = {}, volume_sum[N];
  for (size_t s = 0; s < N; ++s) {
    return_mean[s] = return_sum[s] / static_cast<double>(w - 1);
    volume_sum[s] = volumes[s][0];
    range_sum[s] += ranges[s][0];
  }
  for (size_t j = 1; j < w; ++j) {
    for (size_t s = 0; s < N; ++s) {
      const double d = returns[s][j] - return_mean[s];
      return_squares[s] += d * d;
      range_sum[s] += ranges[s][j];
      volume_sum[s] += volumes[s][j];
    }
  }
  for (size_t s = 0; s < N; ++s) {
    const std::span<const double> log_close = windows[s].series->log_close;
    const auto e = static_cast<size_t>(windows[s].end_bar);
    raw_meta[s][0] = log_close[e] - log_close[e + 1 - w];
    raw_meta[s][1] = std::sqrt(return_squares[s] / static_cast<double>(w - 1));
    raw_meta[s][2] = range_sum[s] / static_cast<double>(w);
    raw_meta[s][3] = volume_sum[s] / static_cast<double>(w);
    raw_meta[s][4] = log_close[e];
    raw_meta[s][5] = windows[s].position;
  }
}

template <size_t N>
void VolumeOf(const WindowRef* windows, int window, float* volume) {
  const auto w = static_cast<size_t>(window);
  const double* x[N];
  for (size_t s = 0; s < N; ++s) {
    x[s] = windows[s].series->log1p_volume.data() + static_cast<size_t>(windows[s].end_bar) + 1 - w;
  }
  double sum[N] = {};
  for (size_t j = 0; j < w; ++j) {
    for (size_t s = 0; s < N; ++s) sum[s] += x[s][j];
  }
  double mean[N], squares[N] = {};
  for (size_t s = 0; s < N; ++s) mean[s] = sum[s] / static_cast<double>(w);
  for (size_t j = 0; j < w; ++j) {
    for (size_t s = 0; s < N; ++s) {
      const double d = x[s][j] - mean[s];
      squares[s] += d * d;
    }
  }
  for (size_t s = 0; s < N; ++s) {
    const double std_dev = std::sqrt(squares[s] / static_cast<double>(w));
    float* out = volume + s * w;
    for (size_t j = 0; j < w; ++j) {
      out[j] = std_dev < kMinStd ? 0.0f : static_cast<float>((x[s][j] - mean[s]) / std_dev);
    }
  }
}

void OhlcOf(const WindowRef& ref, int window, float* ohlc) {
  const PreparedSeries& series = *ref.series;
  const auto e = static_cast<size_t>(ref.end_bar);
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

}  // namespace

void ComputeRawMeta(std::span<const WindowRef> windows, int window,
                    std::span<std::array<double, kMetaFeatureCount>> raw_meta) {
  size_t s = 0;
  for (; s + kWindowBatch <= windows.size(); s += kWindowBatch) RawMetaOf<kWindowBatch>(&windows[s], window, &raw_meta[s]);
  for (; s < windows.size(); ++s) RawMetaOf<1>(&windows[s], window, &raw_meta[s]);
}

void ComputeOhlcFeatures(std::span<const WindowRef> windows, int window, float* ohlc) {
  // No sums here: nothing to overlap.
  for (size_t s = 0; s < windows.size(); ++s) OhlcOf(windows[s], window, ohlc + s * 4 * static_cast<size_t>(window));
}

void ComputeVolumeFeatures(std::span<const WindowRef> windows, int window, float* volume) {
  const auto w = static_cast<size_t>(window);
  size_t s = 0;
  for (; s + kWindowBatch <= windows.size(); s += kWindowBatch) VolumeOf<kWindowBatch>(&windows[s], window, volume + s * w);
  for (; s < windows.size(); ++s) VolumeOf<1>(&windows[s], window, volume + s * w);
}

}  // namespace barforge
