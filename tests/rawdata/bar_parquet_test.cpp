// WriteBarsParquet + LoadBars: exact round trip, reproducible bytes, other
// column types and units, and the errors that name file, column and row.

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

namespace barforge {
namespace {

using ::testing::HasSubstr;

std::filesystem::path TestDir() {
  const std::filesystem::path dir = std::filesystem::path(BARFORGE_BINARY_DIR) / "bar_parquet_test";
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<char> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

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

TEST(BarParquetTest, RoundTripIsExact) {
  const BarSeries bars = SomeBars(5000);
  const auto path = TestDir() / "round_trip.parquet";
  WriteBarsParquet(bars, path, ColumnNames{});
  const BarSeries loaded = LoadBars(path, "RT", SmallConfig());
  EXPECT_EQ(loaded.ticker, "RT");
  EXPECT_EQ(loaded.source, path);
  EXPECT_EQ(loaded.dropped_bars, 0);
  EXPECT_EQ(loaded.timestamp_ns, bars.timestamp_ns);
  EXPECT_EQ(loaded.open, bars.open);
  EXPECT_EQ(loaded.high, bars.high);
  EXPECT_EQ(loaded.low, bars.low);
  EXPECT_EQ(loaded.close, bars.close);
  EXPECT_EQ(loaded.volume, bars.volume);
}

TEST(BarParquetTest, SameBarsSameBytes) {
  const auto a = TestDir() / "bytes_a.parquet";
  const auto b = TestDir() / "bytes_b.parquet";
  WriteBarsParquet(SomeBars(3000), a, ColumnNames{});
  WriteBarsParquet(SomeBars(3000), b, ColumnNames{});
  EXPECT_EQ(ReadBytes(a), ReadBytes(b));
  EXPECT_GT(ReadBytes(a).size(), 1000u);
}

TEST(BarParquetTest, MappedColumnNames) {
  ColumnNames names{"Date", "Open", "High", "Low", "Adj Close", "Volume"};
  const BarSeries bars = SomeBars(100);
  const auto path = TestDir() / "mapped.parquet";
  WriteBarsParquet(bars, path, names);
  Config config = SmallConfig();
  config.columns = names;
  EXPECT_EQ(LoadBars(path, "RT", config).close, bars.close);
  // Of the default names, open, high, low and volume match in another case;
  // timestamp and close are not in this file: both are named at once.
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(::testing::StrEq(
                  path.string() +
                  ": missing columns 'timestamp', 'close' (the file has: Date, Open, High, Low, Adj Close, Volume)")));
}

TEST(BarParquetTest, MissingFileNamesIt) {
  const auto path = TestDir() / "does_not_exist.parquet";
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<NotFoundError>(
                  ::testing::StrEq(path.string() + ": raw data file of ticker RT not found")));
}

TEST(BarParquetTest, BadBarNamesRowAndDropCounts) {
  BarSeries bars = SomeBars(50);
  bars.high[9] = bars.low[9] * 0.5;  // data row 10: high below open and close
  bars.volume[19] = -1;              // data row 20
  const auto path = TestDir() / "bad.parquet";
  WriteBarsParquet(bars, path, ColumnNames{});
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(HasSubstr(path.string() + ": row 10, column high: value ")));
  Config drop = SmallConfig();
  drop.on_bad_bar = OnBadBar::kDrop;
  const BarSeries loaded = LoadBars(path, "RT", drop);
  EXPECT_EQ(loaded.dropped_bars, 2);
  EXPECT_EQ(loaded.size(), 48);
  EXPECT_EQ(loaded.close[9], bars.close[10]);
}

