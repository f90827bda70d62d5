// io::AtomicFile: nothing incomplete at the final name, no collision with
// leftovers, no writing through planted links, no silent replacement.

#include "io/atomic_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "features/meta_scaler.h"
#include "rawdata/synthetic_market.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

std::vector<std::string> Names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ErrorOf(const std::function<void()>& run) {
  try {
    run();
  } catch (const IoError& e) {
    return e.what();
  }
  return "no error";
}

TEST(AtomicFile, WritesThenRenamesAndLeavesNothingElse) {
  TempDir dir;
  io::WriteFileAtomically(dir / "out.json", "hello", false);
  EXPECT_EQ(ReadFile(dir / "out.json"), "hello");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"out.json"});
  io::WriteFileAtomically(dir / "out.json", "again", true);
  EXPECT_EQ(ReadFile(dir / "out.json"), "again");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"out.json"});
}

TEST(AtomicFile, UncommittedFileDisappears) {
  TempDir dir;
  {
    io::AtomicFile file(dir / "out.bin");
    file.Write("partial");
    EXPECT_EQ(file.temporary_path().parent_path(), dir.path());
    EXPECT_TRUE(std::filesystem::exists(file.temporary_path()));
  }
  EXPECT_TRUE(Names(dir.path()).empty());
}

// Two runs without --overwrite: the one that commits second must fail, not
// replace the first one's file.
TEST(AtomicFile, NameThatAppearedMeanwhileIsKeptWithoutReplace) {
  TempDir dir;
  io::AtomicFile late(dir / "samples.parquet");
  late.Write("late run");
  io::WriteFileAtomically(dir / "samples.parquet", "early run", false);
  EXPECT_EQ(ErrorOf([&] { late.Commit(false); }),
            (dir / "samples.parquet").string() + ": already exists (use --overwrite to replace it)");
  EXPECT_EQ(ReadFile(dir / "samples.parquet"), "early run");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"samples.parquet"});

  io::AtomicFile last(dir / "samples.parquet");
  last.Write("last wins");
  last.Commit(true);
  EXPECT_EQ(ReadFile(dir / "samples.parquet"), "last wins");
}

TEST(AtomicFile, ParquetWriterRefusesANameThatAppearedMeanwhile) {
  TempDir dir;
  BarSeries bars;
  bars.timestamp_ns = {1, 2};
  bars.open = bars.high = bars.low = bars.close = bars.volume = {1.0, 2.0};
  auto writer = WriteBarsParquetUncommitted(bars, dir / "raw.parquet", ColumnNames{}, false);
  std::ofstream(dir / "raw.parquet") << "someone else's";
  EXPECT_EQ(ErrorOf([&] { writer->Commit(); }),
            (dir / "raw.parquet").string() + ": already exists (use --overwrite to replace it)");
  EXPECT_EQ(ReadFile(dir / "raw.parquet"), "someone else's");
  EXPECT_EQ(Names(dir.path()), std::vector<std::string>{"raw.parquet"});
}

// A symlink planted where the scaler's temporary used to be named (a
// predictable ".tmp-<pid>") must not make the build write through it.
TEST(AtomicFile, PlantedSymlinkIsNeverFollowed) {
  TempDir dir;
  std::ofstream(dir / "victim.txt") << "precious";
  const auto path = dir / "meta_scaler.json";
  std::filesystem::create_symlink(dir / "victim.txt", dir / ("meta_scaler.json.tmp-" + std::to_string(::getpid())));
  MetaScaler scaler;
  scaler.std.fill(1.0);
  SaveMetaScaler(scaler, path, false);
  EXPECT_EQ(ReadFile(dir / "victim.txt"), "precious");
  EXPECT_EQ(ReadFile(path), scaler.ToJson());
}

// In a container a rerun after SIGKILL gets the same PID: the dead run's
// temporary must not block it.
TEST(AtomicFile, LeftoverWithThisPidDoesNotCollide) {
  TempDir dir;
  for (int i = 0; i < 4; ++i) {
    std::ofstream(dir / ("raw.parquet.tmp-" + std::to_string(::getpid()) + "-" + std::to_string(i))) << "dead";
  }
  BarSeries bars;
  bars.timestamp_ns = {1, 2};
  bars.open = bars.high = bars.low = bars.close = bars.volume = {1.0, 2.0};
  WriteBarsParquet(bars, dir / "raw.parquet", ColumnNames{});
  EXPECT_TRUE(std::filesystem::exists(dir / "raw.parquet"));
}

TEST(AtomicFile, StaleTemporariesOfDeadRunsAreRemovedLiveOnesKept) {
  TempDir dir;
  const auto path = dir / "samples.parquet";
  std::ofstream(dir / "samples.parquet.tmp-1-0") << "dead run";
  std::ofstream(dir / "samples.parquet.tmp-77-00ff00ff00ff00ff") << "dead run";
  std::ofstream(dir / "other.parquet.tmp-1-0") << "another output's";
  std::filesystem::create_symlink(dir / "other.parquet.tmp-1-0", dir / "samples.parquet.tmp-5-link");
  io::AtomicFile live(path);  // holds its lock
  const std::vector<std::filesystem::path> removed = io::RemoveStaleTemporaries(path);
  std::vector<std::string> removed_names;
  for (const auto& p : removed) removed_names.push_back(p.filename().string());
  std::sort(removed_names.begin(), removed_names.end());
  EXPECT_EQ(removed_names,
            (std::vector<std::string>{"samples.parquet.tmp-1-0", "samples.parquet.tmp-77-00ff00ff00ff00ff"}));
  EXPECT_TRUE(std::filesystem::exists(live.temporary_path()));
  EXPECT_TRUE(std::filesystem::exists(dir / "other.parquet.tmp-1-0"));
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "samples.parquet.tmp-5-link"));
}

}  // namespace
}  // namespace barforge::testing
