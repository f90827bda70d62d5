#pragma once
// A build of one contiguous range of sample ids into one file: RunBuild is
// the whole range; a distributed build (src/distributed) runs one range per
// rank or shard and supplies the hooks.

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

/// With splits, in parts: what this process writes of one split.
struct SplitPart {
  int64_t first = 0;             ///< first sample id of the split
  int64_t end = 0;               ///< one past the last
  std::filesystem::path output;  ///< empty: kept from an earlier run, not written
  /// Footer key-values added after barforge's own.
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct BuildRange {
  int64_t first = 0;              ///< first sample id
  int64_t end = 0;                ///< one past the last sample id
  std::filesystem::path output;   ///< the Parquet file; empty: contribute the scaler's sums only
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
  /// Turns this process's scaler sums over [first, end) into the sums over
  /// all n_samples (an MPI reduction). Unset: the sums are taken over all
  /// n_samples here.
  std::function<MetaFeatureSums(const MetaFeatureSums&)> reduce_sums;
  /// With splits: called once the splits are planned, for split `split`
  /// (its whole file's name and count), to say which sample ids this
  /// process writes and where; the scaler's sums (reduce_sums) are then
  /// over the first split's part. Unset: every split whole into its file.
  std::function<SplitPart(size_t split, const std::filesystem::path& file, int64_t n_samples)> split_part;
  /// Called with the fitted scaler before the file is created.
  std::function<void(const MetaScaler&)> before_writing;
};

/// Builds `range`; summary.output/scaler are the range's paths. Refuses
/// nothing: the caller decides about existing files.
BuildSummary RunBuildRange(const Config& config, const BuildOptions& options, const BuildRange& range);

}  // namespace barforge
