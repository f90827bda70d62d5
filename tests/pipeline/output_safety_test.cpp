// The dataset and its scaler as one result, temporaries under signals and
// after dead runs, an unwritable output folder found at start: each run
// through the CLI on small builds with injected kills and failures.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <regex>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "barforge/config.h"
#include "barforge/dataset_layout.h"
#include "barforge/parquet_reader.h"
#include "pipeline/output_pair.h"
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

void ExpectSignalRemovesTemporaries(int signal_number, int tickers = 1) {
  TempDir dir;
  std::string names;
  for (int t = 0; t < tickers; ++t) names += fmt::format("{}T{:03}", t == 0 ? "" : ", ", t);
  WriteConfig(dir.path(), fmt::format("data_dir: data\ntickers: [{}]\nsynthetic: {{n_bars: {}}}\nn_samples: 300000\n"
                                      "chunk_rows: 20000\n",
                                      names, tickers == 1 ? 20000 : 400));
  // SIGQUIT's default action dumps core: not here.
  struct rlimit no_core {0, 0};
  struct rlimit previous {};
  getrlimit(RLIMIT_CORE, &previous);
  setrlimit(RLIMIT_CORE, &no_core);
  const pid_t pid = StartBuildAndWaitForWriting(dir.path(), {});
  setrlimit(RLIMIT_CORE, &previous);
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
  EXPECT_FALSE(fs::exists(dir / "data/raw_T000.parquet"));
}

TEST(OutputSafety, SigintRemovesTemporariesAndEndsBySigint) { ExpectSignalRemovesTemporaries(SIGINT); }

TEST(OutputSafety, SigtermRemovesTemporariesAndEndsBySigterm) { ExpectSignalRemovesTemporaries(SIGTERM); }

// A closed terminal or a dropped SSH connection (SIGHUP), Ctrl-\\ (SIGQUIT),
// a reader of the output gone (SIGPIPE).
TEST(OutputSafety, SighupRemovesTemporariesAndEndsBySighup) { ExpectSignalRemovesTemporaries(SIGHUP); }

TEST(OutputSafety, SigquitRemovesTemporariesAndEndsBySigquit) { ExpectSignalRemovesTemporaries(SIGQUIT); }

TEST(OutputSafety, SigpipeRemovesTemporariesAndEndsBySigpipe) { ExpectSignalRemovesTemporaries(SIGPIPE); }

// 200 generated raw files stay temporaries until the dataset commits: all
// of them, and the dataset's, are removed on a signal.
TEST(OutputSafety, SignalRemovesEveryTemporaryOfTwoHundredTickers) { ExpectSignalRemovesTemporaries(SIGTERM, 200); }

// Temporaries of runs that died (SIGKILL, power loss) are reported and
// removed by the next run, including one named like this run's own would
// have been in a container (same PID), and those of other outputs in the
// folder (a build of another sample count, a killed transform --all). Only
// names of barforge's exact pattern are touched: a user's backup that merely
// starts like one stays.
TEST(OutputSafety, LeftoversOfDeadRunsAreReportedAndRemoved) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  fs::create_directories(dir / "data");
  // PID 2147483646 is above any pid_max: its owner is dead.
  const std::vector<std::string> leftovers = {
      "samples_6K.parquet.tmp-2147483646-0123456789abcdef", "meta_scaler.json.tmp-2147483646-00000000000000ff",
      "raw_AAA.parquet.tmp-2147483646-ffffffffffffffff", "samples_20K.parquet.tmp-2147483646-0000000000000001",
      "backtest.parquet.tmp-2147483646-abcdefabcdefabcd"};
  const std::vector<std::string> kept = {"meta_scaler.json.tmp-old", "samples_6K.parquet.tmp-backup",
                                         "samples_6K.parquet.tmp-1-0", "samples_6K.parquet.tmp-2147483646-0123.csv"};
  for (const std::string& name : leftovers) std::ofstream(dir / "data" / name) << "partial";
  for (const std::string& name : kept) std::ofstream(dir / "data" / name) << "the user's";
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const std::string& name : leftovers) {
    EXPECT_NE(result.err.find("barforge: note: removed data/" + name + ", left by an interrupted run"),
              std::string::npos)
        << result.err;
    EXPECT_FALSE(fs::exists(dir / "data" / name)) << name;
  }
  for (const std::string& name : kept) EXPECT_EQ(ReadFile(dir / "data" / name), "the user's") << name;
}

