#pragma once
// barforge's Parquet reader: whole columns of a file into typed buffers.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "barforge/parquet_types.h"

namespace barforge::parquet {

namespace format {
class FileMetaData;  // generated from src/parquet/thrift/parquet.thrift
}

enum class PhysicalType { kBoolean, kInt32, kInt64, kInt96, kFloat, kDouble, kByteArray, kFixedLenByteArray };

/// What a column's values mean, from its logical or converted type.
enum class LogicalKind { kNone, kString, kDate, kTimestamp, kInteger, kOther };

/// One leaf column of the file, described from its schema.
struct ColumnInfo {
  std::string name;                 ///< top-level field name ("ohlc" for ohlc.list.element)
  std::vector<std::string> path;    ///< path_in_schema
  PhysicalType physical_type = PhysicalType::kInt64;
  LogicalKind logical = LogicalKind::kNone;
  TimeUnit time_unit = TimeUnit::kNanos;  ///< timestamps; INT96 is read as kNanos
  bool utc = false;                 ///< timestamps: isAdjustedToUTC (INT96: false)
  bool nullable = false;            ///< the leaf or an ancestor is OPTIONAL
  bool is_list = false;             ///< a LIST of a primitive (max_rep 1)
  int max_definition_level = 0;
  int max_repetition_level = 0;
};

/// All values of one column. Values are dense by row (flat columns) or by
/// element (list columns): a null slot holds 0 / an empty string and is
/// marked in `valid`. Exactly one value vector is filled, by physical type:
///   INT32 (and DATE: days since epoch)     -> int32s
///   INT64, TIMESTAMP, INT96 (as ns)        -> int64s
///   FLOAT -> floats, DOUBLE -> doubles, BOOLEAN -> int32s (0/1)
///   BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY      -> string_offsets (size n+1) + string_bytes
struct ColumnBuffer {
  ColumnInfo info;
  int64_t num_rows = 0;
  std::vector<int32_t> int32s;
  std::vector<int64_t> int64s;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<int64_t> string_offsets;
  std::vector<char> string_bytes;
  /// One entry per value slot: 1 present, 0 null. Empty when the column
  /// cannot hold nulls or holds none.
  std::vector<uint8_t> valid;
  /// List columns: row r's elements are slots [list_offsets[r], list_offsets[r+1]).
  /// Size num_rows + 1. A null or empty list has no slots (null lists are
  /// marked in list_valid when there are any).
  std::vector<int64_t> list_offsets;
  std::vector<uint8_t> list_valid;

  /// Number of value slots.
  size_t size() const;
  std::string_view string(size_t i) const {
    return {string_bytes.data() + string_offsets[i],
            static_cast<size_t>(string_offsets[i + 1] - string_offsets[i])};
  }
  bool is_null(size_t i) const { return !valid.empty() && valid[i] == 0; }
};

class ParquetReader {
 public:
  /// Opens the file and reads its footer. Throws IoError if it cannot be
  /// opened, ParquetError (naming the file and what is wrong) if it is not a
  /// valid Parquet file.
  explicit ParquetReader(std::filesystem::path path);
  ~ParquetReader();
  ParquetReader(ParquetReader&&) noexcept;
  ParquetReader& operator=(ParquetReader&&) noexcept;

  const std::filesystem::path& path() const;
  int64_t num_rows() const;
  int num_row_groups() const;
  int64_t row_group_num_rows(int row_group) const;
  const std::vector<ColumnInfo>& columns() const;
  /// Index of the leaf column whose top-level name is `name`.
  std::optional<size_t> FindColumn(std::string_view name) const;
  std::vector<std::pair<std::string, std::string>> key_value_metadata() const;
  std::string created_by() const;
  /// The raw footer, for `barforge inspect`.
  const format::FileMetaData& metadata() const;

  /// Reads a whole column (all row groups). Throws ParquetError naming the
  /// file, column, row group and what is wrong.
  ColumnBuffer ReadColumn(size_t index) const;
  /// Reads a column by top-level name; a missing column is a ParquetError
  /// naming the file and the column.
  ColumnBuffer ReadColumn(std::string_view name) const;
  /// Reads one row group of one column.
  ColumnBuffer ReadColumnChunk(size_t index, int row_group) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace barforge::parquet
