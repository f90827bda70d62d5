#include "parquet/reader/schema.h"

#include <string>

#include "barforge/error.h"
#include "parquet/reader/raw_enum.h"

namespace barforge::parquet::reader {
namespace {

namespace fmt = ::barforge::parquet::format;

// Deeper nesting than this is not a column barforge could use, and the bound
// keeps a corrupt schema from recursing without end.
constexpr int kMaxDepth = 64;

struct Walker {
  const std::vector<fmt::SchemaElement>& schema;
  std::vector<LeafColumn> leaves;
  size_t next = 1;  // element 0 is the root

  void Walk(std::vector<std::string>& path, int def, int rep, int repeated_def, bool list_parent, int depth) {
    if (next >= schema.size()) throw ParquetError("schema ends inside a group");
    if (depth > kMaxDepth) throw ParquetError("schema is nested deeper than " + std::to_string(kMaxDepth));
    const fmt::SchemaElement& element = schema[next++];
    path.push_back(element.name);
    const int32_t repetition =
        element.__isset.repetition_type ? RawEnum(element.repetition_type) : fmt::FieldRepetitionType::REQUIRED;
    if (repetition == fmt::FieldRepetitionType::OPTIONAL) ++def;
    if (repetition == fmt::FieldRepetitionType::REPEATED) {
      ++def;
      ++rep;
      repeated_def = def;
    }
    const bool is_list_group = (element.__isset.logicalType && element.logicalType.__isset.LIST) ||
                               (element.__isset.converted_type && RawEnum(element.converted_type) == fmt::ConvertedType::LIST);
    if (element.__isset.num_children && element.num_children > 0 && !element.__isset.type) {
      if (static_cast<size_t>(element.num_children) > schema.size()) {
        throw ParquetError("schema element '" + element.name + "' claims " + std::to_string(element.num_children) +
                           " children");
      }
      for (int32_t c = 0; c < element.num_children; ++c) {
        Walk(path, def, rep, repeated_def, is_list_group || list_parent, depth + 1);
      }
    } else {
      AddLeaf(element, path, def, rep, repeated_def);
    }
    path.pop_back();
  }

  void AddLeaf(const fmt::SchemaElement& element, const std::vector<std::string>& path, int def, int rep,
               int repeated_def) {
    if (!element.__isset.type) throw ParquetError("schema leaf '" + element.name + "' has no physical type");
    LeafColumn leaf;
    ColumnInfo& info = leaf.info;
    info.name = path.front();
    info.path = path;
    info.max_definition_level = def;
    info.max_repetition_level = rep;
    info.is_list = rep == 1;
    // A repeated ancestor adds a definition level too, but only OPTIONAL
    // ones can hold nulls.
    info.nullable = def > rep;
    leaf.repeated_definition_level = repeated_def;
    leaf.type_length = element.__isset.type_length ? element.type_length : 0;
    switch (RawEnum(element.type)) {
      case fmt::Type::BOOLEAN: info.physical_type = PhysicalType::kBoolean; break;
      case fmt::Type::INT32: info.physical_type = PhysicalType::kInt32; break;
      case fmt::Type::INT64: info.physical_type = PhysicalType::kInt64; break;
      case fmt::Type::INT96: info.physical_type = PhysicalType::kInt96; break;
      case fmt::Type::FLOAT: info.physical_type = PhysicalType::kFloat; break;
      case fmt::Type::DOUBLE: info.physical_type = PhysicalType::kDouble; break;
      case fmt::Type::BYTE_ARRAY: info.physical_type = PhysicalType::kByteArray; break;
      case fmt::Type::FIXED_LEN_BYTE_ARRAY: info.physical_type = PhysicalType::kFixedLenByteArray; break;
      default:
        throw ParquetError("schema leaf '" + element.name + "' has unknown physical type " +
                           std::to_string(RawEnum(element.type)));
    }
    if (info.physical_type == PhysicalType::kFixedLenByteArray && leaf.type_length < 0) {
      throw ParquetError("schema leaf '" + element.name + "' has negative type_length");
    }
    SetLogical(element, info);
    leaves.push_back(std::move(leaf));
  }

