#pragma once
// Loads one ticker's bars from a CSV file (SPEC §2): header row, then bars.

#include <filesystem>
#include <string>

#include "barforge/config.h"
#include "rawdata/bar_series.h"
#include "rawdata/csv_reader.h"

namespace barforge {

/// Reads `path` with the `columns` mapping, then validates like any other
/// source; rows in messages are numbered as a spreadsheet shows them (the
/// header is row 1). Missing values (empty, null, NaN) are bad bars.
BarSeries LoadCsvBars(const std::filesystem::path& path, const std::string& ticker, const Config& config,
                      const CsvOptions& options);

}  // namespace barforge
