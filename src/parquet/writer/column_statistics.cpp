#include "parquet/writer/column_statistics.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace barforge::parquet {

namespace {

// Longest string min/max written to statistics; longer ones are left out
// rather than truncated (truncation would need is_*_value_exact handling).
constexpr size_t kMaxStringStatistic = 256;

template <class T>
std::string StatisticBytes(T value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

format::Statistics WithRange(const std::string& lo, const std::string& hi, bool legacy) {
  format::Statistics stats;
  stats.__set_null_count(0);
  stats.__set_min_value(lo);
  stats.__set_max_value(hi);
  if (legacy) {
    stats.__set_min(lo);
    stats.__set_max(hi);
  }
  return stats;
}

format::Statistics NullCountOnly() {
  format::Statistics stats;
  stats.__set_null_count(0);
  return stats;
}

}  // namespace

void ValueRange::Merge(const ValueRange& other) {
  has_nan |= other.has_nan;
  if (!other.has_value) return;
  int_min = has_value ? std::min(int_min, other.int_min) : other.int_min;
  int_max = has_value ? std::max(int_max, other.int_max) : other.int_max;
  real_min = has_value ? std::min(real_min, other.real_min) : other.real_min;
  real_max = has_value ? std::max(real_max, other.real_max) : other.real_max;
  has_value = true;
}

template <class T>
ValueRange RealRange(std::span<const T> values) {
  T lo = std::numeric_limits<T>::infinity();
  T hi = -std::numeric_limits<T>::infinity();
  bool nan = false;
  for (const T v : values) {
    // std::min/max keep the first argument when v is NaN.
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    nan |= v != v;
  }
  ValueRange range;
  range.has_nan = nan;
  range.has_value = !values.empty();
  range.real_min = lo;
  range.real_max = hi;
  return range;
}

template <class T>
ValueRange IntegerRange(std::span<const T> values) {
  ValueRange range;
  if (values.empty()) return range;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  range.has_value = true;
  range.int_min = *lo;
  range.int_max = *hi;
  return range;
}

template ValueRange RealRange<float>(std::span<const float>);
template ValueRange RealRange<double>(std::span<const double>);
template ValueRange IntegerRange<int8_t>(std::span<const int8_t>);
template ValueRange IntegerRange<int16_t>(std::span<const int16_t>);
template ValueRange IntegerRange<int32_t>(std::span<const int32_t>);
template ValueRange IntegerRange<int64_t>(std::span<const int64_t>);

format::Statistics NumberStatistics(ColumnType type, const ValueRange& range) {
  if (!range.has_value) return NullCountOnly();
  switch (ElementType(type)) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
      return WithRange(StatisticBytes(range.int_min), StatisticBytes(range.int_max), true);
    case ColumnType::kInt8:
    case ColumnType::kInt16:  // INT32 statistics
    case ColumnType::kInt32:
      return WithRange(StatisticBytes(static_cast<int32_t>(range.int_min)),
                       StatisticBytes(static_cast<int32_t>(range.int_max)), true);
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      if (range.has_nan || !(range.real_min <= range.real_max)) return NullCountOnly();
      // A zero extreme is written as -0.0 (min) and +0.0 (max).
      const double lo = range.real_min == 0 ? -0.0 : range.real_min;
      const double hi = range.real_max == 0 ? 0.0 : range.real_max;
      if (type == ColumnType::kDouble) return WithRange(StatisticBytes(lo), StatisticBytes(hi), true);
      return WithRange(StatisticBytes(static_cast<float>(lo)), StatisticBytes(static_cast<float>(hi)), true);
    }
    case ColumnType::kBool: return BoolStatistics(range);
    case ColumnType::kString:
    case ColumnType::kFloatList:  // not element types
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
    case ColumnType::kInt64List:
    case ColumnType::kBoolList: break;
  }
  return NullCountOnly();
}

format::Statistics BoolStatistics(const ValueRange& range) {
  if (!range.has_value) return NullCountOnly();
  return WithRange(std::string(1, static_cast<char>(range.int_min != 0)),
                   std::string(1, static_cast<char>(range.int_max != 0)), false);
}

format::Statistics StringStatistics(bool has_range, const std::string& min, const std::string& max) {
  if (!has_range || min.size() > kMaxStringStatistic || max.size() > kMaxStringStatistic) return NullCountOnly();
  return WithRange(min, max, false);
}

}  // namespace barforge::parquet
