// The dataset and its scaler as one result, temporaries under signals and
// after dead runs, an unwritable output folder found at start: each run
// through the CLI on small builds with injected kills and failures.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

extern char** environ;

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPairConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 3000}
window: 16
horizon: 4
n_samples: 6000
chunk_rows: 1000
)";

std::vector<std::string> Temporaries(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) names.push_back(name);
  }
  return names;
}

std::string FooterScaler(const fs::path& dataset) {
  const parquet::ParquetReader reader(dataset);
  for (const auto& [key, value] : reader.key_value_metadata()) {
    if (key == "barforge.scaler") return value;
  }
  return "";
}

// Starts `barforge build` in `dir` and waits until the dataset's temporary
// holds rows (the run is writing them); returns the child's PID.
pid_t StartBuildAndWaitForWriting(const fs::path& dir, const std::vector<std::string>& extra) {
  const std::string binary = BarforgeBinary();
  std::vector<std::string> args = {binary, "build", "--config", (dir / "config.yaml").string(), "--quiet",
                                   "--set", "data_dir=" + (dir / "data").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const std::string& name : Temporaries(dir / "data")) {
      std::error_code ec;
      if (name.rfind("samples_", 0) == 0 && fs::file_size(dir / "data" / name, ec) > (1 << 20)) return pid;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pid;
}

void ExpectSignalRemovesTemporaries(int signal_number) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA]\nsynthetic: {n_bars: 20000}\nn_samples: 300000\n"
                          "chunk_rows: 20000\n");
  const pid_t pid = StartBuildAndWaitForWriting(dir.path(), {});
  ASSERT_GT(pid, 0);
  ASSERT_FALSE(Temporaries(dir / "data").empty()) << "the build never started writing";
  ASSERT_EQ(kill(pid, signal_number), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  // Ended by the signal itself, as a shell reports with 128 + signal.
  ASSERT_TRUE(WIFSIGNALED(status)) << "the build finished before the signal; make it larger";
  EXPECT_EQ(WTERMSIG(status), signal_number);
  EXPECT_EQ(Temporaries(dir / "data"), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(dir / "data/samples_300K.parquet"));
  EXPECT_FALSE(fs::exists(dir / "data/meta_scaler.json"));
  // The raw file is committed with the dataset only: none was made visible.
  EXPECT_FALSE(fs::exists(dir / "data/raw_AAA.parquet"));
}

TEST(OutputSafety, SigintRemovesTemporariesAndEndsBySigint) { ExpectSignalRemovesTemporaries(SIGINT); }

TEST(OutputSafety, SigtermRemovesTemporariesAndEndsBySigterm) { ExpectSignalRemovesTemporaries(SIGTERM); }

// Temporaries of runs that died (SIGKILL, power loss) are reported and
// removed by the next run, including one named like this run's own would
// have been in a container (same PID).
TEST(OutputSafety, LeftoversOfDeadRunsAreReportedAndRemoved) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  fs::create_directories(dir / "data");
  const std::vector<std::string> leftovers = {"samples_6K.parquet.tmp-1-0", "meta_scaler.json.tmp-1",
                                              "raw_AAA.parquet.tmp-1-3"};
  for (const std::string& name : leftovers) std::ofstream(dir / "data" / name) << "partial";
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const std::string& name : leftovers) {
    EXPECT_NE(result.err.find("barforge: note: removed data/" + name + ", left by an interrupted run"),
              std::string::npos)
        << result.err;
  }
  EXPECT_EQ(Temporaries(dir / "data"), std::vector<std::string>{});
}

