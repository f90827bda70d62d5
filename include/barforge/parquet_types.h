#pragma once
// Vocabulary shared by barforge's Parquet writer and reader.

#include <cstdint>

namespace barforge::parquet {

/// Compression codecs barforge writes and reads; values are Parquet's.
enum class Codec : int32_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,     // read: unsupported
  kBrotli = 4,  // read: unsupported
  kLz4Hadoop = 5,  // deprecated framing; never written, unsupported on read
  kZstd = 6,
  kLz4Raw = 7,
};

/// How FLOAT values (plain and in lists) are encoded.
enum class FloatEncoding { kPlain, kByteStreamSplit };

/// Time unit of a TIMESTAMP column.
enum class TimeUnit { kMillis, kMicros, kNanos };

}  // namespace barforge::parquet
