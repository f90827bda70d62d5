#include "parquet/reader/value_decoders.h"

#include <compare>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "barforge/error.h"
#include "parquet/rle.h"

namespace barforge::parquet::reader {
namespace {

[[noreturn]] void Fail(std::string what) { throw ParquetError(std::move(what)); }

void NeedBytes(std::span<const uint8_t> data, size_t offset, size_t count, const char* what) {
  if (offset > data.size() || count > data.size() - offset) {
    Fail(fmt::format("{} ends early: needs {} bytes at offset {} of a {}-byte page", what, count, offset,
                     data.size()));
  }
}

uint32_t LoadU32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian host (checked in CMake by the writer's tests)
}

uint64_t ReadUleb(std::span<const uint8_t> data, size_t& pos, const char* what) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (pos >= data.size()) Fail(fmt::format("{}: varint runs past the end of the page", what));
    const uint8_t byte = data[pos++];
    if (shift == 63 && (byte & 0x7E) != 0) break;
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return v;
  }
  Fail(fmt::format("{}: varint longer than 64 bits", what));
}

uint64_t ZigZag(uint64_t v) { return (v >> 1) ^ (~(v & 1) + 1); }

// Bit `bit_offset` onwards, `width` bits LSB-first; the caller has checked
// that the bytes exist.
uint64_t ExtractBits(const uint8_t* data, uint64_t bit_offset, int width) {
  uint64_t v = 0;
  int got = 0;
  while (got < width) {
    const uint64_t byte_index = (bit_offset + static_cast<uint64_t>(got)) / 8;
    const int bit = static_cast<int>((bit_offset + static_cast<uint64_t>(got)) % 8);
    const int take = std::min(8 - bit, width - got);
    const uint64_t bits = (static_cast<uint64_t>(data[byte_index]) >> bit) & ((1u << take) - 1);
    v |= bits << got;
    got += take;
  }
  return v;
}

// Values of T read from little-endian bytes of any alignment, as an
// iterator, so that vector::insert copies them in one pass (resize() and
// memcpy would zero them first: a second pass over as much memory).
template <class T>
class UnalignedValues {
 public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = const T*;
  using reference = T;

  explicit UnalignedValues(const uint8_t* bytes) : bytes_(bytes) {}
  T operator*() const {
    T v;
    std::memcpy(&v, bytes_, sizeof(T));
    return v;
  }
  T operator[](difference_type i) const { return *(*this + i); }
  UnalignedValues& operator++() { return *this += 1; }
  UnalignedValues operator++(int) {
    UnalignedValues before = *this;
    *this += 1;
    return before;
  }
  UnalignedValues& operator--() { return *this -= 1; }
  UnalignedValues operator--(int) {
    UnalignedValues before = *this;
    *this -= 1;
    return before;
  }
  UnalignedValues& operator+=(difference_type n) {
    bytes_ += n * static_cast<difference_type>(sizeof(T));
    return *this;
  }
  UnalignedValues& operator-=(difference_type n) { return *this += -n; }
  friend UnalignedValues operator+(UnalignedValues a, difference_type n) { return a += n; }
  friend UnalignedValues operator+(difference_type n, UnalignedValues a) { return a += n; }
  friend UnalignedValues operator-(UnalignedValues a, difference_type n) { return a -= n; }
  friend difference_type operator-(UnalignedValues a, UnalignedValues b) {
    return (a.bytes_ - b.bytes_) / static_cast<difference_type>(sizeof(T));
  }
  friend bool operator==(UnalignedValues a, UnalignedValues b) { return a.bytes_ == b.bytes_; }
  friend auto operator<=>(UnalignedValues a, UnalignedValues b) { return a.bytes_ <=> b.bytes_; }

 private:
  const uint8_t* bytes_;
};

}  // namespace

template <class T>
void DecodePlainFixed(std::span<const uint8_t> data, size_t n, std::vector<T>& out) {
  NeedBytes(data, 0, n * sizeof(T), "PLAIN values");
  const UnalignedValues<T> first(data.data());
  out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(n));
}
template void DecodePlainFixed<int32_t>(std::span<const uint8_t>, size_t, std::vector<int32_t>&);
template void DecodePlainFixed<int64_t>(std::span<const uint8_t>, size_t, std::vector<int64_t>&);
template void DecodePlainFixed<float>(std::span<const uint8_t>, size_t, std::vector<float>&);
template void DecodePlainFixed<double>(std::span<const uint8_t>, size_t, std::vector<double>&);

void DecodePlainBoolean(std::span<const uint8_t> data, size_t n, std::vector<int32_t>& out) {
  NeedBytes(data, 0, (n + 7) / 8, "PLAIN booleans");
  ReserveMore(out, n);
  for (size_t i = 0; i < n; ++i) out.push_back((data[i / 8] >> (i % 8)) & 1);
}

