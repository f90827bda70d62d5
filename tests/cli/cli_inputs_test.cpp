// Inputs that are not what they claim: a --config or raw file that is a
// FIFO, a folder or a device is refused saying what it is (never opened, so
// a FIFO cannot block); --seed follows the config key's rule; values quoted
// in messages are capped and escaped.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSmallConfig = R"(data_dir: data
tickers: [AAA]
synthetic: {n_bars: 500}
window: 8
horizon: 4
n_samples: 300
chunk_rows: 100
)";

TEST(CliInputs, ConfigThatIsNotARegularFileSaysWhatItIs) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "fifo.yaml").c_str(), 0644), 0);
  fs::create_directories(dir / "folder.yaml");
  EXPECT_EQ(RunBarforge(dir.path(), "build --config fifo.yaml").err,
            "barforge: error: fifo.yaml: is a FIFO (named pipe), not a config file\n");
  EXPECT_EQ(RunBarforge(dir.path(), "build --config folder.yaml").err,
            "barforge: error: folder.yaml: is a directory, not a config file\n");
  EXPECT_EQ(RunBarforge(dir.path(), "build --config /dev/null").err,
            "barforge: error: /dev/null: is a character device, not a config file\n");
  EXPECT_EQ(RunBarforge(dir.path(), "build --config missing.yaml").err,
            "barforge: error: missing.yaml: config file not found\n");
}

TEST(CliInputs, RawFileThatIsNotARegularFileSaysWhatItIs) {
  TempDir dir;
  WriteConfig(dir.path(), std::string(kSmallConfig) + "source: files\n");
  fs::create_directories(dir / "data");
  ASSERT_EQ(::mkfifo((dir / "data/raw_AAA.parquet").c_str(), 0644), 0);
  CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "barforge: error: data/raw_AAA.parquet: raw data file of ticker AAA is a FIFO (named pipe), not a file\n");
  fs::remove(dir / "data/raw_AAA.parquet");
  fs::create_directories(dir / "data/raw_AAA.parquet");
  result = RunBarforge(dir.path(), "build --config config.yaml");
  EXPECT_EQ(result.err, "barforge: error: data/raw_AAA.parquet: raw data file of ticker AAA is a directory, not a file\n");
  // A CSV raw file that is a FIFO: the same, without blocking.
  fs::remove(dir / "data/raw_AAA.parquet");
  ASSERT_EQ(::mkfifo((dir / "data/AAA.csv").c_str(), 0644), 0);
  result = RunBarforge(dir.path(), "build --config config.yaml --set raw_data_filename={ticker}.csv");
  EXPECT_EQ(result.err, "barforge: error: data/AAA.csv: raw data file of ticker AAA is a FIFO (named pipe), not a file\n");
}

TEST(CliInputs, SeedFlagFollowsTheConfigKeyRule) {
  TempDir dir;
  WriteConfig(dir.path(), kSmallConfig);
  EXPECT_EQ(RunBarforge(dir.path(), "build --config config.yaml --seed -1").err,
            "barforge: error: --seed -1: key 'seed': expected an integer in [0, 2^64), got '-1'\n");
  EXPECT_EQ(RunBarforge(dir.path(), "build --config config.yaml --seed 18446744073709551616").err,
            "barforge: error: --seed 18446744073709551616: key 'seed': expected an integer in [0, 2^64), "
            "got '18446744073709551616'\n");
  EXPECT_FALSE(fs::exists(dir / "data"));
}

// A CSV header of 1 MB with a NUL in it: the message stays one short line,
// the NUL shown as \x00 instead of cutting the line.
TEST(CliInputs, HugeOrBinaryValuesInMessagesAreCappedAndEscaped) {
  TempDir dir;
  WriteConfig(dir.path(), std::string(kSmallConfig) + "source: files\nraw_data_filename: '{ticker}.csv'\n");
  fs::create_directories(dir / "data");
  {
    std::ofstream csv(dir / "data/AAA.csv", std::ios::binary);
    csv << "timestamp,open,high,low,close,volume\n";
    csv << "2020-01-01T00:00:00Z,1" << std::string(1, '\0') << "5\xff" << std::string(1 << 20, '9') << ",1,1,1,1\n";
  }
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind("barforge: error: data/AAA.csv: row 2, column 'open': cannot parse '1\\x005\\xff999", 0),
            0)
      << result.err.substr(0, 300);
  EXPECT_NE(result.err.find("999... (1048580 bytes)' as a number\n"), std::string::npos) << result.err.substr(0, 400);
  EXPECT_LT(result.err.size(), 400u);
}

}  // namespace
}  // namespace barforge::testing
