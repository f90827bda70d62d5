#pragma once
// The subcommands. Each returns an exit code; errors propagate as exceptions
// to cli::Main, which prints them.

#include <filesystem>
#include <memory>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"
#include "barforge/pipeline.h"

namespace CLI {
class App;
}

namespace barforge {
class RankGroup;
}

namespace barforge::cli {

/// Options shared by build and synth.
struct RunFlags {
  std::filesystem::path config_file;   ///< empty: config/default.yaml if present
  std::vector<std::string> overrides;  ///< --set k=v and the dedicated flags, in order
  std::vector<std::string> override_origins;  ///< each override as written ("--samples -5"), for messages
  bool overwrite = false;
  bool skip_existing = false;          ///< build: succeed without work if the output exists
  bool quiet = false;
  bool json = false;
  std::string shard;                   ///< build: "r/R", part r of R (empty: the whole dataset)
};

/// The config of build/synth: --config (or config/default.yaml) and the overrides.
Config LoadRunConfig(const RunFlags& flags);

int BuildCommand(const RunFlags& flags);
/// build with --shard (group null) or as rank of `group`: one part of a
/// dataset directory.
int PartsBuildCommand(const RunFlags& flags, std::unique_ptr<RankGroup> group);
/// The summary text `build` prints after a build (phases, tickers, result).
std::string BuildSummaryText(const BuildSummary& summary);
/// The summary `build --json` prints, one JSON object (also what Python's
/// build gets, parsed).
std::string BuildSummaryJson(const BuildSummary& summary);
/// The refusal of a dataset at the output name built from another config,
/// telling to rebuild with `overwrite` (how the caller spells it).
AlreadyExistsError ExistsFromOtherConfig(const ExistingDataset& existing, std::string_view overwrite);
/// With splits, given CheckExistingSplits: false when no split's file
/// exists, true when every one was built from this config; throws
/// AlreadyExistsError (telling to pass `overwrite`) for a file of another
/// config or for some files present and others missing.
bool SplitsAlreadyBuilt(const std::vector<ExistingDataset>& existing, std::string_view overwrite);
int SynthCommand(const RunFlags& flags);
int FinalizeCommand(const std::filesystem::path& dir, bool json);
/// inspect/validate of a dataset directory (a build in parts).
int InspectDatasetDirectory(const std::filesystem::path& dir);
int ValidateDatasetDirectory(const std::filesystem::path& dir, bool json);
int InspectCommand(const std::filesystem::path& file);
int ValidateCommand(const std::filesystem::path& file, bool json);
/// Adds `transform` and its flags to `app`; the returned function runs it
/// once the command line is parsed.
std::function<int()> AddTransformCommand(CLI::App& app);

}  // namespace barforge::cli
