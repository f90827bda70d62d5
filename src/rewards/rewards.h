#pragma once
// Rewards and forward return of one sample (SPEC §3).

#include <cstdint>

#include "features/prepared_series.h"

namespace barforge {

/// fwd_return = ln(C_{e+H} / C_e); rewards[k] for action a = k - 1:
/// a * fwd_return - fee * |a - position|, fee = fee_bps * 1e-4.
void ComputeRewards(const PreparedSeries& series, int64_t end_bar, int horizon, int8_t position, double fee,
                    float rewards[3], float* fwd_return);

}  // namespace barforge
