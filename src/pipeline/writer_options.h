#pragma once
// The config's keys for the Parquet writer, mapped in one place for every
// file barforge writes from a config (a dataset, `transform`'s output).

#include "barforge/config.h"
#include "barforge/parquet_writer.h"

namespace barforge {

/// parquet_compression, compression_level and float_encoding of `config`,
/// and `threads` encoding threads. The footer's key-value metadata is left
/// to the caller.
parquet::WriterOptions WriterOptionsFor(const Config& config, int threads);

}  // namespace barforge
