// What a shard or an MPI rank checks before it loads any bar, as one process
// does: the raw files of the synthetic market written once by `barforge
// synth` (a shard never generates or regenerates them), a writable output
// folder with room for the part, and the temporaries of a part removed only
// when their owner is dead, so a second copy of the same shard leaves the
// first copy's work alone.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB, CCC]
synthetic: {n_bars: 2000}
window: 16
horizon: 4
n_samples: 6000
chunk_rows: 700
)";

CommandResult Shard(const TempDir& dir, const std::string& shard, const std::string& extra = "") {
  return RunBarforge(dir.path(), "build --config config.yaml --quiet --jobs 1 --shard " + shard + " " + extra);
}

ino_t Inode(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_ino;
}

// The names in `dir` other than the raw files (and the scaler that synth
// never writes), one per line: what a refused build left.
std::string OnlyRawFiles(const fs::path& dir) {
  std::string others;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!(name.starts_with("raw_") && name.ends_with(".parquet"))) others += name + "\n";
  }
  return others;
}

TEST(ShardChecks, ShardWithoutSynthIsToldToRunSynth) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = Shard(dir, "1/3");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: data/raw_AAA.parquet: missing: with --shard, run `barforge synth` with "
                        "this config once before the shards (a shard never generates the synthetic market, which "
                        "every shard reads)\n");
  // Nothing generated or written: not the raw files, not the part.
  EXPECT_FALSE(fs::exists(dir / "data/raw_AAA.parquet"));
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K"));

  // With --overwrite too: the market is never regenerated under the others.
  const CommandResult overwrite = Shard(dir, "1/3", "--overwrite");
  EXPECT_EQ(overwrite.exit_code, 1);
  EXPECT_EQ(overwrite.err, result.err);
  EXPECT_FALSE(fs::exists(dir / "data/raw_AAA.parquet"));
}

TEST(ShardChecks, RawFilesOfAnotherMarketAreForSynthToReplace) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet --set synthetic.seed=9").exit_code, 0);
  const CommandResult result = Shard(dir, "0/3");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "barforge: error: data/raw_AAA.parquet: this raw file was generated with other parameters "
                        "(synthetic.seed 9 in the file, 42 in the config); run `barforge synth --overwrite` with this "
                        "config once, while no shard runs, to regenerate it, or set synthetic.seed: 9 to use the "
                        "market on disk\n");
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K"));
}

TEST(ShardChecks, OverwriteRebuildsThePartButNeverTheRawFiles) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  ASSERT_EQ(Shard(dir, "0/3").exit_code, 0);
  const ino_t raw = Inode(dir / "data/raw_AAA.parquet");
  const ino_t part = Inode(dir / "data/samples_6K/part-00000.parquet");
  const CommandResult result = Shard(dir, "0/3", "--overwrite");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Inode(dir / "data/raw_AAA.parquet"), raw) << "the raw file was rewritten under the other shards";
  EXPECT_NE(Inode(dir / "data/samples_6K/part-00000.parquet"), part) << "the part was not rebuilt";
}

// A complete part is kept by a rerun before any check of what building it
// would need: it needs neither the raw files nor room on the disk.
TEST(ShardChecks, AKeptPartNeedsNoRawFiles) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  ASSERT_EQ(Shard(dir, "2/3").exit_code, 0);
  for (const char* ticker : {"AAA", "BBB", "CCC"}) fs::remove(dir / (std::string("data/raw_") + ticker + ".parquet"));
  const CommandResult rerun = RunBarforge(dir.path(), "build --config config.yaml --jobs 1 --shard 2/3");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(rerun.out.rfind("kept data/samples_6K/part-00002.parquet (2000 rows, complete from an earlier run)\n", 0),
            0u)
      << rerun.out;
}

