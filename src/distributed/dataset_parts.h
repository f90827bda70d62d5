#pragma once
// The layout of a dataset built in parts (by MPI ranks or independent
// shards): DIR/part-{r:05d}.parquet for r in [0, R), each holding sample ids
// [floor(rN/R), floor((r+1)N/R)) and saying so in its footer, and an empty
// DIR/_SUCCESS once every part is there.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"

namespace barforge {

/// A distributed build's own failures: ranks disagreeing, parts that do not
/// belong together, a rank that failed.
class DistributedError : public Error {
 public:
  using Error::Error;
};

inline constexpr const char* kSuccessFileName = "_SUCCESS";
inline constexpr const char* kPartMetadataKey = "barforge.part";

struct SampleRange {
  int64_t first = 0;
  int64_t end = 0;
};

/// Part `index` of `count` of n_samples sample ids.
SampleRange PartRange(int index, int count, int64_t n_samples);

/// data_dir / samples_filename without its extension ({n} substituted).
std::filesystem::path DatasetDirectory(const Config& config);

/// part-00003.parquet
std::string PartFileName(int index);

/// The index in a part's file name (part-00003.parquet -> 3), if it is one.
std::optional<int> PartIndexFromFileName(const std::string& name);

/// The value stored under kPartMetadataKey.
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

/// The parts in `dir` (files named part-NNNNN.parquet), by index.
std::vector<std::pair<int, std::filesystem::path>> ListParts(const std::filesystem::path& dir);

/// Checks that `dir` holds a complete dataset: parts 0..R-1 all present and
/// none beyond, each saying it is part r of R, ranges contiguous from 0 to
/// n_samples with the rows they promise, and the same barforge version,
/// config and scaler in every footer. Throws DistributedError naming the
/// part at fault. Returns the footers in order.
std::vector<PartFooter> CheckParts(const std::filesystem::path& dir);

/// Writes the empty DIR/_SUCCESS durably.
void WriteSuccessMarker(const std::filesystem::path& dir);

/// Removes DIR/_SUCCESS if it exists (the directory is being rebuilt).
void RemoveSuccessMarker(const std::filesystem::path& dir);

}  // namespace barforge
