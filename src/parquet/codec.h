#pragma once
// Page compression codecs. Parquet compresses each page on its own, without
// any framing beyond what the codec itself defines (Parquet format
// specification, "Compression": GZIP is RFC 1952, LZ4_RAW the LZ4 block
// format, ZSTD RFC 8478; Hadoop-framed LZ4 is deprecated).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/parquet_types.h"

namespace barforge::parquet {

/// The codec a name stands for, among those barforge writes: zstd, snappy,
/// gzip, lz4 (LZ4_RAW) or none; nullopt for any other name.
std::optional<Codec> CodecFromName(std::string_view name);
/// The name of a codec ("zstd", ...), as CodecFromName reads it.
std::string_view CodecName(Codec codec);
/// The names CodecFromName takes, in order, joined by `separator`.
std::string WritableCodecNames(std::string_view separator);
/// Why `level` is not valid for `codec` ("10 is out of range for gzip
/// (1..9)"), or an empty string when it is. Codecs without levels (snappy,
/// lz4, none) take any level.
std::string CompressionLevelProblem(Codec codec, int level);

/// Compresses pages with one codec and level. Keeps its codec context between
/// calls (no per-page allocation of a zstd or zlib context); not thread-safe,
/// so use one per thread.
class PageCompressor {
 public:
  /// Throws ParquetUsageError for a codec barforge does not write or a
  /// level the codec does not take.
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
