#pragma once
// The six meta features of a sample, in the order of a dataset's `meta`
// column and of the meta scaler.

#include <array>

namespace barforge {

inline constexpr int kMetaFeatureCount = 6;
inline constexpr std::array<const char*, kMetaFeatureCount> kMetaFeatureNames = {
    "ret_window", "volatility", "mean_range", "log_volume", "log_price", "position"};
/// Index of `volatility`, the sigma of the triple-barrier label.
inline constexpr int kVolatilityFeature = 1;

}  // namespace barforge
