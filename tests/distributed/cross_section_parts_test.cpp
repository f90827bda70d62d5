// Cross-sectional builds in parts: 2 shards plus finalize hold exactly the
// one-process file's rows (every column, read by barforge's reader) and the
// same scaler; MPI ranks are refused before any work, with one message.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "barforge/dataset_reader.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

constexpr const char* kRefusal =
    "cross_section: true: a cross-sectional dataset is built by one process with MPI for now (build it without "
    "MPI ranks, or in shards with --shard)";

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

  const auto whole = ReadAll(one / "data/samples_300.parquet");
  const auto in_parts = ReadAll(parts / "data/samples_300");
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
  EXPECT_EQ(ReadFile(parts / "data/meta_scaler.json"), ReadFile(one / "data/meta_scaler.json"));
}

#if BARFORGE_WITH_MPI
TEST(CrossSectionParts, MpiRanksAreRefused) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(2) +
                                          ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find(std::string("barforge: error: rank 0: ") + kRefusal), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "data/samples_300"));
}
#endif

}  // namespace
}  // namespace barforge::testing