// A raw input inside barforge's temporary namespace would be removed by a
// build once the PID in its name is dead: refused before anything is done.
TEST(OutputSafety, RawFileNamedLikeATemporaryIsRefused) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  const CommandResult result = RunBarforge(
      dir.path(), "build --config config.yaml --set 'raw_data_filename={ticker}.tmp-1-0123456789abcdef'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "barforge: error: raw_data_filename: data/AAA.tmp-1-0123456789abcdef is named like a barforge temporary "
            "(<name>.tmp-<pid>-<16 hex digits>), which a build removes once the process in its name is dead; rename "
            "it\n");
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K.parquet"));
}

// The default scaler file is shared by every dataset of a folder: one that
// an existing dataset's footer holds is never replaced by a build of another
// dataset without --overwrite (with --quiet too), and --skip-existing of the
// first build does not flip it back.
TEST(OutputSafety, ScalerOfAnExistingDatasetIsNeverReplaced) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  ASSERT_EQ(FooterScaler(dir / "data/samples_6K.parquet"), scaler);
  const std::string refusal =
      "barforge: error: data/meta_scaler.json: is the scaler of data/samples_6K.parquet (its footer holds it), "
      "which still exists; give each dataset its own scaler (scaler_filename: meta_scaler_{n}.json) or pass "
      "--overwrite to replace it\n";
  for (const char* flags : {"", " --quiet"}) {
    const CommandResult other = RunBarforge(dir.path(), std::string("build --config config.yaml --samples 3000") + flags);
    EXPECT_EQ(other.exit_code, 1);
    EXPECT_EQ(other.err, refusal);
    EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
    EXPECT_FALSE(fs::exists(dir / "data/samples_3K.parquet"));
  }
  // What the refusal says to do works, and leaves the first pair alone.
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --samples 3000 "
                                    "--set 'scaler_filename=meta_scaler_{n}.json'")
                .exit_code,
            0);
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler_3K.json"), FooterScaler(dir / "data/samples_3K.parquet"));
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  const CommandResult skipped = RunBarforge(dir.path(), "build --config config.yaml --skip-existing --quiet");
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);

  // --overwrite replaces it; the first dataset's scaler file is then taken,
  // which its --skip-existing says instead of flipping it back.
  fs::remove(dir / "data/samples_3K.parquet");
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --samples 3000 --overwrite").exit_code, 0);
  const std::string second = ReadFile(dir / "data/meta_scaler.json");
  EXPECT_EQ(second, FooterScaler(dir / "data/samples_3K.parquet"));
  const CommandResult taken = RunBarforge(dir.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(taken.exit_code, 1);
  EXPECT_EQ(taken.err,
            "barforge: error: data/meta_scaler.json: is the scaler of data/samples_3K.parquet (its footer holds it), "
            "which still exists; give each dataset its own scaler (scaler_filename: meta_scaler_{n}.json) or pass "
            "--overwrite to replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), second);
}

// A file at the scaler path that is not a barforge scaler is someone's:
// never replaced without --overwrite.
TEST(OutputSafety, FileAtTheScalerPathThatIsNoScalerIsRefused) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  fs::create_directories(dir / "data");
  std::ofstream(dir / "data/meta_scaler.json") << "notes\n";
  std::ofstream(dir / "data/notes.txt") << "notes\n";
  CommandResult result = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "barforge: error: data/meta_scaler.json: exists, not a barforge scaler; pass --overwrite to replace it\n");
  result = RunBarforge(dir.path(), "build --config config.yaml --quiet --set scaler_filename=notes.txt");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: data/notes.txt: exists, not a barforge scaler; pass --overwrite to replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), "notes\n");
  EXPECT_EQ(ReadFile(dir / "data/notes.txt"), "notes\n");
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K.parquet"));
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --overwrite").exit_code, 0);
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), FooterScaler(dir / "data/samples_6K.parquet"));
}

