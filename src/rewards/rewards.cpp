#include "rewards/rewards.h"

#include <cmath>
#include <cstdlib>

namespace barforge {

void ComputeRewards(const PreparedSeries& series, int64_t end_bar, int horizon, int8_t position, double fee,
                    float rewards[kActionCount], float* fwd_return) {
  const auto e = static_cast<size_t>(end_bar);
  const auto later = e + static_cast<size_t>(horizon);
  // Difference of the prepared logs: equal to ln(C_{e+H} / C_e) up to double
  // rounding (docs/semantics.md), and no log per sample.
  const double forward = series.log_close[later] - series.log_close[e];
  for (int k = 0; k < kActionCount; ++k) {
    const int action = k - 1;
    rewards[k] = static_cast<float>(action * forward - fee * std::abs(action - position));
  }
  *fwd_return = static_cast<float>(forward);
}

float ForwardReturn(const PreparedSeries& series, int64_t end_bar, int h) {
  const auto e = static_cast<size_t>(end_bar);
  return static_cast<float>(series.log_close[e + static_cast<size_t>(h)] - series.log_close[e]);
}

}  // namespace barforge
