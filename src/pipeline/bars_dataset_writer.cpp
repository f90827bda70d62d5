#include "pipeline/bars_dataset_writer.h"

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "barforge/bars_dataset.h"
#include "barforge/error.h"

namespace barforge {

namespace {

// About 1M bars per row group: 48 MiB of values before compression.
constexpr int64_t kBarsPerRowGroup = int64_t{1} << 20;

}  // namespace

void RefusePartsOfBarsDataset(const Config& config) {
  if (config.storage != Storage::kBars) return;
  throw ConfigError("storage: bars: a bars dataset holds no rows to share out, so one process builds it whole "
                    "(build it without --shard or MPI ranks)");
}

std::vector<parquet::ColumnSpec> BarsDatasetSchema() {
  using parquet::ColumnType;
  using parquet::TimeUnit;
  return {
      {"timestamp", ColumnType::kTimestamp, TimeUnit::kNanos, 0}, {"open", ColumnType::kDouble, TimeUnit::kNanos, 0},
      {"high", ColumnType::kDouble, TimeUnit::kNanos, 0},         {"low", ColumnType::kDouble, TimeUnit::kNanos, 0},
      {"close", ColumnType::kDouble, TimeUnit::kNanos, 0},        {"volume", ColumnType::kDouble, TimeUnit::kNanos, 0},
  };
}

std::unique_ptr<parquet::ParquetWriter> WriteBarsDataset(const std::filesystem::path& path,
                                                         std::span<const BarSeries> series, int64_t rows,
                                                         parquet::WriterOptions options) {
  nlohmann::json counts = nlohmann::json::array();
  for (const BarSeries& bars : series) counts.push_back(bars.size());
  options.key_value_metadata.emplace_back(kStorageMetadataKey, "bars");
  options.key_value_metadata.emplace_back(kBarCountsMetadataKey, counts.dump());
  options.key_value_metadata.emplace_back(kRowsMetadataKey, std::to_string(rows));
  auto writer = std::make_unique<parquet::ParquetWriter>(path, BarsDatasetSchema(), std::move(options));
  // Row groups of up to kBarsPerRowGroup bars, cut at ticker ends too (a
  // row group never spans two tickers).
  for (const BarSeries& bars : series) {
    const int64_t n = bars.size();
    for (int64_t begin = 0; begin < n; begin += kBarsPerRowGroup) {
      const auto offset = static_cast<size_t>(begin);
      const auto count = static_cast<size_t>(std::min(kBarsPerRowGroup, n - begin));
      parquet::RowGroupData data;
      data.num_rows = static_cast<int64_t>(count);
      data.columns = {
          std::span<const int64_t>(bars.timestamp_ns.data() + offset, count),
          std::span<const double>(bars.open.data() + offset, count),
          std::span<const double>(bars.high.data() + offset, count),
          std::span<const double>(bars.low.data() + offset, count),
          std::span<const double>(bars.close.data() + offset, count),
          std::span<const double>(bars.volume.data() + offset, count),
      };
      writer->WriteRowGroup(data);
    }
  }
  writer->Finish();
  return writer;
}

}  // namespace barforge
