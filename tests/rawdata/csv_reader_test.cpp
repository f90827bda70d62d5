#include "rawdata/csv_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "barforge/error.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

constexpr int64_t kNs = 1000000000;
const std::vector<std::string> kOhlcv = {"open", "high", "low", "close", "volume"};
const std::string kAccepted =
    " (accepted: ISO-8601 dates 2021-01-04, date-times 2021-01-04T09:30:00 with an optional fraction and Z or "
    "offset +01:00, or integer epochs in timestamp_unit)";

CsvColumns Parse(std::string_view text, const CsvOptions& options = {}) {
  return ParseCsvColumns(text, "bars.csv", "timestamp", kOhlcv, options);
}

std::string ErrorOf(std::string_view text) {
  try {
    Parse(text);
  } catch (const DataError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CsvReader, ReadsColumnsByNameInAnyOrderIgnoringOthers) {
  const auto c = Parse("extra,close,timestamp,open,high,low,volume\n"
                       "x,1.5,2020-01-01,1.25,2,1,100\n"
                       "y,2.5,2020-01-02,1.5,3,1.25,0\n");
  ASSERT_EQ(c.rows(), 2);
  EXPECT_EQ(c.timestamp_ns, (std::vector<int64_t>{1577836800 * kNs, 1577923200 * kNs}));
  EXPECT_EQ(c.numbers[0], (std::vector<double>{1.25, 1.5}));
  EXPECT_EQ(c.numbers[3], (std::vector<double>{1.5, 2.5}));
  EXPECT_EQ(c.numbers[4], (std::vector<double>{100, 0}));
  EXPECT_TRUE(c.missing_rows.empty());
}

TEST(CsvReader, NumbersAreTheNearestDouble) {
  const auto c = Parse("timestamp,open,high,low,close,volume\n"
                       "1577836800,0.1,3.141592653589793238462643,1e-310,+2.5E3,123456789012345678\n");
  EXPECT_EQ(c.numbers[0][0], 0.1);
  EXPECT_EQ(c.numbers[1][0], 3.141592653589793);
  EXPECT_EQ(c.numbers[2][0], 1e-310);
  EXPECT_EQ(c.numbers[3][0], 2500.0);
  EXPECT_EQ(c.numbers[4][0], 123456789012345678.0);
}

TEST(CsvReader, QuotedFieldsAndEscapes) {
  CsvOptions semicolon;
  semicolon.delimiter = ';';
  const auto c = Parse("\xEF\xBB\xBF\"timestamp\";\"open\";high;low;close;volume;note\r\n"
                       "\"2020-01-01T00:00:00Z\";\"1\";2;0.5;1.5;10;\"a \"\"quoted\"\"; note\"\r\n"
                       "1577923200;1;2;0.5;1.5;11;plain\r\n"
                       "\r\n",
                       semicolon);
  ASSERT_EQ(c.rows(), 2);
  EXPECT_EQ(c.timestamp_ns[0], 1577836800 * kNs);
  EXPECT_EQ(c.timestamp_ns[1], 1577923200 * kNs);
  EXPECT_EQ(c.numbers[4], (std::vector<double>{10, 11}));
}

TEST(CsvReader, ManyEscapedQuotedFieldsInOneRecordStayIntact) {
  // Regression (fuzzer): views of earlier unescaped fields dangled when a
  // later field of the same record needed unescaping too.
  const auto c = Parse("\"time\"\"stamp\",\"op\"\"en\",\"hi\"\"gh\",low,close,volume,timestamp,open,high\n"
                       "x,y,z,0.5,1.5,10,2020-01-01,1,2\n");
  ASSERT_EQ(c.rows(), 1);
  EXPECT_EQ(c.numbers[0][0], 1);
  EXPECT_EQ(c.numbers[1][0], 2);
}

TEST(CsvReader, TabDelimitedAndCaseInsensitiveHeader) {
  CsvOptions tab;
  tab.delimiter = '\t';
  const auto c = Parse("Timestamp\tOpen\tHigh\tLow\tClose\tVolume\n2020-01-01\t1\t2\t0.5\t1.5\t7\n", tab);
  ASSERT_EQ(c.rows(), 1);
  EXPECT_EQ(c.numbers[4][0], 7);
}

TEST(CsvReader, EpochUnitFromTheFirstRow) {
  const auto ms = Parse("timestamp,open,high,low,close,volume\n1577836800000,1,1,1,1,1\n1577836860000,1,1,1,1,1\n");
  EXPECT_EQ(ms.timestamp_ns, (std::vector<int64_t>{1577836800 * kNs, 1577836860 * kNs}));
  CsvOptions micros;
  micros.epoch_unit = EpochUnit::kMicros;
  const auto us = Parse("timestamp,open,high,low,close,volume\n1577836800000005,1,1,1,1,1\n", micros);
  EXPECT_EQ(us.timestamp_ns[0], 1577836800000005000);
}

TEST(CsvReader, MissingValuesAreMarkedNotInvented) {
  const auto c = Parse("timestamp,open,high,low,close,volume\n"
                       "2020-01-01,1,2,0.5,1.5,10\n"
                       "2020-01-02,null,null,null,null,null\n"
                       "2020-01-03,1,2,0.5,,10\n"
                       ",1,2,0.5,1,10\n");
  EXPECT_EQ(c.missing_rows, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(std::isnan(c.numbers[0][1]));
  EXPECT_TRUE(std::isnan(c.numbers[3][2]));
  EXPECT_EQ(c.timestamp_ns[3], std::numeric_limits<int64_t>::min());
}

TEST(CsvReader, ErrorsNameFileSpreadsheetRowAndColumn) {
  EXPECT_EQ(ErrorOf(""), "bars.csv: empty file (no header row)");
  EXPECT_NE(ErrorOf("timestamp,open,high,low,close\n").find("missing column 'volume'"), std::string::npos);
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n2020-01-02,1,2,0.5,abc,10\n"),
            "bars.csv: row 3, column 'close': cannot parse 'abc' as a number");
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n2020-13-01,1,2,0.5,1.5,10\n"),
            "bars.csv: row 2, column 'timestamp': cannot parse '2020-13-01' as a timestamp" + kAccepted);
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n2020-01-01,1,2\n"),
            "bars.csv: row 2: 3 fields, the header has 6");
  EXPECT_NE(ErrorOf("timestamp,open,high,low,close,volume\n\"2020-01-01,1,2,0.5,1.5,10\n").find("unterminated"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,1\"0\n"),
            "bars.csv: row 2, column 'volume': cannot parse '1\"0' as a number");
}

