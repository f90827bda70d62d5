#include "parquet/writer/kinds_file_helpers.h"

#include <algorithm>
#include <limits>
#include <span>

#include "pipeline/arrow_schema.h"

namespace barforge::parquet::testing {

std::vector<ColumnSpec> KindsSchema() {
  constexpr TimeUnit kNs = TimeUnit::kNanos;
  return {
      {"id", ColumnType::kInt64},
      {"i32", ColumnType::kInt32},
      {"flag", ColumnType::kBool},
      {"bools", ColumnType::kBoolList, kNs, 3},
      {"bools_shaped", ColumnType::kBoolList, kNs, 6, {2, 3}},
      {"i8", ColumnType::kInt8List, kNs, 4},
      {"i8_shaped", ColumnType::kInt8List, kNs, 4, {2, 2}},
      {"i16", ColumnType::kInt16List, kNs, 3},
      {"i16_shaped", ColumnType::kInt16List, kNs, 6, {3, 2}},
      {"i64", ColumnType::kInt64List, kNs, 2},
      {"i64_shaped", ColumnType::kInt64List, kNs, 6, {1, 2, 3}},
      {"floats_shaped", ColumnType::kFloatList, kNs, 8, {2, 2, 2}},
  };
}

int64_t KindsInt(size_t column, int64_t row, int64_t j) {
  const ColumnSpec spec = KindsSchema().at(column);
  const auto extreme = [&](auto type_min) -> std::pair<bool, int64_t> {
    using T = decltype(type_min);
    if (row == 0 && j == 0) return {true, std::numeric_limits<T>::min()};
    if (row == 0 && j == 1) return {true, std::numeric_limits<T>::max()};
    return {false, 0};
  };
  const auto mixed = [&](int64_t modulus) { return (row * 31 + j * 17 + static_cast<int64_t>(column)) % modulus; };
  switch (spec.type) {
    case ColumnType::kInt64: return row;
    case ColumnType::kInt32: {
      if (row == 0) return std::numeric_limits<int32_t>::min();
      if (row == 1) return std::numeric_limits<int32_t>::max();
      return mixed(20001) - 10000;
    }
    case ColumnType::kBool: return row % 3 == 0 ? 1 : 0;
    case ColumnType::kBoolList:
      if (row % 5 == 1) return 1;
      if (row % 5 == 2) return 0;
      return mixed(2);
    case ColumnType::kInt8List: {
      const auto [is, v] = extreme(int8_t{});
      return is ? v : mixed(256) - 128;
    }
    case ColumnType::kInt16List: {
      const auto [is, v] = extreme(int16_t{});
      return is ? v : mixed(65536) - 32768;
    }
    case ColumnType::kInt64List: {
      const auto [is, v] = extreme(int64_t{});
      return is ? v : (mixed(1000003) - 500000) * 1000000007LL;
    }
    default: return 0;
  }
}

float KindsFloat(int64_t row, int64_t j) { return static_cast<float>(row * 8 + j) * 0.5F - 100.0F; }

void WriteKindsFile(const std::filesystem::path& path, int64_t rows, int64_t group_rows, WriterOptions options,
                    const std::vector<std::pair<std::string, std::string>>& extra) {
  const std::vector<ColumnSpec> schema = KindsSchema();
  options.key_value_metadata.emplace_back(kArrowSchemaKey, ArrowSchemaBase64(schema));
  for (const auto& [key, value] : extra) {
    auto& entries = options.key_value_metadata;
    const auto same = std::find_if(entries.begin(), entries.end(), [&](const auto& kv) { return kv.first == key; });
    if (same != entries.end()) {
      same->second = value;
    } else {
      entries.emplace_back(key, value);
    }
  }
  ParquetWriter writer(path, schema, options);
  for (int64_t start = 0; start < rows; start += group_rows) {
    const int64_t n = std::min(group_rows, rows - start);
    // Every column's values for rows [start, start + n), in vectors of its type.
    std::vector<std::vector<int64_t>> int64s(schema.size());
    std::vector<std::vector<int32_t>> int32s(schema.size());
    std::vector<std::vector<int16_t>> int16s(schema.size());
    std::vector<std::vector<int8_t>> int8s(schema.size());
    std::vector<std::vector<uint8_t>> bools(schema.size());
    std::vector<std::vector<float>> floats(schema.size());
    RowGroupData data;
    data.num_rows = n;
    for (size_t c = 0; c < schema.size(); ++c) {
      const int64_t k = IsListType(schema[c].type) ? schema[c].list_size : 1;
      for (int64_t r = start; r < start + n; ++r) {
        for (int64_t j = 0; j < k; ++j) {
          switch (ElementType(schema[c].type)) {
            case ColumnType::kInt64: int64s[c].push_back(KindsInt(c, r, j)); break;
            case ColumnType::kInt32: int32s[c].push_back(static_cast<int32_t>(KindsInt(c, r, j))); break;
            case ColumnType::kInt16: int16s[c].push_back(static_cast<int16_t>(KindsInt(c, r, j))); break;
            case ColumnType::kInt8: int8s[c].push_back(static_cast<int8_t>(KindsInt(c, r, j))); break;
            case ColumnType::kBool: bools[c].push_back(static_cast<uint8_t>(KindsInt(c, r, j))); break;
            default: floats[c].push_back(KindsFloat(r, j)); break;
          }
        }
      }
      switch (ElementType(schema[c].type)) {
        case ColumnType::kInt64: data.columns.emplace_back(std::span<const int64_t>(int64s[c])); break;
        case ColumnType::kInt32: data.columns.emplace_back(std::span<const int32_t>(int32s[c])); break;
        case ColumnType::kInt16: data.columns.emplace_back(std::span<const int16_t>(int16s[c])); break;
        case ColumnType::kInt8: data.columns.emplace_back(std::span<const int8_t>(int8s[c])); break;
        case ColumnType::kBool: data.columns.emplace_back(std::span<const uint8_t>(bools[c])); break;
        default: data.columns.emplace_back(std::span<const float>(floats[c])); break;
      }
    }
    writer.WriteRowGroup(data);
  }
  writer.Close();
}

}  // namespace barforge::parquet::testing
