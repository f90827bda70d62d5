#pragma once
// The RLE / bit-packed hybrid encoding of Parquet levels and dictionary
// indices (Encodings.md, "Run Length Encoding / Bit-Packing Hybrid").

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace barforge::parquet {

/// Number of bits needed to store values 0..max_value (0 for max_value 0).
int BitWidth(uint64_t max_value);

/// Appends an unsigned LEB128 varint.
void AppendVarint(std::vector<uint8_t>& out, uint64_t value);

/// Appends one RLE run: `count` copies of `value`, stored in bit_width bits.
void AppendRleRun(std::vector<uint8_t>& out, uint64_t count, uint32_t value, int bit_width);

/// Appends `values` encoded as RLE / bit-packed hybrid runs: runs of 8 or
/// more equal values become RLE runs, the rest bit-packed groups of 8.
void AppendRleBitPacked(std::span<const uint32_t> values, int bit_width, std::vector<uint8_t>& out);

/// Decodes RLE / bit-packed hybrid data. Never reads outside [data, data+size).
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder(const uint8_t* data, size_t size, int bit_width);

  /// Decodes exactly `n` values into `out`. Throws ParquetError if the data
  /// ends first or is malformed.
  void Decode(uint32_t* out, size_t n);

  /// Bytes consumed so far (whole runs).
  size_t position() const { return pos_; }

 private:
  bool NextRun();

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  int bit_width_;
  // Current run: either `remaining_` copies of `value_`, or `remaining_`
  // bit-packed values starting at bit `bit_offset_` of `packed_`.
  bool packed_run_ = false;
  uint64_t remaining_ = 0;
  uint32_t value_ = 0;
  const uint8_t* packed_ = nullptr;
  uint64_t bit_offset_ = 0;
};

}  // namespace barforge::parquet
