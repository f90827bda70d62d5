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

// The members of every cross-section: the series long enough for one
// window (a ticker skipped by on_short_series: skip is not one), in order.
std::vector<uint32_t> CrossSectionMembers(const Config& config, std::span<const BarSeries> series) {
  std::vector<uint32_t> members;
  for (size_t k = 0; k < series.size(); ++k) {
    if (series[k].size() >= static_cast<int64_t>(config.window) + config.horizon) {
      members.push_back(static_cast<uint32_t>(k));
    }
  }
  if (std::ssize(members) < config.min_present) {
    throw DataError(fmt::format("min_present {} is more than the {} tickers left for the cross-sections after "
                                "on_short_series: skip left out {} (too short for window {} + horizon {})",
                                config.min_present, members.size(), series.size() - members.size(),
                                config.window, config.horizon));
  }
  return members;
}

// The cross-sectional sampler of one split over its valid pairs `runs`
// (ticker = the series index); DataError naming the split (`label`) when no
// timestamp has min_present members present.
CrossSectionSampler PlanCrossSection(const Config& config, std::span<const BarSeries> series,
                                     std::span<const uint32_t> members, std::span<const EndBarRun> runs,
                                     uint32_t stream, PairChoice choice, const std::string& label) {
  std::vector<int64_t> member_of(series.size(), -1);
  std::vector<std::span<const int64_t>> timestamps;
  for (size_t m = 0; m < members.size(); ++m) {
    member_of[members[m]] = static_cast<int64_t>(m);
    timestamps.emplace_back(series[members[m]].timestamp_ns);
  }
  std::vector<EndBarRun> member_runs;
  for (const EndBarRun& run : runs) {
    if (member_of[run.ticker] >= 0) member_runs.push_back({static_cast<uint32_t>(member_of[run.ticker]), run.first_end, run.length});
  }
  CrossSectionSampler sampler(config.seed, stream, std::move(timestamps), member_runs, config.min_present, choice);
  if (sampler.num_timestamps() == 0) {
    throw DataError(fmt::format("{} has no valid timestamp for a cross-section: no timestamp has min_present {} of "
                                "the {} tickers with a valid end bar there (at most {} at one timestamp); lower "
                                "min_present, or give the tickers bars at the same timestamps",
                                label, config.min_present, members.size(), sampler.most_present()));
  }
  return sampler;
}

// Cross-sections align on exact timestamps: tickers that never share one
// (bars stamped in other time zones, or at open and close times) would give
// rows of one ticker each, which is almost surely a mistake in the data.
void CheckCommonTimestamp(const Config& config, const BuildPlan& plan, std::span<const BarSeries> series) {
  if (plan.members.size() < 2) return;
  for (const SplitPlan& split : plan.splits) {
    if (split.cross_section->most_present() >= 2) return;
  }
  std::string firsts;
  for (size_t m = 0; m < plan.members.size() && m < 3; ++m) {
    const BarSeries& s = series[plan.members[m]];
    firsts += fmt::format("{}{} {} ns", m ? ", " : "", config.tickers[plan.members[m]], s.timestamp_ns.front());
  }
  throw DataError(fmt::format("cross_section: the {} tickers have no common timestamp among their valid end bars "
                              "(cross-sections align tickers on exact timestamps; first bars: {}); check that "
                              "every ticker's bars are stamped alike (time zone, open or close time)",
                              plan.members.size(), firsts));
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
    if (config.cross_section) {
      plan.members = CrossSectionMembers(config, series);
      CrossSectionSampler cross = PlanCrossSection(config, series, plan.members, runs, 0, PairChoice::kUniform,
                                                   "the data");
      plan.splits.push_back({"", kNoStart, kNoEnd, config.n_samples, SamplesPath(config),
                             Sampler(config.seed, 0, std::move(runs)), std::move(cross)});
      CheckCommonTimestamp(config, plan, series);
      return plan;
    }
    plan.splits.push_back({"", kNoStart, kNoEnd, config.n_samples, SamplesPath(config),
                           Sampler(config.seed, 0, std::move(runs)), std::nullopt});
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
  if (config.cross_section) plan.members = CrossSectionMembers(config, series);
  for (size_t s = 0; s < config.splits.size(); ++s) {
    const SplitConfig& split = config.splits[s];
    // A count, or every valid pair once (`all`, and a later split without
    // n_samples); with cross_section every valid timestamp once.
    const std::optional<int64_t> given = SplitSampleCount(config, s);
    const PairChoice choice = given ? PairChoice::kUniform : PairChoice::kEveryPairOnce;
    std::optional<CrossSectionSampler> cross;
    if (config.cross_section) {
      cross = PlanCrossSection(config, series, plan.members, runs[s], static_cast<uint32_t>(s), choice,
                               fmt::format("split '{}'", split.name));
    }
    const int64_t n = given.value_or(cross ? cross->num_timestamps() : CountPairs(runs[s]));
    counts.push_back(n);
    plan.splits.push_back({split.name, start_ns, ends[s], n, SplitSamplesPath(config, split.name, n),
                           Sampler(config.seed, static_cast<uint32_t>(s), std::move(runs[s]), choice),
                           std::move(cross)});
    start_ns = ends[s];
  }
  if (config.cross_section) CheckCommonTimestamp(config, plan, series);
  CheckSplitFileNames(config, counts);
  return plan;
}

}  // namespace barforge
