#pragma once
// A column chunk's bytes, read from the file as its pages are decoded rather
// than all at once: a whole chunk can be hundreds of MB, and a fresh buffer
// that size per read costs more in page faults and zeroing than the
// decoding itself. Page headers are parsed from a small window; payloads
// are read straight to where they go.

#include <cstdint>
#include <span>
#include <vector>

#include "parquet/reader/file_source.h"

namespace barforge::parquet::reader {

class ChunkBytes {
 public:
  /// The chunk at file bytes [begin, begin + size), which the caller has
  /// checked lies inside the file.
  ChunkBytes(const FileSource& file, uint64_t begin, uint64_t size);

  /// The chunk's size in bytes.
  uint64_t size() const { return size_; }

  /// Chunk bytes [pos, pos + count), which must lie inside the chunk. `pos`
  /// must not go back before an earlier call's. The span stays valid until
  /// the next call.
  std::span<const uint8_t> Get(uint64_t pos, uint64_t count);
  /// Copies chunk bytes [pos, pos + out.size()) into `out`, reading what the
  /// window does not hold straight into it; as Get, `pos` must not go back.
  void CopyTo(uint64_t pos, std::span<uint8_t> out);

 private:
  const FileSource& file_;
  uint64_t begin_;
  uint64_t size_;
  std::vector<uint8_t> window_;
  uint64_t window_pos_ = 0;  // chunk offset of window_[0]
  uint64_t filled_ = 0;      // bytes of window_ read
};

}  // namespace barforge::parquet::reader
