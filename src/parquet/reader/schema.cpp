#include "parquet/reader/schema.h"

#include <string>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/reader/raw_enum.h"

namespace barforge::parquet::reader {
namespace {

// Deeper nesting than this is not a column barforge could use, and the bound
// keeps a corrupt schema from recursing without end.
constexpr int kMaxDepth = 64;

struct Walker {
  const std::vector<format::SchemaElement>& schema;
  std::vector<LeafColumn> leaves;
  size_t next = 1;  // element 0 is the root

  void Walk(std::vector<std::string>& path, int def, int rep, int repeated_def, bool list_parent, int depth) {
    if (next >= schema.size()) throw ParquetError("schema ends inside a group");
    if (depth > kMaxDepth) throw ParquetError(fmt::format("schema is nested deeper than {}", kMaxDepth));
    const format::SchemaElement& element = schema[next++];
    path.push_back(element.name);
    const int32_t repetition =
        element.__isset.repetition_type ? RawEnum(element.repetition_type) : format::FieldRepetitionType::REQUIRED;
    if (repetition == format::FieldRepetitionType::OPTIONAL) ++def;
    if (repetition == format::FieldRepetitionType::REPEATED) {
      ++def;
      ++rep;
      repeated_def = def;
    }
    const bool is_list_group =
        (element.__isset.logicalType && element.logicalType.__isset.LIST) ||
        (element.__isset.converted_type && RawEnum(element.converted_type) == format::ConvertedType::LIST);
    if (element.__isset.num_children && element.num_children > 0 && !element.__isset.type) {
      if (static_cast<size_t>(element.num_children) > schema.size()) {
        throw ParquetError(fmt::format("schema element '{}' claims {} children", element.name, element.num_children));
      }
      for (int32_t c = 0; c < element.num_children; ++c) {
        Walk(path, def, rep, repeated_def, is_list_group || list_parent, depth + 1);
      }
    } else {
      AddLeaf(element, path, def, rep, repeated_def);
    }
    path.pop_back();
  }

  void AddLeaf(const format::SchemaElement& element, const std::vector<std::string>& path, int def, int rep,
               int repeated_def) {
    if (!element.__isset.type) throw ParquetError(fmt::format("schema leaf '{}' has no physical type", element.name));
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
      case format::Type::BOOLEAN: info.physical_type = PhysicalType::kBoolean; break;
      case format::Type::INT32: info.physical_type = PhysicalType::kInt32; break;
      case format::Type::INT64: info.physical_type = PhysicalType::kInt64; break;
      case format::Type::INT96: info.physical_type = PhysicalType::kInt96; break;
      case format::Type::FLOAT: info.physical_type = PhysicalType::kFloat; break;
      case format::Type::DOUBLE: info.physical_type = PhysicalType::kDouble; break;
      case format::Type::BYTE_ARRAY: info.physical_type = PhysicalType::kByteArray; break;
      case format::Type::FIXED_LEN_BYTE_ARRAY: info.physical_type = PhysicalType::kFixedLenByteArray; break;
      default:
        throw ParquetError(
            fmt::format("schema leaf '{}' has unknown physical type {}", element.name, RawEnum(element.type)));
    }
    if (info.physical_type == PhysicalType::kFixedLenByteArray && leaf.type_length < 0) {
      throw ParquetError(fmt::format("schema leaf '{}' has negative type_length", element.name));
    }
    SetLogical(element, info);
    leaves.push_back(std::move(leaf));
  }

  static bool DecimalPhysical(PhysicalType type) {
    return type == PhysicalType::kInt32 || type == PhysicalType::kInt64 || type == PhysicalType::kByteArray ||
           type == PhysicalType::kFixedLenByteArray;
  }

  static void SetDecimal(ColumnInfo& info, int32_t precision, int32_t scale) {
    info.logical_name = "DECIMAL";
    if (!DecimalPhysical(info.physical_type)) {
      info.logical = LogicalKind::kOther;
      return;
    }
    info.logical = LogicalKind::kDecimal;
    info.precision = precision;
    info.scale = scale;
  }

  static void SetLogical(const format::SchemaElement& element, ColumnInfo& info) {
    if (info.physical_type == PhysicalType::kInt96) {
      info.logical = LogicalKind::kTimestamp;
      info.time_unit = TimeUnit::kNanos;
      info.utc = false;
      return;
    }
    if (element.__isset.logicalType && SetFromLogicalType(element.logicalType, info)) return;
    if (element.__isset.converted_type) SetFromConvertedType(element, info);
  }

