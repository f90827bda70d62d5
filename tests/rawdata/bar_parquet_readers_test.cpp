// Raw bar files written by WriteBarsParquet, read by DuckDB, arrow-rs and
// hyparquet (tools/dump_parquet.mjs): every value as written.

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "rawdata/synthetic_market.h"
#include "support/process.h"

namespace barforge {
namespace {

TEST(BarParquetReadersTest, IndependentReadersSeeEveryValue) {
  const std::filesystem::path tools = BARFORGE_TOOLS_DIR;
  if (!std::filesystem::exists(tools / "node_modules")) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const std::filesystem::path dir = std::filesystem::path(BARFORGE_BINARY_DIR) / "bar_parquet_readers_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "raw_SYN0.parquet";
  SyntheticConfig options;
  options.n_bars = 2000;
  const BarSeries bars = GenerateSyntheticBars("SYN0", options, 42);
  const ColumnNames names{"ts", "o", "h", "l", "c", "v"};
  WriteBarsParquet(bars, path, names);
  for (const char* reader : {"duckdb", "arrow", "hyparquet"}) {
    const auto result = testing::RunCommand("node " + testing::ShellQuote((tools / "dump_parquet.mjs").string()) + " " +
                                            reader + " " + testing::ShellQuote(path.string()));
    ASSERT_EQ(result.exit_code, 0) << reader << ": " << result.err;
    const nlohmann::json dump = nlohmann::json::parse(result.out);
    ASSERT_EQ(dump["num_rows"], 2000) << reader;
    const auto& columns = dump["columns"];
    ASSERT_EQ(columns.size(), 6u) << reader;
    const std::vector<const std::vector<double>*> values = {&bars.open, &bars.high, &bars.low, &bars.close,
                                                            &bars.volume};
    const std::vector<std::string> expected_names = {"ts", "o", "h", "l", "c", "v"};
    for (size_t c = 0; c < 6; ++c) EXPECT_EQ(columns[c]["name"], expected_names[c]) << reader;
    for (size_t i = 0; i < 2000; ++i) {
      ASSERT_EQ(columns[0]["values"][i].get<std::string>(), std::to_string(bars.timestamp_ns[i])) << reader << i;
      for (size_t c = 0; c < 5; ++c) {
        ASSERT_EQ(columns[c + 1]["values"][i].get<double>(), (*values[c])[i]) << reader << " row " << i;
      }
    }
  }
}

}  // namespace
}  // namespace barforge
