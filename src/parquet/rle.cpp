#include "parquet/rle.h"

#include <algorithm>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge::parquet {

int BitWidth(uint64_t max_value) {
  int width = 0;
  while (max_value != 0) {
    ++width;
    max_value >>= 1;
  }
  return width;
}

void AppendVarint(std::vector<uint8_t>& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

void AppendRleRun(std::vector<uint8_t>& out, uint64_t count, uint32_t value, int bit_width) {
  AppendVarint(out, count << 1);
  const int value_bytes = (bit_width + 7) / 8;
  for (int i = 0; i < value_bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

namespace {

// Appends bit-packed groups holding `values` (padded with zeros to a multiple of 8).
void AppendBitPacked(std::span<const uint32_t> values, int bit_width, std::vector<uint8_t>& out) {
  const size_t groups = (values.size() + 7) / 8;
  AppendVarint(out, (groups << 1) | 1);
  const size_t start = out.size();
  out.resize(start + groups * static_cast<size_t>(bit_width));
  uint8_t* dst = out.data() + start;
  uint64_t bit = 0;
  for (uint32_t v : values) {
    for (int b = 0; b < bit_width; ++b, ++bit) {
      if ((v >> b) & 1U) dst[bit / 8] = static_cast<uint8_t>(dst[bit / 8] | (1U << (bit % 8)));
    }
  }
}

}  // namespace

void AppendRleBitPacked(std::span<const uint32_t> values, int bit_width, std::vector<uint8_t>& out) {
  const size_t n = values.size();
  size_t literal_start = 0;  // first value not yet emitted
  size_t i = 0;
  while (i < n) {
    size_t run = 1;
    while (i + run < n && values[i + run] == values[i]) ++run;
    if (run >= 8) {
      // Pad the pending literals to whole groups of 8 with values of this run.
      size_t literals = i - literal_start;
      const size_t pad = (8 - literals % 8) % 8;
      if (literals > 0 && pad <= run - 8) {
        i += pad;
        run -= pad;
        literals += pad;
      }
      if (literals > 0 && literals % 8 == 0) {
        AppendBitPacked(values.subspan(literal_start, literals), bit_width, out);
        literal_start = i;
      }
      if (literal_start == i) {
        AppendRleRun(out, run, values[i], bit_width);
        i += run;
        literal_start = i;
        continue;
      }
    }
    i += run;
  }
  if (literal_start < n) AppendBitPacked(values.subspan(literal_start), bit_width, out);
}

RleBitPackedDecoder::RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width)
    : data_(data), size_(size), bit_width_(bit_width) {
  if (bit_width < 0 || bit_width > 32) {
    throw ParquetError(fmt::format("RLE bit width {} is out of range", bit_width));
  }
}

bool RleBitPackedDecoder::NextRun() {
  uint64_t header = 0;
  int shift = 0;
  while (true) {
    if (pos_ >= size_) return false;
    const uint8_t byte = data_[pos_++];
    if (shift > 56) throw ParquetError("RLE run header varint is too long");
    header |= static_cast<uint64_t>(byte & 0x7F) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) break;
  }
  if ((header & 1) != 0) {
    const uint64_t groups = header >> 1;
    const uint64_t bytes = groups * static_cast<uint64_t>(bit_width_);
    if (groups > size_ || bytes > size_ - pos_) throw ParquetError("bit-packed run runs past the end of its data");
    packed_run_ = true;
    remaining_ = groups * 8;
    packed_ = data_ + pos_;
    bit_offset_ = 0;
    pos_ += bytes;
  } else {
    const size_t value_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
    if (value_bytes > size_ - pos_) throw ParquetError("RLE run runs past the end of its data");
    uint32_t v = 0;
    for (size_t b = 0; b < value_bytes; ++b) v |= static_cast<uint32_t>(data_[pos_ + b]) << (8 * b);
    pos_ += value_bytes;
    packed_run_ = false;
    remaining_ = header >> 1;
    value_ = v;
  }
  return true;
}

void RleBitPackedDecoder::NextRunOrThrow(size_t done, size_t n) {
  if (!NextRun()) throw ParquetError(fmt::format("RLE data ends after {} of {} values", done, n));
}

void RleBitPackedDecoder::Decode(uint32_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (remaining_ == 0) {
      NextRunOrThrow(done, n);
      continue;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, n - done));
    if (!packed_run_) {
      std::fill(out + done, out + done + take, value_);
    } else {
      for (size_t k = 0; k < take; ++k) out[done + k] = NextPackedValue();
    }
    remaining_ -= take;
    done += take;
  }
}

}  // namespace barforge::parquet
