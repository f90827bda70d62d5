#pragma once
// The "ARROW:schema" footer value: the dataset's columns as an Arrow schema,
// so that Arrow readers (pyarrow, arrow-rs, polars) give ohlc, volume, meta
// and rewards as fixed-size lists of their real lengths instead of
// variable-length lists. Readers without Arrow ignore it.

#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "dataset/dataset_footer.h"

namespace barforge {

/// The key under which Arrow's Parquet readers look for the schema.
inline constexpr const char* kArrowSchemaKey = DatasetFooter::kArrowSchemaKey;

/// `schema` as an Arrow IPC Schema message (flatbuffers, with the 0xFFFFFFFF
/// continuation marker and length prefix), base64-encoded, as pyarrow
/// stores it: INT64 -> Int64, INT(8) -> Int8, INT(16) -> Int16, TIMESTAMP ->
/// Timestamp(unit, "UTC"), FLOAT -> Float32, DOUBLE -> Float64, STRING ->
/// Utf8, FLOAT list of n -> FixedSizeList<element: Float32>[n]; every field
/// non-nullable.
std::string ArrowSchemaBase64(const std::vector<parquet::ColumnSpec>& schema);

}  // namespace barforge
