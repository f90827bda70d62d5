// `barforge inspect` on files it did not write: strings from the file are
// printed escaped, and timestamp statistics of every unit show their real
// dates, far past the year 2262 too.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "barforge/parquet_writer.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

using parquet::ColumnSpec;
using parquet::ColumnType;
using parquet::TimeUnit;

TEST(InspectCommand, EscapesControlBytesFromTheFile) {
  TempDir dir;
  const std::vector<std::string> names = {"plain", "\x1b]0;owned\x07", "tab\there"};
  const std::vector<int32_t> rows = {0, 1, 2, 1};
  parquet::WriterOptions options;
  options.key_value_metadata = {{"note\x1b[2J", "clear\x1b[2Jscreen \xc2\x9b" "31m and \\ done"},
                                {"multi", "line one\nline \x1b[1mtwo"}};
  parquet::ParquetWriter writer(dir / "evil.parquet", {{"ticker", ColumnType::kString}}, options);
  writer.WriteRowGroup({4, {parquet::DictionaryStrings{names, rows}}});
  writer.Close();
  const CommandResult result = RunBarforge(dir.path(), "inspect evil.parquet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char byte : {'\x1b', '\x07', '\t', '\x9b'}) {
    EXPECT_EQ(result.out.find(byte), std::string::npos) << "byte " << static_cast<int>(static_cast<uint8_t>(byte))
                                                        << " printed raw:\n" << result.out;
  }
  EXPECT_NE(result.out.find("  note\\x1b[2J: clear\\x1b[2Jscreen \\xc2\\x9b31m and \\\\ done\n"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  multi:\n    line one\n    line \\x1b[1mtwo\n"), std::string::npos) << result.out;
  // Statistics: byte-wise min and max of the names (ESC sorts first).
  EXPECT_NE(result.out.find("  ticker         '\\x1b]0;owned\\x07' .. 'tab\\x09here'\n"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("  \\x1b]0;owned\\x07"), std::string::npos) << "rows per ticker\n" << result.out;
}

// 9999-12-31 is DuckDB's placeholder for "no end"; in ms or us it is far
// past what nanoseconds can hold (2262-04-11).
TEST(InspectCommand, TimestampStatisticsPast2262ShowTheirDates) {
  TempDir dir;
  constexpr int64_t k2020 = 1577836800;     // 2020-01-01T00:00:00Z, in seconds
  constexpr int64_t k9999 = 253402214400;   // 9999-12-31T00:00:00Z
  const std::vector<int64_t> ms = {k2020 * 1000 + 250, k9999 * 1000 + 999};
  const std::vector<int64_t> us = {-1, k9999 * 1000000 + 5};
  const std::vector<int64_t> ns = {k2020 * 1000000000, k2020 * 1000000000 + 1};
  parquet::ParquetWriter writer(dir / "dates.parquet",
                                {{"ms", ColumnType::kTimestamp, TimeUnit::kMillis},
                                 {"us", ColumnType::kTimestamp, TimeUnit::kMicros},
                                 {"ns", ColumnType::kTimestamp, TimeUnit::kNanos}},
                                {});
  writer.WriteRowGroup({2, {std::span<const int64_t>(ms), std::span<const int64_t>(us), std::span<const int64_t>(ns)}});
  writer.Close();
  const CommandResult result = RunBarforge(dir.path(), "inspect dates.parquet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("  ms             2020-01-01T00:00:00.25Z .. 9999-12-31T00:00:00.999Z\n"),
            std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  us             1969-12-31T23:59:59.999999Z .. 9999-12-31T00:00:00.000005Z\n"),
            std::string::npos) << result.out;
  EXPECT_NE(result.out.find("  ns             2020-01-01T00:00:00Z .. 2020-01-01T00:00:00.000000001Z\n"),
            std::string::npos) << result.out;
  EXPECT_NE(result.out.find("time range:  2020-01-01T00:00:00.25Z .. 9999-12-31T00:00:00.999Z (ms)\n"),
            std::string::npos) << result.out;
}

}  // namespace
}  // namespace barforge::testing
