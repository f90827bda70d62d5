// Raw bars as DuckDB writes them: TIMESTAMP WITH TIME ZONE in microseconds,
// FLOAT and DOUBLE prices, INT32 volume, nullable columns with a null.

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/error.h"
#include "rawdata/bar_loader.h"
#include "support/process.h"

namespace barforge {
namespace {

TEST(BarParquetDuckdbTest, NullsAndOtherTypesFromDuckdb) {
  const std::filesystem::path tools = BARFORGE_TOOLS_DIR;
  if (!std::filesystem::exists(tools / "node_modules")) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const std::filesystem::path dir = std::filesystem::path(BARFORGE_BINARY_DIR) / "bar_parquet_duckdb_test";
  std::filesystem::create_directories(dir);
  const auto path = dir / "duck.parquet";
  std::filesystem::remove(path);
  // Bar i: open 100+i, high 102+i, low 99+i, close 101+i (FLOAT), volume
  // 10*i (INT32); close of bar 5 is null.
  const std::string sql =
      "COPY (SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_minutes(i) AS ts, "
      "CAST(100 + i AS DOUBLE) AS open, CAST(102 + i AS DOUBLE) AS high, CAST(99 + i AS FLOAT) AS low, "
      "CASE WHEN i = 5 THEN NULL ELSE CAST(101 + i AS FLOAT) END AS close, CAST(10 * i AS INTEGER) AS vol "
      "FROM range(0, 40) t(i) ORDER BY i) TO '" + path.string() + "' (FORMAT parquet)";
  const std::string script =
      "import { DuckDBInstance } from '@duckdb/node-api';"
      "const db = await DuckDBInstance.create(':memory:');"
      "const c = await db.connect();"
      "await c.run(process.argv[1]);";
  const auto result = testing::RunCommand("cd " + testing::ShellQuote(tools.string()) +
                                          " && node --input-type=module -e " + testing::ShellQuote(script) + " " +
                                          testing::ShellQuote(sql));
  ASSERT_EQ(result.exit_code, 0) << result.err;

  Config config;
  config.window = 8;
  config.horizon = 2;
  config.columns.timestamp = "ts";
  config.columns.volume = "vol";
  EXPECT_THAT([&] { LoadBars(path, "D", config); },
              ::testing::ThrowsMessage<DataError>(::testing::HasSubstr(path.string() +
                                                                       ": row 6, column close: value null")));
  config.on_bad_bar = OnBadBar::kDrop;
  const BarSeries bars = LoadBars(path, "D", config);
  EXPECT_EQ(bars.dropped_bars, 1);
  ASSERT_EQ(bars.size(), 39);
  for (size_t k = 0; k < 39; ++k) {
    const int64_t i = k < 5 ? static_cast<int64_t>(k) : static_cast<int64_t>(k) + 1;
    EXPECT_EQ(bars.timestamp_ns[k], (1577836800LL + 60 * i) * 1000000000LL);
    EXPECT_EQ(bars.open[k], 100.0 + static_cast<double>(i));
    EXPECT_EQ(bars.low[k], 99.0 + static_cast<double>(i));
    EXPECT_EQ(bars.close[k], 101.0 + static_cast<double>(i));
    EXPECT_EQ(bars.volume[k], 10.0 * static_cast<double>(i));
  }
}

}  // namespace
}  // namespace barforge
