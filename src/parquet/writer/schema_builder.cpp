#include "parquet/writer/schema_builder.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "barforge/error.h"

namespace barforge::parquet {

void CheckSchema(const std::vector<ColumnSpec>& schema) {
  if (schema.empty()) throw ParquetUsageError("parquet schema: no columns");
  std::set<std::string> names;
  for (const ColumnSpec& column : schema) {
    if (column.name.empty()) throw ParquetUsageError("parquet schema: a column has an empty name");
    if (!names.insert(column.name).second) {
      throw ParquetUsageError(fmt::format("parquet schema: column '{}' appears twice", column.name));
    }
    if (IsListType(column.type) && column.list_size < 1) {
      throw ParquetUsageError(fmt::format("parquet schema: column '{}': list_size {} must be >= 1", column.name,
                                    column.list_size));
    }
    if (column.shape.empty()) continue;
    if (!IsListType(column.type)) {
      throw ParquetUsageError(fmt::format("parquet schema: column '{}': a shape is for list columns only", column.name));
    }
    if (std::any_of(column.shape.begin(), column.shape.end(), [](int32_t dimension) { return dimension < 1; })) {
      throw ParquetUsageError(fmt::format("parquet schema: column '{}': shape [{}] has a dimension < 1", column.name,
                                          fmt::join(column.shape, ", ")));
    }
    int64_t product = 1;
    for (const int32_t dimension : column.shape) {
      product *= dimension;
      if (product > std::numeric_limits<int32_t>::max()) break;  // list_size never is: no overflow
    }
    if (product != column.list_size) {
      throw ParquetUsageError(fmt::format("parquet schema: column '{}': shape [{}] holds {} values, list_size is {}",
                                          column.name, fmt::join(column.shape, ", "),
                                          product > std::numeric_limits<int32_t>::max() ? "more"
                                                                                        : std::to_string(product),
                                          column.list_size));
    }
  }
}

format::Type::type PhysicalTypeOf(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
    case ColumnType::kInt64List:
      return format::Type::INT64;
    case ColumnType::kInt8:
    case ColumnType::kInt16:
    case ColumnType::kInt32:
    case ColumnType::kInt8List:
    case ColumnType::kInt16List:
      return format::Type::INT32;
    case ColumnType::kFloat:
    case ColumnType::kFloatList:
      return format::Type::FLOAT;
    case ColumnType::kDouble:
      return format::Type::DOUBLE;
    case ColumnType::kString:
      return format::Type::BYTE_ARRAY;
    case ColumnType::kBool:
    case ColumnType::kBoolList:
      return format::Type::BOOLEAN;
  }
  return format::Type::INT64;
}

std::vector<std::string> LeafPath(const ColumnSpec& column) {
  if (IsListType(column.type)) return {column.name, "list", "element"};
  return {column.name};
}

std::vector<format::SchemaElement> BuildSchemaElements(const std::vector<ColumnSpec>& schema) {
  std::vector<format::SchemaElement> elements;
  format::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(static_cast<int32_t>(schema.size()));
  elements.push_back(root);
  for (const ColumnSpec& column : schema) {
    format::SchemaElement leaf;
    leaf.__set_repetition_type(format::FieldRepetitionType::REQUIRED);
    leaf.__set_type(PhysicalTypeOf(column.type));
    const ColumnType element = ElementType(column.type);
    switch (element) {
      case ColumnType::kTimestamp: {
        format::TimeUnit unit;
        if (column.unit == TimeUnit::kMillis) {
          unit.__set_MILLIS(format::MilliSeconds());
          leaf.__set_converted_type(format::ConvertedType::TIMESTAMP_MILLIS);
        } else if (column.unit == TimeUnit::kMicros) {
          unit.__set_MICROS(format::MicroSeconds());
          leaf.__set_converted_type(format::ConvertedType::TIMESTAMP_MICROS);
        } else {
          unit.__set_NANOS(format::NanoSeconds());  // NANOS has no converted type
        }
        format::TimestampType timestamp;
        timestamp.__set_isAdjustedToUTC(true);
        timestamp.__set_unit(unit);
        format::LogicalType logical;
        logical.__set_TIMESTAMP(timestamp);
        leaf.__set_logicalType(logical);
        break;
      }
      case ColumnType::kInt8:
      case ColumnType::kInt16: {
        const bool int8 = element == ColumnType::kInt8;
        format::IntType integer;
        integer.__set_bitWidth(int8 ? 8 : 16);
        integer.__set_isSigned(true);
        format::LogicalType logical;
        logical.__set_INTEGER(integer);
        leaf.__set_logicalType(logical);
        leaf.__set_converted_type(int8 ? format::ConvertedType::INT_8 : format::ConvertedType::INT_16);
        break;
      }
      case ColumnType::kString: {
        format::LogicalType logical;
        logical.__set_STRING(format::StringType());
        leaf.__set_logicalType(logical);
        leaf.__set_converted_type(format::ConvertedType::UTF8);
        break;
      }
      default:
        break;
    }
    if (!IsListType(column.type)) {
      leaf.__set_name(column.name);
      elements.push_back(leaf);
      continue;
    }
    // name (required, LIST) -> list (repeated) -> element (required)
    format::SchemaElement list;
    list.__set_name(column.name);
    list.__set_repetition_type(format::FieldRepetitionType::REQUIRED);
    list.__set_num_children(1);
    list.__set_converted_type(format::ConvertedType::LIST);
    format::LogicalType list_logical;
    list_logical.__set_LIST(format::ListType());
    list.__set_logicalType(list_logical);
    format::SchemaElement repeated;
    repeated.__set_name("list");
    repeated.__set_repetition_type(format::FieldRepetitionType::REPEATED);
    repeated.__set_num_children(1);
    leaf.__set_name("element");
    elements.push_back(list);
    elements.push_back(repeated);
    elements.push_back(leaf);
  }
  return elements;
}

}  // namespace barforge::parquet
