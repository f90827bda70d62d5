#pragma once
// barforge's streaming Parquet writer.
//
// Usage: construct with a schema and options, then for each row group either
// WriteRowGroup(data) (pages compressed in parallel and streamed to the file:
// memory of a few pages), or split the work as Encode(data) (thread-safe:
// many row groups may be encoded and compressed at once, with no lock; the
// whole compressed row group is held) followed by Append(encoded) in
// row-group order on one thread. Close() writes the footer, flushes, and
// renames the temporary file into place.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "barforge/parquet_types.h"

namespace barforge::parquet {

/// The column types barforge writes and reads: the writer's schema, the
/// dataset reader's columns (DatasetColumnInfo::kind) and the bindings all
/// use this one list.
enum class ColumnType {
  kInt64,      ///< INT64, values as int64_t
  kInt8,       ///< INT32 annotated INT(8, signed), values as int8_t
  kInt16,      ///< INT32 annotated INT(16, signed), values as int16_t
  kTimestamp,  ///< INT64 TIMESTAMP(unit, UTC), values as int64_t in that unit
  kFloat,      ///< FLOAT, values as float
  kDouble,     ///< DOUBLE, values as double
  kString,     ///< BYTE_ARRAY UTF8; dictionary-encoded when that is smaller
  kFloatList,  ///< LIST<FLOAT>, every row exactly list_size values
  kInt32,      ///< INT32 (no annotation), values as int32_t
  kBool,       ///< BOOLEAN (PLAIN: bit-packed), values as uint8_t 0 or 1
  kInt8List,   ///< LIST<INT32 INT(8, signed)>, every row exactly list_size values as int8_t
  kInt16List,  ///< LIST<INT32 INT(16, signed)>, every row exactly list_size values as int16_t
  kInt64List,  ///< LIST<INT64>, every row exactly list_size values as int64_t
  kBoolList,   ///< LIST<BOOLEAN>, every row exactly list_size values as uint8_t 0 or 1
};

/// Whether `type` is one of the list types (kFloatList, kInt8List, ...).
constexpr bool IsListType(ColumnType type) {
  return type == ColumnType::kFloatList || type == ColumnType::kInt8List || type == ColumnType::kInt16List ||
         type == ColumnType::kInt64List || type == ColumnType::kBoolList;
}

/// The type of a list type's elements (kFloat for kFloatList, kBool for
/// kBoolList, ...); a scalar type itself.
constexpr ColumnType ElementType(ColumnType type) {
  switch (type) {
    case ColumnType::kFloatList: return ColumnType::kFloat;
    case ColumnType::kInt8List: return ColumnType::kInt8;
    case ColumnType::kInt16List: return ColumnType::kInt16;
    case ColumnType::kInt64List: return ColumnType::kInt64;
    case ColumnType::kBoolList: return ColumnType::kBool;
    default: return type;
  }
}

/// One column of the schema. Every column is REQUIRED (no nulls); list
/// columns are a required list of required elements.
struct ColumnSpec {
  std::string name;
  ColumnType type = ColumnType::kInt64;
  TimeUnit unit = TimeUnit::kNanos;  ///< kTimestamp only
  int32_t list_size = 0;             ///< list types only: values per row, >= 1
  /// List types only: the dimensions of one row's values, row-major, whose
  /// product is list_size (e.g. {8, 64, 4} for 8 tickers' windows of 64
  /// bars of 4 prices). Empty: a flat list of list_size values. A shape is
  /// recorded in the ARROW:schema footer value (see ArrowSchemaBase64) and
  /// changes no other byte of the file.
  std::vector<int32_t> shape = {};
};

struct WriterOptions {
  Codec codec = Codec::kZstd;
  int compression_level = 3;            ///< zstd 1..22 (or negative), gzip 1..9; others ignore it
  int64_t page_size_bytes = 1 << 20;    ///< target uncompressed size of a data page
  int threads = 1;                      ///< threads Encode() may use to compress pages of one row group
  bool write_statistics = true;         ///< column-chunk min/max/null_count
  /// PageHeader.crc on every page: the CRC-32 (gzip's) of the page's bytes
  /// as stored, which barforge's reader, Arrow and parquet-mr verify. About
  /// 6 bytes per page; false leaves it out.
  bool page_checksums = true;
  FloatEncoding float_encoding = FloatEncoding::kPlain;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
  std::string created_by;               ///< empty: "barforge version <version>"
  /// Close() replaces a file already at the path; false: Close() fails
  /// (IoError "already exists") if one appeared since, and keeps it.
  bool replace_existing = true;
};

/// String column given as a dictionary plus one index per row (no per-row
/// string objects). Indices must be in [0, dictionary.size()).
struct DictionaryStrings {
  std::span<const std::string> dictionary;
  std::span<const int32_t> indices;
};

/// Float values computed page by page instead of held for the whole row
/// group: the writer calls `fill(source, first_row, rows, out)` once per data
/// page, and `out` must receive exactly those rows' values (rows *
/// list_size for a list column, row-major). Calls come from several threads
/// at once, for disjoint row ranges, and must give the same values whatever
/// the order, so the file's bytes are the same as from a span of those
/// values. Viewed like the other alternatives: `source` must outlive the
/// Encode() or WriteRowGroup() call.
struct FloatPages {
  using Fill = void (*)(const void* source, int64_t first_row, int64_t rows, std::span<float> out);
  Fill fill = nullptr;
  const void* source = nullptr;
};

/// Values of one column for one row group, viewed (not owned). Which
/// alternative goes with which ColumnType:
///   kInt64, kTimestamp -> span<const int64_t>      (num_rows values)
///   kInt8              -> span<const int8_t>       (num_rows values)
///   kInt16             -> span<const int16_t>      (num_rows values)
///   kFloat             -> span<const float>        (num_rows values) or FloatPages
///   kDouble            -> span<const double>       (num_rows values)
///   kString            -> span<const std::string_view> or DictionaryStrings
///   kFloatList         -> span<const float>        (num_rows * list_size values, row-major) or FloatPages
///   kInt32             -> span<const int32_t>      (num_rows values)
///   kBool              -> span<const uint8_t>      (num_rows values, each 0 or 1)
///   kInt8List          -> span<const int8_t>       (num_rows * list_size values, row-major)
///   kInt16List         -> span<const int16_t>      (num_rows * list_size values, row-major)
///   kInt64List         -> span<const int64_t>      (num_rows * list_size values, row-major)
///   kBoolList          -> span<const uint8_t>      (num_rows * list_size values, each 0 or 1)
using ColumnValues = std::variant<std::span<const int64_t>, std::span<const float>,
                                  std::span<const double>, std::span<const std::string_view>,
                                  DictionaryStrings, FloatPages, std::span<const int8_t>,
                                  std::span<const int16_t>, std::span<const uint8_t>,
                                  std::span<const int32_t>>;

/// One row group's worth of values, one entry per schema column, in schema order.
struct RowGroupData {
  int64_t num_rows = 0;
  std::vector<ColumnValues> columns;
};

/// A row group encoded and compressed in memory, waiting to be appended.
/// Move-only; its size is the memory it holds.
class EncodedRowGroup {
 public:
  EncodedRowGroup();
  ~EncodedRowGroup();
  EncodedRowGroup(EncodedRowGroup&&) noexcept;
  EncodedRowGroup& operator=(EncodedRowGroup&&) noexcept;

