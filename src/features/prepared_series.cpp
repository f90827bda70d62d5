#include "features/prepared_series.h"

#include <cmath>

namespace barforge {

PreparedSeries PrepareSeries(const BarSeries& bars) {
  PreparedSeries prepared;
  PrepareSeriesInto(bars, prepared);
  return prepared;
}

void PrepareSeriesInto(const BarSeries& bars, PreparedSeries& prepared) {
  prepared.bars = &bars;
  const auto n = static_cast<size_t>(bars.size());
  prepared.log_open.resize(n);
  prepared.log_high.resize(n);
  prepared.log_low.resize(n);
  prepared.log_close.resize(n);
  prepared.log1p_volume.resize(n);
  prepared.log_range.resize(n);
  prepared.log_return.resize(n);
  for (size_t b = 0; b < n; ++b) {
    prepared.log_open[b] = std::log(bars.open[b]);
    prepared.log_high[b] = std::log(bars.high[b]);
    prepared.log_low[b] = std::log(bars.low[b]);
    prepared.log_close[b] = std::log(bars.close[b]);
    prepared.log1p_volume[b] = std::log1p(bars.volume[b]);
    // ln(H/L) directly rather than ln H - ln L: one rounding instead of two.
    prepared.log_range[b] = std::log(bars.high[b] / bars.low[b]);
    prepared.log_return[b] = b == 0 ? 0.0 : std::log(bars.close[b] / bars.close[b - 1]);
  }
}

}  // namespace barforge
