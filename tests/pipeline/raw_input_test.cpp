// Raw bars from other writers and from CSV build exactly the dataset that
// the same bars build from barforge's own raw file; every kind of bad input
// stops the run with one clear line, a non-zero exit and no output.

#include <gtest/gtest.h>

#include <fstream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"
#include "support/same_rows.h"

namespace barforge::testing {
namespace {

constexpr const char* kBuildFlags =
    "--quiet --set tickers=[AAA] --set source=files --set window=8 --set horizon=4 --set n_samples=1500 "
    "--set chunk_rows=600";

TEST(RawInput, EveryWriterAndCsvLayoutBuildsTheSameDataset) {
  TempDir dir;
  // Baseline: barforge's own raw file. Its build is checked value by value
  // against the independent reference in build_semantics_test.cpp.
  ASSERT_EQ(RunBarforge(dir.path(), "synth --quiet --set data_dir=base --set tickers=[AAA] --set synthetic.n_bars=3000")
                .exit_code,
            0);
  const CommandResult base = RunBarforge(dir.path(), std::string("build --set data_dir=base ") + kBuildFlags);
  ASSERT_EQ(base.exit_code, 0) << base.err;

  const CommandResult variants = RunCommand("node " + ShellQuote(std::string(BARFORGE_TOOLS_DIR) +
                                                                 "/write_bar_variants.mjs") +
                                            " " + ShellQuote((dir / "base/raw_AAA.parquet").string()) + " " +
                                            ShellQuote(dir.path().string()));
  ASSERT_EQ(variants.exit_code, 0) << variants.err;
  std::istringstream lines(variants.out);
  std::string line;
  int built = 0;
  while (std::getline(lines, line)) {
    const auto variant = nlohmann::json::parse(line);
    const std::filesystem::path file = variant["file"].get<std::string>();
    const std::string name = file.stem().string();
    const auto folder = dir / name;
    std::filesystem::create_directories(folder);
    std::filesystem::copy_file(file, folder / ("raw_AAA" + file.extension().string()));
    std::string args = "build --set data_dir=" + ShellQuote(folder.string()) + " --set raw_data_filename=raw_{ticker}" +
                       file.extension().string() + " " + kBuildFlags;
    for (const auto& [key, value] : variant["set"].items()) {
      args += " --set " + ShellQuote(key + "=" + value.get<std::string>());
    }
    const CommandResult build = RunBarforge(dir.path(), args);
    ASSERT_EQ(build.exit_code, 0) << name << ": " << build.err;
    ExpectSameRows(dir / "base/samples_1500.parquet", folder / "samples_1500.parquet", name);
    ++built;
  }
  EXPECT_EQ(built, 8);
}

// A small valid CSV; `mutate` edits data row `row` (0-based) before writing.
std::string BarsCsv(int rows, int bad_row = -1, int field = 0, const std::string& value = "") {
  std::ostringstream out;
  out << "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < rows; ++i) {
    std::vector<std::string> fields = {
        "2024-01-01T00:" + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) + ":" +
            (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + "Z",
        std::to_string(100 + i), std::to_string(101 + i), std::to_string(99 + i), std::to_string(100.5 + i), "1000"};
    if (i == bad_row) fields[static_cast<size_t>(field)] = value;
    for (size_t f = 0; f < fields.size(); ++f) out << (f ? "," : "") << fields[f];
    out << "\n";
  }
  return out.str();
}

struct BadInput {
  std::string name;
  std::string csv;
  std::string message;  ///< expected in the error line after the file name
};

// Names the case in test listings (GoogleTest would print its bytes).
void PrintTo(const BadInput& c, std::ostream* out) { *out << c.name; }

class RawInputErrors : public ::testing::TestWithParam<BadInput> {};

TEST_P(RawInputErrors, OneClearLineNonZeroExitNoOutput) {
  const BadInput& bad = GetParam();
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  std::ofstream(dir / "data/raw_AAA.csv") << bad.csv;
  const CommandResult result =
      RunBarforge(dir.path(), std::string("build --set data_dir=data --set raw_data_filename=raw_{ticker}.csv ") +
                                  kBuildFlags);
  EXPECT_EQ(result.exit_code, 1) << bad.name;
  EXPECT_NE(result.err.find("raw_AAA.csv"), std::string::npos) << bad.name << ": " << result.err;
  EXPECT_NE(result.err.find(bad.message), std::string::npos) << bad.name << ": " << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "data/samples_1500.parquet")) << bad.name;
}

// Data row 10 is spreadsheet row 12 (the header is row 1).
INSTANTIATE_TEST_SUITE_P(
    EveryCase, RawInputErrors,
    ::testing::Values(BadInput{"NaN", BarsCsv(60, 10, 1, "NaN"), "row 12, column open: value null"},
                      BadInput{"ZeroPrice", BarsCsv(60, 10, 4, "0"), "row 12, column close: value 0: price must be > 0"},
                      BadInput{"NegativePrice", BarsCsv(60, 10, 1, "-3"), "row 12, column open: value -3"},
                      BadInput{"NegativeVolume", BarsCsv(60, 10, 5, "-1"), "row 12, column volume: value -1"},
                      BadInput{"HighBelowClose", BarsCsv(60, 10, 2, "100.25"), "row 12, column high: value 100.25"},
                      BadInput{"LowAboveOpen", BarsCsv(60, 10, 3, "110.5"), "row 12, column low: value 110.5"},
                      BadInput{"DuplicateTimestamp", BarsCsv(60, 10, 0, "2024-01-01T00:00:09Z"),
                               "row 12, column timestamp"},
                      BadInput{"UnsortedTimestamp", BarsCsv(60, 10, 0, "2023-12-31T00:00:00Z"),
                               "row 12, column timestamp"},
                      BadInput{"NullField", BarsCsv(60, 10, 5, ""), "row 12, column volume: value null"},
                      BadInput{"MissingColumn", "timestamp,open,high,low,close\n2024-01-01,1,1,1,1\n",
                               "missing column 'volume'"},
                      BadInput{"EmptyFile", "", "empty file"},
                      BadInput{"UnparseableNumber", BarsCsv(60, 10, 4, "1,5"), "row 12"},
                      BadInput{"UnparseableNumberText", BarsCsv(60, 10, 4, "abc"),
                               "row 12, column 'close': cannot parse 'abc' as a number"},
                      BadInput{"UnparseableDate", BarsCsv(60, 10, 0, "2024-02-30"),
                               "row 12, column 'timestamp': cannot parse '2024-02-30' as a timestamp"},
                      BadInput{"TooShort", BarsCsv(11), "too short for one window"}),
    [](const ::testing::TestParamInfo<BadInput>& param_info) { return param_info.param.name; });