TEST(CsvReader, MessagesSayWhatToFix) {
  // Another delimiter than csv_delimiter: the header is one field.
  EXPECT_EQ(ErrorOf("timestamp;open;high;low;close;volume\n2020-01-01;1;2;0.5;1.5;10\n"),
            "bars.csv: the header is one field containing ';': set csv_delimiter: ';'");
  EXPECT_EQ(ErrorOf("timestamp\topen\thigh\tlow\tclose\tvolume\n"),
            "bars.csv: the header is one field containing tabs: set csv_delimiter: tab");
  // Dates in another layout: the accepted ones are named.
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n01/04/2021,1,2,0.5,1.5,10\n"),
            "bars.csv: row 2, column 'timestamp': cannot parse '01/04/2021' as a timestamp" + kAccepted);
  // Decimal commas (quoted, as spreadsheets write them with ',' delimiters).
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n2020-01-01,\"1,5\",2,0.5,1.5,10\n"),
            "bars.csv: row 2, column 'open': cannot parse '1,5' as a number (a decimal comma: numbers must use '.' "
            "as the decimal point; export the file with '.' decimals)");
  // Epoch numbers in the wrong unit: named with the likely one.
  CsvOptions nanos;
  nanos.epoch_unit = EpochUnit::kNanos;
  try {
    Parse("timestamp,open,high,low,close,volume\n1609459200000,1,2,0.5,1.5,10\n", nanos);
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "bars.csv: row 2, column 'timestamp': epoch value 1609459200000 read as ns is "
                           "1970-01-01T00:26:49.4592Z, before 1980..2200; as ms it is 2021-01-01T00:00:00Z: set "
                           "timestamp_unit: ms");
  }
  EXPECT_EQ(ErrorOf("timestamp,open,high,low,close,volume\n12,1,2,0.5,1.5,10\n"),
            "bars.csv: row 2, column 'timestamp': epoch value 12 read as s is 1970-01-01T00:00:12Z, before "
            "1980..2200; check timestamp_unit");
}

