#pragma once
// Reading a barforge dataset for training: a samples file, or a directory of
// parts (part-00000.parquet, part-00001.parquet, ... and a _SUCCESS marker
// written last), one row group at a time, with an epoch plan that splits the
// rows between ranks so that together they see every row exactly once.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "barforge/parquet_writer.h"

namespace barforge {

/// A dataset column's type (parquet::ColumnType) says where its values are
/// held in DatasetColumnData:
///   kInt64 (sample_id, bar_index, ...), kInt32 (widened) -> int64s
///   kTimestamp  -> int64s, nanoseconds since the epoch (UTC)
///   kInt8 (tb_label) -> int8s, kInt16 (tb_bars) -> int16s
///   kFloat -> floats, kDouble -> doubles, kBool -> bools (0 or 1)
///   kString     -> codes into dictionary
///   lists of the same length in every row, row-major: kFloatList -> floats,
///   kInt8List -> int8s, kInt16List -> int16s, kInt64List -> int64s,
///   kBoolList -> bools

struct DatasetColumnInfo {
  std::string name;
  parquet::ColumnType kind = parquet::ColumnType::kInt64;
  /// The dimensions of one row's values: empty for a scalar column, [n] for
  /// a flat list of n, the shape the file records (ARROW:schema) for a list
  /// that has one, e.g. [8, 64, 4]; its product is the list's length.
  std::vector<int64_t> shape = {};
};

/// One column's values for the rows of one row group, owned.
struct DatasetColumnData {
  std::string name;
  parquet::ColumnType kind = parquet::ColumnType::kInt64;
  int64_t rows = 0;
  int64_t width = 1;  ///< values per row (list length for a list type, else 1)
  std::vector<int64_t> shape;  ///< per row, as DatasetColumnInfo::shape
  std::vector<int64_t> int64s;
  std::vector<int8_t> int8s;
  std::vector<int16_t> int16s;
  std::vector<float> floats;
  std::vector<double> doubles;
  std::vector<uint8_t> bools;           ///< kBool, kBoolList: 0 or 1
  std::vector<int32_t> codes;           ///< kString: per row, an index into dictionary
  std::vector<std::string> dictionary;  ///< kString: distinct values, first-seen order
};

/// The DatasetColumnInfo::shape of a column written as `spec`: empty for a
/// scalar type, spec.shape for a list that has one, else [list_size].
std::vector<int64_t> DatasetRowShape(const parquet::ColumnSpec& spec);

/// Rows [begin, end) of row group `row_group` (numbered across all parts).
struct RowRange {
  int row_group = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

/// One row group of a dataset, read a few rows at a time. Made by
/// DatasetReader::OpenRowGroup; must not outlive that reader.
class RowGroupCursor {
 public:
  ~RowGroupCursor();
  RowGroupCursor(RowGroupCursor&&) noexcept;
  RowGroupCursor& operator=(RowGroupCursor&&) noexcept;

  /// Rows not read yet.
  int64_t rows_left() const;
  /// The next min(rows, rows_left()) rows of each column, as ReadRowGroup
  /// gives a whole row group (and with its errors); columns in parallel.
  /// After an error, every call throws it. Not for two threads at once.
  std::vector<DatasetColumnData> Read(int64_t rows);

 private:
  friend class DatasetReader;
  struct State;
  explicit RowGroupCursor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class DatasetReader {
 public:
  /// Opens a samples file or a directory of parts and reads every footer.
  /// Throws IoError / DataError naming the file: missing path, a directory
  /// without parts or without _SUCCESS (incomplete), a file that is not
  /// Parquet or not a barforge dataset (no barforge.config in its footer),
  /// parts whose schemas differ.
  explicit DatasetReader(const std::filesystem::path& path);
  ~DatasetReader();
  DatasetReader(DatasetReader&&) noexcept;
  DatasetReader& operator=(DatasetReader&&) noexcept;

  const std::filesystem::path& path() const;
  /// The files read, in order (one for a file dataset).
  const std::vector<std::filesystem::path>& files() const;
  int64_t num_rows() const;
  const std::vector<DatasetColumnInfo>& columns() const;
  /// The footer's key-value metadata (of the first part).
  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;
  /// A footer value of the first part, or "" when absent.
  std::string Metadata(const std::string& key) const;

  int num_row_groups() const;
  int64_t row_group_rows(int row_group) const;
  /// Index of the row group's first row in the whole dataset.
  int64_t row_group_first_row(int row_group) const;

  /// Decodes the named columns (all when empty) of one row group, columns in
  /// parallel. Throws DataError naming the file, column and row group for a
  /// value a barforge dataset cannot hold (nulls, ragged lists).
  std::vector<DatasetColumnData> ReadRowGroup(int row_group, const std::vector<std::string>& names) const;

  /// Hands back a column that ReadRowGroup returned, once the caller is done
  /// with it: the next read of that column fills its memory again instead
  /// of fresh pages, which the kernel must map and zero (a fifth of a read's
  /// time, more on a virtual machine). The reader keeps up to 64 MiB of them
  /// per column, or one if larger, and frees the others. Safe to call from
  /// any thread.
  void Recycle(DatasetColumnData&& column) const;

  /// The named columns (all when empty) of one row group, to read a few
  /// rows at a time: memory stays at the rows asked for plus about a page
  /// per column, whatever the row group's size.
  RowGroupCursor OpenRowGroup(int row_group, const std::vector<std::string>& names) const;

  /// The row ranges `rank` of `world_size` reads in one epoch, in order.
  /// An epoch is a sequence of the dataset's rows: row groups in file order,
  /// or in an order shuffled by `seed` (Permutation of the groups), each
  /// group's rows in file order; its positions are 0..num_rows()-1. Share
  /// `rank` is positions [N*rank/world_size, N*(rank+1)/world_size): the
  /// shares' sizes differ by at most one row, and every rank computes the
  /// same sequence, so together they read every row exactly once.
  std::vector<RowRange> EpochPlan(bool shuffle, uint64_t seed, int rank, int world_size) const;
  /// The row ranges of the epoch's positions [begin, end) of each of
  /// `positions`, in the order given (a range may span row groups; begin
  /// and end of a RowRange are offsets into its group's rows in the
  /// epoch's order). Throws ConfigError for a range outside [0, num_rows()].
  std::vector<RowRange> EpochPlan(bool shuffle, uint64_t seed,
                                  const std::vector<std::pair<int64_t, int64_t>>& positions) const;

  /// A permutation of [0, n) drawn from `seed` (the same on every machine).
  static std::vector<int64_t> Permutation(int64_t n, uint64_t seed);

 private:
  friend class RowGroupCursor;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace barforge
