// How raw files' columns are matched to `columns`: Parquet names as CSV
// headers (exactly, else in any case), two candidates for one name refused,
// every missing column in one message, unsigned integer volumes as unsigned.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/error.h"
#include "barforge/parquet_writer.h"
#include "rawdata/bar_loader.h"
#include "rawdata/synthetic_market.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using ::testing::HasSubstr;
using ::testing::StrEq;
using ::testing::ThrowsMessage;

Config SmallConfig() {
  Config config;
  config.window = 8;
  config.horizon = 2;
  return config;
}

BarSeries SomeBars(int64_t n) {
  SyntheticConfig options;
  options.n_bars = n;
  return GenerateSyntheticBars("RT", options, 3);
}

// A Parquet file of `bars` whose columns are named `names` (timestamp
// first, then open, high, low, close, volume; any more columns hold the closes).
void WriteNamed(const std::filesystem::path& path, const BarSeries& bars, const std::vector<std::string>& names) {
  using parquet::ColumnType;
  std::vector<parquet::ColumnSpec> schema = {{names[0], ColumnType::kTimestamp, parquet::TimeUnit::kNanos}};
  for (size_t c = 1; c < names.size(); ++c) schema.push_back({names[c], ColumnType::kDouble});
  parquet::ParquetWriter writer(path, schema, parquet::WriterOptions{});
  parquet::RowGroupData data;
  data.num_rows = bars.size();
  data.columns = {std::span<const int64_t>(bars.timestamp_ns)};
  const std::vector<const std::vector<double>*> values = {&bars.open, &bars.high, &bars.low, &bars.close,
                                                          &bars.volume};
  for (size_t c = 1; c < names.size(); ++c) {
    data.columns.emplace_back(std::span<const double>(*values[c <= 5 ? c - 1 : 3]));
  }
  writer.WriteRowGroup(data);
  writer.Close();
}

TEST(BarColumnsTest, ParquetNamesMatchInAnyCaseLikeCsvHeaders) {
  const testing::TempDir dir;
  const BarSeries bars = SomeBars(50);
  const auto path = dir / "caps.parquet";
  WriteBarsParquet(bars, path, ColumnNames{"Timestamp", "Open", "High", "Low", "Close", "Volume"});
  const BarSeries loaded = LoadBars(path, "RT", SmallConfig());  // columns: timestamp, open, ... (lower case)
  EXPECT_EQ(loaded.close, bars.close);
  EXPECT_EQ(loaded.volume, bars.volume);
  // Messages name the file's own column.
  BarSeries bad = bars;
  bad.low[4] = bad.high[4] * 2;
  WriteBarsParquet(bad, path, ColumnNames{"Timestamp", "Open", "High", "Low", "Close", "Volume"});
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ThrowsMessage<DataError>(HasSubstr(path.string() + ": row 5, column Low: value")));
}

