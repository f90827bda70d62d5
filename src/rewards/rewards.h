#pragma once
// Rewards and forward return of one sample (docs/dataset.md).

#include <cstdint>

#include "barforge/actions.h"
#include "features/prepared_series.h"

namespace barforge {

/// fwd_return = ln(C_{e+H} / C_e); rewards[k] for action a = k - 1:
/// a * fwd_return - fee * |a - position|, fee = fee_bps * 1e-4.
void ComputeRewards(const PreparedSeries& series, int64_t end_bar, int horizon, int8_t position, double fee,
                    float rewards[kActionCount], float* fwd_return);

/// ln(C_{e+h} / C_e), as the difference of the prepared logs.
float ForwardReturn(const PreparedSeries& series, int64_t end_bar, int h);

}  // namespace barforge
