#pragma once
// Per-bar quantities computed once per ticker so that per-sample feature
// work is additions only: ln of each price, ln(1 + volume), ln(H/L), and
// the one-bar log return of the close.

#include <vector>

#include "rawdata/bar_series.h"

namespace barforge {

struct PreparedSeries {
  const BarSeries* bars = nullptr;  ///< not owned; must outlive this
  std::vector<double> log_open, log_high, log_low, log_close;
  std::vector<double> log1p_volume;  ///< ln(1 + V)
  std::vector<double> log_range;     ///< ln(H / L)
  std::vector<double> log_return;    ///< ln(C_b / C_{b-1}); index 0 holds 0
};

PreparedSeries PrepareSeries(const BarSeries& bars);
/// PrepareSeries into `prepared`, reusing its arrays' memory (the same values).
void PrepareSeriesInto(const BarSeries& bars, PreparedSeries& prepared);

}  // namespace barforge
