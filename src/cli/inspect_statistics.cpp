// `barforge inspect`: the column statistics of the footer (min and max over
// row groups), the time range and the rows of each ticker.

#include "cli/inspect_statistics.h"

#include <cstring>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "barforge/feature_transform.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/reader/reader_access.h"
#include "text/human.h"

namespace barforge::cli {

namespace {

namespace format = parquet::format;

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

int64_t Nanoseconds(const parquet::ColumnInfo& column, int64_t value) {
  switch (column.time_unit) {
    case parquet::TimeUnit::kMillis: return value * 1000000;
    case parquet::TimeUnit::kMicros: return value * 1000;
    default: return value;
  }
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
        return fmt::format("{} .. {}", FormatTimestampNs(Nanoseconds(column, range.int_min)),
                           FormatTimestampNs(Nanoseconds(column, range.int_max)));
      }
      return fmt::format("{} .. {}", text::Thousands(range.int_min), text::Thousands(range.int_max));
    case PhysicalType::kFloat:
    case PhysicalType::kDouble: return fmt::format("{:.6g} .. {:.6g}", range.real_min, range.real_max);
    default: return fmt::format("'{}' .. '{}'", range.text_min, range.text_max);
  }
}

}  // namespace

void PrintStatistics(const parquet::ParquetReader& reader) {
  const format::FileMetaData& meta = parquet::detail::ReaderAccess::Footer(reader);
  const std::vector<parquet::ColumnInfo>& columns = reader.columns();
  std::vector<Range> ranges(columns.size());
  for (const format::RowGroup& group : meta.row_groups) {
    for (size_t c = 0; c < group.columns.size() && c < columns.size(); ++c) {
      const format::ColumnChunk& chunk = group.columns[c];
      const format::Statistics& stats = chunk.meta_data.statistics;
      if (!chunk.__isset.meta_data || !chunk.meta_data.__isset.statistics) {
        ++ranges[c].chunks_without;
      } else if (stats.__isset.min_value && stats.__isset.max_value) {
        Widen(ranges[c], columns[c], stats.min_value, stats.max_value);
      } else if (stats.__isset.min && stats.__isset.max) {
        Widen(ranges[c], columns[c], stats.min, stats.max);
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
    fmt::print("  {:<14} {}{}\n", columns[c].name, range.any ? Show(columns[c], range) : "none", note);
    if (!time_column && range.any && IsTimestamp(columns[c]) && range.chunks_without == 0) time_column = c;
  }
  if (time_column) {
    const Range& range = ranges[*time_column];
    fmt::print("time range:  {} .. {} ({})\n", FormatTimestampNs(Nanoseconds(columns[*time_column], range.int_min)),
               FormatTimestampNs(Nanoseconds(columns[*time_column], range.int_max)), columns[*time_column].name);
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
    for (const auto& entry : counts) width = std::max(width, entry.first.size());
    for (const auto& [name, count] : counts) {
      fmt::print("  {:<{}}  {:>12}  {:5.1f}%\n", name, width, text::Thousands(count),
                 100.0 * static_cast<double>(count) / static_cast<double>(std::max<int64_t>(1, reader.num_rows())));
    }
  }
}

}  // namespace barforge::cli
