#pragma once
// Turns a file's flattened schema (SchemaElement list, depth-first) into the
// description of its leaf columns.

#include <string>
#include <vector>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"

namespace barforge::parquet::reader {

/// A leaf column plus what the reader needs beyond the public ColumnInfo.
struct LeafColumn {
  ColumnInfo info;
  int type_length = 0;  ///< FIXED_LEN_BYTE_ARRAY width in bytes
  /// Definition level at which the repeated ancestor holds an element (list
  /// columns only): entries below it are empty or null lists.
  int repeated_definition_level = 0;
};

/// Walks `schema` and returns its leaves in file order. Throws ParquetError
/// (without file context) when the tree is malformed.
std::vector<LeafColumn> BuildLeafColumns(const std::vector<format::SchemaElement>& schema);

/// "INT64", "BYTE_ARRAY", ... for messages.
std::string PhysicalTypeName(PhysicalType type);

}  // namespace barforge::parquet::reader
