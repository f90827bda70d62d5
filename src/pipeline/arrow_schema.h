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

/// The field metadata key under which barforge records a list's shape, as
/// a JSON array ("[8,64,4]"). Not Arrow's canonical arrow.fixed_shape_tensor
/// extension: pyarrow (26) applies that one only to a list of OPTIONAL
/// elements (the tensor's storage type has a nullable child) and drops it
/// silently from barforge's required ones, and its bool tensors cannot
/// become numpy arrays; see docs/parquet.md.
inline constexpr const char* kShapeMetadataKey = "barforge.shape";
/// Arrow's field metadata keys of an extension type, and the canonical
/// tensor extension, whose shape the reader also takes (files of others).
inline constexpr const char* kArrowExtensionNameKey = "ARROW:extension:name";
inline constexpr const char* kArrowExtensionMetadataKey = "ARROW:extension:metadata";
inline constexpr const char* kFixedShapeTensorName = "arrow.fixed_shape_tensor";

/// `schema` as an Arrow IPC Schema message (flatbuffers, with the 0xFFFFFFFF
/// continuation marker and length prefix), base64-encoded, as pyarrow
/// stores it: INT64 -> Int64, INT32 -> Int32, INT(8) -> Int8, INT(16) ->
/// Int16, TIMESTAMP -> Timestamp(unit, "UTC"), FLOAT -> Float32, DOUBLE ->
/// Float64, STRING -> Utf8, BOOLEAN -> Bool, a list of n -> FixedSizeList<
/// element: its type>[n]; every field non-nullable. A list whose spec has a
/// shape has the field metadata barforge.shape = "[d0,d1,...]"; without a
/// shape a field has no metadata (the bytes barforge always wrote).
std::string ArrowSchemaBase64(const std::vector<parquet::ColumnSpec>& schema);

/// What an ARROW:schema value says of one top-level fixed-size list field.
struct ArrowListField {
  std::string name;
  int64_t list_size = 0;
  /// The row shape its barforge.shape (or arrow.fixed_shape_tensor
  /// metadata) gives; empty when it has none.
  std::vector<int64_t> shape;
};

/// The fixed-size list fields of an ARROW:schema value (base64 of an IPC
/// Schema message, with or without the continuation marker), in order.
/// Throws DataError naming `what` (the file) for a value that is not such a
/// message, or a shape that is not an array of dimensions >= 1 whose
/// product is the list size.
std::vector<ArrowListField> ArrowListFields(std::string_view base64, const std::string& what);

}  // namespace barforge
