#pragma once
// The build of a config's files (one without splits, one per split), whole
// or a part of each: RunBuild is every file whole; a distributed build
// (src/distributed) runs one part per rank or shard and supplies the hooks.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"
#include "barforge/pipeline.h"
#include "features/meta_scaler.h"

namespace barforge {

/// What this process writes of one file (in parts: its part).
struct SplitPart {
  int64_t first = 0;             ///< first sample id of the split
  int64_t end = 0;               ///< one past the last
  std::filesystem::path output;  ///< empty: kept from an earlier run, not written
  /// Footer key-values added after barforge's own.
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct BuildRange {
  std::filesystem::path scaler;   ///< the scaler JSON written with the file; empty: none
  bool overwrite_raw = false;     ///< regenerate synthetic raw files
  /// Replace a file that appears at `output` while the build runs; false:
  /// the build fails with "already exists" instead.
  bool replace_output = true;
  /// Replace whatever file is at `scaler`; false: only a barforge scaler
  /// that no dataset in its folder holds (ScalerRefusal, output_pair.h).
  bool replace_scaler = true;
  /// Footer key-values added after barforge's own.
  std::vector<std::pair<std::string, std::string>> metadata;
  /// Turns this process's scaler sums over its part of the first file
  /// (split_part) into the sums over all of that file's samples (an MPI
  /// reduction). Unset: the sums are taken over all of them here.
  std::function<MetaFeatureSums(const MetaFeatureSums&)> reduce_sums;
  /// Called once the files are planned (one without splits, one per split),
  /// for file `split` (its whole name and count), to say which sample ids
  /// this process writes of it and where (an empty output: none, e.g. a
  /// part kept from an earlier run). Unset: every file whole, refused if it
  /// exists unless replace_output.
  std::function<SplitPart(size_t split, const std::filesystem::path& file, int64_t n_samples)> split_part;
  /// Called with the fitted scaler before the file is created.
  std::function<void(const MetaScaler&)> before_writing;
};

/// Builds `range`; summary.files are the files written. Refuses nothing but
/// a file the data names (split_part unset): the caller decides about
/// existing files.
BuildSummary RunBuildRange(const Config& config, const BuildOptions& options, const BuildRange& range);

}  // namespace barforge
