#pragma once
// The layout of a dataset built in parts (by MPI ranks or independent
// shards): DIR/part-{r:05d}.parquet for r in [0, R), part r holding sample
// ids [floor(rN/R), floor((r+1)N/R)) and saying so in its footer
// (barforge.part, dataset_footer.h), and DIR/_SUCCESS once every part is
// there (success_marker.h). DIR is the dataset's file name without its
// extension.
//
// Which files are parts, for every reader and writer alike: a name of the
// canonical spelling part-NNNNN.parquet (five digits or more, as
// PartFileName writes it) is a part; any other name that starts with
// "part-" and ends with ".parquet" (part-1.parquet, part-000001.parquet) is
// refused, since a reader that skipped it would silently leave rows out and
// one that read it would read rows finalize never checked. Other names
// (_SUCCESS, temporaries, notes) are not parts.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"

namespace barforge {

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

/// The parts in `dir`, by index. DataError naming the file for a name that
/// looks like a part's but is not one (part-1.parquet); IoError if `dir`
/// cannot be listed.
std::vector<std::pair<int, std::filesystem::path>> ListParts(const std::filesystem::path& dir);

}  // namespace barforge
