// CSV raw files without a header row (csv_header: false), as exchanges ship
// kline dumps: the same bars as the file with a header, rows numbered from
// 1 in messages, columns named by position and role.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "barforge/config.h"
#include "barforge/error.h"
#include "rawdata/bar_loader.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

// Binance's kline layout: open time (ms), O, H, L, C, V, close time, quote
// volume, trades, taker base, taker quote, ignore.
constexpr const char* kKlines =
    "1609459200000,29000.5,29100,28950.25,29050,12.5,1609459259999,362000.1,100,6.1,177000.3,0\n"
    "1609459260000,29050,29075.5,29000,29010,8,1609459319999,232000,80,4,116000,0\n"
    "1609459320000,29010,29020,28990,29000,0,1609459379999,0,0,0,0,0\n";

Config Headerless() {
  Config config;
  config.source = DataSource::kFiles;
  config.csv_header = false;
  config.window = 2;
  config.horizon = 1;
  return config;
}

// The message, with the folder of `file` left out.
std::string LoadError(const std::filesystem::path& file, const Config& config) {
  try {
    LoadBars(file, "BTC", config);
  } catch (const DataError& e) {
    const std::string message = e.what();
    const std::string folder = file.parent_path().string() + "/";
    return message.rfind(folder, 0) == 0 ? message.substr(folder.size()) : message;
  }
  return "no error";
}

TEST(CsvHeaderless, SameBarsAsTheFileWithAHeader) {
  testing::TempDir dir;
  std::ofstream(dir / "klines.csv") << kKlines;
  std::ofstream(dir / "named.csv") << "open_time,open,high,low,close,volume,close_time,quote,trades,tb,tq,ignore\n"
                                   << kKlines;
  const BarSeries headerless = LoadBars(dir / "klines.csv", "BTC", Headerless());
  Config named = Headerless();
  named.csv_header = true;
  named.columns.timestamp = "open_time";
  const BarSeries with_header = LoadBars(dir / "named.csv", "BTC", named);
  ASSERT_EQ(headerless.size(), 3);
  EXPECT_EQ(headerless.timestamp_ns, with_header.timestamp_ns);
  EXPECT_EQ(headerless.timestamp_ns[0], 1609459200LL * 1000000000LL);
  EXPECT_EQ(headerless.open, with_header.open);
  EXPECT_EQ(headerless.high, with_header.high);
  EXPECT_EQ(headerless.low, (std::vector<double>{28950.25, 29000, 28990}));
  EXPECT_EQ(headerless.close, with_header.close);
  EXPECT_EQ(headerless.volume, (std::vector<double>{12.5, 8, 0}));
  // Positions move columns: close time (field 6) as the timestamp.
  Config by_close_time = Headerless();
  by_close_time.columns.timestamp = "6";
  EXPECT_EQ(LoadBars(dir / "klines.csv", "BTC", by_close_time).timestamp_ns[0], 1609459259999LL * 1000000LL);
}

TEST(CsvHeaderless, MessagesNumberRowsFromOneAndNameFieldsByPosition) {
  testing::TempDir dir;
  // Row 2's high is below its close.
  std::ofstream(dir / "bad.csv") << "1609459200000,1,2,0.5,1.5,10\n1609459260000,1,1.2,0.5,1.5,10\n";
  EXPECT_EQ(LoadError(dir / "bad.csv", Headerless()),
            "bad.csv: row 2, column 2 (high): value 1.2: high is below max(open, close) = 1.5");
  // A Parquet raw file has named columns: csv_header: false is refused.
  std::ofstream(dir / "bars.parquet") << "PAR1";
  EXPECT_EQ(LoadError(dir / "bars.parquet", Headerless()),
            "bars.parquet: csv_header: false describes CSV files without a header row, but this raw file is Parquet "
            "(its columns have names: remove csv_header, or name CSV files .csv)");
  std::ofstream(dir / "empty.csv");
  EXPECT_EQ(LoadError(dir / "empty.csv", Headerless()), "empty.csv: empty file (no bars)");
}

}  // namespace
}  // namespace barforge