// A scaler file missing next to its dataset (a build stopped between the
// two commits) is restored from the dataset's footer by the next run, even
// one that then stops because the dataset exists.
TEST(OutputSafety, MissingOrStaleScalerIsRestoredFromTheDataset) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  ASSERT_EQ(FooterScaler(dir / "data/samples_6K.parquet"), scaler);

  fs::remove(dir / "data/meta_scaler.json");
  CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("barforge: note: restored data/meta_scaler.json from the footer of "
                            "data/samples_6K.parquet (an earlier build stopped before writing it)"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("data/samples_6K.parquet: already exists (use --overwrite to replace it)"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);

  // A scaler of another seed beside the dataset: replaced, with --skip-existing too.
  std::ofstream(dir / "data/meta_scaler.json") << "{\"stale\": true}\n";
  result = RunBarforge(dir.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("barforge: note: replaced the stale data/meta_scaler.json"), std::string::npos)
      << result.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
}

// A scaler left without its dataset by an earlier version (which wrote the
// scaler first) does not block the rerun.
TEST(OutputSafety, ScalerWithoutItsDatasetIsReplaced) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  fs::remove(dir / "data/samples_6K.parquet");
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("barforge: note: data/meta_scaler.json has no dataset beside it"), std::string::npos)
      << result.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  EXPECT_EQ(FooterScaler(dir / "data/samples_6K.parquet"), scaler);
}

// A build that fails while writing the dataset's last bytes (file-size limit:
// as a full disk at the footer) leaves the old pair and the old raw files,
// not a new scaler or new raw files beside the old dataset.
TEST(OutputSafety, FailureAtTheFooterLeavesTheOldPairAndRawFiles) {
  TempDir other;
  WriteConfig(other.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(other.path(), "build --config config.yaml --quiet --seed 7 --set synthetic.n_bars=4000")
                .exit_code,
            0);
  const auto new_size = fs::file_size(other / "data/samples_6K.parquet");

  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string old_dataset = ReadFile(dir / "data/samples_6K.parquet");
  const std::string old_scaler = ReadFile(dir / "data/meta_scaler.json");
  const std::string old_raw = ReadFile(dir / "data/raw_AAA.parquet");
  ASSERT_GT(new_size, fs::file_size(dir / "data/raw_AAA.parquet") + 2000);

  // The limit lets every page through but not the footer's end.
  const CommandResult failed = RunCommand(
      "cd " + ShellQuote(dir.path().string()) + " && prlimit --fsize=" + std::to_string(new_size - 8) + " " +
      ShellQuote(BarforgeBinary()) +
      " build --config config.yaml --quiet --overwrite --seed 7 --set synthetic.n_bars=4000");
  ASSERT_EQ(failed.exit_code, 1) << "the injected failure did not happen";
  EXPECT_NE(failed.err.find("File too large"), std::string::npos) << failed.err;
  EXPECT_EQ(ReadFile(dir / "data/samples_6K.parquet"), old_dataset);
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), old_scaler);
  EXPECT_EQ(ReadFile(dir / "data/raw_AAA.parquet"), old_raw);
  EXPECT_EQ(Temporaries(dir / "data"), std::vector<std::string>{});
}

// An output folder the build cannot write in is found before the raw data
// is loaded and the scaler fitted. Run as an unprivileged user, since root
// writes anywhere.
TEST(OutputSafety, UnwritableOutputFolderIsFoundAtStart) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir / "data", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
  const std::string as_user = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
  if (::geteuid() != 0) fs::permissions(dir / "data", fs::perms::owner_write, fs::perm_options::remove);
  const CommandResult result = RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + as_user +
                                          ShellQuote(BarforgeBinary()) + " build --config config.yaml --json");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind("barforge: error: data: cannot write the outputs in this folder (", 0), 0) << result.err;
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.err;
  if (::geteuid() != 0) fs::permissions(dir / "data", fs::perms::owner_write, fs::perm_options::add);
}

TEST(OutputSafety, TooManyThreadsAreLoweredWithANote) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml --jobs 1000 --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find(fmt::format("barforge: note: n_jobs: 1000 lowered to {} threads (at most 4 per core)",
                                        4 * cores)),
            std::string::npos)
      << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["jobs"], 4 * cores);
}

}  // namespace
}  // namespace barforge::testing
