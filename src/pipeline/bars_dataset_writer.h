#pragma once
// The writing side of storage: bars: the validated bars of every ticker into
// one Parquet file (include/barforge/bars_dataset.h).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "barforge/config.h"
#include "barforge/parquet_writer.h"
#include "rawdata/bar_series.h"

namespace barforge {

/// The columns of a bars dataset: timestamp (ns), open, high, low, close,
/// volume (float64), every ticker's bars one after the other in config order.
std::vector<parquet::ColumnSpec> BarsDatasetSchema();

/// A bars dataset holds no rows to share out: with storage: bars, throws
/// ConfigError for a build in parts (--shard, MPI ranks) or of a range.
void RefusePartsOfBarsDataset(const Config& config);

/// Writes `series` (config order) to `path` as a bars dataset of `rows`
/// samples with `options` (its footer holds the build's keys; the bar
/// counts, row count and storage key are added here). The file is finished
/// but not committed: the caller commits it with the build's other outputs.
std::unique_ptr<parquet::ParquetWriter> WriteBarsDataset(const std::filesystem::path& path,
                                                         std::span<const BarSeries> series, int64_t rows,
                                                         parquet::WriterOptions options);

}  // namespace barforge
