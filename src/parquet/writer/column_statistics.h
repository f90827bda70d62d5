#pragma once
// Column-chunk statistics: the min/max a page's values span, merged over the
// chunk's pages, and the Statistics the footer holds for a chunk.

#include <cstdint>
#include <span>
#include <string>

#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"

namespace barforge::parquet {

/// Min/max of the values of a page (then of a chunk); numbers only. A NaN
/// makes the real min/max unusable.
struct ValueRange {
  bool has_value = false;
  bool has_nan = false;
  int64_t int_min = 0, int_max = 0;
  double real_min = 0, real_max = 0;

  /// Widens this range by `other`.
  void Merge(const ValueRange& other);
};

/// The range of `values` (NaN noted, never compared).
template <class T>
ValueRange RealRange(std::span<const T> values);

/// The range of integer `values`.
template <class T>
ValueRange IntegerRange(std::span<const T> values);

/// A chunk's statistics for a column of numbers (or a list of numbers, or
/// bools) spanning `range`: null_count 0, min/max (and the legacy min/max)
/// in the column's physical type; no
/// min/max for a chunk without values or with a NaN; a zero minimum is
/// written as -0.0 and a zero maximum as +0.0.
format::Statistics NumberStatistics(ColumnType type, const ValueRange& range);

/// A BOOLEAN chunk's statistics: null_count 0 and min_value/max_value (one
/// byte, 0 or 1, from int_min/int_max), never the legacy min/max, which
/// readers only trust for signed orders (Arrow: a boolean's is unsigned).
format::Statistics BoolStatistics(const ValueRange& range);

/// A string chunk's statistics: null_count 0, and min_value/max_value
/// (byte-wise order) when `has_range` and both are at most 256 bytes; never
/// the legacy min/max, which used signed byte order.
format::Statistics StringStatistics(bool has_range, const std::string& min, const std::string& max);

}  // namespace barforge::parquet
