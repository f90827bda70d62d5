#pragma once
// The subcommands. Each returns an exit code; errors propagate as exceptions
// to cli::Main, which prints them.

#include <filesystem>
#include <memory>
#include <functional>
#include <string>
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
/// What `build` does about existing dataset files: --overwrite replaces
/// them, --skip-existing reuses those of the same effective config, neither
/// refuses them.
OnExisting OnExistingOf(const RunFlags& flags);
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
