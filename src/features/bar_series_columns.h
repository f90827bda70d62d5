#pragma once
// A loaded series viewed as the transform's input: the bars a build reads
// from a raw file, handed to FeatureTransform without a copy.

#include "barforge/feature_transform.h"
#include "rawdata/bar_series.h"

namespace barforge {

/// Views `bars` (which must outlive the result); `names` are the column
/// names used in error messages (the config's `columns`).
inline BarColumns ColumnsOf(const BarSeries& bars, const ColumnNames& names = {}) {
  BarColumns columns;
  columns.source = bars.source.string();
  columns.names = names;
  columns.timestamp_ns = bars.timestamp_ns;
  columns.open = bars.open;
  columns.high = bars.high;
  columns.low = bars.low;
  columns.close = bars.close;
  columns.volume = bars.volume;
  return columns;
}

}  // namespace barforge
