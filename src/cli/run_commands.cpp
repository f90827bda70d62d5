// `barforge build` and `barforge synth`: load the config, run, report.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "distributed/rank_group.h"
#include "text/human.h"
#include "pipeline/output_pair.h"

namespace barforge::cli {

Config LoadRunConfig(const RunFlags& flags) {
  std::filesystem::path file = flags.config_file;
  if (file.empty() && std::filesystem::exists("config/default.yaml")) file = "config/default.yaml";
  return LoadConfig(file, flags.overrides, flags.override_origins);
}

namespace {

nlohmann::json TickersJson(const std::vector<TickerSummary>& tickers) {
  nlohmann::json out = nlohmann::json::array();
  for (const TickerSummary& t : tickers) {
    out.push_back({{"ticker", t.ticker},
                   {"raw_file", t.raw_file.string()},
                   {"bars", t.bars},
                   {"dropped_bars", t.dropped_bars},
                   {"gap_excluded_end_bars", t.gap_excluded_end_bars},
                   {"generated", t.generated},
                   {"skipped", t.skipped}});
  }
  return out;
}

// Open ends (the first split's start, the last split's end) are null.
nlohmann::json SplitsJson(const std::vector<SplitSummary>& splits) {
  nlohmann::json out = nlohmann::json::array();
  for (const SplitSummary& split : splits) {
    out.push_back({{"name", split.name},
                   {"output", split.output.string()},
                   {"start_ns", split.start_ns == std::numeric_limits<int64_t>::min() ? nlohmann::json(nullptr)
                                                                                       : nlohmann::json(split.start_ns)},
                   {"end_ns", split.end_ns == std::numeric_limits<int64_t>::max() ? nlohmann::json(nullptr)
                                                                                   : nlohmann::json(split.end_ns)},
                   {"valid_pairs", split.valid_pairs},
                   {"rows", split.rows},
                   {"row_groups", split.row_groups},
                   {"bytes", split.bytes}});
  }
  return out;
}

nlohmann::json SummaryJson(const BuildSummary& s) {
  const StageTimes& t = s.stages;
  return {{"output", s.output.string()},
          {"scaler", s.scaler.string()},
          {"rows", s.rows},
          {"row_groups", s.row_groups},
          {"bytes", s.bytes},
          {"raw_float_bytes", s.raw_float_bytes},
          {"seconds", s.seconds},
          {"samples_per_second", s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0},
          {"peak_rss_bytes", s.peak_rss_bytes},
          {"jobs", s.jobs},
          {"stages",
           {{"raw_data", t.raw_data},
            {"prepare", t.prepare},
            {"sampling", t.sampling},
            {"features", t.features},
            {"scaling", t.scaling},
            {"rewards", t.rewards},
            {"encoding", t.encoding},
            {"writing", t.writing}}},
          {"phases",
           {{"raw_data", s.phases.raw_data},
            {"prepare", s.phases.prepare},
            {"scaler", s.phases.scaler},
            {"writing", s.phases.writing},
            {"finishing", s.phases.finishing}}},
          {"tickers", TickersJson(s.tickers)},
          {"splits", SplitsJson(s.splits)},
          {"valid_pairs", s.valid_pairs},
          {"warnings", s.warnings}};
}

void PrintSummary(const BuildSummary& s) { fmt::print("{}", BuildSummaryText(s)); }

}  // namespace

std::string BuildSummaryJson(const BuildSummary& summary) { return SummaryJson(summary).dump(); }

// The summary `build` prints (also printed by Python's build_dataset).
std::string BuildSummaryText(const BuildSummary& s) {
  std::string out;
  auto sink = std::back_inserter(out);
  const PhaseTimes& p = s.phases;
  const StageTimes& t = s.stages;
  fmt::format_to(sink, "phases (wall time):\n");
  fmt::format_to(sink, "  raw data    {:>9}\n", text::Duration(p.raw_data));
  fmt::format_to(sink, "  preparing   {:>9}\n", text::Duration(p.prepare));
  fmt::format_to(sink, "  scaler fit  {:>9}\n", text::Duration(p.scaler));
  // The writing phase runs its stages at the same time on every thread:
  // their thread time says where it went.
  // Three lines, so that the summary fits 80 columns.
  fmt::format_to(sink, "  writing     {:>9}   on {}, thread time:\n", text::Duration(p.writing),
                 text::Count(s.jobs, "thread"));
  fmt::format_to(sink, "{:26}encoding {}, features {}, sampling {},\n", "", text::Duration(t.encoding),
                 text::Duration(t.features), text::Duration(t.sampling));
  fmt::format_to(sink, "{:26}rewards {}, scaling {}\n", "", text::Duration(t.rewards),
                 text::Duration(t.scaling - p.scaler));
  fmt::format_to(sink, "  finishing   {:>9}   footer, flush to disk, rename, scaler\n", text::Duration(p.finishing));
  fmt::format_to(sink, "tickers:\n");
  size_t name_width = 0, bars_width = 0;
  for (const TickerSummary& ticker : s.tickers) {
    name_width = std::max(name_width, ticker.ticker.size());
    bars_width = std::max(bars_width, text::Thousands(ticker.bars).size());
  }
  for (const TickerSummary& ticker : s.tickers) {
    fmt::format_to(sink, "  {:<{}}  {:>{}} {}  {}{}{}\n", ticker.ticker, name_width, text::Thousands(ticker.bars), bars_width,
               ticker.bars == 1 ? "bar " : "bars", ticker.raw_file.string(), ticker.generated ? " (generated)" : ticker.skipped ? " (skipped: too short for one window)" : "",
               ticker.dropped_bars > 0 ? fmt::format(", {} dropped", text::Count(ticker.dropped_bars, "bad bar"))
                                       : "");
    if (ticker.gap_excluded_end_bars > 0) {
      fmt::format_to(sink, "  {:<{}}  {} excluded by max_gap\n", "", name_width,
                 text::Count(ticker.gap_excluded_end_bars, "end bar"));
    }
  }
  for (const SplitSummary& split : s.splits) {
    fmt::format_to(sink, "split {}: {} of {} valid pairs \u2192 {}, {}\n", split.name, text::Count(split.rows, "sample"),
               text::Thousands(split.valid_pairs), split.output.string(), text::Bytes(split.bytes));
  }
  if (s.splits.empty()) {
    fmt::format_to(sink, "{} drawn from {} valid windows (ticker, end bar)\n", text::Count(s.rows, "sample"),
                   text::Thousands(s.valid_pairs));
  }
  fmt::format_to(sink, "{}, {} samples/s, peak memory {}; scaler {}\n", text::Count(s.row_groups, "row group"),
             text::Thousands(s.seconds > 0 ? static_cast<int64_t>(static_cast<double>(s.rows) / s.seconds) : 0),
             text::Mebibytes(s.peak_rss_bytes), s.scaler.string());
  fmt::format_to(sink, "built {} in {} \u2192 {}, {}\n", text::Count(s.rows, "sample"), text::Duration(s.seconds),
                 s.splits.empty() ? s.output.string()
                                  : text::Count(static_cast<int64_t>(s.splits.size()), "split file"),
                 text::Bytes(s.bytes));
  return out;
}

AlreadyExistsError ExistsFromOtherConfig(const ExistingDataset& existing, std::string_view overwrite) {
  return AlreadyExistsError(fmt::format("{}: exists but was built from another config ({}); pass {} to rebuild it, or "
                                        "choose another samples_filename",
                                        existing.path.string(), existing.difference, overwrite));
}

bool SplitsAlreadyBuilt(const std::vector<ExistingDataset>& existing, std::string_view overwrite) {
  std::vector<std::string> present, missing;
  for (const ExistingDataset& file : existing) {
    if (file.state == ExistingDataset::State::kOtherConfig) {
      throw AlreadyExistsError(fmt::format("{}: exists but was built from another config ({}); pass {} to "
                                           "rebuild every split, or choose another samples_filename",
                                           file.path.string(), file.difference, overwrite));
    }
    (file.state == ExistingDataset::State::kSameConfig ? present : missing).push_back(file.path.string());
  }
  if (present.empty()) return false;
  if (!missing.empty()) {
    throw AlreadyExistsError(fmt::format("{} {} but {} {} missing (an earlier build stopped between the split "
                                         "files); pass {} to rebuild every split",
                                         fmt::join(present, ", "), present.size() == 1 ? "exists" : "exist",
                                         fmt::join(missing, ", "), missing.size() == 1 ? "is" : "are", overwrite));
  }
  return true;
}

namespace {

// --skip-existing with splits: true when every split's file was built from
// this config (nothing to do); false when none exists (build). Throws
// AlreadyExistsError for a file of another config, or for some files
// present and others missing (an earlier build stopped between its files).
bool SkipExistingSplits(const Config& config, const RunFlags& flags,
                        const std::function<void(const std::string&)>& notice) {
  const std::vector<ExistingDataset> existing = CheckExistingSplits(config);
  if (!SplitsAlreadyBuilt(existing, "--overwrite")) return false;
  std::vector<std::string> present;
  for (const ExistingDataset& file : existing) present.push_back(file.path.string());
  const bool restored = RestoreScalerFromDataset(config);
  CheckOutputs(config, false, notice);
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"outputs", present},
                                      {"scaler", ScalerPath(config).string()},
                                      {"skipped", true},
                                      {"scaler_restored", restored}}
                           .dump());
  } else if (!flags.quiet) {
    fmt::print("{} were built from this config already; nothing to do (--overwrite rebuilds them){}\n",
               fmt::join(present, ", "),
               restored ? fmt::format("; restored the missing {} from a footer", ScalerPath(config).string()) : "");
  }
  return true;
}

}  // namespace

