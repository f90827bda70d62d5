// Cross-sectional builds in parts: 2 shards plus finalize, and 2 MPI ranks,
// hold exactly the one-process file's rows (every column, read by
// barforge's reader) and the same scaler.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "barforge/dataset_reader.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {


const std::string kConfig = std::string(kTwoTickerConfig) + "cross_section: true\n";

// Every column of every row, concatenated over row groups (and parts).
std::vector<DatasetColumnData> ReadAll(const std::filesystem::path& path) {
  const DatasetReader reader(path);
  std::vector<DatasetColumnData> all;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    auto group = reader.ReadRowGroup(g, {});
    if (all.empty()) {
      all = std::move(group);
      continue;
    }
    for (size_t c = 0; c < all.size(); ++c) {
      all[c].rows += group[c].rows;
      all[c].int64s.insert(all[c].int64s.end(), group[c].int64s.begin(), group[c].int64s.end());
      all[c].floats.insert(all[c].floats.end(), group[c].floats.begin(), group[c].floats.end());
      all[c].bools.insert(all[c].bools.end(), group[c].bools.begin(), group[c].bools.end());
    }
  }
  return all;
}

void ExpectSameRows(const std::vector<DatasetColumnData>& in_parts, const std::vector<DatasetColumnData>& whole) {
  ASSERT_EQ(whole.size(), in_parts.size());
  for (size_t c = 0; c < whole.size(); ++c) {
    SCOPED_TRACE(whole[c].name);
    EXPECT_EQ(in_parts[c].name, whole[c].name);
    EXPECT_EQ(in_parts[c].shape, whole[c].shape);
    EXPECT_EQ(in_parts[c].rows, 300);
    EXPECT_EQ(in_parts[c].int64s, whole[c].int64s);
    EXPECT_EQ(in_parts[c].bools, whole[c].bools);
    EXPECT_TRUE(in_parts[c].floats == whole[c].floats);
  }
}

TEST(CrossSectionParts, TwoShardsPlusFinalizeHoldTheOneProcessRows) {
  TempDir one;
  WriteConfig(one.path(), kConfig);
  const CommandResult built = RunBarforge(one.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(built.exit_code, 0) << built.err;

  TempDir parts;
  WriteConfig(parts.path(), kConfig);
  ASSERT_EQ(RunBarforge(parts.path(), "synth --config config.yaml --quiet").exit_code, 0);
  for (const char* shard : {"0/2", "1/2"}) {
    const CommandResult result =
        RunBarforge(parts.path(), std::string("build --config config.yaml --quiet --shard ") + shard);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const CommandResult finalized = RunBarforge(parts.path(), "finalize data/samples_300");
  ASSERT_EQ(finalized.exit_code, 0) << finalized.err;

  ExpectSameRows(ReadAll(parts / "data/samples_300"), ReadAll(one / "data/samples_300.parquet"));
  EXPECT_EQ(ReadFile(parts / "data/meta_scaler.json"), ReadFile(one / "data/meta_scaler.json"));
}

#if BARFORGE_WITH_MPI
TEST(CrossSectionParts, MpiRanksHoldTheOneProcessRowsAndScaler) {
  TempDir one;
  WriteConfig(one.path(), kConfig);
  ASSERT_EQ(RunBarforge(one.path(), "build --config config.yaml --quiet").exit_code, 0);
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(2) +
                                          ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_TRUE(std::filesystem::exists(dir / "data/samples_300/_SUCCESS"));
  ExpectSameRows(ReadAll(dir / "data/samples_300"), ReadAll(one / "data/samples_300.parquet"));
  // Each rank summed its part; the pair count comes from the draws.
  EXPECT_EQ(ReadFile(dir / "data/meta_scaler.json"), ReadFile(one / "data/meta_scaler.json"));
}
#endif

}  // namespace
}  // namespace barforge::testing