// A temporary whose owner still runs (its lock held, here by this test, as a
// first copy of shard 1 would) is left alone; a dead run's is removed.
TEST(ShardChecks, SecondCopyOfAShardLeavesTheFirstCopysTemporary) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  fs::create_directories(dir / "data/samples_6K");
  const fs::path live = dir / "data/samples_6K/part-00001.parquet.tmp-1-00000000000000aa";
  const fs::path dead = dir / "data/samples_6K/part-00001.parquet.tmp-2-00000000000000bb";
  std::ofstream(dead) << "left by a killed run";
  // Old enough that a live PID of that number (2 is the kernel's) does not
  // make it a temporary being created.
  fs::last_write_time(dead, fs::file_time_type::clock::now() - std::chrono::minutes(1));
  const int fd = ::open(live.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(::write(fd, "PAR1", 4), 4);

  const CommandResult result = Shard(dir, "1/3");
  ::close(fd);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(live)) << "the running copy's temporary was deleted";
  EXPECT_FALSE(fs::exists(dead)) << "a dead run's temporary was kept";
  EXPECT_TRUE(fs::exists(dir / "data/samples_6K/part-00001.parquet"));
}

// 1e10 samples at window 512 need far more disk than a test machine has:
// refused at once, not after loading the bars and fitting the scaler (which would take
// hours: `timeout` turns that into a failure).
TEST(ShardChecks, ShardChecksTheDiskBeforeLoading) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  const CommandResult result =
      RunCommand("cd " + ShellQuote(dir.path().string()) + " && timeout 30 " + ShellQuote(BarforgeBinary()) +
                 " build --config config.yaml --quiet --jobs 1 --samples 10000000000 --set window=512 --set chunk_rows=3000000 --shard 1/2");
  EXPECT_EQ(result.exit_code, 1);
  // The part's share: 5e9 samples of 4 x (5 x 512 + 10) float32 bytes, 83% of
  // them with zstd, plus 40 bytes of the other columns.
  EXPECT_EQ(result.err.rfind("barforge: error: data: 5,000,000,000 samples need about 42.9 TB of disk (about 8.57 kB "
                             "per sample with parquet_compression: zstd), and ",
                             0),
            0)
      << result.err;
  EXPECT_EQ(OnlyRawFiles(dir / "data"), "");
}

TEST(ShardChecks, MpiChecksTheDiskBeforeLoading) {
#if !BARFORGE_WITH_MPI
  GTEST_SKIP() << "barforge was built without MPI";
#endif
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  const CommandResult result =
      RunCommand("cd " + ShellQuote(dir.path().string()) + " && timeout 60 env " + Mpirun(2) + ShellQuote(BarforgeBinary()) +
                 " build --config config.yaml --quiet --jobs 1 --samples 10000000000 --set window=512 --set chunk_rows=3000000");
  EXPECT_NE(result.exit_code, 0);
  // Rank 0 checks room for all the parts, which share one file system.
  EXPECT_NE(result.err.find("barforge: error: rank 0: data: 10,000,000,000 samples need about 85.7 TB of disk"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(OnlyRawFiles(dir / "data"), "");
}

// The process of a build in parts that writes the scaler (shard 0, MPI rank
// 0) follows the one-process rules: a file that is not a barforge scaler, or
// a scaler another existing dataset holds, is refused before any work
// without --overwrite; the other shards never touch the scaler.
TEST(ShardChecks, ShardZeroFollowsTheScalerRules) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  { std::ofstream(dir / "data/meta_scaler.json") << "notes\n"; }
  const CommandResult refused = Shard(dir, "0/3");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "barforge: error: data/meta_scaler.json: exists, not a barforge scaler; pass --overwrite to "
                         "replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), "notes\n");
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K")) << "refused before any work";
  // Shard 1 writes no scaler: it builds its part and leaves the file alone.
  const CommandResult other = Shard(dir, "1/3");
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_TRUE(fs::exists(dir / "data/samples_6K/part-00001.parquet"));
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), "notes\n");
  // --overwrite replaces it, as in one process.
  const CommandResult replaced = Shard(dir, "0/3", "--overwrite");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(ReadFile(dir / "data/meta_scaler.json").find("\"features\""), std::string::npos);
}