void DecodeRleBoolean(std::span<const uint8_t> data, size_t n, std::vector<int32_t>& out) {
  NeedBytes(data, 0, 4, "RLE booleans");
  const uint32_t length = LoadU32(data.data());
  NeedBytes(data, 4, length, "RLE booleans");
  RleBitPackedDecoder decoder(data.data() + 4, length, 1);
  std::vector<uint32_t> bits(n);
  decoder.Decode(bits.data(), n);
  out.insert(out.end(), bits.begin(), bits.end());
}

void DecodePlainInt96(std::span<const uint8_t> data, size_t n, std::vector<int64_t>& out) {
  constexpr uint64_t kUnixEpochJulianDay = 2440588;
  constexpr uint64_t kNanosPerDay = 86400ull * 1000000000ull;
  NeedBytes(data, 0, n * 12, "PLAIN INT96 values");
  ReserveMore(out, n);
  for (size_t i = 0; i < n; ++i) {
    uint64_t nanos_of_day;
    uint32_t julian_day;
    std::memcpy(&nanos_of_day, data.data() + 12 * i, 8);
    std::memcpy(&julian_day, data.data() + 12 * i + 8, 4);
    // Unsigned arithmetic wraps instead of overflowing on absurd days.
    const uint64_t ns = (static_cast<uint64_t>(julian_day) - kUnixEpochJulianDay) * kNanosPerDay + nanos_of_day;
    out.push_back(static_cast<int64_t>(ns));
  }
}

void DecodePlainByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out) {
  size_t pos = 0;
  ReserveMore(out.offsets, n);
  for (size_t i = 0; i < n; ++i) {
    NeedBytes(data, pos, 4, "PLAIN BYTE_ARRAY length");
    const uint32_t length = LoadU32(data.data() + pos);
    pos += 4;
    NeedBytes(data, pos, length, "PLAIN BYTE_ARRAY value");
    out.bytes.insert(out.bytes.end(), data.data() + pos, data.data() + pos + length);
    out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
    pos += length;
  }
}

void DecodePlainFixedLenByteArray(std::span<const uint8_t> data, size_t n, int width, ByteValues& out) {
  if (width < 0) Fail("FIXED_LEN_BYTE_ARRAY has a negative type_length");
  const auto w = static_cast<size_t>(width);
  if (w != 0 && n > data.size() / w) NeedBytes(data, 0, data.size() + 1, "PLAIN FIXED_LEN_BYTE_ARRAY values");
  ReserveMore(out.offsets, n);
  out.bytes.insert(out.bytes.end(), data.data(), data.data() + n * w);
  for (size_t i = 0; i < n; ++i) out.offsets.push_back(out.offsets.back() + width);
}

template <class T>
void DecodeByteStreamSplit(std::span<const uint8_t> data, size_t n, std::vector<T>& out) {
  constexpr size_t kWidth = sizeof(T);
  if (data.size() != n * kWidth) {
    Fail(fmt::format("BYTE_STREAM_SPLIT page holds {} bytes, expected {} for {} values", data.size(), n * kWidth, n));
  }
  const size_t old = out.size();
  out.resize(old + n);
  for (size_t i = 0; i < n; ++i) {
    uint8_t bytes[kWidth];
    for (size_t b = 0; b < kWidth; ++b) bytes[b] = data[b * n + i];
    std::memcpy(&out[old + i], bytes, kWidth);
  }
}
template void DecodeByteStreamSplit<int32_t>(std::span<const uint8_t>, size_t, std::vector<int32_t>&);
template void DecodeByteStreamSplit<int64_t>(std::span<const uint8_t>, size_t, std::vector<int64_t>&);
template void DecodeByteStreamSplit<float>(std::span<const uint8_t>, size_t, std::vector<float>&);
template void DecodeByteStreamSplit<double>(std::span<const uint8_t>, size_t, std::vector<double>&);

