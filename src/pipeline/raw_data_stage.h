#pragma once
// First stage of a build: the validated bars of every configured ticker.

#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "rawdata/bar_series.h"

namespace barforge {

class BuildMonitor;

struct RawData {
  std::vector<BarSeries> series;      ///< one per config.tickers, same order
  std::vector<TickerSummary> summary;
};

/// With source: synthetic, writes each missing raw file (every one with
/// overwrite) and uses the generated bars; otherwise loads and validates the
/// existing files (LoadBars).
/// `monitor` (may be null) counts tickers done and may cancel between them.
RawData PrepareRawData(const Config& config, bool overwrite, BuildMonitor* monitor = nullptr);

}  // namespace barforge
