#include "pipeline/split_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>

#include "barforge/error.h"
#include "sampling/end_bar_runs.h"

namespace barforge {

namespace {

constexpr int64_t kNoStart = std::numeric_limits<int64_t>::min();
constexpr int64_t kNoEnd = std::numeric_limits<int64_t>::max();

// The split's end in ns: an instant as given, a fraction f as
// first + floor(f * (last - first)) over all tickers' bars.
int64_t ResolveEnd(const SplitConfig& split, int64_t first_ns, int64_t last_ns) {
  if (split.end_ns) return *split.end_ns;
  if (!split.end_fraction) return kNoEnd;
  const long double span = static_cast<long double>(last_ns) - static_cast<long double>(first_ns);
  return first_ns + static_cast<int64_t>(std::floor(static_cast<long double>(*split.end_fraction) * span));
}

// Why a split has no valid pair, for its error message.
std::string NoPairReason(const Config& config, std::span<const BarSeries> series, int64_t start_ns, int64_t end_ns,
                         int64_t embargo) {
  const EndBarRules no_gaps{config.window, config.horizon, 0};
  std::vector<EndBarRun> runs;
  for (size_t k = 0; k < series.size(); ++k) {
    AppendEndBarRuns(static_cast<uint32_t>(k), series[k].timestamp_ns, {}, start_ns, end_ns, embargo, no_gaps, runs);
  }
  if (runs.empty()) {
    return fmt::format("too short: no ticker has window {} + horizon {} bars inside it{}", config.window,
                       config.horizon, embargo > 0 ? fmt::format(" after an embargo of {} bars", embargo) : "");
  }
  return fmt::format("all gaps: every window of window {} + horizon {} bars holds two bars more than max_gap {} apart",
                     config.window, config.horizon, config.max_gap);
}

void CheckMaxGapAgainstSpacing(const Config& config, std::span<const BarSeries> series,
                               const std::vector<std::vector<int64_t>>& gaps) {
  int64_t smallest = kNoEnd;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& t = series[k].timestamp_ns;
    if (t.size() < 2 || gaps[k].size() != t.size() - 1) return;  // some spacing is within max_gap
    for (size_t b = 1; b < t.size(); ++b) smallest = std::min(smallest, t[b] - t[b - 1]);
  }
  if (smallest == kNoEnd) return;
  throw DataError(fmt::format("max_gap {} is smaller than the spacing of every two consecutive bars (the smallest "
                              "is {} s)",
                              config.max_gap, static_cast<double>(smallest) * 1e-9));
}

}  // namespace

BuildPlan PlanBuild(const Config& config, std::span<const BarSeries> series) {
  const EndBarRules rules{config.window, config.horizon, config.max_gap_ns};
  BuildPlan plan;
  std::vector<std::vector<int64_t>> gaps(series.size());
  int64_t first_ns = kNoEnd, last_ns = kNoStart;
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& t = series[k].timestamp_ns;
    gaps[k] = GapPositions(t, config.max_gap_ns);
    // A series too short for one window (left out by on_short_series: skip)
    // does not move the ends given as fractions.
    if (std::ssize(t) >= static_cast<int64_t>(config.window) + config.horizon) {
      first_ns = std::min(first_ns, t.front());
      last_ns = std::max(last_ns, t.back());
    }
    std::vector<EndBarRun> whole;
    AppendEndBarRuns(static_cast<uint32_t>(k), t, gaps[k], kNoStart, kNoEnd, 0, rules, whole);
    const int64_t all_end_bars = std::max<int64_t>(0, series[k].size() - config.window - config.horizon + 1);
    plan.gap_excluded_end_bars.push_back(all_end_bars - CountPairs(whole));
  }
  if (config.max_gap_ns > 0) CheckMaxGapAgainstSpacing(config, series, gaps);

  if (config.splits.empty()) {
    std::vector<EndBarRun> runs;
    for (size_t k = 0; k < series.size(); ++k) {
      AppendEndBarRuns(static_cast<uint32_t>(k), series[k].timestamp_ns, gaps[k], kNoStart, kNoEnd, 0, rules, runs);
    }
    if (runs.empty()) {
      if (config.max_gap_ns == 0) {
        throw DataError(fmt::format(
            "no ticker has a valid end bar: every series is shorter than window {} + horizon {}", config.window,
            config.horizon));
      }
      throw DataError(fmt::format("no valid (ticker, end bar) pair: {}",
                                  NoPairReason(config, series, kNoStart, kNoEnd, 0)));
    }
    plan.splits.push_back({"", kNoStart, kNoEnd, config.n_samples, SamplesPath(config),
                           Sampler(config.seed, 0, std::move(runs))});
    return plan;
  }

  std::vector<std::vector<EndBarRun>> runs(config.splits.size());
  int64_t start_ns = kNoStart;
  std::vector<int64_t> ends;
  for (size_t s = 0; s < config.splits.size(); ++s) {
    const SplitConfig& split = config.splits[s];
    const int64_t end_ns = ResolveEnd(split, first_ns, last_ns);
    if (s > 0 && end_ns <= start_ns) {
      const SplitConfig& previous = config.splits[s - 1];
      throw ConfigError(fmt::format("key 'splits': split '{}': end {} ({} ns) is not after the end of split '{}' "
                                    "({}, {} ns); ends must increase",
                                    split.name, split.end, end_ns, previous.name, previous.end, start_ns));
    }
    const int64_t embargo = s > 0 ? config.embargo_bars : 0;
    for (size_t k = 0; k < series.size(); ++k) {
      AppendEndBarRuns(static_cast<uint32_t>(k), series[k].timestamp_ns, gaps[k], start_ns, end_ns, embargo, rules,
                       runs[s]);
    }
    if (runs[s].empty()) {
      throw DataError(fmt::format("split '{}' has no valid (ticker, end bar) pair: {}", split.name,
                                  NoPairReason(config, series, start_ns, end_ns, embargo)));
    }
    ends.push_back(end_ns);
    start_ns = end_ns;
  }
  start_ns = kNoStart;
  std::vector<int64_t> counts;
  for (size_t s = 0; s < config.splits.size(); ++s) {
    const SplitConfig& split = config.splits[s];
    // A count, or every valid pair once (`all`, and a later split without n_samples).
    const std::optional<int64_t> given = SplitSampleCount(config, s);
    const int64_t n = given.value_or(CountPairs(runs[s]));
    counts.push_back(n);
    plan.splits.push_back({split.name, start_ns, ends[s], n, SplitSamplesPath(config, split.name, n),
                           Sampler(config.seed, static_cast<uint32_t>(s), std::move(runs[s]),
                                   given ? PairChoice::kUniform : PairChoice::kEveryPairOnce)});
    start_ns = ends[s];
  }
  CheckSplitFileNames(config, counts);
  return plan;
}

}  // namespace barforge
