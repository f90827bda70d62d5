#pragma once
// Reads the pages of one column chunk ahead of their decoding: a few pages at
// a time (up to 4 pages or 4 MiB of them), each batch decompressed in
// parallel while the batch before it is decoded, so that one large column
// keeps every core busy.

#include <oneapi/tbb/task_group.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "gen-cpp/parquet_types.h"
#include "parquet/codec.h"
#include "parquet/reader/file_source.h"

namespace barforge::parquet::reader {

class ChunkBytes;

/// A page read ahead: its header, its bytes, and its body decompressed
/// (with the other pages read with it, in parallel).
struct PageAhead {
  format::PageHeader header;
  std::vector<uint8_t> payload;  ///< the bytes after the header
  std::vector<uint8_t> body;
  bool decompressed = false;  ///< else body is unused: stored as is, or to decompress in turn
  /// The CRC-32 of payload, when the header has one to check it against.
  int32_t crc = 0;
  uint64_t offset = 0;        ///< of the header, in the file
};

class PageReadAhead {
 public:
  /// Reads the chunk at file bytes [begin, begin + length) (which the caller
  /// has checked lie inside the file's data), compressed with `codec`, until
  /// its data pages hold `num_values` values or its bytes end.
  PageReadAhead(const FileSource& file, uint64_t begin, uint64_t length, Codec codec, int64_t num_values);
  ~PageReadAhead();
  PageReadAhead(const PageReadAhead&) = delete;
  PageReadAhead& operator=(const PageReadAhead&) = delete;

  /// The next page, valid until the next call; nullptr once the chunk's
  /// bytes end or its data pages hold num_values values. A page that cannot
  /// be read (a corrupt header, a page running past the chunk) throws
  /// ParquetError "page at byte offset N: ..." when its turn comes, once the
  /// pages before it were taken, as if pages were read one by one; so does
  /// a page whose bytes do not have the CRC-32 its header gives.
  const PageAhead* Next();
  /// The file offset of the first byte not read.
  uint64_t offset() const { return begin_ + pos_; }

 private:
  // The next few pages, read and decompressed together. `error` is what
  // stopped the read at `error_offset`, raised once the pages before it
  // are taken; no pages and no error means that the chunk has no more.
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

  uint64_t begin_;    // the chunk's first byte in the file
  uint64_t pos_ = 0;  // the next page's offset in the chunk, past the pages read ahead
  Codec codec_;
  int64_t num_values_;
  std::unique_ptr<ChunkBytes> bytes_;
  // The batch being taken, and the next one being read meanwhile.
  Batch batches_[2];
  int current_ = 0;
  size_t next_page_ = 0;  // in the current batch
  bool reading_ = false;  // the other batch is being read by reader_
  oneapi::tbb::task_group reader_;
  int64_t values_ahead_ = 0;  // values of the data pages read so far
};

}  // namespace barforge::parquet::reader