// A kill at any point of the commit never shows an old scaler beside a new
// dataset: the old scaler file is removed before the dataset is renamed, and
// the next run restores the one the visible dataset holds.
TEST(OutputSafety, KillDuringTheCommitNeverShowsAnotherBuildsScaler) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string old_dataset = ReadFile(dir / "data/samples_6K.parquet");
  const std::string old_scaler = ReadFile(dir / "data/meta_scaler.json");
  const auto killed_at = [&](const std::string& step) {
    return RunCommand("cd " + ShellQuote(dir.path().string()) + " && BARFORGE_FAULT_COMMIT=" + step + " " +
                      ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet --overwrite --seed 7");
  };
  // Between the removal of the old scaler and the dataset's rename: the old
  // dataset, no scaler; the next run puts the old scaler back.
  ASSERT_EQ(killed_at("scaler-removed").exit_code, 128 + SIGKILL) << "the fault hook did not kill the build";
  EXPECT_EQ(ReadFile(dir / "data/samples_6K.parquet"), old_dataset);
  EXPECT_FALSE(fs::exists(dir / "data/meta_scaler.json"));
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --skip-existing").exit_code, 0);
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), old_scaler);

  // Between the dataset's rename and the scaler's: the new dataset, no
  // scaler (never the old one); the next run writes the new one's.
  ASSERT_EQ(killed_at("dataset-committed").exit_code, 128 + SIGKILL);
  EXPECT_NE(ReadFile(dir / "data/samples_6K.parquet"), old_dataset);
  EXPECT_FALSE(fs::exists(dir / "data/meta_scaler.json"));
  const CommandResult rerun = RunBarforge(dir.path(), "build --config config.yaml --skip-existing --seed 7");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), FooterScaler(dir / "data/samples_6K.parquet"));
  EXPECT_NE(ReadFile(dir / "data/meta_scaler.json"), old_scaler);
  EXPECT_EQ(Temporaries(dir / "data"), std::vector<std::string>{});
}

// Two builds of different datasets at once, without --overwrite: the one
// that commits second finds, under the lock, that the scaler file now
// belongs to the first's dataset, and stops without renaming anything.
TEST(OutputSafety, ScalerTakenWhileABuildRanIsRefusedAtItsCommit) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  const std::string build = "cd " + ShellQuote(dir.path().string()) + " && ";
  auto late = std::async(std::launch::async, [&] {
    return RunCommand(build + "BARFORGE_FAULT_COMMIT=before-lock:2000 " + ShellQuote(BarforgeBinary()) +
                      " build --config config.yaml --quiet --samples 3000");
  });
  // The late build has passed its checks and written its dataset.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool writing = false;
  while (!writing && std::chrono::steady_clock::now() < deadline) {
    for (const std::string& name : Temporaries(dir / "data")) writing = writing || name.rfind("samples_3K", 0) == 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(writing) << "the late build never started writing";
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  const CommandResult refused = late.get();
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err,
            "barforge: error: data/meta_scaler.json: is the scaler of data/samples_6K.parquet (its footer holds it), "
            "which still exists; give each dataset its own scaler (scaler_filename: meta_scaler_{n}.json) or pass "
            "--overwrite to replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  EXPECT_EQ(FooterScaler(dir / "data/samples_6K.parquet"), scaler);
  EXPECT_FALSE(fs::exists(dir / "data/samples_3K.parquet"));
  EXPECT_EQ(Temporaries(dir / "data"), std::vector<std::string>{});
}

