#pragma once
// The "ARROW:schema" footer value: the dataset's columns as an Arrow schema,
// so that Arrow readers (pyarrow, arrow-rs, polars) give ohlc, volume, meta
// and rewards as fixed-size lists of their real lengths instead of
// variable-length lists. Readers without Arrow ignore it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/parquet_writer.h"
#include "dataset/dataset_footer.h"

namespace barforge {

/// The key under which Arrow's Parquet readers look for the schema.
inline constexpr const char* kArrowSchemaKey = DatasetFooter::kArrowSchemaKey;

/// Arrow's field metadata keys of an extension type, and the canonical
/// extension barforge records a list's shape with.
inline constexpr const char* kArrowExtensionNameKey = "ARROW:extension:name";
inline constexpr const char* kArrowExtensionMetadataKey = "ARROW:extension:metadata";
inline constexpr const char* kFixedShapeTensorName = "arrow.fixed_shape_tensor";

/// `schema` as an Arrow IPC Schema message (flatbuffers, with the 0xFFFFFFFF
/// continuation marker and length prefix), base64-encoded, as pyarrow
/// stores it: INT64 -> Int64, INT32 -> Int32, INT(8) -> Int8, INT(16) ->
/// Int16, TIMESTAMP -> Timestamp(unit, "UTC"), FLOAT -> Float32, DOUBLE ->
/// Float64, STRING -> Utf8, BOOLEAN -> Bool, a list of n -> FixedSizeList<
/// element: its type>[n]; every field non-nullable. A list whose spec has a
/// shape is marked as Arrow's canonical extension arrow.fixed_shape_tensor
/// (field metadata ARROW:extension:name, and ARROW:extension:metadata
/// {"shape":[d0,d1,...]}); without a shape the field has no metadata.
std::string ArrowSchemaBase64(const std::vector<parquet::ColumnSpec>& schema);

/// What an ARROW:schema value says of one top-level fixed-size list field.
struct ArrowListField {
  std::string name;
  int64_t list_size = 0;
  /// The row shape of an arrow.fixed_shape_tensor field; empty otherwise.
  std::vector<int64_t> shape;
};

/// The fixed-size list fields of an ARROW:schema value (base64 of an IPC
/// Schema message, with or without the continuation marker), in order.
/// Throws DataError naming `what` (the file) for a value that is not such a
/// message, or a tensor shape whose product is not the list size.
std::vector<ArrowListField> ArrowListFields(std::string_view base64, const std::string& what);

}  // namespace barforge
