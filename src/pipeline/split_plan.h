#pragma once
// What a build samples: per split, its resolved time range, its valid
// (ticker, end bar) pairs as runs, its count and its file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "rawdata/bar_series.h"
#include "sampling/cross_section_sampler.h"
#include "sampling/sampler.h"

namespace barforge {

struct SplitPlan {
  std::string name;          ///< empty without `splits`
  int64_t start_ns = 0;      ///< INT64_MIN: from the beginning
  int64_t end_ns = 0;        ///< INT64_MAX: to the end
  int64_t n_samples = 0;
  std::filesystem::path output;
  Sampler sampler;           ///< over the split's valid pairs, stream = the split's index
  /// cross_section: over the split's valid timestamps (same stream); the
  /// count and file follow its T, not the sampler's P.
  std::optional<CrossSectionSampler> cross_section;
};

struct BuildPlan {
  std::vector<SplitPlan> splits;  ///< one, unnamed, without `splits`
  std::vector<int64_t> gap_excluded_end_bars;  ///< per ticker (all 0 without max_gap)
  /// cross_section: the series (indices into the tickers) of the M members
  /// of every cross-section, in config order: every ticker but those too
  /// short for one window (on_short_series: skip). Empty otherwise.
  std::vector<uint32_t> members;
};

/// Resolves boundaries (fractions of [first bar, last bar] over all
/// tickers), applies purge, embargo and max_gap, and counts each split's
/// samples. Throws ConfigError for ends out of order, DataError for a split
/// without a valid pair (naming the split and why) or max_gap below every
/// bar spacing. With cross_section, also a DataError for a split without a
/// valid timestamp and for tickers without a common timestamp.
BuildPlan PlanBuild(const Config& config, std::span<const BarSeries> series);

}  // namespace barforge