// Two --overwrite builds of different seeds at once: the second to commit
// waits for the first's whole pair, however long the first takes between its
// dataset and its scaler (widened here to 1.5 s), so the pair left is one
// build's.
TEST(OutputSafety, ConcurrentOverwriteBuildsCommitOneAfterTheOther) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  const std::string build = "cd " + ShellQuote(dir.path().string()) + " && ";
  auto slow = std::async(std::launch::async, [&] {
    return RunCommand(build + "BARFORGE_FAULT_COMMIT=dataset-committed:1500 " + ShellQuote(BarforgeBinary()) +
                      " build --config config.yaml --quiet --overwrite --seed 1");
  });
  // The slow build holds the folder's lock while it sleeps.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(dir / "data/.barforge.lock") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(fs::exists(dir / "data/.barforge.lock")) << "the slow build never took the lock";
  const CommandResult fast = RunBarforge(dir.path(), "build --config config.yaml --quiet --overwrite --seed 7");
  const CommandResult first = slow.get();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(fast.exit_code, 0) << fast.err;
  // The fast build committed last, all of its pair.
  const parquet::ParquetReader reader(dir / "data/samples_6K.parquet");
  std::string seed;
  for (const auto& [key, value] : reader.key_value_metadata()) {
    if (key == "barforge.seed") seed = value;
  }
  EXPECT_EQ(seed, "7");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), FooterScaler(dir / "data/samples_6K.parquet"));
  EXPECT_FALSE(fs::exists(dir / "data/.barforge.lock"));
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

  // A barforge scaler that no dataset holds beside the dataset (a build of
  // another seed stopped before its dataset): replaced, with
  // --skip-existing too.
  TempDir other;
  WriteConfig(other.path(), kPairConfig);
  ASSERT_EQ(RunBarforge(other.path(), "build --config config.yaml --quiet --seed 7").exit_code, 0);
  fs::copy_file(other / "data/meta_scaler.json", dir / "data/meta_scaler.json",
                fs::copy_options::overwrite_existing);
  result = RunBarforge(dir.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("barforge: note: replaced the stale data/meta_scaler.json"), std::string::npos)
      << result.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);

  // Anything else there is not replaced.
  std::ofstream(dir / "data/meta_scaler.json") << "{\"stale\": true}\n";
  result = RunBarforge(dir.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "barforge: error: data/meta_scaler.json: exists, not a barforge scaler; pass --overwrite to replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), "{\"stale\": true}\n");
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
  EXPECT_NE(result.err.find("barforge: note: data/meta_scaler.json belongs to no dataset in data (its dataset was "
                            "deleted, or a build stopped before writing data/samples_6K.parquet); the build replaces "
                            "it"),
            std::string::npos)
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

// The disk check's estimate is what the codec really gives (never less),
// per codec: checked against the file each codec writes.
TEST(OutputSafety, DiskEstimateCoversWhatEachCodecWrites) {
  for (const char* codec : {"zstd", "gzip", "snappy", "lz4", "none"}) {
    TempDir dir;
    WriteConfig(dir.path(), kPairConfig);
    const CommandResult result =
        RunBarforge(dir.path(), std::string("build --config config.yaml --json --set parquet_compression=") + codec);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto summary = nlohmann::json::parse(result.out);
    const Config config = LoadConfig(dir / "config.yaml", {std::string("parquet_compression=") + codec});
    const double per_row = DiskBytesPerFloatByte(config.parquet_compression) *
                               static_cast<double>(DatasetLayout::FromConfig(config).RawFloatBytesPerRow()) +
                           40;
    const double bytes = summary["bytes"].get<double>();
    EXPECT_LE(bytes, per_row * 6000) << codec;
    // ... and not far above it: a build that fits is not refused.
    EXPECT_GE(bytes, 0.75 * per_row * 6000) << codec;
  }
}

// A build whose dataset needs more than the free space at the codec's real
// size is refused before any work, in readable units, even where half the
// float bytes (the estimate before) would have fitted.
TEST(OutputSafety, BuildThatCannotFitIsRefusedBeforeAnyWork) {
  TempDir dir;
  WriteConfig(dir.path(), kPairConfig);
  struct statvfs disk {};
  ASSERT_EQ(statvfs(dir.path().c_str(), &disk), 0);
  const double free_bytes = static_cast<double>(disk.f_bavail) * static_cast<double>(disk.f_frsize);
  const Config config = LoadConfig(dir / "config.yaml", {});
  const double float_bytes = static_cast<double>(DatasetLayout::FromConfig(config).RawFloatBytesPerRow());
  // Between half of the float bytes and what zstd really keeps of them.
  const auto samples = static_cast<int64_t>(free_bytes / (0.68 * float_bytes));
  const CommandResult result = RunCommand("cd " + ShellQuote(dir.path().string()) + " && timeout 20 " +
                                          ShellQuote(BarforgeBinary()) + " build --config config.yaml --samples " +
                                          std::to_string(samples) + " --set chunk_rows=" +
                                          std::to_string(samples / 4000 + 1));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const std::regex message(
      "barforge: error: data: [0-9,]+ samples need about [0-9.]+ (MB|GB|TB) of disk \\(about [0-9]+ B per sample "
      "with parquet_compression: zstd\\), and [0-9.]+ (kB|MB|GB|TB) are free\n");
  EXPECT_TRUE(std::regex_match(result.err, message)) << result.err;
  EXPECT_FALSE(fs::exists(dir / "data/raw_AAA.parquet"));
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
