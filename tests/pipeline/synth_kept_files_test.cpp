// `barforge synth` writes the missing synthetic raw files and checks the
// kept ones by their generator record, without reading their bars (the
// build reads and validates those; reading them in synth too loaded every
// bar twice on an MPI job's rank 0 and on a Ray or Dask driver).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

constexpr const char* kFlags = "--set data_dir=data --set tickers=[AAA,BBB] --set synthetic.n_bars=600";

// Flips a byte in the middle of the `close` column's pages of the raw file:
// its footer stays intact, its bars no longer read (the page CRC fails).
void DamageClosePrices(const std::filesystem::path& path) {
  const parquet::ParquetReader reader(path);
  const parquet::RowGroupMetadata group = reader.row_group_metadata(0);
  const size_t close = reader.FindColumn("close").value();
  const parquet::ColumnChunkMetadata& chunk = group.columns[close];
  const int64_t middle = chunk.data_page_offset + chunk.total_compressed_size / 2;
  std::string bytes = ReadFile(path);
  bytes[static_cast<size_t>(middle)] = static_cast<char>(bytes[static_cast<size_t>(middle)] ^ 0x5A);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(SynthKeptFiles, KeptFilesAreCountedFromTheFooterAndReadOnlyByTheBuild) {
  TempDir dir;
  const CommandResult first = RunBarforge(dir.path(), std::string("synth --json ") + kFlags);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(nlohmann::json::parse(first.out)["tickers"][0]["generated"], true);
  DamageClosePrices(dir / "data/raw_AAA.parquet");
  std::filesystem::remove(dir / "data/raw_BBB.parquet");

  // AAA is kept (its generator record is right) without reading its bars;
  // BBB, missing, is written again.
  const CommandResult again = RunBarforge(dir.path(), std::string("synth --json ") + kFlags);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const auto tickers = nlohmann::json::parse(again.out)["tickers"];
  EXPECT_EQ(tickers[0]["ticker"], "AAA");
  EXPECT_EQ(tickers[0]["generated"], false);
  EXPECT_EQ(tickers[0]["bars"], 600);
  EXPECT_EQ(tickers[1]["ticker"], "BBB");
  EXPECT_EQ(tickers[1]["generated"], true);
  EXPECT_EQ(tickers[1]["bars"], 600);

  // The build reads every bar: the damaged page stops it, naming the file.
  const CommandResult build =
      RunBarforge(dir.path(), std::string("build --quiet --samples 100 --set window=8 --set horizon=4 ") + kFlags);
  EXPECT_EQ(build.exit_code, 1);
  EXPECT_NE(build.err.find("raw_AAA.parquet"), std::string::npos) << build.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "data/samples_100.parquet"));
}

TEST(SynthKeptFiles, AKeptFileOfOtherParametersIsStillRefused) {
  TempDir dir;
  ASSERT_EQ(RunBarforge(dir.path(), std::string("synth --quiet ") + kFlags).exit_code, 0);
  const CommandResult other = RunBarforge(dir.path(), std::string("synth --quiet ") + kFlags + " --set synthetic.seed=7");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("raw_AAA.parquet: this raw file was generated with other parameters (synthetic.seed 42 in "
                           "the file, 7 in the config)"),
            std::string::npos)
      << other.err;
}

}  // namespace
}  // namespace barforge::testing
