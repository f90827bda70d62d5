#pragma once
// Per-bar quantities computed once per ticker so that per-sample feature
// work is additions only: ln of each price, ln(1 + volume), ln(H/L), and
// the one-bar log return of the close.

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "rawdata/bar_series.h"

namespace barforge {

/// The per-bar arrays of a PreparedSeries, laid out one after the other in
/// this order by PrepareSeriesInto and ViewPreparedSeries: log_open,
/// log_high, log_low, log_close, log1p_volume, log_range, log_return.
inline constexpr size_t kPreparedArrays = 7;

struct PreparedSeries {
  const BarSeries* bars = nullptr;  ///< not owned; must outlive this
  // Views of kPreparedArrays * n values that `storage` keeps alive (copies
  // of a PreparedSeries share them): memory of its own, or a mapping that a
  // bars dataset shares between processes.
  std::span<const double> log_open, log_high, log_low, log_close;
  std::span<const double> log1p_volume;  ///< ln(1 + V)
  std::span<const double> log_range;     ///< ln(H / L)
  std::span<const double> log_return;    ///< ln(C_b / C_{b-1}); index 0 holds 0
  std::shared_ptr<const void> storage;
};

PreparedSeries PrepareSeries(const BarSeries& bars);
/// PrepareSeries into `prepared` (new memory of its own; the same values).
void PrepareSeriesInto(const BarSeries& bars, PreparedSeries& prepared);
/// Computes the arrays of `bars` into `values` (kPreparedArrays *
/// bars.size() doubles, in the order above) and views them; `owner` keeps
/// `values` alive.
void PrepareSeriesInto(const BarSeries& bars, std::span<double> values, std::shared_ptr<const void> owner,
                       PreparedSeries& prepared);
/// Views of arrays computed before into `values` (the layout above),
/// which `owner` keeps alive.
PreparedSeries ViewPreparedSeries(const BarSeries& bars, std::span<const double> values,
                                  std::shared_ptr<const void> owner);

}  // namespace barforge
