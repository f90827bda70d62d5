#include "barforge/pipeline.h"
#include "pipeline/raw_data_stage.h"

#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/error.h"
#include "barforge/parquet_reader.h"
#include "io/atomic_file.h"
#include "pipeline/output_pair.h"
#include "rawdata/synthetic_market.h"

namespace barforge {

std::vector<TickerSummary> RunSynth(const Config& config, bool overwrite,
                                    const std::function<void(const std::string&)>& on_notice) {
  if (config.source != DataSource::kSynthetic) {
    throw ConfigError("source: `barforge synth` needs source: synthetic");
  }
  RefuseTemporaryNames(config);
  for (const std::string& ticker : config.tickers) {
    for (const std::filesystem::path& leftover : io::RemoveStaleTemporaries(RawDataPath(config, ticker))) {
      if (on_notice) on_notice(fmt::format("removed {}, left by an interrupted run", leftover.string()));
    }
  }
  // A kept file is checked by its generator record and counted from its
  // footer, not loaded: every build reads and validates all its bars
  // anyway, and loading them here too would load them twice where it costs
  // most, on rank 0 of an MPI job and on a Ray or Dask driver while every
  // other process waits for it.
  std::vector<TickerSummary> summary(config.tickers.size());
  Config missing = config;
  missing.tickers.clear();
  std::vector<size_t> missing_index;
  for (size_t t = 0; t < config.tickers.size(); ++t) {
    const std::string& ticker = config.tickers[t];
    const std::filesystem::path path = RawDataPath(config, ticker);
    if (overwrite || !std::filesystem::exists(path)) {
      missing.tickers.push_back(ticker);
      missing_index.push_back(t);
      continue;
    }
    CheckKeptSyntheticFile(path, SyntheticParametersJson(ticker, config.synthetic, config.synthetic.seed),
                           "pass --overwrite to regenerate it");
    summary[t] = TickerSummary{ticker, path};
    summary[t].bars = parquet::ParquetReader(path).num_rows();
    summary[t].skipped = summary[t].bars < static_cast<int64_t>(config.window) + config.horizon;
  }
  if (!missing.tickers.empty()) {
    RawData raw = PrepareRawData(missing, overwrite);
    CommitRawFiles(raw);
    for (size_t k = 0; k < missing_index.size(); ++k) summary[missing_index[k]] = raw.summary[k];
  }
  return summary;
}

}  // namespace barforge