  // False when the union holds a member this reader does not know (a newer
  // format version): the converted type, if any, then decides.
  static bool SetFromLogicalType(const format::LogicalType& logical, ColumnInfo& info) {
    const auto& set = logical.__isset;
    if (set.STRING || set.ENUM || set.JSON) {
      info.logical = LogicalKind::kString;
      info.logical_name = set.STRING ? "STRING" : set.ENUM ? "ENUM" : "JSON";
    } else if (set.DATE) {
      info.logical = LogicalKind::kDate;
      info.logical_name = "DATE";
    } else if (set.TIMESTAMP) {
      info.logical = LogicalKind::kTimestamp;
      info.logical_name = "TIMESTAMP";
      info.utc = logical.TIMESTAMP.isAdjustedToUTC;
      const format::TimeUnit& unit = logical.TIMESTAMP.unit;
      info.time_unit = unit.__isset.MILLIS ? TimeUnit::kMillis
                       : unit.__isset.MICROS ? TimeUnit::kMicros
                                             : TimeUnit::kNanos;
    } else if (set.INTEGER) {
      info.logical = LogicalKind::kInteger;
      info.logical_name = "INTEGER";
      info.bit_width = logical.INTEGER.bitWidth;
      info.is_signed = logical.INTEGER.isSigned;
    } else if (set.DECIMAL) {
      SetDecimal(info, logical.DECIMAL.precision, logical.DECIMAL.scale);
    } else {
      info.logical = LogicalKind::kOther;
      info.logical_name = set.MAP       ? "MAP"
                          : set.LIST    ? "LIST"
                          : set.TIME    ? "TIME"
                          : set.UNKNOWN ? "UNKNOWN (always null)"
                          : set.BSON    ? "BSON"
                          : set.UUID    ? "UUID"
                          : set.FLOAT16 ? "FLOAT16"
                                        : "";
      if (info.logical_name.empty()) {
        info.logical = LogicalKind::kNone;
        return false;
      }
    }
    return true;
  }

  static void SetFromConvertedType(const format::SchemaElement& element, ColumnInfo& info) {
    const int32_t converted = RawEnum(element.converted_type);
    switch (converted) {
      case format::ConvertedType::UTF8:
      case format::ConvertedType::ENUM:
      case format::ConvertedType::JSON:
        info.logical = LogicalKind::kString;
        info.logical_name = converted == format::ConvertedType::UTF8   ? "STRING"
                            : converted == format::ConvertedType::ENUM ? "ENUM"
                                                                    : "JSON";
        break;
      case format::ConvertedType::DATE:
        info.logical = LogicalKind::kDate;
        info.logical_name = "DATE";
        break;
      case format::ConvertedType::TIMESTAMP_MILLIS:
      case format::ConvertedType::TIMESTAMP_MICROS:
        // The legacy annotations mean instants (LogicalTypes.md).
        info.logical = LogicalKind::kTimestamp;
        info.logical_name = "TIMESTAMP";
        info.utc = true;
        info.time_unit = converted == format::ConvertedType::TIMESTAMP_MILLIS ? TimeUnit::kMillis : TimeUnit::kMicros;
        break;
      case format::ConvertedType::INT_8:
      case format::ConvertedType::INT_16:
      case format::ConvertedType::INT_32:
      case format::ConvertedType::INT_64:
      case format::ConvertedType::UINT_8:
      case format::ConvertedType::UINT_16:
      case format::ConvertedType::UINT_32:
      case format::ConvertedType::UINT_64:
        info.logical = LogicalKind::kInteger;
        info.logical_name = "INTEGER";
        // UINT_8..UINT_64 are 11..14, INT_8..INT_64 are 15..18.
        info.is_signed = converted >= format::ConvertedType::INT_8;
        info.bit_width = 8 << ((converted - format::ConvertedType::UINT_8) % 4);
        break;
      case format::ConvertedType::DECIMAL:
        SetDecimal(info, element.__isset.precision ? element.precision : 0,
                   element.__isset.scale ? element.scale : 0);
        break;
      default: {
        info.logical = LogicalKind::kOther;
        // TIME_MILLIS, INTERVAL, BSON, ...: the format's own name.
        info.logical_name = converted >= 0 && converted <= format::ConvertedType::INTERVAL
                                ? format::to_string(static_cast<format::ConvertedType::type>(converted))
                                : fmt::format("converted type {}", converted);
        break;
      }
    }
  }
};

}  // namespace

std::vector<LeafColumn> BuildLeafColumns(const std::vector<format::SchemaElement>& schema) {
  if (schema.empty()) throw ParquetError("schema is empty");
  const format::SchemaElement& root = schema.front();
  const int32_t children = root.__isset.num_children ? root.num_children : 0;
  if (children < 0 || static_cast<size_t>(children) >= schema.size() + 1) {
    throw ParquetError(fmt::format("schema root claims {} children", children));
  }
  Walker walker{schema, {}, 1};
  std::vector<std::string> path;
  for (int32_t c = 0; c < children; ++c) walker.Walk(path, 0, 0, 0, false, 1);
  if (walker.next != schema.size()) {
    throw ParquetError(fmt::format("schema has {} elements outside the tree", schema.size() - walker.next));
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

namespace barforge::parquet {

std::string TypeName(const ColumnInfo& column) {
  std::string name = reader::PhysicalTypeName(column.physical_type);
  switch (column.logical) {
    case LogicalKind::kString: name += " " + column.logical_name; break;
    case LogicalKind::kDate: name += " DATE"; break;
    case LogicalKind::kTimestamp: {
      static constexpr const char* kUnit[] = {"ms", "us", "ns"};
      name += fmt::format(" TIMESTAMP[{}{}]", kUnit[static_cast<int>(column.time_unit)], column.utc ? ", UTC" : "");
      break;
    }
    case LogicalKind::kInteger:
      if (column.bit_width > 0) {
        name += fmt::format(" INT({}, {})", column.bit_width, column.is_signed ? "signed" : "unsigned");
      } else {
        name += " INTEGER";
      }
      break;
    case LogicalKind::kDecimal:
      name += fmt::format(" DECIMAL({},{})", column.precision, column.scale);
      break;
    case LogicalKind::kOther: name += " " + column.logical_name; break;
    case LogicalKind::kNone: break;
  }
  if (column.is_list) name = "LIST<" + name + ">";
  if (column.nullable) name += " (nullable)";
  return name;
}

}  // namespace barforge::parquet
