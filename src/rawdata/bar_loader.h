#pragma once
// Loads and validates one ticker's raw bars (docs/semantics.md).

#include <filesystem>
#include <string>

#include "barforge/config.h"
#include "rawdata/bar_series.h"

namespace barforge {

/// True for the extensions read as CSV: .csv, .tsv (tab-delimited unless
/// csv_delimiter says otherwise) and .txt; everything else is Parquet.
bool IsCsvPath(const std::filesystem::path& path);

/// Reads `path` (Parquet, or CSV by extension) using the `columns` mapping, validates every bar
/// (error: DataError naming file, 1-based row, column and value; drop: bars
/// removed and counted in dropped_bars). A missing file or column, an empty
/// series, or one shorter than window + horizon bars is a DataError naming
/// the file.
BarSeries LoadBars(const std::filesystem::path& path, const std::string& ticker, const Config& config);

}  // namespace barforge
