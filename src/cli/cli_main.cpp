#include "cli/cli_main.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <iterator>
#include <utility>
#include <optional>
#include <string>

#include "barforge/error.h"
#include "barforge/version.h"
#include "cli/commands.h"
#include "io/message_text.h"
#include "io/signal_cleanup.h"
#include "text/suggest.h"

namespace barforge::cli {

namespace {

constexpr size_t kMaxMessageBytes = 2000;

void AddRunFlags(CLI::App& command, RunFlags& flags) {
  command.add_option("--config", flags.config_file, "YAML config file (default: config/default.yaml if it exists)");
  command.add_option("--set", flags.overrides, "Override any config key: --set key=value (repeatable; nested keys dotted, e.g. synthetic.n_bars=1000)")
      ->take_last()
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  command.add_flag("--overwrite", flags.overwrite, "Replace existing output (and, with source: synthetic, raw) files");
  command.add_flag("--quiet,-q", flags.quiet, "Print nothing but errors");
  command.add_flag("--json", flags.json, "Print the summary as one JSON object on stdout");
}

// CLI11's message, with the nearest command or flag when a word is unknown.
std::string UsageMessage(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv) {
  std::vector<std::string> commands;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    commands.push_back(command->get_name());
  }
  std::string names;
  for (const std::string& name : commands) names += (names.empty() ? "" : ", ") + name;
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && std::find(commands.begin(), commands.end(), first) == commands.end()) {
    return fmt::format("unknown command '{}'{}; the commands are {} (barforge --help)", first,
                       text::DidYouMean(first, commands), names);
  }
  std::string message = error.what();
  if (argc <= 1) return fmt::format("{}: one of {} (barforge --help)", message, names);
  const CLI::App* command = app.get_subcommand_ptr(first).get();
  // An unknown --flag of the command: suggest its nearest flag.
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) continue;
    const std::string name = arg.substr(0, arg.find('='));
    std::vector<std::string> flags;
    for (const CLI::Option* option : command->get_options()) {
      for (const std::string& long_name : option->get_lnames()) flags.push_back("--" + long_name);
    }
    if (std::find(flags.begin(), flags.end(), name) == flags.end()) {
      return fmt::format("{}: unknown option '{}'{} (barforge {} --help)", first, name, text::DidYouMean(name, flags),
                         first);
    }
  }
  return fmt::format("{}: {} (barforge {} --help)", first, message, first);
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"barforge: OHLCV bars to machine-learning training datasets in Parquet"};
  app.set_version_flag("--version", std::string("barforge ") + kVersion);
  app.require_subcommand(1);

  RunFlags build_flags;
  std::optional<int64_t> samples;
  std::optional<std::string> seed;  // parsed as the config key is: one rule for both
  std::optional<int> jobs;
  CLI::App* build = app.add_subcommand("build", "Build the samples dataset and the meta scaler (columns: docs/dataset.md)");
  AddRunFlags(*build, build_flags);
  build->add_option("--samples", samples, "Number of samples (config key n_samples; not together with --set n_samples=...)");
  build->add_option("--seed", seed, "Sampling seed (config key seed; the synthetic market has synthetic.seed; not together with --set seed=...)");
  build->add_flag("--skip-existing", build_flags.skip_existing,
                  "Reuse an existing dataset built from the same effective config: exit 0 without work (a missing scaler "
                  "is restored from its footer); one built from another config is an error naming the keys that "
                  "differ. Without it an existing dataset stops the build (used by `make run`)");
  build->add_option("--jobs", jobs, "Threads; -1 for all cores (config key n_jobs; not together with --set n_jobs=...)");
  build->add_option("--shard", build_flags.shard,
                    "Build only part r of R (r/R, 0 <= r < R) into the dataset directory, for schedulers without "
                    "MPI; `barforge finalize DIR` completes the directory. Reads the raw files and never writes "
                    "them (source: synthetic: run `barforge synth` first)");

  std::vector<std::filesystem::path> finalize_dirs;
  bool finalize_json = false;
  CLI::App* finalize = app.add_subcommand(
      "finalize", "Check a dataset directory's parts (from build --shard) and mark it complete with _SUCCESS");
  finalize
      ->add_option("DIR", finalize_dirs,
                   "Dataset directory (samples_filename without its extension; with splits, each split's directory)")
      ->required();
  finalize->add_flag("--json", finalize_json, "Print the result as JSON");

  RunFlags synth_flags;
  CLI::App* synth = app.add_subcommand("synth", "Write the synthetic raw files only");
  AddRunFlags(*synth, synth_flags);

  std::filesystem::path inspect_file;
  CLI::App* inspect = app.add_subcommand("inspect", "Show a Parquet file's schema, row groups, codecs, sizes and key-value metadata");
  inspect->add_option("FILE", inspect_file, "Parquet file, or a dataset directory of parts")->required();

  std::filesystem::path validate_file;
  bool validate_json = false;
  CLI::App* validate = app.add_subcommand(
      "validate", "Read every value of a samples file and check its page checksums, shapes, NaN/inf and ordering");
  validate->add_option("FILE", validate_file, "Parquet file or dataset directory written by barforge build")
      ->required();
  validate->add_flag("--json", validate_json, "Print the result as JSON");

  const std::function<int()> run_transform = AddTransformCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "barforge: error: %s\n", UsageMessage(app, e, argc, argv).c_str());
    return kExitUsage;
  }

  // Ctrl-C or a kill removes this run's temporary files before exiting.
  io::InstallSignalCleanup();
  try {
    if (*build) {
      // A dedicated flag and a --set of its key are two answers to one
      // question: refused, rather than one silently winning.
      const std::pair<bool, std::pair<const char*, std::string>> dedicated[] = {
          {samples.has_value(), {"--samples", samples ? std::to_string(*samples) : ""}},
          {seed.has_value(), {"--seed", seed.value_or("")}},
          {jobs.has_value(), {"--jobs", jobs ? std::to_string(*jobs) : ""}}};
      const char* keys[] = {"n_samples", "seed", "n_jobs"};
      for (size_t d = 0; d < std::size(dedicated); ++d) {
        if (!dedicated[d].first) continue;
        for (const std::string& item : build_flags.overrides) {
          if (item.substr(0, item.find('=')) != keys[d]) continue;
          std::fprintf(stderr, "barforge: error: build: %s %s and --set %s both set %s; give one of them\n",
                       dedicated[d].second.first, dedicated[d].second.second.c_str(), item.c_str(), keys[d]);
          return kExitUsage;
        }
      }
      // --set wins over the file. Messages name each override as it was written.
      for (const std::string& item : build_flags.overrides) build_flags.override_origins.push_back("--set " + item);
      const auto add = [&build_flags](const std::string& key, const std::string& flag, const std::string& value) {
        build_flags.overrides.push_back(key + "=" + value);
        build_flags.override_origins.push_back(flag + " " + value);
      };
      if (samples) add("n_samples", "--samples", std::to_string(*samples));
      if (seed) add("seed", "--seed", *seed);
      if (jobs) add("n_jobs", "--jobs", std::to_string(*jobs));
      return BuildCommand(build_flags);
    }
    if (*synth) {
      for (const std::string& item : synth_flags.overrides) synth_flags.override_origins.push_back("--set " + item);
      return SynthCommand(synth_flags);
    }
    if (*finalize) {
      for (const auto& dir : finalize_dirs) FinalizeCommand(dir, finalize_json);
      return kExitOk;
    }
    if (*inspect) return InspectCommand(inspect_file);
    if (*validate) return ValidateCommand(validate_file, validate_json);
    if (app.got_subcommand("transform")) return run_transform();
  } catch (const std::exception& e) {
    PrintError(e.what());
    return kExitError;
  }
  return kExitUsage;
}

void PrintError(std::string_view text) {
  // One line, whatever the exception carries.
  std::string message(text);
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  // NUL and bytes that are not UTF-8 shown escaped, and a bound on the
  // line whatever a value quoted in it holds.
  message = io::MessageText(message, kMaxMessageBytes);
  std::fprintf(stderr, "barforge: error: %s\n", message.c_str());
  std::fflush(stderr);
}

}  // namespace barforge::cli