TEST(BarColumnsTest, TwoColumnsForOneNameAreRefused) {
  const testing::TempDir dir;
  const BarSeries bars = SomeBars(50);
  // "close" and "CLOSE": which one holds the closes?
  const auto cased = dir / "cased.parquet";
  WriteNamed(cased, bars, {"timestamp", "open", "high", "low", "close", "volume", "CLOSE"});
  // An exact match wins over a match in another case.
  EXPECT_EQ(LoadBars(cased, "RT", SmallConfig()).close, bars.close);
  Config upper = SmallConfig();
  upper.columns.close = "Close";
  EXPECT_THAT([&] { LoadBars(cased, "RT", upper); },
              ThrowsMessage<DataError>(StrEq(cased.string() +
                                             ": 2 columns are named 'close' and 'CLOSE' (names match in any case) "
                                             "(columns 4 and 6): rename one, so that it is clear which holds the "
                                             "values")));
  // The same name twice (barforge's writer refuses it: the name is patched
  // in the file's bytes, "clos2" -> "close", same length).
  const auto twice = dir / "twice.parquet";
  WriteNamed(twice, bars, {"timestamp", "open", "high", "low", "close", "volume", "clos2"});
  std::string bytes;
  {
    std::ifstream in(twice, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (size_t at = bytes.find("clos2"); at != std::string::npos; at = bytes.find("clos2", at)) bytes[at + 4] = 'e';
  std::ofstream(twice, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THAT([&] { LoadBars(twice, "RT", SmallConfig()); },
              ThrowsMessage<DataError>(StrEq(twice.string() +
                                             ": 2 columns are named 'close' (columns 4 and 6): rename one, so that "
                                             "it is clear which holds the values")));
}

TEST(BarColumnsTest, EveryMissingColumnInOneMessage) {
  const testing::TempDir dir;
  const BarSeries bars = SomeBars(50);
  const auto path = dir / "three.parquet";
  WriteNamed(path, bars, {"timestamp", "open", "high"});
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ThrowsMessage<DataError>(StrEq(path.string() +
                                             ": missing columns 'low', 'close', 'volume' (the file has: timestamp, "
                                             "open, high)")));
  const auto csv = dir / "two.csv";
  std::ofstream(csv) << "timestamp,open,Volume\n2021-01-01,1,1\n";
  EXPECT_THAT([&] { LoadBars(csv, "RT", SmallConfig()); },
              ThrowsMessage<DataError>(StrEq(csv.string() +
                                             ": missing columns 'high', 'low', 'close' (header has 'timestamp', "
                                             "'open', 'Volume')")));
  // A CSV header naming one column twice is refused like Parquet's.
  std::ofstream(csv, std::ios::trunc) << "timestamp,open,high,low,close,close,volume\n2021-01-01,1,1,1,1,1,1\n";
  EXPECT_THAT([&] { LoadBars(csv, "RT", SmallConfig()); },
              ThrowsMessage<DataError>(StrEq(csv.string() +
                                             ": the header names 'close' 2 times (fields 4 and 5, 0 = the first): "
                                             "rename one, so that it is clear which holds the values")));
}

TEST(BarColumnsTest, UnsignedIntegerVolumesReadAsUnsigned) {
  const std::filesystem::path tools = BARFORGE_TOOLS_DIR;
  if (!std::filesystem::exists(tools / "node_modules")) GTEST_SKIP() << "run `cd tools && npm ci` first";
  const testing::TempDir dir;
  // UINTEGER 3e9 + i (above INT32's maximum) and UBIGINT 1e19 + i (above INT64's).
  const auto write = [&](const std::string& name, const std::string& type, const std::string& base) {
    const auto path = dir / name;
    const std::string sql =
        "COPY (SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' + to_minutes(i) AS timestamp, "
        "CAST(100 AS DOUBLE) AS open, CAST(101 AS DOUBLE) AS high, CAST(99 AS DOUBLE) AS low, "
        "CAST(100 AS DOUBLE) AS close, CAST(" + base + " AS " + type + ") + CAST(i AS " + type + ") AS volume "
        "FROM range(0, 20) t(i) ORDER BY i) TO '" + path.string() + "' (FORMAT parquet)";
    const std::string script =
        "import { DuckDBInstance } from '@duckdb/node-api';"
        "const db = await DuckDBInstance.create(':memory:');"
        "const c = await db.connect();"
        "await c.run(process.argv[1]);";
    const auto result = testing::RunCommand("cd " + testing::ShellQuote(tools.string()) +
                                            " && node --input-type=module -e " + testing::ShellQuote(script) + " " +
                                            testing::ShellQuote(sql));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return path;
  };
  const BarSeries u32 = LoadBars(write("u32.parquet", "UINTEGER", "3000000000"), "U", SmallConfig());
  ASSERT_EQ(u32.size(), 20);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(u32.volume[i], 3000000000.0 + static_cast<double>(i));
  const BarSeries u64 = LoadBars(write("u64.parquet", "UBIGINT", "10000000000000000000"), "U", SmallConfig());
  ASSERT_EQ(u64.size(), 20);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_EQ(u64.volume[i], static_cast<double>(10000000000000000000ULL + i)) << i;
  }
}

}  // namespace
}  // namespace barforge
