// Which files are the parts of a dataset in parts, one rule for every
// reader and for finalize: part-NNNNN.parquet in its canonical spelling; a
// name like a part's in any other spelling (part-1.parquet) is refused by
// all alike, naming the file; other names are not parts.

#include "dataset/parts_layout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

TEST(PartsLayout, OnlyTheCanonicalSpellingIsAPartName) {
  EXPECT_EQ(PartFileName(0), "part-00000.parquet");
  EXPECT_EQ(PartFileName(123456), "part-123456.parquet");
  EXPECT_EQ(PartIndexFromFileName("part-00000.parquet"), 0);
  EXPECT_EQ(PartIndexFromFileName("part-00042.parquet"), 42);
  EXPECT_EQ(PartIndexFromFileName("part-123456.parquet"), 123456);
  for (const char* name : {"part-1.parquet", "part-0001.parquet", "part-000001.parquet", "part-0000a.parquet",
                           "part-.parquet", "part-00000.parquet.tmp-1-00ff", "part-00000.PARQUET", "_SUCCESS",
                           "xpart-00000.parquet", "part--0001.parquet"}) {
    EXPECT_FALSE(PartIndexFromFileName(name).has_value()) << name;
  }
}

TEST(PartsLayout, PartRangesCoverTheSampleIdsInOrder) {
  int64_t end = 0;
  for (int r = 0; r < 7; ++r) {
    const SampleRange range = PartRange(r, 7, 100);
    EXPECT_EQ(range.first, end);
    EXPECT_EQ(range.first, r * 100 / 7);
    end = range.end;
  }
  EXPECT_EQ(end, 100);
  // r * N would overflow int64.
  EXPECT_EQ(PartRange(999, 1000, int64_t{1} << 62).first, static_cast<int64_t>((__int128{999} << 62) / 1000));
}

TEST(PartsLayout, ListPartsSortsByIndexAndRefusesAStrayPartName) {
  TempDir dir;
  for (const char* name : {"part-00010.parquet", "part-00002.parquet", "part-100000.parquet", "_SUCCESS",
                           "part-00002.parquet.tmp-7-0123456789abcdef", "notes.txt"}) {
    std::ofstream(dir / name) << "x";
  }
  const auto parts = ListParts(dir.path());
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].first, 2);
  EXPECT_EQ(parts[1].first, 10);
  EXPECT_EQ(parts[2].first, 100000);
  EXPECT_EQ(parts[2].second, dir / "part-100000.parquet");

  std::ofstream(dir / "part-1.parquet") << "x";
  try {
    ListParts(dir.path());
    FAIL() << "part-1.parquet accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "part-1.parquet").string() +
                                         ": not a part's name (parts are named part-00000.parquet, "
                                         "part-00001.parquet, ...): rename or remove it");
  }
}

constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 1500}
window: 16
horizon: 4
n_samples: 3000
chunk_rows: 500
)";

// A complete dataset of two parts (finalized), in `dir`/data/samples_3K.
void BuildTwoParts(const TempDir& dir) {
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  for (const char* shard : {"0/2", "1/2"}) {
    const CommandResult result =
        RunBarforge(dir.path(), std::string("build --config config.yaml --quiet --jobs 1 --shard ") + shard);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const CommandResult finalize = RunBarforge(dir.path(), "finalize data/samples_3K");
  ASSERT_EQ(finalize.exit_code, 0) << finalize.err;
}

// A copy of part 1 as part-1.parquet: the reader used to read its rows a
// second time while finalize ignored it. Both refuse it now, and so do
// validate and transform, with the one message.
TEST(PartsLayout, AStrayPartFileIsRefusedByTheReaderAndByFinalizeAlike) {
  TempDir dir;
  BuildTwoParts(dir);
  const fs::path parts = dir / "data/samples_3K";
  EXPECT_EQ(DatasetReader(parts).num_rows(), 3000);
  fs::copy_file(parts / "part-00001.parquet", parts / "part-1.parquet");
  const std::string message =
      "data/samples_3K/part-1.parquet: not a part's name (parts are named part-00000.parquet, part-00001.parquet, "
      "...): rename or remove it";

  try {
    DatasetReader reader(parts);
    FAIL() << "read " << reader.num_rows() << " rows";
  } catch (const DataError& e) {
    EXPECT_EQ(std::string(e.what()), parts.string() + "/part-1.parquet" + message.substr(message.find(':')));
  }
  const CommandResult finalize = RunBarforge(dir.path(), "finalize data/samples_3K");
  EXPECT_EQ(finalize.exit_code, 1);
  EXPECT_EQ(finalize.err, "barforge: error: " + message + "\n");
  EXPECT_FALSE(fs::exists(parts / "_SUCCESS")) << "a refused finalize left _SUCCESS";

  const CommandResult transform = RunBarforge(
      dir.path(), "transform --config config.yaml --scaler data/samples_3K --bars data/raw_AAA.parquet --json");
  EXPECT_EQ(transform.exit_code, 1);
  EXPECT_EQ(transform.err, "barforge: error: " + message + "\n");

  // Renamed away, the directory is whole again.
  fs::rename(parts / "part-1.parquet", dir / "data/spare.parquet");
  ASSERT_EQ(RunBarforge(dir.path(), "finalize data/samples_3K").exit_code, 0);
  EXPECT_EQ(DatasetReader(parts).num_rows(), 3000);
}

}  // namespace
}  // namespace barforge::testing
