// A built dataset is read by DuckDB, arrow-rs and hyparquet with the
// expected schema, row count and values.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

TEST(IndependentReaders, ReadTheDatasetWithTheExpectedSchema) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA, BBB]\nsynthetic: {n_bars: 600}\nwindow: 5\nhorizon: 3\n"
                          "n_samples: 700\nchunk_rows: 300\n");
  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto file = dir / "data/samples_700.parquet";
  const parquet::ParquetReader ours(file);
  const auto ohlc = ours.ReadColumn("ohlc");
  const auto ticker = ours.ReadColumn("ticker");

  const std::vector<std::pair<std::string, size_t>> expected_lists = {
      {"ohlc", 20}, {"volume", 5}, {"meta", 6}, {"rewards", 3}};
  for (const std::string reader : {"duckdb", "arrow", "hyparquet"}) {
    const auto dump = DumpParquet(reader, file);
    EXPECT_EQ(dump["num_rows"], 700) << reader;
    std::vector<std::string> names;
    for (const auto& column : dump["columns"]) names.push_back(column["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"sample_id", "ticker", "timestamp", "bar_index", "ohlc", "volume",
                                               "meta", "rewards", "fwd_return"}))
        << reader;
    const auto& columns = dump["columns"];
    for (size_t row = 0; row < 700; ++row) {
      ASSERT_EQ(columns[0]["values"][row], std::to_string(row)) << reader;
      ASSERT_EQ(columns[1]["values"][row], std::string(ticker.string(row))) << reader;
      for (const auto& [name, size] : expected_lists) {
        const auto it = std::find(names.begin(), names.end(), name);
        ASSERT_EQ(columns[static_cast<size_t>(it - names.begin())]["values"][row].size(), size) << reader << " " << name;
      }
      for (size_t k = 0; k < 20; ++k) {
        ASSERT_EQ(JsonNumber(columns[4]["values"][row][k]), static_cast<double>(ohlc.floats[row * 20 + k]))
            << reader << " row " << row;
      }
    }
    if (reader == "duckdb") {
      EXPECT_EQ(columns[2]["type"], "TIMESTAMP WITH TIME ZONE");
      EXPECT_EQ(columns[4]["type"], "FLOAT[]");
      EXPECT_EQ(columns[8]["type"], "FLOAT");
    }
    if (reader == "arrow") {
      EXPECT_EQ(columns[2]["type"], "Timestamp<NANOSECOND, UTC>");
    }
  }
}

}  // namespace
}  // namespace barforge::testing