  int64_t num_rows() const;
  /// Bytes this row group will add to the file.
  int64_t byte_size() const;

 private:
  friend class ParquetWriter;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Where WriteRowGroup() spent its time.
struct RowGroupWriteTimes {
  double encode_thread_seconds = 0;  ///< encoding + compressing pages, summed over threads, without FloatPages::fill
  double write_seconds = 0;          ///< handing pages to the file
};

class ParquetWriter {
 public:
  /// Creates a temporary file beside `path` (same folder). Throws ParquetUsageError
  /// for an invalid schema or options, IoError if the file cannot be created.
  ParquetWriter(std::filesystem::path path, std::vector<ColumnSpec> schema, WriterOptions options);
  /// Without a successful Close(), removes the temporary file: nothing ever
  /// appears at the final path.
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  /// Encodes and compresses one row group. Thread-safe; the result does not
  /// depend on options.threads. Throws ParquetUsageError if `data` does not match
  /// the schema (column count, alternative, value counts, dictionary indices).
  EncodedRowGroup Encode(const RowGroupData& data) const;
  /// Appends an encoded row group to the file, after those appended before.
  /// Not thread-safe. Throws IoError on a write failure (the temporary file
  /// is then removed).
  void Append(EncodedRowGroup&& group);
  /// Writes one row group, with the same bytes as Append(Encode(data)),
  /// but streamed: its pages are compressed on options.threads threads and
  /// written in order as they are done, so it holds a few pages per thread
  /// in memory instead of the whole row group. A ParquetUsageError found before
  /// any page is written (schema mismatch) leaves the writer usable; any
  /// later error fails it and removes the temporary file.
  RowGroupWriteTimes WriteRowGroup(const RowGroupData& data);

  /// Sets (or replaces) a footer key-value entry; for values known only at
  /// the end of a run. Call before Close().
  void SetKeyValue(std::string key, std::string value);

  /// Writes the footer, flushes to disk, renames into place. Throws IoError.
  /// The same as Finish() then Commit().
  void Close();
  /// Writes the footer and flushes, leaving the complete file under its
  /// temporary name, so that it can be made visible later together with
  /// other files (or dropped, by destroying the writer). Throws IoError.
  void Finish();
  /// After Finish(): fsyncs, renames into place (see
  /// WriterOptions::replace_existing) and fsyncs the folder. Throws IoError.
  void Commit();

  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temporary_path() const { return temporary_path_; }
  int64_t rows_written() const { return rows_written_; }
  int64_t bytes_written() const { return bytes_written_; }

 private:
  struct State;
  void CheckWritable() const;
  /// Queues bytes for the write-behind thread.
  void WritePage(std::vector<uint8_t>&& page);
  /// Marks the writer failed and removes the temporary file.
  void FailAndRemove();

  std::filesystem::path path_;
  std::filesystem::path temporary_path_;
  int64_t rows_written_ = 0;
  int64_t bytes_written_ = 0;
  std::unique_ptr<State> state_;
};

}  // namespace barforge::parquet
