#include "pipeline/writer_options.h"

namespace barforge {

parquet::WriterOptions WriterOptionsFor(const Config& config, int threads) {
  parquet::WriterOptions options;
  options.codec = config.parquet_compression;
  options.compression_level = config.compression_level;
  options.threads = threads;
  options.float_encoding = config.float_encoding;
  return options;
}

}  // namespace barforge
