#pragma once
// Loads one ticker's bars from a CSV file: a header row (or none, with
// csv_header: false), then one bar per line.

#include <filesystem>
#include <string>

#include "barforge/config.h"
#include "rawdata/bar_series.h"
#include "rawdata/csv_reader.h"

namespace barforge {

/// Reads `path` with the `columns` mapping (names, or field positions with
/// csv_header: false), then validates like any other source; rows in
/// messages are numbered as a spreadsheet shows them (with a header, the
/// header is row 1). Missing values (empty, null, NaN) are bad bars.
BarSeries LoadCsvBars(const std::filesystem::path& path, const std::string& ticker, const Config& config,
                      const CsvOptions& options);

}  // namespace barforge
