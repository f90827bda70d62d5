#include "labels/triple_barrier.h"

#include <cmath>

namespace barforge {

TripleBarrierLabel ComputeTripleBarrier(std::span<const double> log_close, int64_t end_bar, int horizon,
                                        double sigma, double profit, double stop) {
  const auto e = static_cast<size_t>(end_bar);
  const double base = log_close[e];
  TripleBarrierLabel none;
  none.bars = static_cast<int16_t>(horizon);
  none.log_return = log_close[e + static_cast<size_t>(horizon)] - base;
  if (!(sigma > 0)) return none;
  // Multiplied in the order written, p * sigma * sqrt(H), so that a reader
  // recomputing the barriers gets the same bits.
  const double root = std::sqrt(static_cast<double>(horizon));
  const double upper = profit * sigma * root;
  const double lower = -(stop * sigma * root);
  for (int k = 1; k <= horizon; ++k) {
    const double r = log_close[e + static_cast<size_t>(k)] - base;
    if (r >= upper) return {1, static_cast<int16_t>(k), r};
    if (r <= lower) return {-1, static_cast<int16_t>(k), r};
  }
  return none;
}

}  // namespace barforge
