#include "parquet/codec.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>
#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge::parquet {

namespace {

// The one home of the codecs' names: those barforge writes, in the order
// the config's docs list them, then those it only reads about (a file's
// footer may name them).
struct CodecEntry {
  std::string_view name;
  Codec codec;
  bool writable;
};
constexpr CodecEntry kCodecs[] = {
    {"zstd", Codec::kZstd, true},       {"snappy", Codec::kSnappy, true},        {"gzip", Codec::kGzip, true},
    {"lz4", Codec::kLz4Raw, true},      {"none", Codec::kUncompressed, true},    {"lzo", Codec::kLzo, false},
    {"brotli", Codec::kBrotli, false},  {"lz4-hadoop", Codec::kLz4Hadoop, false},
};

}  // namespace

std::optional<Codec> CodecFromName(std::string_view name) {
  for (const CodecEntry& entry : kCodecs) {
    if (entry.writable && name == entry.name) return entry.codec;
  }
  return std::nullopt;
}

std::string WritableCodecNames(std::string_view separator) {
  std::string names;
  for (const CodecEntry& entry : kCodecs) {
    if (!entry.writable) continue;
    if (!names.empty()) names += separator;
    names += entry.name;
  }
  return names;
}

std::string_view CodecName(Codec codec) {
  for (const CodecEntry& entry : kCodecs) {
    if (entry.codec == codec) return entry.name;
  }
  return "unknown";
}

std::string CompressionLevelProblem(Codec codec, int level) {
  if (codec == Codec::kZstd && (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel() || level == 0)) {
    return fmt::format("{} is out of range for zstd ({}..{}, not 0)", level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  }
  if (codec == Codec::kGzip && (level < 1 || level > 9)) {
    return fmt::format("{} is out of range for gzip (1..9)", level);
  }
  return {};
}

namespace {

void CheckCompressionLevel(Codec codec, int level) {
  const std::string problem = CompressionLevelProblem(codec, level);
  if (!problem.empty()) throw ParquetUsageError(fmt::format("compression level {}", problem));
}

}  // namespace

struct PageCompressor::State {
  ZSTD_CCtx* zstd = nullptr;
  z_stream deflate{};
  bool deflate_ready = false;
  ~State() {
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
    if (deflate_ready) deflateEnd(&deflate);
  }
};

PageCompressor::PageCompressor(Codec codec, int level)
    : codec_(codec), level_(level), state_(std::make_unique<State>()) {
  switch (codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kLz4Raw:
      break;
    case Codec::kZstd:
      CheckCompressionLevel(codec, level);
      state_->zstd = ZSTD_createCCtx();
      if (state_->zstd == nullptr) throw std::bad_alloc();
      break;
    case Codec::kGzip:
      CheckCompressionLevel(codec, level);
      // windowBits 15 + 16: a real RFC 1952 gzip member, as the format requires.
      if (deflateInit2(&state_->deflate, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::bad_alloc();
      }
      state_->deflate_ready = true;
      break;
    default:
      throw ParquetUsageError(fmt::format("codec {} cannot be written", CodecName(codec)));
  }
}

PageCompressor::~PageCompressor() = default;

size_t PageCompressor::Compress(std::span<const uint8_t> input, std::vector<uint8_t>& out) {
  const size_t start = out.size();
  out.resize(start + MaxCompressedSize(input.size()));
  const size_t n = CompressInto(input, std::span<uint8_t>(out).subspan(start));
  out.resize(start + n);
  return n;
}

size_t PageCompressor::MaxCompressedSize(size_t input_size) {
  switch (codec_) {
    case Codec::kUncompressed:
      return input_size;
    case Codec::kZstd:
      return ZSTD_compressBound(input_size);
    case Codec::kSnappy:
      return snappy::MaxCompressedLength(input_size);
    case Codec::kLz4Raw:
      if (input_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) throw Error("lz4: page too large");
      return static_cast<size_t>(LZ4_compressBound(static_cast<int>(input_size)));
    case Codec::kGzip:
      // The bound depends on the stream's state: after a finished stream it
      // leaves out the gzip header and trailer.
      deflateReset(&state_->deflate);
      return deflateBound(&state_->deflate, static_cast<uLong>(input_size));
    default:
      throw Error(fmt::format("codec {} cannot be written", CodecName(codec_)));
  }
}

size_t PageCompressor::CompressInto(std::span<const uint8_t> input, std::span<uint8_t> out) {
  if (out.size() < MaxCompressedSize(input.size())) throw Error("page compression: output buffer too small");
  switch (codec_) {
    case Codec::kUncompressed:
      if (!input.empty()) std::memcpy(out.data(), input.data(), input.size());
      return input.size();
    case Codec::kZstd: {
      const size_t n = ZSTD_compressCCtx(state_->zstd, out.data(), out.size(), input.data(), input.size(), level_);
      if (ZSTD_isError(n)) throw Error(fmt::format("zstd: {}", ZSTD_getErrorName(n)));
      return n;
    }
    case Codec::kSnappy: {
      size_t n = 0;
      snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                          reinterpret_cast<char*>(out.data()), &n);
      return n;
    }
    case Codec::kLz4Raw: {
      const int n = LZ4_compress_default(reinterpret_cast<const char*>(input.data()),
                                         reinterpret_cast<char*>(out.data()), static_cast<int>(input.size()),
                                         static_cast<int>(std::min<size_t>(out.size(), INT_MAX)));
      if (n <= 0) throw Error("lz4: compression failed");
      return static_cast<size_t>(n);
    }
    case Codec::kGzip: {
      z_stream& z = state_->deflate;
      deflateReset(&z);
      z.next_in = const_cast<Bytef*>(input.data());
      z.avail_in = static_cast<uInt>(input.size());
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT_MAX));
      if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw Error("gzip: compression failed");
      return z.total_out;
    }
    default:
      throw Error(fmt::format("codec {} cannot be written", CodecName(codec_)));
  }
}

