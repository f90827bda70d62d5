#include "parquet/reader/chunk_bytes.h"

#include <algorithm>
#include <cstring>

namespace barforge::parquet::reader {
namespace {

// Bytes read per refill: enough for a page header and then some (small
// pages come several to a read); payloads go through CopyTo.
constexpr uint64_t kWindowBytes = uint64_t{64} << 10;

}  // namespace

ChunkBytes::ChunkBytes(const FileSource& file, uint64_t begin, uint64_t size)
    : file_(file), begin_(begin), size_(size) {}

std::span<const uint8_t> ChunkBytes::Get(uint64_t pos, uint64_t count) {
  if (pos >= window_pos_ && pos + count <= window_pos_ + filled_) {
    return {window_.data() + (pos - window_pos_), count};
  }
  // Keep what is already read from pos on, then read up to a window more.
  uint64_t kept = 0;
  if (pos >= window_pos_ && pos < window_pos_ + filled_) {
    kept = window_pos_ + filled_ - pos;
    std::memmove(window_.data(), window_.data() + (pos - window_pos_), kept);
  }
  const uint64_t want = std::min(std::max(count, kWindowBytes), size_ - pos);
  if (window_.size() < want) window_.resize(want);
  file_.ReadInto(begin_ + pos + kept, std::span<uint8_t>(window_.data() + kept, want - kept));
  window_pos_ = pos;
  filled_ = want;
  return {window_.data(), count};
}

void ChunkBytes::CopyTo(uint64_t pos, std::span<uint8_t> out) {
  uint64_t done = 0;
  if (pos >= window_pos_ && pos < window_pos_ + filled_) {
    done = std::min<uint64_t>(out.size(), window_pos_ + filled_ - pos);
    std::memcpy(out.data(), window_.data() + (pos - window_pos_), done);
  }
  if (done < out.size()) file_.ReadInto(begin_ + pos + done, out.subspan(done));
}

}  // namespace barforge::parquet::reader