int BuildCommand(const RunFlags& flags) {
  // With --shard or under an MPI launcher with more than one rank, the
  // dataset is built in parts; one rank builds the file, as without MPI.
  if (!flags.shard.empty()) return PartsBuildCommand(flags, nullptr);
  std::unique_ptr<RankGroup> single_rank;
  if (LaunchedByMpi()) {
    std::unique_ptr<RankGroup> group = JoinMpiJob();
    if (group->size() > 1) return PartsBuildCommand(flags, std::move(group));
    single_rank = std::move(group);  // finalised after the build
  }
  const Config config = LoadRunConfig(flags);
  auto notice = [&flags](const std::string& text) {
    if (!flags.quiet) std::fprintf(stderr, "barforge: note: %s\n", text.c_str());
  };
  if (flags.skip_existing && !flags.overwrite && !config.splits.empty()) {
    if (SkipExistingSplits(config, flags, notice)) return kExitOk;
  } else if (flags.skip_existing && !flags.overwrite) {
    const ExistingDataset existing = CheckExistingDataset(config);
    if (existing.state == ExistingDataset::State::kOtherConfig) {
      throw ExistsFromOtherConfig(existing, "--overwrite");
    }
    if (existing.state == ExistingDataset::State::kSameConfig) {
      const bool restored = RestoreScalerFromDataset(config);
      // Leftovers of interrupted runs removed, a stale scaler file replaced
      // by the dataset's copy.
      CheckOutputs(config, false, notice);
      if (flags.json) {
        fmt::print("{}\n", nlohmann::json{{"output", existing.path.string()},
                                          {"scaler", ScalerPath(config).string()},
                                          {"skipped", true},
                                          {"scaler_restored", restored}}
                               .dump());
      } else if (!flags.quiet) {
        fmt::print("{} was built from this config already; nothing to do (--overwrite rebuilds it){}\n",
                   existing.path.string(),
                   restored ? fmt::format("; restored the missing {} from its footer", ScalerPath(config).string())
                            : "");
      }
      return kExitOk;
    }
  }
  ProgressBar progress(stderr, !flags.quiet && !flags.json);
  BuildOptions options;
  options.overwrite = flags.overwrite;
  options.on_notice = notice;
  if (progress.active()) {
    options.on_progress = [&progress](const BuildProgress& p) { progress.Update(p); };
  }
  const BuildSummary summary = RunBuild(config, options);
  progress.Finish();
  if (!flags.quiet) {
    for (const std::string& warning : summary.warnings) std::fprintf(stderr, "barforge: warning: %s\n", warning.c_str());
  }
  if (flags.json) {
    fmt::print("{}\n", BuildSummaryJson(summary));
  } else if (!flags.quiet) {
    PrintSummary(summary);
  }
  return kExitOk;
}

int SynthCommand(const RunFlags& flags) {
  const Config config = LoadRunConfig(flags);
  const std::vector<TickerSummary> tickers = RunSynth(config, flags.overwrite, [&flags](const std::string& text) {
    if (!flags.quiet) std::fprintf(stderr, "barforge: note: %s\n", text.c_str());
  });
  if (flags.json) {
    fmt::print("{}\n", nlohmann::json{{"tickers", TickersJson(tickers)}}.dump());
  } else if (!flags.quiet) {
    for (const TickerSummary& t : tickers) {
      fmt::print("{} {}: {} bars\n", t.generated ? "wrote" : "kept", t.raw_file.string(), t.bars);
    }
  }
  return kExitOk;
}

}  // namespace barforge::cli
