#pragma once
// The Parquet schema of a samples file (SPEC §3).

#include <vector>

#include "barforge/parquet_writer.h"

namespace barforge {

/// sample_id, ticker, timestamp, bar_index, ohlc, volume, meta, rewards,
/// fwd_return, in that order.
std::vector<parquet::ColumnSpec> DatasetSchema(int window);

}  // namespace barforge
