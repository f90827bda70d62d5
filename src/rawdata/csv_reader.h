#pragma once
// Reads the bar columns of a CSV file: a header row (or none), then one bar
// per line.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rawdata/timestamp_text.h"

namespace barforge {

struct CsvOptions {
  char delimiter = ',';
  EpochUnit epoch_unit = EpochUnit::kAuto;  ///< for integer timestamps
  /// false: the file has no header row, its first line is a bar, and every
  /// column asked for is a field position in digits (0 = the first field);
  /// messages then name "column N", and no row may have more fields than the first.
  bool header = true;
};

/// Columns requested from a CSV file, in the order asked. Values that are
/// empty or spelled null/NaN (case-insensitive; as Yahoo writes missing
/// days) are missing: NaN for numbers, INT64_MIN for timestamps, and the row
/// is listed in `missing_rows` so that validation treats it as a bad bar.
struct CsvColumns {
  std::vector<int64_t> timestamp_ns;
  std::vector<std::vector<double>> numbers;  ///< one per requested number column
  std::vector<int64_t> missing_rows;         ///< 0-based data rows with a missing value
  int64_t rows() const { return static_cast<int64_t>(timestamp_ns.size()); }
};

/// Reads the timestamp column `timestamp_column` and the number columns
/// `number_columns` (matched to the header exactly, then case-insensitively;
/// other columns are ignored). Handles quoted fields (with "" escapes), CRLF
/// or LF line ends, a UTF-8 byte-order mark, and blank trailing lines. A
/// missing file or column, a row with too few fields, or a value that is not
/// a number or timestamp is a DataError naming the file, the row as a
/// spreadsheet shows it (the header is row 1) and the column. Numbers are
/// parsed with std::from_chars: the double nearest the text.
CsvColumns ReadCsvColumns(const std::filesystem::path& path, const std::string& timestamp_column,
                          const std::vector<std::string>& number_columns, const CsvOptions& options);

/// Parses CSV text held in memory; `path` only names it in messages.
CsvColumns ParseCsvColumns(std::string_view text, const std::filesystem::path& path,
                           const std::string& timestamp_column, const std::vector<std::string>& number_columns,
                           const CsvOptions& options);

}  // namespace barforge
