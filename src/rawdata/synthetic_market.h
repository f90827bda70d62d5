#pragma once
// The seeded synthetic market of SPEC §2: GBM with GARCH(1,1)-like volatility
// clustering, OHLC from a simulated intrabar path, log-normal volume
// correlated with absolute returns. Same (seed, ticker, options) -> same bars.

#include <cstdint>
#include <filesystem>
#include <string>

#include "barforge/config.h"
#include "rawdata/bar_series.h"

namespace barforge {

BarSeries GenerateSyntheticBars(const std::string& ticker, const SyntheticConfig& options, uint64_t seed);

/// Writes bars as a raw Parquet file (timestamp[ns, UTC], open, high, low,
/// close, volume as DOUBLE) with barforge's writer; same bars -> same bytes.
void WriteBarsParquet(const BarSeries& bars, const std::filesystem::path& path, const ColumnNames& names);

}  // namespace barforge
