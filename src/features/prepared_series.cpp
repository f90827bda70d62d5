#include "features/prepared_series.h"

#include <cmath>
#include <stdexcept>

namespace barforge {

PreparedSeries PrepareSeries(const BarSeries& bars) {
  PreparedSeries prepared;
  PrepareSeriesInto(bars, prepared);
  return prepared;
}

void PrepareSeriesInto(const BarSeries& bars, PreparedSeries& prepared) {
  auto values = std::make_shared<std::vector<double>>(kPreparedArrays * static_cast<size_t>(bars.size()));
  PrepareSeriesInto(bars, *values, values, prepared);
}

void PrepareSeriesInto(const BarSeries& bars, std::span<double> values, std::shared_ptr<const void> owner,
                       PreparedSeries& prepared) {
  const auto n = static_cast<size_t>(bars.size());
  if (values.size() != kPreparedArrays * n) throw std::logic_error("PrepareSeriesInto: values of another size");
  double* const log_open = values.data();
  double* const log_high = log_open + n;
  double* const log_low = log_high + n;
  double* const log_close = log_low + n;
  double* const log1p_volume = log_close + n;
  double* const log_range = log1p_volume + n;
  double* const log_return = log_range + n;
  for (size_t b = 0; b < n; ++b) {
    log_open[b] = std::log(bars.open[b]);
    log_high[b] = std::log(bars.high[b]);
    log_low[b] = std::log(bars.low[b]);
    log_close[b] = std::log(bars.close[b]);
    log1p_volume[b] = std::log1p(bars.volume[b]);
    // ln(H/L) directly rather than ln H - ln L: one rounding instead of two.
    log_range[b] = std::log(bars.high[b] / bars.low[b]);
    log_return[b] = b == 0 ? 0.0 : std::log(bars.close[b] / bars.close[b - 1]);
  }
  prepared = ViewPreparedSeries(bars, values, std::move(owner));
}

PreparedSeries ViewPreparedSeries(const BarSeries& bars, std::span<const double> values,
                                  std::shared_ptr<const void> owner) {
  const auto n = static_cast<size_t>(bars.size());
  if (values.size() != kPreparedArrays * n) throw std::logic_error("ViewPreparedSeries: values of another size");
  PreparedSeries prepared;
  prepared.bars = &bars;
  std::span<const double>* arrays[kPreparedArrays] = {&prepared.log_open,     &prepared.log_high,  &prepared.log_low,
                                                      &prepared.log_close,    &prepared.log1p_volume,
                                                      &prepared.log_range,    &prepared.log_return};
  for (size_t a = 0; a < kPreparedArrays; ++a) *arrays[a] = values.subspan(a * n, n);
  prepared.storage = std::move(owner);
  return prepared;
}

}  // namespace barforge
