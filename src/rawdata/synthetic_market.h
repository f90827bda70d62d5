#pragma once
// The seeded synthetic market (docs/semantics.md): GBM with GARCH(1,1)-like volatility
// clustering, OHLC from a simulated intrabar path, log-normal volume
// correlated with absolute returns. Same (seed, ticker, options) -> same bars.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"
#include "barforge/parquet_writer.h"
#include "rawdata/bar_series.h"

namespace barforge {

BarSeries GenerateSyntheticBars(const std::string& ticker, const SyntheticConfig& options, uint64_t seed);

/// Changes whenever GenerateSyntheticBars gives other bars for the same
/// parameters, so that files of an older generator are not reused.
inline constexpr int kSyntheticGeneratorVersion = 1;

/// Key of a synthetic raw file's key-value metadata that records what
/// generated it, and its value: one line of JSON with the generator
/// version, ticker, seed, n_bars, bar_seconds and start (ns since epoch).
inline constexpr const char* kSyntheticMetadataKey = "barforge.synthetic";
std::string SyntheticParametersJson(const std::string& ticker, const SyntheticConfig& options, uint64_t seed);

/// Writes bars as a raw Parquet file (timestamp[ns, UTC], open, high, low,
/// close, volume as DOUBLE) with barforge's writer; same bars -> same bytes.
/// `key_values` go into the footer.
void WriteBarsParquet(const BarSeries& bars, const std::filesystem::path& path, const ColumnNames& names,
                      std::vector<std::pair<std::string, std::string>> key_values = {});

/// The same file, complete and flushed but left under its temporary name:
/// the returned writer's Commit() makes it visible (replacing a file at
/// `path` only if `replace`); destroying it uncommitted removes it.
std::unique_ptr<parquet::ParquetWriter> WriteBarsParquetUncommitted(
    const BarSeries& bars, const std::filesystem::path& path, const ColumnNames& names, bool replace,
    std::vector<std::pair<std::string, std::string>> key_values = {});

}  // namespace barforge
