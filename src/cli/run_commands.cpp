// `barforge build` and `barforge synth`: load the config, run, report.

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "cli/progress_bar.h"

namespace barforge::cli {

namespace {

Config LoadRunConfig(const RunFlags& flags) {
  std::filesystem::path file = flags.config_file;
  if (file.empty() && std::filesystem::exists("config/default.yaml")) file = "config/default.yaml";
  return LoadConfig(file, flags.overrides);
}

nlohmann::json TickersJson(const std::vector<TickerSummary>& tickers) {
  nlohmann::json out = nlohmann::json::array();
  for (const TickerSummary& t : tickers) {
    out.push_back({{"ticker", t.ticker},
                   {"raw_file", t.raw_file.string()},
                   {"bars", t.bars},
                   {"dropped_bars", t.dropped_bars},
                   {"generated", t.generated}});
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
          {"tickers", TickersJson(s.tickers)}};
}

void PrintSummary(const BuildSummary& s) {
  const StageTimes& t = s.stages;
  fmt::print("stage times (s; streamed stages are summed over {} threads):\n", s.jobs);
  fmt::print("  raw data   {:8.3f}\n  prepare    {:8.3f}\n  sampling   {:8.3f}\n  features   {:8.3f}\n"
             "  scaling    {:8.3f}\n  rewards    {:8.3f}\n  encoding   {:8.3f}\n  writing    {:8.3f}\n",
             t.raw_data, t.prepare, t.sampling, t.features, t.scaling, t.rewards, t.encoding, t.writing);
  for (const TickerSummary& ticker : s.tickers) {
    fmt::print("  {:<8} {} bars{}{}\n", ticker.ticker, ticker.bars,
               ticker.dropped_bars > 0 ? fmt::format(", {} dropped", ticker.dropped_bars) : "",
               ticker.generated ? " (generated)" : "");
  }
  fmt::print("wrote {} ({} rows, {} row groups, {:.1f} MB) and {}\n", s.output.string(), s.rows, s.row_groups,
             static_cast<double>(s.bytes) / 1e6, s.scaler.string());
  fmt::print("{:.2f} s, {:.0f} samples/s, peak memory {:.0f} MB\n", s.seconds,
             s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0,
             static_cast<double>(s.peak_rss_bytes) / 1e6);
}

}  // namespace

int BuildCommand(const RunFlags& flags) {
  const Config config = LoadRunConfig(flags);
  if (flags.skip_existing && !flags.overwrite && std::filesystem::exists(SamplesPath(config))) {
    if (!flags.quiet) fmt::print("{} already exists; nothing to do (--overwrite rebuilds it)\n", SamplesPath(config).string());
    return kExitOk;
  }
  ProgressBar progress(stderr, !flags.quiet && !flags.json);
  BuildOptions options;
  options.overwrite = flags.overwrite;
  options.on_progress = [&progress](int64_t done, int64_t total) { progress.Update(done, total); };
  const BuildSummary summary = RunBuild(config, options);
  progress.Finish();
  if (flags.json) {
    fmt::print("{}\n", SummaryJson(summary).dump());
  } else if (!flags.quiet) {
    PrintSummary(summary);
  }
  return kExitOk;
}

int SynthCommand(const RunFlags& flags) {
  const Config config = LoadRunConfig(flags);
  const std::vector<TickerSummary> tickers = RunSynth(config, flags.overwrite);
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
