#pragma once
// `barforge build` and `barforge synth` as library calls.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "barforge/config.h"

namespace barforge {

/// Seconds spent in each stage. Stages of the streaming part run at the same
/// time on several threads, so those are summed thread time, not wall time.
struct StageTimes {
  double raw_data = 0;   ///< generating or loading and validating raw bars (wall)
  double prepare = 0;    ///< per-ticker log arrays (wall)
  double scaling = 0;    ///< fitting the meta scaler (wall) plus applying it (thread time)
  double sampling = 0;   ///< drawing (ticker, end bar, position) (thread time)
  double features = 0;   ///< ohlc, volume and raw meta (thread time)
  double rewards = 0;    ///< rewards and forward return (thread time)
  double encoding = 0;   ///< Parquet encoding and compression (thread time)
  double writing = 0;    ///< appending row groups, footer, flush, rename (wall)
};

struct TickerSummary {
  std::string ticker;
  std::filesystem::path raw_file;
  int64_t bars = 0;          ///< after validation
  int64_t dropped_bars = 0;  ///< removed by on_bad_bar: drop
  bool generated = false;    ///< written by this run (source: synthetic)
};

struct BuildSummary {
  std::filesystem::path output;
  std::filesystem::path scaler;
  int64_t rows = 0;
  int64_t row_groups = 0;
  int64_t bytes = 0;
  int64_t raw_float_bytes = 0;  ///< bytes of float32 values before encoding
  double seconds = 0;           ///< wall time of the whole build
  int64_t peak_rss_bytes = 0;
  int jobs = 1;
  StageTimes stages;
  std::vector<TickerSummary> tickers;
};

struct BuildOptions {
  bool overwrite = false;  ///< replace existing raw files (synthetic) and outputs
  /// Called on the writing thread after each row group: (rows done, rows total).
  std::function<void(int64_t, int64_t)> on_progress;
};

/// Builds the dataset of SPEC §3 into SamplesPath(config) and the scaler into
/// ScalerPath(config). Throws barforge::Error subclasses; never leaves a file
/// at the final output name unless it is complete.
BuildSummary RunBuild(const Config& config, const BuildOptions& options);

/// Writes the missing raw files of `source: synthetic` (all of them with
/// overwrite). Returns one summary per ticker.
std::vector<TickerSummary> RunSynth(const Config& config, bool overwrite);

/// Peak resident set size of this process so far, in bytes.
int64_t PeakRssBytes();

}  // namespace barforge
