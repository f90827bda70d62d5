#pragma once
// Features of one sample (docs/dataset.md), computed in double, stored as float.

#include <array>
#include <cstdint>
#include <span>

#include "barforge/meta_features.h"
#include "features/prepared_series.h"

namespace barforge {

/// One sample's window: the W bars of `series` ending at `end_bar`.
struct WindowRef {
  const PreparedSeries* series = nullptr;
  int64_t end_bar = 0;
  int8_t position = 0;  ///< the sample's position, for the meta features
};

// Each function below does every window of `windows`, in groups of
// kWindowBatch: each window's arithmetic is exactly the one-window formula in
// the same order, so the bits do not depend on the grouping, but the
// windows' sums are independent dependency chains that the CPU overlaps.
inline constexpr size_t kWindowBatch = 4;

/// Raw (unscaled) meta features: raw_meta[i] of windows[i] (same sizes).
void ComputeRawMeta(std::span<const WindowRef> windows, int window,
                    std::span<std::array<double, kMetaFeatureCount>> raw_meta);

/// ohlc: 4 * window floats per window, row-major [j][open, high, low, close],
/// windows one after the other from `ohlc`.
void ComputeOhlcFeatures(std::span<const WindowRef> windows, int window, float* ohlc);

/// volume: window floats per window, one after the other from `volume`.
void ComputeVolumeFeatures(std::span<const WindowRef> windows, int window, float* volume);

}  // namespace barforge
