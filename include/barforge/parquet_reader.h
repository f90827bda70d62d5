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

enum class PhysicalType { kBoolean, kInt32, kInt64, kInt96, kFloat, kDouble, kByteArray, kFixedLenByteArray };

/// What a column's values mean, from its logical or converted type.
enum class LogicalKind { kNone, kString, kDate, kTimestamp, kInteger, kDecimal, kOther };

/// One leaf column of the file, described from its schema.
struct ColumnInfo {
  std::string name;                 ///< top-level field name ("ohlc" for ohlc.list.element)
  std::vector<std::string> path;    ///< path_in_schema
  PhysicalType physical_type = PhysicalType::kInt64;
  LogicalKind logical = LogicalKind::kNone;
  TimeUnit time_unit = TimeUnit::kNanos;  ///< timestamps; INT96 is read as kNanos
  bool utc = false;                 ///< timestamps: isAdjustedToUTC (INT96: false)
  int32_t precision = 0;            ///< kDecimal: digits in all
  int32_t scale = 0;                ///< kDecimal: digits after the point (value = unscaled * 10^-scale)
  int32_t bit_width = 0;            ///< kInteger: 8, 16, 32 or 64
  bool is_signed = true;            ///< kInteger: false for UINT_n / INT(n, unsigned)
  /// The logical (or converted) type as the format names it: "STRING",
  /// "JSON", "DECIMAL", "FLOAT16", "UUID", "INTERVAL", "TIME", ...; empty
  /// when the column has none.
  std::string logical_name;
  bool nullable = false;            ///< the leaf or an ancestor is OPTIONAL
  bool is_list = false;             ///< a LIST of a primitive (max_rep 1)
  int max_definition_level = 0;
  int max_repetition_level = 0;
};

/// All values of one column. Values are dense by row (flat columns) or by
/// element (list columns): a null slot holds 0 / an empty string and is
/// marked in `valid`. Exactly one value vector is filled, by physical type:
///   INT32 (and DATE: days since epoch;
///   INT(8) and INT(16) widened)            -> int32s
///   INT64, TIMESTAMP, INT96 (as ns)        -> int64s
///   FLOAT -> floats, DOUBLE -> doubles, BOOLEAN -> int32s (0/1)
///   BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY      -> string_offsets (size n+1) + string_bytes
/// DECIMAL columns hold their unscaled integers the same way (as int32s,
/// int64s, or big-endian two's complement bytes); DecimalsAsDoubles gives
/// their values.
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

/// The column's type for messages and `barforge inspect`: the physical type
/// and what it means, e.g. "INT64 TIMESTAMP[ms, UTC]", "INT32 DECIMAL(9,2)",
/// "INT32 INT(8, signed)", "LIST<FLOAT> (nullable)".
std::string TypeName(const ColumnInfo& column);

/// The values of a DECIMAL column (info.logical == kDecimal), each the
/// nearest double to unscaled * 10^-scale (ties to even); null slots give 0.
/// Throws ParquetError naming the column for a value of more than 128 bits
/// (over 38 digits).
std::vector<double> DecimalsAsDoubles(const ColumnBuffer& buffer);

/// One row group of one column, decoded a few rows at a time: it holds the
/// rows not yet handed out of the pages read so far (about a page), whatever
/// the row group's size. Made by ParquetReader::StreamColumnChunk; must not
/// outlive that reader.
class ColumnChunkStream {
 public:
  ~ColumnChunkStream();
  ColumnChunkStream(ColumnChunkStream&&) noexcept;
  ColumnChunkStream& operator=(ColumnChunkStream&&) noexcept;

  /// Rows not read yet.
  int64_t rows_left() const;
  /// The next min(rows, rows_left()) rows, as ReadColumnChunk gives a whole
  /// chunk (list offsets from 0), in `reuse`'s memory (its contents are
  /// dropped). Throws ParquetError as ReadColumnChunk does, when the rows
  /// asked for need a bad page (or, with the last rows, if the chunk holds
  /// more rows than its row group); after an error, every call throws it.
  ColumnBuffer Read(int64_t rows, ColumnBuffer reuse = {});

 private:
  friend class ParquetReader;
  struct State;
  static ColumnBuffer ReadRows(State& s, int64_t rows, ColumnBuffer reuse);
  explicit ColumnChunkStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// A column chunk's statistics as the footer holds them. `min` and `max`
/// are PLAIN-encoded values of the column's physical type (little-endian
/// numbers; a string's bytes), from min_value/max_value, or else from the
/// deprecated min/max.
struct ChunkStatistics {
  std::optional<int64_t> null_count;
  std::optional<std::string> min;
  std::optional<std::string> max;
};

/// What the footer says of one column chunk (what Arrow's
/// ColumnChunkMetaData is for). Enum values are named as the format names
/// them; a value the format does not define is named "#<value>".
struct ColumnChunkMetadata {
  std::vector<std::string> path;       ///< path_in_schema
  std::string codec;                   ///< "ZSTD", "SNAPPY", "UNCOMPRESSED", ...
  std::vector<std::string> encodings;  ///< "PLAIN", "RLE_DICTIONARY", ...
  int64_t num_values = 0;
  int64_t total_compressed_size = 0;    ///< bytes of its pages, headers included
  int64_t total_uncompressed_size = 0;  ///< the same, decompressed
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<ChunkStatistics> statistics;
};

/// What the footer says of one row group (what Arrow's RowGroupMetaData is for).
struct RowGroupMetadata {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;                   ///< uncompressed bytes of its column chunks
  std::optional<int64_t> total_compressed_size;  ///< optional in the format
  std::vector<ColumnChunkMetadata> columns;      ///< one per leaf column, in schema order
};

class ParquetReader {
 public:
  /// Opens the file and reads its footer. Throws IoError if it cannot be
  /// opened or is not a regular file (a directory, FIFO or device is refused
  /// before opening, so a FIFO never blocks), ParquetError (naming the file
  /// and what is wrong) if it is not a valid Parquet file or its footer is
  /// over 256 MiB.
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
  /// What the footer says of row group `row_group` (ParquetError if there
  /// is no such row group).
  RowGroupMetadata row_group_metadata(int row_group) const;

  /// Reads a whole column (all row groups). Throws ParquetError naming the
  /// file, column, row group and what is wrong.
  ColumnBuffer ReadColumn(size_t index) const;
  /// Reads a column by top-level name; a missing column is a ParquetError
  /// naming the file and the column.
  ColumnBuffer ReadColumn(std::string_view name) const;
  /// Reads one row group of one column. `reuse`: a buffer from an earlier
  /// read whose memory this one fills rather than allocating afresh (its
  /// contents are dropped).
  ColumnBuffer ReadColumnChunk(size_t index, int row_group, ColumnBuffer reuse = {}) const;
  /// Reads one row group of one column a few rows at a time.
  ColumnChunkStream StreamColumnChunk(size_t index, int row_group) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace barforge::parquet
