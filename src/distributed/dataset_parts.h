#pragma once
// Checking a dataset built in parts (by MPI ranks or independent shards)
// against its layout (dataset/parts_layout.h): each part's footer says which
// part it is, and the parts of one directory must come from one build.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"
#include "dataset/dataset_footer.h"
#include "dataset/parts_layout.h"
#include "dataset/success_marker.h"

namespace barforge {

/// A distributed build's own failures: ranks disagreeing, parts that do not
/// belong together, a rank that failed.
class DistributedError : public Error {
 public:
  using Error::Error;
};

/// The value stored under DatasetFooter::kPartKey.
std::string PartMetadataJson(int index, int count, SampleRange range, int64_t n_samples);

/// What a part's footer says about it.
struct PartFooter {
  std::filesystem::path path;
  int index = 0;
  int count = 0;
  SampleRange range;
  int64_t n_samples = 0;  ///< of the whole dataset
  int64_t rows = 0;     ///< rows actually in the file
  std::string version;  ///< barforge.version
  std::string config;   ///< barforge.config (the effective config, without n_jobs)
  std::string scaler;   ///< barforge.scaler (the scaler JSON)
};

/// Reads a part's footer; DistributedError naming the file if it is not a
/// readable barforge part.
PartFooter ReadPartFooter(const std::filesystem::path& path);

/// Checks that `dir` holds a complete dataset: parts 0..R-1 all present and
/// none beyond, each saying it is part r of R, ranges contiguous from 0 to
/// n_samples with the rows they promise, and the same barforge version,
/// config and scaler in every footer. Throws DistributedError naming the
/// part at fault (DataError for a file named like a part that is not one).
/// Returns the footers in order.
std::vector<PartFooter> CheckParts(const std::filesystem::path& dir);

}  // namespace barforge
