#pragma once
// A bars dataset (storage: bars, docs/dataset.md "Storage"): one Parquet file
// holding the validated bars of every ticker once, with the effective
// config, seed, scaler and split in its footer. Sample i's ticker, end bar
// and position follow from the seed and i alone, so its row is computed
// when it is read, by the code that computes it in a build: row i of a bars
// dataset is row i of the samples file of the same config (storage:
// windows), every column, floats bit for bit. With cross_section: true a
// sample is a timestamp drawn from the split's valid timestamps and its row
// holds the M members' slots (present, bar_index, (M, ...) lists), computed
// as the cross-sectional build computes them.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"
#include "barforge/dataset_reader.h"

namespace barforge {

/// The footer key that makes a Parquet file a bars dataset; its value is "bars".
inline constexpr char kStorageMetadataKey[] = "barforge.storage";
/// The footer key holding the bars of each ticker (JSON list, config order).
inline constexpr char kBarCountsMetadataKey[] = "barforge.bar_counts";
/// The footer key holding the dataset's row count.
inline constexpr char kRowsMetadataKey[] = "barforge.rows";

/// Whether `path` is a file whose Parquet footer has barforge.storage: bars.
/// False for a directory, a missing path, or a file that is not Parquet.
bool IsBarsDataset(const std::filesystem::path& path);

class BarsDataset {
 public:
  /// Opens a bars dataset: reads its bars once and computes their per-bar
  /// values (64 bytes a bar) into a memory file held by this object (mapped
  /// read-only once computed; shared with processes forked after it, and
  /// mapped by others through SharedDescriptor()), and plans its samples as
  /// the build did. Throws NotFoundError for a missing file, ParquetError
  /// for a file that is not Parquet (or is truncated), and DataError naming
  /// the file for one that is not a bars dataset, was written by another
  /// barforge version (whose code may compute other rows), or whose bars do
  /// not agree with its footer.
  explicit BarsDataset(const std::filesystem::path& path);
  /// Where the per-bar values that another process computed for the same
  /// file can be mapped from: a path to the descriptor it shares them
  /// through (/proc/PID/fd/N of its SharedDescriptor()), and its token.
  struct SharedSource {
    std::filesystem::path mapping;
    uint64_t token = 0;
  };
  /// Opens `path` with its per-bar values mapped read-only from `shared`
  /// (a process that opened the same file) instead of computed: the file's
  /// bars are read for their timestamps only, and the values are never
  /// copied into this process. Throws what the other constructor throws,
  /// and DataError naming both when the values are not this file's (another
  /// file, or the file changed since; another version; another token: a
  /// descriptor closed and reused).
  BarsDataset(const std::filesystem::path& path, const SharedSource& shared);
  ~BarsDataset();
  BarsDataset(BarsDataset&&) noexcept;
  BarsDataset& operator=(BarsDataset&&) noexcept;

  const std::filesystem::path& path() const;
  /// The rows (samples) the dataset holds: those of the samples file.
  int64_t num_rows() const;
  /// The columns of the samples file of the same config, in its order.
  const std::vector<DatasetColumnInfo>& columns() const;
  const std::vector<std::pair<std::string, std::string>>& key_value_metadata() const;
  /// A footer value, or "" when absent.
  std::string Metadata(const std::string& key) const;
  /// The effective config the dataset was built with (its footer's).
  const Config& config() const;
  /// The bars stored for each ticker, in config order.
  const std::vector<int64_t>& bars_per_ticker() const;
  /// The split the file holds ("" without splits).
  const std::string& split() const;
  /// The descriptor of the memory file holding this dataset's per-bar
  /// values (64 bytes a bar, read-only once computed) and the token that
  /// comes with it, for another process to map them (SharedSource:
  /// /proc/PID/fd/N); {-1, 0} when the values were mapped from another
  /// process or the system has no memory files.
  std::pair<int, uint64_t> SharedDescriptor() const;
  /// Whether the per-bar values are mapped from another process.
  bool attached() const;
  /// The ARROW:schema footer value (base64) of the samples file of the same
  /// config: the schema of the rows read, where the file's own ARROW:schema
  /// describes its bars.
  std::string SamplesArrowSchema() const;

  /// Rows [start, stop) of the named columns (all when empty), as
  /// DatasetReader gives a row group's (strings: codes into a dictionary of
  /// first-seen values). Throws DataError for rows out of [0, num_rows())
  /// or an unknown column.
  std::vector<DatasetColumnData> ReadRows(int64_t start, int64_t stop, const std::vector<std::string>& names) const;
  /// Rows `sample_ids`, in that order (repeats allowed). Safe from several
  /// threads at once; memory is the rows asked for.
  std::vector<DatasetColumnData> ReadSamples(std::span<const int64_t> sample_ids,
                                             const std::vector<std::string>& names) const;

  /// Where ReadSamplesInto writes one column: `values`, rows * width values
  /// of the column's type (int64_t for integers and timestamps, int8_t,
  /// int16_t, float for floats and float lists; for a string column int32_t
  /// codes into `dictionary`, which it fills with the values in first-seen
  /// order, as ReadSamples gives them).
  struct ColumnOut {
    void* values = nullptr;
    std::vector<std::string> dictionary;
  };
  /// The indices into columns() of `names`, in that order (every column for
  /// none). Throws DataError naming the file for an unknown name.
  std::vector<size_t> ColumnIndices(const std::vector<std::string>& names) const;
  /// Values per row of column `column` (an index into columns()): the list
  /// length of a float list, else 1.
  int64_t ColumnWidth(size_t column) const;
  /// ReadSamples into memory the caller owns (out[i] for column
  /// columns[i]): the same values, without the copy. Rows are computed in
  /// blocks on all threads, each block's window features right after its
  /// narrow columns while its bars are still in the core's cache.
  void ReadSamplesInto(std::span<const int64_t> sample_ids, std::span<const size_t> columns,
                       std::span<ColumnOut> out) const;

  /// Computes every row (blocks of 65,536) and checks each float value is
  /// finite and each bar_index at least W - 1; returns the float values
  /// checked. Throws DataError naming the file, column and row of the first
  /// bad value. (The constructor has checked the file is whole.)
  int64_t CheckRows() const;

  /// The sample id at position `position` of an epoch of `n` rows: without
  /// shuffle the position itself; with shuffle a permutation of [0, n)
  /// keyed by `seed` (a keyed Feistel network with cycle walking), computed
  /// for one position in O(1) memory, the same on every machine.
  static int64_t EpochSampleId(int64_t n, bool shuffle, uint64_t seed, int64_t position);
  /// EpochSampleId for positions [begin, end) of an epoch of num_rows().
  std::vector<int64_t> EpochSampleIds(bool shuffle, uint64_t seed, int64_t begin, int64_t end) const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace barforge
