// `barforge inspect`: the column statistics of the footer (min and max over
// row groups), the time range and the rows of each ticker.

#include "cli/inspect_statistics.h"

#include <cstring>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "text/human.h"
#include "text/terminal_text.h"

namespace barforge::cli {

namespace {

// One column's range over the row groups whose statistics have one.
struct Range {
  bool any = false;
  int64_t int_min = 0, int_max = 0;
  double real_min = 0, real_max = 0;
  std::string text_min, text_max;
  int64_t chunks_without = 0;
};

template <class T>
T Decode(const std::string& bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

void Widen(Range& range, const parquet::ColumnInfo& column, const std::string& min, const std::string& max) {
  using parquet::PhysicalType;
  switch (column.physical_type) {
    case PhysicalType::kInt64:
    case PhysicalType::kInt32: {
      const bool wide = column.physical_type == PhysicalType::kInt64;
      if (min.size() != (wide ? 8u : 4u) || max.size() != min.size()) return;
      const int64_t lo = wide ? Decode<int64_t>(min) : Decode<int32_t>(min);
      const int64_t hi = wide ? Decode<int64_t>(max) : Decode<int32_t>(max);
      range.int_min = range.any ? std::min(range.int_min, lo) : lo;
      range.int_max = range.any ? std::max(range.int_max, hi) : hi;
      break;
    }
    case PhysicalType::kBoolean: {  // one byte each, 0 or 1
      if (min.size() != 1 || max.size() != 1) return;
      const int64_t lo = min[0] != 0, hi = max[0] != 0;
      range.int_min = range.any ? std::min(range.int_min, lo) : lo;
      range.int_max = range.any ? std::max(range.int_max, hi) : hi;
      break;
    }
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: {
      const bool wide = column.physical_type == PhysicalType::kDouble;
      if (min.size() != (wide ? 8u : 4u) || max.size() != min.size()) return;
      const double lo = wide ? Decode<double>(min) : Decode<float>(min);
      const double hi = wide ? Decode<double>(max) : Decode<float>(max);
      range.real_min = range.any ? std::min(range.real_min, lo) : lo;
      range.real_max = range.any ? std::max(range.real_max, hi) : hi;
      break;
    }
    case PhysicalType::kByteArray:
      range.text_min = range.any ? std::min(range.text_min, min) : min;
      range.text_max = range.any ? std::max(range.text_max, max) : max;
      break;
    default: return;
  }
  range.any = true;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// A timestamp of the column's unit as ISO 8601 in UTC, as FormatTimestampNs
// writes nanoseconds ("2020-01-01T00:00:00.5Z"), for every int64 of every
// unit: converting ms or us to ns first overflows past the year 2262 (and
// DuckDB writes 9999-12-31 as a placeholder).
std::string FormatTimestamp(const parquet::ColumnInfo& column, int64_t value) {
  const int64_t per_second = column.time_unit == parquet::TimeUnit::kMillis   ? 1000
                             : column.time_unit == parquet::TimeUnit::kMicros ? 1000000
                                                                               : 1000000000;
  const int digits = column.time_unit == parquet::TimeUnit::kMillis   ? 3
                     : column.time_unit == parquet::TimeUnit::kMicros ? 6
                                                                       : 9;
  const int64_t seconds = FloorDiv(value, per_second);
  int64_t fraction = value - seconds * per_second;
  const int64_t days = FloorDiv(seconds, 86400);
  const int64_t second_of_day = seconds - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), in
  // 64 bits so that any int64 of seconds has its year.
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  std::string text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", year, month, day, second_of_day / 3600,
                                 second_of_day / 60 % 60, second_of_day % 60);
  if (fraction != 0) {
    int shown = digits;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --shown;
    }
    text += fmt::format(".{:0{}}", fraction, shown);
  }
  return text + "Z";
}

bool IsTimestamp(const parquet::ColumnInfo& column) {
  return column.logical == parquet::LogicalKind::kTimestamp && column.physical_type == parquet::PhysicalType::kInt64;
}

std::string Show(const parquet::ColumnInfo& column, const Range& range) {
  using parquet::PhysicalType;
  switch (column.physical_type) {
    case PhysicalType::kInt64:
    case PhysicalType::kInt32:
      if (IsTimestamp(column)) {
        return fmt::format("{} .. {}", FormatTimestamp(column, range.int_min), FormatTimestamp(column, range.int_max));
      }
      return fmt::format("{} .. {}", text::Thousands(range.int_min), text::Thousands(range.int_max));
    case PhysicalType::kBoolean:
      return fmt::format("{} .. {}", range.int_min != 0 ? "true" : "false", range.int_max != 0 ? "true" : "false");
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return fmt::format("{:.6g} .. {:.6g}", range.real_min, range.real_max);
    default: return fmt::format("'{}' .. '{}'", text::Escaped(range.text_min), text::Escaped(range.text_max));
  }
}

}  // namespace

void PrintStatistics(const parquet::ParquetReader& reader) {
  const std::vector<parquet::ColumnInfo>& columns = reader.columns();
  std::vector<Range> ranges(columns.size());
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const parquet::RowGroupMetadata group = reader.row_group_metadata(g);
    for (size_t c = 0; c < group.columns.size() && c < columns.size(); ++c) {
      const std::optional<parquet::ChunkStatistics>& stats = group.columns[c].statistics;
      if (stats && stats->min && stats->max) {
        Widen(ranges[c], columns[c], *stats->min, *stats->max);
      } else {
        ++ranges[c].chunks_without;
      }
    }
  }
  fmt::print("\nstatistics (min .. max over the row groups, from the footer; lists: their elements):\n");
  std::optional<size_t> time_column;
  for (size_t c = 0; c < columns.size(); ++c) {
    const Range& range = ranges[c];
    std::string note;
    if (range.chunks_without > 0) note = fmt::format("  ({} without statistics)", text::Count(range.chunks_without, "row group"));
    fmt::print("  {:<14} {}{}\n", text::Escaped(columns[c].name), range.any ? Show(columns[c], range) : "none", note);
    if (!time_column && range.any && IsTimestamp(columns[c]) && range.chunks_without == 0) time_column = c;
  }
  if (time_column) {
    const Range& range = ranges[*time_column];
    fmt::print("time range:  {} .. {} ({})\n", FormatTimestamp(columns[*time_column], range.int_min),
               FormatTimestamp(columns[*time_column], range.int_max), text::Escaped(columns[*time_column].name));
  }
  // Rows per ticker: not in the statistics, so the column is read (a
  // dictionary of a few names; about a second per 10M rows).
  const std::optional<size_t> ticker = reader.FindColumn("ticker");
  if (ticker && columns[*ticker].physical_type == parquet::PhysicalType::kByteArray && !columns[*ticker].is_list) {
    const parquet::ColumnBuffer values = reader.ReadColumn(*ticker);
    std::map<std::string, int64_t, std::less<>> counts;
    for (size_t i = 0; i < values.size(); ++i) {
      if (!values.is_null(i)) ++counts[std::string(values.string(i))];
    }
    fmt::print("rows per ticker:\n");
    size_t width = 0;
    std::map<std::string, int64_t, std::less<>> shown;
    for (const auto& [name, count] : counts) shown[text::Escaped(name)] += count;
    for (const auto& entry : shown) width = std::max(width, entry.first.size());
    for (const auto& [name, count] : shown) {
      fmt::print("  {:<{}}  {:>12}  {:5.1f}%\n", name, width, text::Thousands(count),
                 100.0 * static_cast<double>(count) / static_cast<double>(std::max<int64_t>(1, reader.num_rows())));
    }
  }
}

}  // namespace barforge::cli
