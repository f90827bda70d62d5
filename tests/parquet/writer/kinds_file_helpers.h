#pragma once
// Test support: a file with one column of each list and bool kind (with and
// without a shape), with values computed from the row so that every reader's
// output can be checked against an independent recomputation.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "barforge/parquet_writer.h"

namespace barforge::parquet::testing {

/// The columns: id (int64 row number), i32, flag (bool), then bool, int8,
/// int16 and int64 lists each flat and shaped, and a shaped float list.
std::vector<ColumnSpec> KindsSchema();

/// Value j of row r of integer or bool column `column` (an index into
/// KindsSchema()); bools are 0/1. Row 0 holds the extremes of each integer
/// type; bool lists are all true in rows r % 5 == 1, all false in rows
/// r % 5 == 2, mixed in the others.
int64_t KindsInt(size_t column, int64_t row, int64_t j);
/// Value j of row r of the float list.
float KindsFloat(int64_t row, int64_t j);

/// Writes `rows` rows of KindsSchema() in row groups of `group_rows`, with
/// the ARROW:schema footer value barforge writes, then `extra` key-values
/// (one of a key already there replaces its value).
void WriteKindsFile(const std::filesystem::path& path, int64_t rows, int64_t group_rows, WriterOptions options,
                    const std::vector<std::pair<std::string, std::string>>& extra = {});

}  // namespace barforge::parquet::testing