template <class T>
size_t DecodeDeltaBinaryPacked(std::span<const uint8_t> data, size_t n, std::vector<T>& out) {
  const char* what = "DELTA_BINARY_PACKED";
  size_t pos = 0;
  const uint64_t block_size = ReadUleb(data, pos, what);
  const uint64_t miniblocks = ReadUleb(data, pos, what);
  const uint64_t total = ReadUleb(data, pos, what);
  uint64_t value = ZigZag(ReadUleb(data, pos, what));
  if (block_size == 0 || block_size % 128 != 0 || block_size > (1u << 20) || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    Fail(fmt::format("{}: invalid block size {} with {} miniblocks", what, block_size, miniblocks));
  }
  if (total != n) {
    Fail(fmt::format("{}: header counts {} values, the page needs {}", what, total, n));
  }
  const uint64_t per_miniblock = block_size / miniblocks;
  ReserveMore(out, n);
  if (n == 0) return pos;
  out.push_back(static_cast<T>(value));
  size_t remaining = n - 1;
  while (remaining > 0) {
    const uint64_t min_delta = ZigZag(ReadUleb(data, pos, what));
    NeedBytes(data, pos, miniblocks, "DELTA_BINARY_PACKED bit widths");
    const uint8_t* widths = data.data() + pos;
    pos += miniblocks;
    for (uint64_t m = 0; m < miniblocks && remaining > 0; ++m) {
      const int width = widths[m];
      if (width > 64) Fail(fmt::format("{}: bit width {} exceeds 64", what, width));
      const size_t count = static_cast<size_t>(std::min<uint64_t>(per_miniblock, remaining));
      const size_t full_bytes = static_cast<size_t>(per_miniblock) * static_cast<size_t>(width) / 8;
      const size_t needed = (count * static_cast<size_t>(width) + 7) / 8;
      NeedBytes(data, pos, needed, "DELTA_BINARY_PACKED miniblock");
      for (size_t i = 0; i < count; ++i) {
        const uint64_t delta = width == 0 ? 0 : ExtractBits(data.data() + pos, i * static_cast<uint64_t>(width), width);
        value += min_delta + delta;  // wraps, as the encoding intends
        out.push_back(static_cast<T>(value));
      }
      remaining -= count;
      // The last miniblock may be padded or not; take what is there.
      pos += std::min(full_bytes, data.size() - pos);
    }
  }
  return pos;
}
template size_t DecodeDeltaBinaryPacked<int32_t>(std::span<const uint8_t>, size_t, std::vector<int32_t>&);
template size_t DecodeDeltaBinaryPacked<int64_t>(std::span<const uint8_t>, size_t, std::vector<int64_t>&);

namespace {

// Decodes `n` lengths, checking each is a sane non-negative size.
size_t DecodeLengths(std::span<const uint8_t> data, size_t n, std::vector<int64_t>& lengths, const char* what) {
  lengths.clear();
  const size_t used = DecodeDeltaBinaryPacked<int64_t>(data, n, lengths);
  for (int64_t length : lengths) {
    if (length < 0 || static_cast<uint64_t>(length) > data.size()) {
      Fail(fmt::format("{}: invalid length {}", what, length));
    }
  }
  return used;
}

}  // namespace

void DecodeDeltaLengthByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out) {
  std::vector<int64_t> lengths;
  size_t pos = DecodeLengths(data, n, lengths, "DELTA_LENGTH_BYTE_ARRAY");
  for (int64_t length : lengths) {
    const auto len = static_cast<size_t>(length);
    NeedBytes(data, pos, len, "DELTA_LENGTH_BYTE_ARRAY value");
    out.bytes.insert(out.bytes.end(), data.data() + pos, data.data() + pos + len);
    out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
    pos += len;
  }
}

void DecodeDeltaByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out) {
  std::vector<int64_t> prefixes;
  const size_t used = DecodeLengths(data, n, prefixes, "DELTA_BYTE_ARRAY prefix");
  ByteValues suffixes;
  DecodeDeltaLengthByteArray(data.subspan(used), n, suffixes);
  std::string previous;
  for (size_t i = 0; i < n; ++i) {
    const auto prefix = static_cast<size_t>(prefixes[i]);
    if (prefix > previous.size()) {
      Fail(fmt::format("DELTA_BYTE_ARRAY: prefix length {} of value {} exceeds the previous value's length {}", prefix,
                       i, previous.size()));
    }
    previous.resize(prefix);
    previous.append(suffixes.bytes.data() + suffixes.offsets[i],
                    static_cast<size_t>(suffixes.offsets[i + 1] - suffixes.offsets[i]));
    out.bytes.insert(out.bytes.end(), previous.begin(), previous.end());
    out.offsets.push_back(static_cast<int64_t>(out.bytes.size()));
  }
}

void DecodeDictionaryIndices(std::span<const uint8_t> data, size_t n, size_t dictionary_size,
                             std::vector<uint32_t>& out) {
  out.resize(n);
  if (n == 0) return;
  NeedBytes(data, 0, 1, "dictionary indices");
  const int width = data[0];
  if (width > 32) Fail(fmt::format("dictionary indices: bit width {} exceeds 32", width));
  RleBitPackedDecoder decoder(data.data() + 1, data.size() - 1, width);
  decoder.Decode(out.data(), n);
  for (size_t i = 0; i < n; ++i) {
    if (out[i] >= dictionary_size) {
      Fail(fmt::format("dictionary index {} of value {} is out of range (dictionary has {} entries)", out[i], i,
                       dictionary_size));
    }
  }
}

}  // namespace barforge::parquet::reader
