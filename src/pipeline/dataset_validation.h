#pragma once
// `barforge validate`: reads every value of a samples file and checks it.

#include <cstdint>
#include <filesystem>
#include <string>

namespace barforge {

struct DatasetReport {
  int64_t rows = 0;
  int64_t row_groups = 0;
  int window = 0;
  std::string split;         ///< the file's split (empty without splits)
  int64_t float_values = 0;  ///< float values checked for NaN/inf
};

/// Checks the columns of the layout recorded in the file's footer (see
/// DatasetLayout: names, types, list lengths 4W, W, 6, 3),
/// that sample_id runs 0..N-1 in order, that no value is null, NaN or
/// infinite, that bar_index >= W - 1, that tickers are non-empty and, with a
/// triple barrier, that tb_label is -1, 0 or 1 and tb_bars in 1..H (H where
/// tb_label is 0). Reads
/// one row group at a time, so memory stays bounded. Throws DataError naming
/// the file, column and row of the first problem (ParquetError for a file
/// that cannot be read). A part of a dataset built in parts starts at
/// sample id `first_sample_id`. A cross-sectional file (cross_section:
/// true) is checked slot by slot (ValidateCrossSection).
DatasetReport ValidateDataset(const std::filesystem::path& file, int64_t first_sample_id = 0);

}  // namespace barforge
