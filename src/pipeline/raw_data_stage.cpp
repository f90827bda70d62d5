#include "pipeline/raw_data_stage.h"

#include <oneapi/tbb/parallel_for.h>

#include <exception>
#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "barforge/error.h"
#include "rawdata/bar_loader.h"
#include "rawdata/bar_validation.h"
#include "rawdata/synthetic_market.h"

namespace barforge {

namespace {

void EnsureDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create directory: {}", dir.string(), ec.message()));
}

BarSeries PrepareTicker(const Config& config, const std::string& ticker, bool overwrite, TickerSummary& summary) {
  const std::filesystem::path path = RawDataPath(config, ticker);
  summary = TickerSummary{ticker, path};
  const bool generate = config.source == DataSource::kSynthetic && (overwrite || !std::filesystem::exists(path));
  BarSeries bars;
  if (generate) {
    EnsureDirectory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
    bars = GenerateSyntheticBars(ticker, config.synthetic, config.seed);
    bars.source = path;
    // Refused before writing, so a series that could never be used is
    // not left on disk.
    CheckSeriesLength(bars, config.window, config.horizon);
    WriteBarsParquet(bars, path, config.columns);
    // Generated bars satisfy SPEC §2 by construction (tested on every
    // bar), and Parquet stores doubles exactly, so they are used as they
    // are instead of being read back.
    summary.generated = true;
  } else {
    bars = LoadBars(path, ticker, config);
  }
  summary.bars = bars.size();
  summary.dropped_bars = bars.dropped_bars;
  return bars;
}

}  // namespace

RawData PrepareRawData(const Config& config, bool overwrite) {
  const size_t n = config.tickers.size();
  RawData raw;
  raw.series.resize(n);
  raw.summary.resize(n);
  // Tickers are independent: generate or load them on all threads. Errors
  // are collected so that the one reported is the first ticker's, as it
  // would be one ticker at a time.
  std::vector<std::exception_ptr> errors(n);
  tbb::parallel_for(size_t{0}, n, [&](size_t t) {
    try {
      raw.series[t] = PrepareTicker(config, config.tickers[t], overwrite, raw.summary[t]);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  });
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return raw;
}

}  // namespace barforge
