#pragma once
// Decoders for the value encodings of Parquet data and dictionary pages
// (Encodings.md). Every decoder reads only inside the span it is given and
// throws ParquetError (without file context; the caller adds it) when the
// data ends early or is malformed.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace barforge::parquet::reader {

/// Variable-length values (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY): value i is
/// bytes[offsets[i], offsets[i+1]). `offsets` always starts with 0.
struct ByteValues {
  std::vector<int64_t> offsets{0};
  std::vector<char> bytes;
  size_t size() const { return offsets.size() - 1; }
};

/// Makes room for `n` more values, growing geometrically: a column is
/// appended to page after page, and reserving exactly size() + n each time
/// would copy the whole column once per page.
template <class T>
void ReserveMore(std::vector<T>& values, size_t n) {
  if (values.capacity() - values.size() < n) values.reserve(std::max(values.size() + n, 2 * values.capacity()));
}

/// PLAIN fixed-width values of `width` bytes, little-endian: appends `n` to out.
/// T is int32_t, int64_t, float or double with sizeof(T) == width.
template <class T>
void DecodePlainFixed(std::span<const uint8_t> data, size_t n, std::vector<T>& out);

/// PLAIN BOOLEAN (bit-packed, LSB first): appends `n` 0/1 values.
void DecodePlainBoolean(std::span<const uint8_t> data, size_t n, std::vector<int32_t>& out);
/// RLE BOOLEAN (4-byte length prefix, then RLE hybrid of bit width 1).
void DecodeRleBoolean(std::span<const uint8_t> data, size_t n, std::vector<int32_t>& out);
/// PLAIN INT96 (8 bytes nanoseconds of day, 4 bytes Julian day), as ns since
/// the Unix epoch.
void DecodePlainInt96(std::span<const uint8_t> data, size_t n, std::vector<int64_t>& out);
/// PLAIN BYTE_ARRAY (4-byte length prefix per value).
void DecodePlainByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out);
/// PLAIN FIXED_LEN_BYTE_ARRAY of `width` bytes per value.
void DecodePlainFixedLenByteArray(std::span<const uint8_t> data, size_t n, int width, ByteValues& out);
/// BYTE_STREAM_SPLIT of `n` values of sizeof(T) bytes (T float or double,
/// also int32_t/int64_t since format 2.11).
template <class T>
void DecodeByteStreamSplit(std::span<const uint8_t> data, size_t n, std::vector<T>& out);
/// DELTA_BINARY_PACKED: appends `n` values (T int32_t or int64_t) and
/// returns the bytes consumed.
template <class T>
size_t DecodeDeltaBinaryPacked(std::span<const uint8_t> data, size_t n, std::vector<T>& out);
/// DELTA_LENGTH_BYTE_ARRAY.
void DecodeDeltaLengthByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out);
/// DELTA_BYTE_ARRAY (incremental prefixes).
void DecodeDeltaByteArray(std::span<const uint8_t> data, size_t n, ByteValues& out);
/// Dictionary indices (one bit-width byte, then RLE hybrid): `n` indices,
/// each checked against `dictionary_size`.
void DecodeDictionaryIndices(std::span<const uint8_t> data, size_t n, size_t dictionary_size,
                             std::vector<uint32_t>& out);

}  // namespace barforge::parquet::reader
