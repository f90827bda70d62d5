// `barforge build` and `barforge synth`: load the config, run, report.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"
#include "cli/cli_main.h"
#include "cli/commands.h"
#include "cli/progress_bar.h"
#include "distributed/rank_group.h"

namespace barforge::cli {

Config LoadRunConfig(const RunFlags& flags) {
  std::filesystem::path file = flags.config_file;
  if (file.empty() && std::filesystem::exists("config/default.yaml")) file = "config/default.yaml";
  return LoadConfig(file, flags.overrides, flags.override_origins);
}

OnExisting OnExistingOf(const RunFlags& flags) {
  if (flags.overwrite) return OnExisting::kOverwrite;
  return flags.skip_existing ? OnExisting::kReuseSameConfig : OnExisting::kRefuse;
}

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
  ProgressBar progress(stderr, !flags.quiet && !flags.json);
  BuildOptions options;
  options.on_existing = OnExistingOf(flags);
  options.on_notice = [&flags](const std::string& text) {
    if (!flags.quiet) std::fprintf(stderr, "barforge: note: %s\n", text.c_str());
  };
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
    fmt::print("{}", BuildSummaryText(summary));
  }
  return kExitOk;
}

int SynthCommand(const RunFlags& flags) {
  const Config config = LoadRunConfig(flags);
  const std::vector<TickerSummary> tickers = RunSynth(config, flags.overwrite, [&flags](const std::string& text) {
    if (!flags.quiet) std::fprintf(stderr, "barforge: note: %s\n", text.c_str());
  });
  if (flags.json) {
    fmt::print("{}\n", SynthSummaryJson(tickers));
  } else if (!flags.quiet) {
    for (const TickerSummary& t : tickers) {
      fmt::print("{} {}: {} bars\n", t.generated ? "wrote" : "kept", t.raw_file.string(), t.bars);
    }
  }
  return kExitOk;
}

}  // namespace barforge::cli