TEST(BarParquetTest, TooShortNamesFile) {
  const auto path = TestDir() / "short.parquet";
  WriteBarsParquet(SomeBars(9), path, ColumnNames{});
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(
                  ::testing::AllOf(HasSubstr(path.string()), HasSubstr("too short"))));
  const auto empty = TestDir() / "empty.parquet";
  WriteBarsParquet(SomeBars(0), empty, ColumnNames{});
  EXPECT_THAT([&] { LoadBars(empty, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(HasSubstr(empty.string() + ": no bars")));
}

// Millisecond timestamps, FLOAT prices and INT64 volume, as other tools write.
TEST(BarParquetTest, OtherTypesAndUnits) {
  using parquet::ColumnType;
  const auto path = TestDir() / "types.parquet";
  const std::vector<int64_t> ms = {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000};
  std::vector<float> open(10), high(10), low(10), close(10);
  std::vector<int64_t> volume(10);
  for (size_t i = 0; i < 10; ++i) {
    open[i] = 10.5f + static_cast<float>(i);
    close[i] = 10.25f + static_cast<float>(i);
    high[i] = open[i] + 1;
    low[i] = close[i] - 1;
    volume[i] = static_cast<int64_t>(i) * 1000000007LL;
  }
  {
    parquet::ParquetWriter writer(path,
                                  {{"timestamp", ColumnType::kTimestamp, parquet::TimeUnit::kMillis, 0},
                                   {"open", ColumnType::kFloat, parquet::TimeUnit::kNanos, 0},
                                   {"high", ColumnType::kFloat, parquet::TimeUnit::kNanos, 0},
                                   {"low", ColumnType::kFloat, parquet::TimeUnit::kNanos, 0},
                                   {"close", ColumnType::kFloat, parquet::TimeUnit::kNanos, 0},
                                   {"volume", ColumnType::kInt64, parquet::TimeUnit::kNanos, 0}},
                                  parquet::WriterOptions{});
    parquet::RowGroupData data;
    data.num_rows = 10;
    data.columns = {std::span<const int64_t>(ms), std::span<const float>(open), std::span<const float>(high),
                    std::span<const float>(low), std::span<const float>(close), std::span<const int64_t>(volume)};
    writer.WriteRowGroup(data);
    writer.Close();
  }
  const BarSeries bars = LoadBars(path, "T", SmallConfig());
  ASSERT_EQ(bars.size(), 10);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(bars.timestamp_ns[i], ms[i] * 1000000);
    EXPECT_EQ(bars.open[i], static_cast<double>(open[i]));
    EXPECT_EQ(bars.low[i], static_cast<double>(low[i]));
    EXPECT_EQ(bars.volume[i], static_cast<double>(volume[i]));
  }
}

TEST(BarParquetTest, TimestampOfWrongTypeIsRefused) {
  using parquet::ColumnType;
  const auto path = TestDir() / "double_timestamp.parquet";
  const BarSeries bars = SomeBars(20);
  std::vector<double> seconds(20);
  for (size_t i = 0; i < 20; ++i) seconds[i] = static_cast<double>(i);
  {
    std::vector<parquet::ColumnSpec> schema = {{"timestamp", ColumnType::kDouble, parquet::TimeUnit::kNanos, 0}};
    for (const char* name : {"open", "high", "low", "close", "volume"}) {
      schema.push_back({name, ColumnType::kDouble, parquet::TimeUnit::kNanos, 0});
    }
    parquet::ParquetWriter writer(path, schema, parquet::WriterOptions{});
    parquet::RowGroupData data;
    data.num_rows = 20;
    data.columns = {std::span<const double>(seconds), std::span<const double>(bars.open),
                    std::span<const double>(bars.high), std::span<const double>(bars.low),
                    std::span<const double>(bars.close), std::span<const double>(bars.volume)};
    writer.WriteRowGroup(data);
    writer.Close();
  }
  EXPECT_THAT([&] { LoadBars(path, "RT", SmallConfig()); },
              ::testing::ThrowsMessage<DataError>(
                  ::testing::AllOf(HasSubstr(path.string()), HasSubstr("'timestamp'"))));
}

}  // namespace
}  // namespace barforge
