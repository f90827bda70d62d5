#pragma once
// Reads one column chunk (dictionary page, data pages v1/v2) into a
// ColumnBuffer: whole, or page by page for a stream.

#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "barforge/parquet_reader.h"
#include "gen-cpp/parquet_types.h"
#include "parquet/codec.h"
#include "parquet/reader/file_source.h"
#include "parquet/reader/schema.h"

namespace barforge::parquet::reader {

/// Where a chunk's bytes lie in the file: [begin, end).
struct ChunkRange {
  uint64_t begin = 0;
  uint64_t end = 0;
};

class ChunkBytes;
class ChunkDecoder;

/// Decodes the chunk `meta` of `leaf` (a row group of `row_group_rows`
/// rows) page by page, appending to `out`, which it first empties (keeping
/// its memory). The chunk's bytes must lie before `data_end` (the footer's
/// start). `context` prefixes every error ("file: column 'x', row group 3").
/// Appends nothing to `valid` / `list_valid` unless there are nulls.
class ColumnChunkDecoder {
 public:
  ColumnChunkDecoder(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                     const format::ColumnMetaData& meta, int64_t row_group_rows, std::string context,
                     ColumnBuffer& out);
  ~ColumnChunkDecoder();
  ColumnChunkDecoder(const ColumnChunkDecoder&) = delete;
  ColumnChunkDecoder& operator=(const ColumnChunkDecoder&) = delete;

  /// Decodes the next data page (and the dictionary or index pages before
  /// it). After the last one, closes `out`: the last list offset, and the
  /// check that the chunk held the row group's rows. False once that is done.
  bool NextPage();
  /// The caller took the first `rows` rows (`slots` value slots) out of
  /// `out`, rebasing what is left; later pages append after that.
  void Consumed(int64_t rows, int64_t slots);

 private:
  int64_t num_values_;
  int64_t row_group_rows_;
  std::string context_;
  // A page read ahead: its header, its bytes, and its body decompressed
  // (with the other pages read with it, in parallel).
  struct PageAhead {
    format::PageHeader header;
    std::vector<uint8_t> payload;
    std::vector<uint8_t> body;
    bool decompressed = false;  // else body is unused: stored as is, or to decompress in turn
    uint64_t offset = 0;        // in the file
  };
  // The next few pages, read and decompressed together. `error` is what
  // stopped the read at `error_offset`, raised once the pages before it
  // are decoded; no pages and no error means that the chunk has no more.
  struct Batch {
    std::vector<PageAhead> pages;  // [0, count) read; reused
    size_t count = 0;
    std::exception_ptr error;
    uint64_t error_offset = 0;
  };
  // Reads the next few pages into `batch` and decompresses them in parallel.
  void ReadAhead(Batch& batch);
  // Starts reading the batch after the current one, in the background.
  void StartReadAhead();
  // Waits for that batch and makes it the current one.
  void TakeReadAhead();

  int64_t begin_ = 0;  // the chunk's first byte in the file
  uint64_t pos_ = 0;   // the next page's offset in the chunk, past the pages read ahead
  Codec codec_ = Codec::kUncompressed;
  // The batch being decoded, and the next one being read meanwhile.
  Batch batches_[2];
  int current_ = 0;
  size_t next_page_ = 0;  // in the current batch
  bool reading_ = false;  // the other batch is being read by reader_
  oneapi::tbb::task_group reader_;
  int64_t values_ahead_ = 0;  // values of the data pages read so far
  bool finished_ = false;
  std::unique_ptr<ChunkBytes> bytes_;
  std::unique_ptr<ChunkDecoder> decoder_;
};

/// Reads the chunk `meta` of `leaf` (a row group of `row_group_rows` rows),
/// whose bytes must lie before `data_end` (the footer's start). `context`
/// prefixes every error ("file: column 'x', row group 3"). Appends nothing to
/// `valid` / `list_valid` unless there are nulls. The result is `reuse`,
/// emptied and filled: its vectors keep their memory.
ColumnBuffer ReadColumnChunkData(const FileSource& file, uint64_t data_end, const LeafColumn& leaf,
                                 const format::ColumnMetaData& meta, int64_t row_group_rows,
                                 const std::string& context, ColumnBuffer reuse);

/// Empties the validity vectors of a buffer without nulls, as
/// ColumnBuffer promises.
void DropAllValid(ColumnBuffer& buffer);

}  // namespace barforge::parquet::reader