// Exchange kline dumps: no header, open time in ms, then O, H, L, C, V and
// more fields; columns are field positions.
TEST(CsvReader, HeaderlessFileReadsFieldsByPosition) {
  CsvOptions headerless;
  headerless.header = false;
  const auto c = ParseCsvColumns("1609459200000,1.5,2,1,1.25,10,1609459259999\n"
                                 "1609459260000,1.25,1.5,1,1.5,0,1609459319999\n",
                                 "k.csv", "0", {"1", "2", "3", "4", "5"}, headerless);
  ASSERT_EQ(c.rows(), 2);  // the first line is a bar, not a header
  EXPECT_EQ(c.timestamp_ns, (std::vector<int64_t>{1609459200 * kNs, 1609459260 * kNs}));
  EXPECT_EQ(c.numbers[0], (std::vector<double>{1.5, 1.25}));
  EXPECT_EQ(c.numbers[3], (std::vector<double>{1.25, 1.5}));
  EXPECT_EQ(c.numbers[4], (std::vector<double>{10, 0}));
  // Positions in any order; fields not asked for are ignored.
  const auto reordered = ParseCsvColumns("x,10,1.25,1,2,1.5,2021-01-01\n", "k.csv", "6", {"5", "4", "3", "2", "1"},
                                         headerless);
  EXPECT_EQ(reordered.timestamp_ns, (std::vector<int64_t>{1609459200 * kNs}));
  EXPECT_EQ(reordered.numbers[0], (std::vector<double>{1.5}));
  EXPECT_EQ(reordered.numbers[4], (std::vector<double>{10}));

  const auto error_of = [&](std::string_view text) {
    try {
      ParseCsvColumns(text, "k.csv", "0", {"1", "2", "3", "4", "5"}, headerless);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // Rows are numbered from 1 (there is no header row), fields by position.
  EXPECT_EQ(error_of("2021-01-01,1,2,0.5,1.5,10\n2021-01-02,1,2,0.5,abc,10\n"),
            "k.csv: row 2, column 4: cannot parse 'abc' as a number");
  EXPECT_EQ(error_of("01/04/2021,1,2,0.5,1.5,10\n"),
            "k.csv: row 1, column 0: cannot parse '01/04/2021' as a timestamp" + kAccepted);
  // No row has more fields than the first (an unquoted "1,000" would shift
  // the fields after it), nor too few for the columns asked for.
  EXPECT_EQ(error_of("2021-01-01,1,2,0.5,1.5,10\n2021-01-02,1,2,0.5,1.5,10,7\n"),
            "k.csv: row 2: 7 fields, the first row has 6");
  EXPECT_EQ(error_of("2021-01-01,1,2,0.5,1.5,10,x\n2021-01-02,1,2,0.5,1.5,10\n"), "no error");
  EXPECT_EQ(error_of("2021-01-01,1,2,0.5,1.5\n"),
            "k.csv: row 1: 5 fields, but column 5 is asked for (0 = the first field)");
  EXPECT_EQ(error_of(""), "no error");  // no bars: validation says so, with the file's name
}

TEST(CsvReader, ReadsFromDiskAndNamesAMissingFile) {
  testing::TempDir dir;
  std::ofstream(dir / "bars.csv") << "timestamp,open,high,low,close,volume\n2020-01-01,1,2,0.5,1.5,10\n";
  const auto c = ReadCsvColumns(dir / "bars.csv", "timestamp", kOhlcv, {});
  EXPECT_EQ(c.rows(), 1);
  try {
    ReadCsvColumns(dir / "absent.csv", "timestamp", kOhlcv, {});
    FAIL() << "no error";
  } catch (const NotFoundError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "absent.csv").string() + ": cannot open: No such file or directory");
  }
  std::ofstream(dir / "empty.csv");
  EXPECT_THROW(ReadCsvColumns(dir / "empty.csv", "timestamp", kOhlcv, {}), DataError);
}

}  // namespace
}  // namespace barforge
