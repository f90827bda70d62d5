// The same config and seed give byte-identical files whatever the thread
// count, and identical rows whatever the chunking. (That the seed changes
// the draws is sampler_test's; that the build uses the draws of its seed,
// build_semantics_test's.)

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"
#include "support/same_rows.h"

namespace barforge::testing {
namespace {

constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB, CCC]
synthetic: {n_bars: 2000}
window: 16
horizon: 4
n_samples: 12000
chunk_rows: 2500
)";

std::filesystem::path Build(const TempDir& dir, const std::string& args) {
  WriteConfig(dir.path(), kConfig);
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml --quiet " + args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return dir / "data/samples_12K.parquet";
}

TEST(Reproducibility, ByteIdenticalForOneAndTwoJobs) {
  TempDir one, two, two_again;
  const auto a = Build(one, "--jobs 1");
  const auto b = Build(two, "--jobs 2");
  const auto c = Build(two_again, "--jobs 2");
  const std::string bytes = ReadFile(a);
  ASSERT_GT(bytes.size(), 100000u);
  EXPECT_TRUE(bytes == ReadFile(b)) << "n_jobs changed the output bytes";
  EXPECT_TRUE(bytes == ReadFile(c)) << "two runs differ";
  EXPECT_EQ(ReadFile(one / "data/meta_scaler.json"), ReadFile(two / "data/meta_scaler.json"));
  EXPECT_EQ(ReadFile(one / "data/raw_BBB.parquet"), ReadFile(two / "data/raw_BBB.parquet"));
}

TEST(Reproducibility, SameRowsForDifferentChunking) {
  TempDir coarse, fine;
  const auto a = Build(coarse, "--set chunk_rows=5000");
  const auto b = Build(fine, "--set chunk_rows=777 --jobs 2");
  const parquet::ParquetReader ra(a), rb(b);
  EXPECT_EQ(ra.num_row_groups(), 3);
  EXPECT_EQ(rb.num_row_groups(), 16);
  EXPECT_EQ(ra.num_rows(), 12000);
  ExpectSameRows(a, b, "chunk_rows 5000 vs 777");
  // The scaler is exact: the same bits whatever the chunking.
  EXPECT_EQ(ReadFile(coarse / "data/meta_scaler.json"), ReadFile(fine / "data/meta_scaler.json"));
}

}  // namespace
}  // namespace barforge::testing
