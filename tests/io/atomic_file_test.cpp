// io::AtomicFile: nothing incomplete at the final name, no collision with
// leftovers, no writing through planted links, no silent replacement.

#include "io/atomic_file.h"
#include "io/signal_cleanup.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <fstream>
#include <string>
#include <thread>
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
  // PIDs above any pid_max: their owners are dead.
  std::ofstream(dir / "samples.parquet.tmp-2147483646-0000000000000000") << "dead run";
  std::ofstream(dir / "samples.parquet.tmp-2147483645-00ff00ff00ff00ff") << "dead run";
  std::ofstream(dir / "other.parquet.tmp-2147483646-0000000000000000") << "another output's";
  std::filesystem::create_symlink(dir / "other.parquet.tmp-2147483646-0000000000000000",
                                  dir / "samples.parquet.tmp-2147483646-1111111111111111");
  io::AtomicFile live(path);  // holds its lock
  const std::vector<std::filesystem::path> removed = io::RemoveStaleTemporaries(path);
  std::vector<std::string> removed_names;
  for (const auto& p : removed) removed_names.push_back(p.filename().string());
  EXPECT_EQ(removed_names, (std::vector<std::string>{"samples.parquet.tmp-2147483645-00ff00ff00ff00ff",
                                                     "samples.parquet.tmp-2147483646-0000000000000000"}));
  EXPECT_TRUE(std::filesystem::exists(live.temporary_path()));
  EXPECT_TRUE(std::filesystem::exists(dir / "other.parquet.tmp-2147483646-0000000000000000"));
  EXPECT_TRUE(std::filesystem::is_symlink(dir / "samples.parquet.tmp-2147483646-1111111111111111"));
}

// Only barforge's exact pattern is its namespace: a user's file that merely
// starts like a temporary is never removed, whatever its lock.
TEST(AtomicFile, OnlyTheExactTemporaryPatternIsRemoved) {
  TempDir dir;
  const auto path = dir / "samples_100.parquet";
  const std::vector<std::string> users = {
      "samples_100.parquet.tmp-backup", "samples_100.parquet.tmp-X.csv", "samples_100.parquet.tmp-1-0",
      "samples_100.parquet.tmp-1-0123456789ABCDEF", "samples_100.parquet.tmp-1-0123456789abcdef.csv",
      "samples_100.parquet.tmp--0123456789abcdef", "samples_100.parquet.tmp-12345678901-0123456789abcdef"};
  for (const std::string& name : users) std::ofstream(dir / name) << "the user's";
  std::ofstream(dir / "samples_100.parquet.tmp-2147483646-0123456789abcdef") << "dead run";
  EXPECT_EQ(io::RemoveStaleTemporaries(path),
            std::vector<std::filesystem::path>{dir / "samples_100.parquet.tmp-2147483646-0123456789abcdef"});
  for (const std::string& name : users) EXPECT_EQ(ReadFile(dir / name), "the user's") << name;
  EXPECT_TRUE(io::IsTemporaryName("x.tmp-1-0123456789abcdef"));
  EXPECT_FALSE(io::IsTemporaryName(".tmp-1-0123456789abcdef"));
  EXPECT_FALSE(io::IsTemporaryName("x.tmp-1-0123456789abcde"));
}

// A lock-free temporary whose PID is alive is kept while it is fresh (its
// owner may be between creating and locking it), removed once old (the PID
// was reused by another process).
TEST(AtomicFile, FreshTemporaryOfALivePidIsKeptAnOldOneRemoved) {
  TempDir dir;
  const std::string name = "samples.parquet.tmp-" + std::to_string(::getppid()) + "-0123456789abcdef";
  std::ofstream(dir / name) << "maybe live";
  EXPECT_TRUE(io::RemoveStaleTemporaries(dir / "samples.parquet").empty());
  std::filesystem::last_write_time(dir / name, std::filesystem::file_time_type::clock::now() - std::chrono::minutes(1));
  EXPECT_EQ(io::RemoveStaleTemporaries(dir / "samples.parquet"), std::vector<std::filesystem::path>{dir / name});
}

// A zombie (a killed writer whose parent died too and that nobody reaped
// yet) is not alive: its fresh temporary is removed at once.
TEST(AtomicFile, FreshTemporaryOfAZombieIsRemoved) {
  TempDir dir;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  // Not reaped: the child stays a zombie until waitpid below.
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    std::getline(stat, line);
    if (line.find(") Z") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::string name = "samples.parquet.tmp-" + std::to_string(child) + "-0123456789abcdef";
  std::ofstream(dir / name) << "left by a killed run";
  EXPECT_EQ(io::RemoveStaleTemporaries(dir / "samples.parquet"), std::vector<std::filesystem::path>{dir / name});
  int status = 0;
  ::waitpid(child, &status, 0);
}

// Every temporary of a folder, whatever its final name.
TEST(AtomicFile, StaleTemporariesOfEveryOutputInAFolderAreRemoved) {
  TempDir dir;
  std::ofstream(dir / "samples_20K.parquet.tmp-2147483646-0123456789abcdef") << "dead run";
  std::ofstream(dir / "backtest.parquet.tmp-2147483646-0123456789abcdef") << "dead run";
  std::ofstream(dir / "notes.txt.tmp-old") << "the user's";
  io::AtomicFile live(dir / "samples_10K.parquet");
  EXPECT_EQ(io::RemoveStaleTemporariesIn(dir.path()),
            (std::vector<std::filesystem::path>{dir / "backtest.parquet.tmp-2147483646-0123456789abcdef",
                                                dir / "samples_20K.parquet.tmp-2147483646-0123456789abcdef"}));
  EXPECT_TRUE(std::filesystem::exists(live.temporary_path()));
  EXPECT_TRUE(std::filesystem::exists(dir / "notes.txt.tmp-old"));
}

// More temporaries than the signal handler's first block of slots: every one
// is registered, so a signal removes every one.
TEST(AtomicFile, EveryTemporaryIsRegisteredForSignals) {
  TempDir dir;
  std::vector<std::unique_ptr<io::AtomicFile>> files;
  for (int i = 0; i < 300; ++i) files.push_back(std::make_unique<io::AtomicFile>(dir / fmt::format("f{}", i)));
  std::vector<int> slots;
  for (int i = 0; i < 300; ++i) {
    slots.push_back(io::RegisterTemporary(dir / fmt::format("extra{}", i)));
    EXPECT_GE(slots.back(), 0);
  }
  std::sort(slots.begin(), slots.end());
  EXPECT_EQ(std::adjacent_find(slots.begin(), slots.end()), slots.end()) << "a slot was given twice";
  for (int slot : slots) io::UnregisterTemporary(slot);
}

}  // namespace
}  // namespace barforge::testing
