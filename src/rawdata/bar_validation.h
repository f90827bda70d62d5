#pragma once
// The bar validity rules (README, docs/semantics.md), the same whether
// the bars were read from Parquet or CSV.

#include <cstdint>
#include <vector>

#include "barforge/config.h"
#include "rawdata/bar_series.h"

namespace barforge {

/// Per-row null flags of the six columns as read (1: null). An empty vector
/// means the column has no nulls. A null in any column makes the bar invalid.
struct BarNulls {
  std::vector<uint8_t> timestamp, open, high, low, close, volume;
};

/// Checks every bar of `bars` (its `source` names the file in messages):
/// timestamp strictly greater than the previous kept bar's; open, high, low,
/// close finite and > 0; volume finite and >= 0; high >= max(open, close);
/// low <= min(open, close); and the arithmetic the features do holds:
/// high / low and close / the previous kept bar's close are finite and
/// non-zero doubles (so their logarithms are finite: an extreme bar such as
/// low = 1e-310 is bad, not an infinite feature). With OnBadBar::kError the first invalid bar
/// throws DataError "FILE: row R, column COL: value V: REASON", R being
/// index + first_row_number (1 for the first data row of a Parquet file).
/// With kDrop invalid bars are removed and added to bars.dropped_bars.
void ValidateBars(BarSeries& bars, const ColumnNames& names, OnBadBar mode, const BarNulls& nulls = {},
                  int64_t first_row_number = 1);

/// Throws DataError naming bars.source when the series is empty or, unless
/// `allow_short`, has fewer than window + horizon bars (no valid end bar).
void CheckSeriesLength(const BarSeries& bars, int window, int horizon, bool allow_short = false);

}  // namespace barforge
