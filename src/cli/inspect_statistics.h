#pragma once
// `barforge inspect`: statistics, time range and rows per ticker.

#include "barforge/parquet_reader.h"

namespace barforge::cli {

/// Prints each column's min .. max over the row groups (from the footer's
/// statistics), the time range of the first timestamp column, and the rows
/// of each value of a `ticker` column (read from the file).
void PrintStatistics(const parquet::ParquetReader& reader);

}  // namespace barforge::cli
