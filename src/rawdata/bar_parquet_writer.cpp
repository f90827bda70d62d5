#include <algorithm>

#include "barforge/parquet_writer.h"
#include "rawdata/synthetic_market.h"

namespace barforge {

namespace {

// About 1M bars per row group: 48 MiB of values before compression.
constexpr int64_t kBarsPerRowGroup = 1 << 20;

}  // namespace

void WriteBarsParquet(const BarSeries& bars, const std::filesystem::path& path, const ColumnNames& names,
                      std::vector<std::pair<std::string, std::string>> key_values) {
  WriteBarsParquetUncommitted(bars, path, names, true, std::move(key_values))->Commit();
}

std::unique_ptr<parquet::ParquetWriter> WriteBarsParquetUncommitted(
    const BarSeries& bars, const std::filesystem::path& path, const ColumnNames& names, bool replace,
    std::vector<std::pair<std::string, std::string>> key_values) {
  using parquet::ColumnSpec;
  using parquet::ColumnType;
  std::vector<ColumnSpec> schema = {
      {names.timestamp, ColumnType::kTimestamp, parquet::TimeUnit::kNanos, 0},
      {names.open, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0},
      {names.high, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0},
      {names.low, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0},
      {names.close, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0},
      {names.volume, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0},
  };
  parquet::WriterOptions options;
  options.codec = parquet::Codec::kZstd;
  options.compression_level = 3;
  options.threads = 1;
  options.key_value_metadata = std::move(key_values);
  options.replace_existing = replace;
  auto writer = std::make_unique<parquet::ParquetWriter>(path, std::move(schema), options);
  const int64_t n = bars.size();
  for (int64_t begin = 0; begin < n; begin += kBarsPerRowGroup) {
    const auto offset = static_cast<size_t>(begin);
    const auto rows = static_cast<size_t>(std::min(kBarsPerRowGroup, n - begin));
    parquet::RowGroupData data;
    data.num_rows = static_cast<int64_t>(rows);
    data.columns = {
        std::span<const int64_t>(bars.timestamp_ns.data() + offset, rows),
        std::span<const double>(bars.open.data() + offset, rows),
        std::span<const double>(bars.high.data() + offset, rows),
        std::span<const double>(bars.low.data() + offset, rows),
        std::span<const double>(bars.close.data() + offset, rows),
        std::span<const double>(bars.volume.data() + offset, rows),
    };
    writer->WriteRowGroup(data);
  }
  writer->Finish();
  return writer;
}

}  // namespace barforge