namespace {

void CheckSize(std::string_view codec, size_t got, size_t want) {
  if (got != want) {
    throw ParquetError(fmt::format("{} page decompressed to {} bytes, header says {}", codec, got, want));
  }
}

void InflateGzip(std::span<const uint8_t> input, std::span<uint8_t> output) {
  z_stream z{};
  uint8_t empty_sink = 0;  // zlib refuses a null output pointer even for 0 bytes
  // 15 + 32: accept gzip or zlib headers (some writers emit zlib streams).
  if (inflateInit2(&z, 15 + 32) != Z_OK) throw std::bad_alloc();
  z.next_in = const_cast<Bytef*>(input.data());
  z.avail_in = static_cast<uInt>(input.size());
  z.next_out = output.empty() ? &empty_sink : output.data();
  z.avail_out = static_cast<uInt>(output.size());
  int rc = Z_OK;
  // Concatenated gzip members are legal; keep inflating until input ends.
  while (true) {
    rc = inflate(&z, Z_FINISH);
    if (rc == Z_STREAM_END && z.avail_in > 0 && z.avail_out > 0) {
      inflateReset(&z);
      continue;
    }
    break;
  }
  const size_t produced = output.size() - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    if (rc == Z_BUF_ERROR && z.avail_out == 0) {
      throw ParquetError(fmt::format("gzip page decompresses to more than the {} bytes the header says",
                                     output.size()));
    }
    throw ParquetError("gzip page is corrupt");
  }
  CheckSize("gzip", produced, output.size());
}

}  // namespace

void DecompressPage(Codec codec, std::span<const uint8_t> input, std::span<uint8_t> output) {
  switch (codec) {
    case Codec::kUncompressed:
      CheckSize("uncompressed", input.size(), output.size());
      if (!input.empty()) std::memcpy(output.data(), input.data(), input.size());
      return;
    case Codec::kZstd: {
      thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
      const size_t n = ZSTD_decompressDCtx(dctx.get(), output.data(), output.size(), input.data(), input.size());
      if (ZSTD_isError(n)) throw ParquetError(fmt::format("zstd page is corrupt: {}", ZSTD_getErrorName(n)));
      CheckSize("zstd", n, output.size());
      return;
    }
    case Codec::kSnappy: {
      size_t n = 0;
      const auto* src = reinterpret_cast<const char*>(input.data());
      if (!snappy::GetUncompressedLength(src, input.size(), &n)) throw ParquetError("snappy page is corrupt");
      CheckSize("snappy", n, output.size());
      if (!snappy::RawUncompress(src, input.size(), reinterpret_cast<char*>(output.data()))) {
        throw ParquetError("snappy page is corrupt");
      }
      return;
    }
    case Codec::kLz4Raw: {
      if (input.size() > INT_MAX || output.size() > INT_MAX) throw ParquetError("lz4 page too large");
      const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(input.data()),
                                        reinterpret_cast<char*>(output.data()),
                                        static_cast<int>(input.size()), static_cast<int>(output.size()));
      if (n < 0) throw ParquetError("lz4 page is corrupt");
      CheckSize("lz4", static_cast<size_t>(n), output.size());
      return;
    }
    case Codec::kGzip:
      InflateGzip(input, output);
      return;
    default:
      throw ParquetError(fmt::format("codec {} is not supported", CodecName(codec)));
  }
}

}  // namespace barforge::parquet
