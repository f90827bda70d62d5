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

  /// Decodes exactly `n` values as runs of equal values: calls
  /// run(value, count) for each RLE run (or the part of it that `n` takes)
  /// and for each bit-packed value (count 1), in order. Costs one call per
  /// run rather than one store per value. Throws as Decode does.
  template <class Run>
  void DecodeRuns(size_t n, Run&& run) {
    size_t done = 0;
    while (done < n) {
      if (remaining_ == 0) {
        NextRunOrThrow(done, n);
        continue;
      }
      const size_t take = static_cast<size_t>(remaining_ < n - done ? remaining_ : n - done);
      if (!packed_run_) {
        run(value_, take);
      } else {
        for (size_t k = 0; k < take; ++k) run(NextPackedValue(), size_t{1});
      }
      remaining_ -= take;
      done += take;
    }
  }

  /// Bytes consumed so far (whole runs).
  size_t position() const { return pos_; }

 private:
  bool NextRun();
  // NextRun, or a ParquetError saying that the data ended after `done` of `n`.
  void NextRunOrThrow(size_t done, size_t n);
  // The bit-packed value at bit_offset_, which then moves past it.
  uint32_t NextPackedValue() {
    if (bit_width_ == 0) return 0;
    // Gather up to 5 bytes covering this value's bits.
    const uint64_t mask = (uint64_t{1} << bit_width_) - 1;
    const uint64_t byte = bit_offset_ / 8;
    const unsigned shift = static_cast<unsigned>(bit_offset_ % 8);
    uint64_t word = 0;
    const int need = (static_cast<int>(shift) + bit_width_ + 7) / 8;
    for (int b = 0; b < need; ++b) word |= static_cast<uint64_t>(packed_[byte + static_cast<uint64_t>(b)]) << (8 * b);
    bit_offset_ += static_cast<uint64_t>(bit_width_);
    return static_cast<uint32_t>((word >> shift) & mask);
  }

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
