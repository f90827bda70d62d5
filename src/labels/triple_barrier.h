#pragma once
// The triple-barrier label of one sample: which the close path after the
// end bar reaches first, a profit barrier above, a stop barrier below, or the
// horizon (the vertical barrier).

#include <cstdint>
#include <span>

namespace barforge {

/// One sample's label.
struct TripleBarrierLabel {
  int8_t label = 0;        ///< +1 profit barrier, -1 stop barrier, 0 neither within the horizon
  int16_t bars = 0;        ///< b - e of the touching close b; the horizon when none
  double log_return = 0;   ///< ln(C_b / C_e) at the touch; at e + horizon when none
};

/// The label of the sample ending at bar `end_bar` (e), from `log_close`
/// (ln C of every bar of its ticker; e + horizon must be inside it).
/// With u = profit * sigma * sqrt(horizon) and l = stop * sigma *
/// sqrt(horizon), the closes b = e+1 .. e+horizon are scanned in order and
/// the first with ln(C_b / C_e) >= u gives +1, <= -l gives -1; the profit
/// test comes first at each b (both can hold only if a barrier is 0).
/// sigma <= 0 sets no barriers: label 0. ln(C_b / C_e) is
/// log_close[b] - log_close[e], the same difference as fwd_return.
/// Requires profit, stop > 0 and 1 <= horizon <= 32767.
TripleBarrierLabel ComputeTripleBarrier(std::span<const double> log_close, int64_t end_bar, int horizon,
                                        double sigma, double profit, double stop);

}  // namespace barforge
