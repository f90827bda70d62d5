#include "pipeline/raw_data_stage.h"

#include <filesystem>
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

}  // namespace

RawData PrepareRawData(const Config& config, bool overwrite) {
  RawData raw;
  for (const std::string& ticker : config.tickers) {
    const std::filesystem::path path = RawDataPath(config, ticker);
    TickerSummary summary{ticker, path};
    const bool generate = config.source == DataSource::kSynthetic && (overwrite || !std::filesystem::exists(path));
    if (generate) {
      EnsureDirectory(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
      BarSeries bars = GenerateSyntheticBars(ticker, config.synthetic, config.seed);
      bars.source = path;
      // Refused before writing, so a series that could never be used is
      // not left on disk.
      CheckSeriesLength(bars, config.window, config.horizon);
      WriteBarsParquet(bars, path, config.columns);
      // Generated bars satisfy SPEC §2 by construction (tested on every
      // bar), and Parquet stores doubles exactly, so they are used as they
      // are instead of being read back.
      summary.generated = true;
      raw.series.push_back(std::move(bars));
    } else {
      raw.series.push_back(LoadBars(path, ticker, config));
    }
    summary.bars = raw.series.back().size();
    summary.dropped_bars = raw.series.back().dropped_bars;
    raw.summary.push_back(std::move(summary));
  }
  return raw;
}

}  // namespace barforge
