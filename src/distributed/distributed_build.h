#pragma once
// A dataset built in parts (layout in dataset_parts.h): one part per MPI
// rank, with the scaler's exact sums reduced across ranks, or one part per
// independent shard process, each fitting the scaler itself. Either way a
// part already at its final name whose footer matches the build is kept.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "distributed/dataset_parts.h"
#include "distributed/rank_group.h"

namespace barforge {

/// A failure every rank of an MPI job has learnt of ("rank 2: ..."); rank 0
/// reports it.
class JobFailed : public DistributedError {
 public:
  using DistributedError::DistributedError;
};

/// JobFailed on ranks other than 0: they exit non-zero without repeating
/// rank 0's message.
class ReportedElsewhere : public JobFailed {
 public:
  using JobFailed::JobFailed;
};

struct PartReport {
  int index = 0;
  bool kept = false;  ///< complete from an earlier run, not rebuilt (with splits: every split's part)
  int64_t rows = 0;   ///< with splits: over this part of every split
  int64_t bytes = 0;
  double seconds = 0;
  int64_t peak_rss_bytes = 0;
};

struct PartsBuildSummary {
  std::filesystem::path directory;  ///< with splits: the first split's
  /// With splits: one directory per split, in config order (each split's
  /// file name without its extension), each with its own parts and _SUCCESS.
  std::vector<std::filesystem::path> split_directories;
  std::filesystem::path scaler;
  int parts = 1;
  bool complete = false;      ///< _SUCCESS written (MPI: always; shards: by finalize)
  BuildSummary local;         ///< this process's build (stages, tickers)
  std::vector<PartReport> reports;  ///< MPI: every rank's; shard: its own
};

/// `barforge build --shard index/count`: writes part `index` (keeping it if
/// it is already complete), and with index 0 the scaler JSON.
PartsBuildSummary RunShardBuild(const Config& config, const BuildOptions& options, int index, int count);

/// `mpirun -np R barforge build`: every rank loads the config with
/// `load_config` (a failure is reported like any rank's), ranks that
/// disagree on it are refused before anything is written, each builds its
/// part, and rank 0 writes the scaler JSON and _SUCCESS once all succeeded.
/// A failure on any rank throws on every rank: rank 0's exception names the
/// failing rank and its message, the others' are ReportedElsewhere.
PartsBuildSummary RunMpiBuild(const std::function<Config()>& load_config, const BuildOptions& options,
                              RankGroup& group);

}  // namespace barforge
