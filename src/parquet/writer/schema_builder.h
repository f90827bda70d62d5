#pragma once
// Parquet schema elements and per-column facts for a writer schema.

#include <vector>

#include "barforge/parquet_writer.h"
#include "gen-cpp/parquet_types.h"

namespace barforge::parquet {

/// Throws ParquetUsageError for an empty schema, an empty or duplicate name,
/// a list column with list_size < 1, or a shape that is not a list's (a
/// scalar column's, a dimension < 1, a product other than list_size).
void CheckSchema(const std::vector<ColumnSpec>& schema);

/// Depth-first schema elements: the root "schema", then each column (a list
/// column as name -> list -> element).
std::vector<format::SchemaElement> BuildSchemaElements(const std::vector<ColumnSpec>& schema);

/// The physical type of a column's leaf.
format::Type::type PhysicalTypeOf(ColumnType type);

/// path_in_schema of a column's leaf.
std::vector<std::string> LeafPath(const ColumnSpec& column);

}  // namespace barforge::parquet