  static void SetLogical(const fmt::SchemaElement& element, ColumnInfo& info) {
    if (info.physical_type == PhysicalType::kInt96) {
      info.logical = LogicalKind::kTimestamp;
      info.time_unit = TimeUnit::kNanos;
      info.utc = false;
      return;
    }
    if (element.__isset.logicalType) {
      const fmt::LogicalType& logical = element.logicalType;
      if (logical.__isset.STRING || logical.__isset.ENUM || logical.__isset.JSON) {
        info.logical = LogicalKind::kString;
      } else if (logical.__isset.DATE) {
        info.logical = LogicalKind::kDate;
      } else if (logical.__isset.TIMESTAMP) {
        info.logical = LogicalKind::kTimestamp;
        info.utc = logical.TIMESTAMP.isAdjustedToUTC;
        const fmt::TimeUnit& unit = logical.TIMESTAMP.unit;
        info.time_unit = unit.__isset.MILLIS ? TimeUnit::kMillis
                         : unit.__isset.MICROS ? TimeUnit::kMicros
                                               : TimeUnit::kNanos;
      } else if (logical.__isset.INTEGER) {
        info.logical = LogicalKind::kInteger;
      } else {
        info.logical = LogicalKind::kOther;
      }
      return;
    }
    if (!element.__isset.converted_type) return;
    switch (RawEnum(element.converted_type)) {
      case fmt::ConvertedType::UTF8:
      case fmt::ConvertedType::ENUM:
      case fmt::ConvertedType::JSON:
        info.logical = LogicalKind::kString;
        break;
      case fmt::ConvertedType::DATE: info.logical = LogicalKind::kDate; break;
      case fmt::ConvertedType::TIMESTAMP_MILLIS:
      case fmt::ConvertedType::TIMESTAMP_MICROS:
        // The legacy annotations mean instants (LogicalTypes.md).
        info.logical = LogicalKind::kTimestamp;
        info.utc = true;
        info.time_unit =
            RawEnum(element.converted_type) == fmt::ConvertedType::TIMESTAMP_MILLIS ? TimeUnit::kMillis : TimeUnit::kMicros;
        break;
      case fmt::ConvertedType::INT_8:
      case fmt::ConvertedType::INT_16:
      case fmt::ConvertedType::INT_32:
      case fmt::ConvertedType::INT_64:
      case fmt::ConvertedType::UINT_8:
      case fmt::ConvertedType::UINT_16:
      case fmt::ConvertedType::UINT_32:
      case fmt::ConvertedType::UINT_64:
        info.logical = LogicalKind::kInteger;
        break;
      default: info.logical = LogicalKind::kOther; break;
    }
  }
};

}  // namespace

std::vector<LeafColumn> BuildLeafColumns(const std::vector<format::SchemaElement>& schema) {
  if (schema.empty()) throw ParquetError("schema is empty");
  const fmt::SchemaElement& root = schema.front();
  const int32_t children = root.__isset.num_children ? root.num_children : 0;
  if (children < 0 || static_cast<size_t>(children) >= schema.size() + 1) {
    throw ParquetError("schema root claims " + std::to_string(children) + " children");
  }
  Walker walker{schema, {}, 1};
  std::vector<std::string> path;
  for (int32_t c = 0; c < children; ++c) walker.Walk(path, 0, 0, 0, false, 1);
  if (walker.next != schema.size()) {
    throw ParquetError("schema has " + std::to_string(schema.size() - walker.next) + " elements outside the tree");
  }
  return std::move(walker.leaves);
}

std::string PhysicalTypeName(PhysicalType type) {
  switch (type) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kInt96: return "INT96";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "?";
}

}  // namespace barforge::parquet::reader
