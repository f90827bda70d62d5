#pragma once
// Page compression codecs. Parquet compresses each page on its own, without
// any framing beyond what the codec itself defines (see PARQUET_NOTES §0).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "barforge/parquet_types.h"

namespace barforge::parquet {

/// Parses a config name: zstd | snappy | gzip | lz4 | none. Throws ConfigError.
Codec CodecFromName(std::string_view name);
/// The config name of a codec ("zstd", ...).
std::string_view CodecName(Codec codec);
/// Throws ConfigError unless `level` is valid for `codec` (ignored by codecs
/// without levels: snappy, lz4, none).
void CheckCompressionLevel(Codec codec, int level);

/// Compresses pages with one codec and level. Keeps its codec context between
/// calls (no per-page allocation of a zstd or zlib context); not thread-safe,
/// so use one per thread.
class PageCompressor {
 public:
  PageCompressor(Codec codec, int level);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  Codec codec() const { return codec_; }
  int level() const { return level_; }

  /// Appends the compressed form of `input` to `out` and returns its size.
  size_t Compress(std::span<const uint8_t> input, std::vector<uint8_t>& out);

  /// The most bytes CompressInto can write for `input_size` bytes of input.
  size_t MaxCompressedSize(size_t input_size);
  /// Compresses `input` into the front of `out`, which must hold at least
  /// MaxCompressedSize(input.size()) bytes, and returns the bytes written.
  /// The same bytes as Compress; a reused `out` is never cleared first.
  size_t CompressInto(std::span<const uint8_t> input, std::span<uint8_t> out);

 private:
  struct State;
  Codec codec_;
  int level_;
  std::unique_ptr<State> state_;
};

/// Decompresses one page into exactly `output.size()` bytes. Throws
/// ParquetError (without file context; the caller adds it) when the data is
/// corrupt or does not decompress to exactly that size, or when the codec is
/// not supported (LZO, BROTLI, Hadoop-framed LZ4).
void DecompressPage(Codec codec, std::span<const uint8_t> input, std::span<uint8_t> output);

}  // namespace barforge::parquet
