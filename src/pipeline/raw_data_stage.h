#pragma once
// First stage of a build: the validated bars of every configured ticker.

#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "rawdata/bar_series.h"

namespace barforge {

struct RawData {
  std::vector<BarSeries> series;      ///< one per config.tickers, same order
  std::vector<TickerSummary> summary;
};

/// With source: synthetic, writes each missing raw file (every one with
/// overwrite) and uses the generated bars; otherwise loads and validates the
/// existing files (LoadBars).
RawData PrepareRawData(const Config& config, bool overwrite);

}  // namespace barforge
