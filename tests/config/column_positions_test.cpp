// csv_header: false makes `columns` field positions: the usual places by
// default, digits otherwise, anything else refused naming the key.

#include "config/column_positions.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "barforge/config.h"
#include "barforge/error.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

std::string ErrorOf(const std::vector<std::string>& overrides) {
  try {
    LoadConfig({}, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ColumnPositions, DefaultNamesTakeTheirUsualPlaces) {
  EXPECT_EQ(CsvColumnPositions(ColumnNames{}), (std::array<size_t, 6>{0, 1, 2, 3, 4, 5}));
  ColumnNames moved;
  moved.timestamp = "6";
  moved.close = "0";
  EXPECT_EQ(CsvColumnPositions(moved), (std::array<size_t, 6>{6, 1, 2, 3, 0, 5}));
}

TEST(ColumnPositions, ConfigRefusesWhatIsNotAPosition) {
  const std::vector<std::string> files = {"source=files", "raw_data_filename={ticker}.csv", "csv_header=false"};
  auto with = [&](const std::string& extra) {
    std::vector<std::string> all = files;
    all.push_back(extra);
    return all;
  };
  EXPECT_EQ(ErrorOf(with("columns.close=7")), "no error");
  EXPECT_EQ(ErrorOf(with("columns.open=Open")),
            "override 'columns.open=Open': key 'columns.open': with csv_header: false, columns are field positions (0 = "
            "the first field), got 'Open'");
  EXPECT_EQ(ErrorOf(with("columns.volume=-1")),
            "override 'columns.volume=-1': key 'columns.volume': with csv_header: false, columns are field positions (0 = "
            "the first field), got '-1'");
  // Column 4 is close's usual place.
  EXPECT_EQ(ErrorOf(with("columns.volume=4")),
            "override 'columns.volume=4': key 'columns.volume': field 4 is already columns.close");
  EXPECT_EQ(ErrorOf({"csv_header=false"}),
            "override 'csv_header=false': key 'csv_header': false describes CSV raw files, but source is synthetic (set "
            "source: files and a raw_data_filename ending in .csv)");
  EXPECT_EQ(ErrorOf({"csv_header=no"}), "override 'csv_header=no': key 'csv_header': must be one of true | false, got 'no'");
  // With a header (the default), columns are names, digits included.
  EXPECT_EQ(ErrorOf({"source=files", "columns.open=1"}), "no error");
}

}  // namespace
}  // namespace barforge
