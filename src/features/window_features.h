#pragma once
// Features of one sample (SPEC §3), computed in double, stored as float.

#include <array>
#include <cstdint>

#include "features/prepared_series.h"

namespace barforge {

inline constexpr int kMetaFeatureCount = 6;
inline constexpr std::array<const char*, kMetaFeatureCount> kMetaFeatureNames = {
    "ret_window", "volatility", "mean_range", "log_volume", "log_price", "position"};

/// Raw (unscaled) meta features of the window ending at `end_bar`.
void ComputeRawMeta(const PreparedSeries& series, int64_t end_bar, int window, int8_t position,
                    double raw_meta[kMetaFeatureCount]);

/// ohlc of the window ending at `end_bar`: 4 * window floats, row-major
/// [j][open, high, low, close].
void ComputeOhlcFeatures(const PreparedSeries& series, int64_t end_bar, int window, float* ohlc);

/// volume of the window ending at `end_bar`: window floats.
void ComputeVolumeFeatures(const PreparedSeries& series, int64_t end_bar, int window, float* volume);

}  // namespace barforge