TEST(ShardChecks, ShardZeroNeverReplacesAnotherDatasetsScaler) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --jobs 1 --samples 300").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  const CommandResult refused = Shard(dir, "0/2");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "barforge: error: data/meta_scaler.json: is the scaler of data/samples_300.parquet (its "
                         "footer holds it), which still exists; give each dataset its own scaler (scaler_filename: "
                         "meta_scaler_{n}.json) or pass --overwrite to replace it\n");
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K"));
  // Each dataset its own scaler: both builds then stand side by side.
  const CommandResult own = Shard(dir, "0/2", "--set 'scaler_filename=meta_scaler_{n}.json'");
  EXPECT_EQ(own.exit_code, 0) << own.err;
  EXPECT_TRUE(fs::exists(dir / "data/meta_scaler_6K.json"));
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  // Rerunning shard 0 of the same build (its part kept) is not refused.
  EXPECT_EQ(Shard(dir, "0/2", "--set 'scaler_filename=meta_scaler_{n}.json'").exit_code, 0);
}

TEST(ShardChecks, MpiRankZeroNeverReplacesAnotherDatasetsScaler) {
#if !BARFORGE_WITH_MPI
  GTEST_SKIP() << "barforge was built without MPI";
#endif
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet --jobs 1 --samples 300").exit_code, 0);
  const std::string scaler = ReadFile(dir / "data/meta_scaler.json");
  const auto mpi = [&](const std::string& args) {
    return RunCommand("cd " + ShellQuote(dir.path().string()) + " && timeout 120 env " + Mpirun(2) +
                      ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet --jobs 1 " + args);
  };
  const CommandResult refused = mpi("");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("barforge: error: rank 0: data/meta_scaler.json: is the scaler of "
                             "data/samples_300.parquet (its footer holds it), which still exists"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
  EXPECT_FALSE(fs::exists(dir / "data/samples_6K/part-00000.parquet"));
  // A file that is not a scaler is refused too, and replaced with --overwrite.
  { std::ofstream(dir / "data/notes.json") << "notes\n"; }
  const CommandResult notes = mpi("--set scaler_filename=notes.json");
  EXPECT_NE(notes.exit_code, 0);
  EXPECT_NE(notes.err.find("rank 0: data/notes.json: exists, not a barforge scaler; pass --overwrite to replace it"),
            std::string::npos)
      << notes.err;
  EXPECT_EQ(ReadFile(dir / "data/notes.json"), "notes\n");
  const CommandResult replaced = mpi("--set scaler_filename=notes.json --overwrite");
  EXPECT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_NE(ReadFile(dir / "data/notes.json").find("\"features\""), std::string::npos);
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), scaler);
}

// In parts, the dataset is a directory named by samples_filename without its
// extension: a scaler or raw file of that name is refused before any work,
// naming the key that was changed.
TEST(ShardChecks, ACollisionWithTheDatasetDirectoryNamesTheKeyThatWasSet) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  const CommandResult scaler = Shard(dir, "0/3", "--set scaler_filename=samples_6K");
  EXPECT_EQ(scaler.exit_code, 1);
  EXPECT_EQ(scaler.err, "barforge: error: key 'scaler_filename': 'samples_6K' would be both the scaler and the "
                        "dataset directory of a build in parts (samples_{n}.parquet without its extension) in data; "
                        "give them different names\n");
  const CommandResult raw = Shard(dir, "0/3", "--set samples_filename=raw_AAA.parquet.parquet");
  EXPECT_EQ(raw.exit_code, 1);
  EXPECT_EQ(raw.err, "barforge: error: key 'samples_filename': 'raw_AAA.parquet' would be both the raw file of "
                     "ticker 'AAA' and the dataset directory of a build in parts (raw_AAA.parquet.parquet without "
                     "its extension) in data; give them different names\n");
  EXPECT_EQ(OnlyRawFiles(dir / "data"), "");
}

}  // namespace
}  // namespace barforge::testing
