// BuildOptions::on_progress: called on the caller's thread through every
// phase, with sample counts finer than a row group, and a hook that throws
// stops the build with nothing left behind.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "pipeline/build_monitor.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

Config SmallConfig(const TempDir& dir, int64_t n_samples) {
  Config config = LoadConfig({}, {"tickers=[AAA, BBB]", "synthetic.n_bars=20000", "window=16", "horizon=4",
                                  "n_jobs=2"});
  config.data_dir = dir / "data";
  config.n_samples = n_samples;
  config.chunk_rows = n_samples;  // one row group: page-level counts show inside it
  return config;
}

std::vector<std::string> FilesIn(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  if (!std::filesystem::exists(dir)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

struct Stop : std::runtime_error {
  using std::runtime_error::runtime_error;
};

TEST(BuildProgress, EveryPhaseInOrderOnTheCallersThreadWithCountsInsideARowGroup) {
  TempDir dir;
  const Config config = SmallConfig(dir, 100000);
  std::vector<BuildProgress> seen;
  bool other_thread = false;
  const auto caller = std::this_thread::get_id();
  BuildOptions options;
  options.progress_interval = std::chrono::milliseconds(1);
  options.on_progress = [&](const BuildProgress& p) {
    other_thread |= std::this_thread::get_id() != caller;
    seen.push_back(p);
  };
  const BuildSummary summary = RunBuild(config, options);
  EXPECT_FALSE(other_thread);
  ASSERT_FALSE(seen.empty());
  // Phases never go back, each start is reported, and the last call says done.
  std::vector<BuildPhase> phases;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (i > 0) {
      EXPECT_GE(static_cast<int>(seen[i].phase), static_cast<int>(seen[i - 1].phase));
    }
    if (phases.empty() || phases.back() != seen[i].phase) phases.push_back(seen[i].phase);
  }
  EXPECT_EQ(phases, (std::vector<BuildPhase>{BuildPhase::kRawData, BuildPhase::kPrepare, BuildPhase::kScaler,
                                             BuildPhase::kWriting, BuildPhase::kFinishing, BuildPhase::kDone}));
  EXPECT_EQ(seen.back().done, 100000);
  EXPECT_EQ(summary.row_groups, 1);
  // Writing counts samples by pages: some report falls strictly inside the
  // only row group, and counts never decrease within the phase.
  bool inside = false;
  int64_t last = 0;
  for (const BuildProgress& p : seen) {
    if (p.phase != BuildPhase::kWriting) continue;
    EXPECT_EQ(p.total, 100000);
    EXPECT_GE(p.done, last);
    last = p.done;
    inside |= p.done > 0 && p.done < p.total;
  }
  EXPECT_TRUE(inside) << "no progress inside the row group";
  EXPECT_EQ(FilesIn(config.data_dir),
            (std::vector<std::string>{"meta_scaler.json", "raw_AAA.parquet", "raw_BBB.parquet", "samples_100K.parquet"}));
}

// A reporter that wakes late (a loaded machine) still reports every phase
// start in order, and those of the last phases before the build finished:
// the work starts three phases and finishes while the hook sleeps in its
// first call.
TEST(BuildProgress, ALateReporterStillReportsEveryPhaseStartInOrder) {
  std::vector<BuildPhase> seen;
  const auto work = [](BuildMonitor& monitor) {
    monitor.StartPhase(BuildPhase::kRawData, 0);
    monitor.StartPhase(BuildPhase::kPrepare, 0);
    monitor.StartPhase(BuildPhase::kScaler, 10);
    monitor.Add(10);
    monitor.StartPhase(BuildPhase::kWriting, 10);
    monitor.StartPhase(BuildPhase::kFinishing, 0);
    BuildSummary summary;
    summary.rows = 10;
    return summary;
  };
  const auto hook = [&](const BuildProgress& p) {
    if (seen.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (seen.empty() || seen.back() != p.phase) seen.push_back(p.phase);
  };
  BuildMonitor::Run(work, hook, std::chrono::milliseconds(1000));
  EXPECT_EQ(seen, (std::vector<BuildPhase>{BuildPhase::kRawData, BuildPhase::kPrepare, BuildPhase::kScaler,
                                           BuildPhase::kWriting, BuildPhase::kFinishing, BuildPhase::kDone}));
}

// A failed build reports no start after its failure: the caller gets the error.
TEST(BuildProgress, AFailedBuildReportsNoLaterStart) {
  std::vector<BuildPhase> seen;
  const auto work = [](BuildMonitor& monitor) -> BuildSummary {
    monitor.StartPhase(BuildPhase::kRawData, 0);
    monitor.StartPhase(BuildPhase::kPrepare, 0);
    throw std::runtime_error("bad bars");
  };
  const auto hook = [&](const BuildProgress& p) { seen.push_back(p.phase); };
  EXPECT_THROW(BuildMonitor::Run(work, hook, std::chrono::milliseconds(1000)), std::runtime_error);
  for (const BuildPhase phase : seen) EXPECT_NE(phase, BuildPhase::kDone);
}

// The hook throws once it sees `phase` with some progress: RunBuild rethrows that exception and no output or temporary
// file remains.
void ExpectCancelledIn(BuildPhase phase) {
  TempDir dir;
  const Config config = SmallConfig(dir, 100000);
  BuildOptions options;
  options.progress_interval = std::chrono::milliseconds(1);
  options.on_progress = [&](const BuildProgress& p) {
    // At the latest at the next phase's first report, however fast this one is.
    if (p.phase > phase || (p.phase == phase && (p.total == 0 || p.done > 0))) throw Stop("stop here");
  };
  try {
    RunBuild(config, options);
    ADD_FAILURE() << "the build was not stopped in phase " << BuildPhaseName(phase);
  } catch (const Stop& e) {
    EXPECT_STREQ(e.what(), "stop here");
  }
  for (const std::string& name : FilesIn(config.data_dir)) {
    EXPECT_TRUE(name.rfind("raw_", 0) == 0 && name.find(".tmp") == std::string::npos)
        << BuildPhaseName(phase) << ": left " << name;
  }
  // Nothing was left that would stop a rerun.
  const BuildSummary summary = RunBuild(config, BuildOptions{});
  EXPECT_EQ(summary.rows, 100000);
}

TEST(BuildProgress, HookThatThrowsWhileWritingStopsTheBuildCleanly) { ExpectCancelledIn(BuildPhase::kWriting); }

TEST(BuildProgress, HookThatThrowsWhileFittingTheScalerStopsTheBuildCleanly) {
  ExpectCancelledIn(BuildPhase::kScaler);
}

TEST(BuildProgress, HookThatThrowsAtOnceStopsBeforeAnyOutput) { ExpectCancelledIn(BuildPhase::kRawData); }

}  // namespace
}  // namespace barforge::testing