TEST(RawInput, DropRemovesAndCountsBadBarsAndTheRestBuilds) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  std::string csv = BarsCsv(80, 10, 1, "-3");
  // Two more bad rows: 20 (negative volume) and 30 (null close).
  std::istringstream in(csv);
  std::ostringstream out;
  std::string line;
  for (int n = 0; std::getline(in, line); ++n) {
    if (n == 21) line = line.substr(0, line.rfind(',')) + ",-5";
    if (n == 31) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string part; std::getline(ss, part, ',');) f.push_back(part);
      f[4] = "";
      line = f[0] + "," + f[1] + "," + f[2] + "," + f[3] + ",," + f[5];
    }
    out << line << "\n";
  }
  std::ofstream(dir / "data/raw_AAA.csv") << out.str();
  const CommandResult result = RunBarforge(
      dir.path(), std::string("build --json --set on_bad_bar=drop --set data_dir=data --set raw_data_filename=raw_{ticker}.csv ") +
                      kBuildFlags + " --quiet");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = nlohmann::json::parse(result.out);
  EXPECT_EQ(summary["tickers"][0]["dropped_bars"], 3);
  EXPECT_EQ(summary["tickers"][0]["bars"], 77);
  // The kept bars are renumbered 0..76: bar 10 is the file's data row 11.
  const parquet::ParquetReader reader(dir / "data/samples_1500.parquet");
  const auto bar_index = reader.ReadColumn("bar_index");
  for (int64_t e : bar_index.int64s) EXPECT_LE(e, 77 - 1 - 4);
}

TEST(RawInput, BrokenParquetFilesNameTheFile) {
  TempDir dir;
  ASSERT_EQ(RunBarforge(dir.path(), "synth --quiet --set data_dir=data --set tickers=[AAA] --set synthetic.n_bars=500")
                .exit_code,
            0);
  const std::string good = ReadFile(dir / "data/raw_AAA.parquet");
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"truncated", good.substr(0, good.size() / 2)},
           {"garbage", std::string(5000, 'x')},
           {"empty", std::string()}}) {
    std::ofstream(dir / "data/raw_AAA.parquet", std::ios::binary | std::ios::trunc) << bytes;
    const CommandResult result = RunBarforge(dir.path(), std::string("build --set data_dir=data ") + kBuildFlags);
    EXPECT_EQ(result.exit_code, 1) << name;
    EXPECT_NE(result.err.find("raw_AAA.parquet"), std::string::npos) << name << ": " << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "data/samples_1500.parquet")) << name;
  }
}

TEST(RawInput, NullAndNanInParquetColumnsAreBadBars) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data");
  const auto file = dir / "data/raw_AAA.parquet";
  // DuckDB writes a bar series with a NULL close at row 30 and a NaN open at row 40.
  const std::string sql =
      "COPY (SELECT TIMESTAMP '2024-01-01' + INTERVAL (i) MINUTE AS timestamp, CASE WHEN i = 39 THEN 'nan'::DOUBLE "
      "ELSE (100 + i)::DOUBLE END AS open, (102 + i)::DOUBLE AS high, (99 + i)::DOUBLE AS low, CASE WHEN i = 29 THEN "
      "NULL ELSE (100.5 + i)::DOUBLE END AS close, 10::DOUBLE AS volume FROM range(100) t(i)) TO '" + file.string() + "' (FORMAT parquet)";
  const std::string script = "import { DuckDBInstance } from '@duckdb/node-api';"
                             "const c = await (await DuckDBInstance.create(':memory:')).connect();"
                             "await c.run(process.argv[2]);";
  std::ofstream(std::filesystem::path(BARFORGE_TOOLS_DIR) / ".raw_input_test.mjs") << script;
  const CommandResult made = RunCommand("node " + ShellQuote(std::string(BARFORGE_TOOLS_DIR) + "/.raw_input_test.mjs") +
                                        " " + ShellQuote(sql));
  std::filesystem::remove(std::filesystem::path(BARFORGE_TOOLS_DIR) / ".raw_input_test.mjs");
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const CommandResult error = RunBarforge(dir.path(), std::string("build --set data_dir=data ") + kBuildFlags);
  EXPECT_EQ(error.exit_code, 1);
  EXPECT_NE(error.err.find("row 30, column close: value null"), std::string::npos) << error.err;
  const CommandResult dropped =
      RunBarforge(dir.path(), std::string("build --json --set on_bad_bar=drop --set data_dir=data ") + kBuildFlags);
  ASSERT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(nlohmann::json::parse(dropped.out)["tickers"][0]["dropped_bars"], 2);
}

}  // namespace
}  // namespace barforge::testing
