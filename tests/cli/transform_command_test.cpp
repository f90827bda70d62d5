// `barforge transform`: the features it prints (--json) and writes (--all)
// are the float32 bits of the rows `barforge build` wrote, from the raw
// file alone; every refusal is one line naming the file and the reason.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "barforge/parquet_reader.h"
#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

struct Rows {
  std::vector<std::string> ticker;
  std::vector<int64_t> bar_index, timestamp;
  std::vector<float> ohlc, volume, meta;
};

Rows ReadRows(const std::filesystem::path& path, bool dataset) {
  const parquet::ParquetReader reader(path);
  Rows rows;
  if (dataset) {
    const parquet::ColumnBuffer tickers = reader.ReadColumn("ticker");
    for (size_t i = 0; i < tickers.size(); ++i) rows.ticker.emplace_back(tickers.string(i));
  }
  rows.bar_index = reader.ReadColumn("bar_index").int64s;
  rows.timestamp = reader.ReadColumn("timestamp").int64s;
  rows.ohlc = reader.ReadColumn("ohlc").floats;
  rows.volume = reader.ReadColumn("volume").floats;
  rows.meta = reader.ReadColumn("meta").floats;
  return rows;
}

bool SameBits(const float* a, const float* b, size_t n) { return std::memcmp(a, b, n * sizeof(float)) == 0; }

nlohmann::json ScalerOf(const std::filesystem::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

int PositionOf(const Rows& rows, size_t row, const nlohmann::json& scaler) {
  return static_cast<int>(std::lround(rows.meta[row * 6 + 5] * scaler["std"][5].get<double>() +
                                      scaler["mean"][5].get<double>()));
}

// Builds with `config_args`, then checks every dataset row of `ticker`
// against `transform --all` (once per position) of its raw file, and the
// first rows against `transform --end ... --json`.
void ExpectCliParity(const std::filesystem::path& dir, const std::string& config_args,
                     const std::filesystem::path& raw, const std::string& ticker, const std::string& samples,
                     int window, size_t min_rows) {
  const CommandResult build = RunBarforge(dir, "build " + config_args + " --quiet");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const Rows rows = ReadRows(dir / samples, true);
  const nlohmann::json scaler = ScalerOf(dir / "data/meta_scaler.json");
  const auto w = static_cast<size_t>(window);
  std::vector<Rows> all;
  for (const int position : {-1, 0, 1}) {
    const std::string out = "all_" + std::to_string(position + 1) + ".parquet";
    const CommandResult result =
        RunBarforge(dir, "transform --scaler " + samples + " --bars " + raw.string() + " " + config_args +
                             " --all --out " + out + " --position " + std::to_string(position) + " --json");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto summary = nlohmann::json::parse(result.out);
    EXPECT_EQ(summary["first_end_bar"], window - 1);
    all.push_back(ReadRows(dir / out, false));
  }
  size_t checked = 0;
  int json_checks = 0;
  for (size_t r = 0; r < rows.bar_index.size(); ++r) {
    if (rows.ticker[r] != ticker) continue;
    const int position = PositionOf(rows, r, scaler);
    const Rows& features = all[static_cast<size_t>(position + 1)];
    const auto a = static_cast<size_t>(rows.bar_index[r] - (window - 1));
    ASSERT_LT(a, features.bar_index.size());
    ASSERT_EQ(features.bar_index[a], rows.bar_index[r]);
    ASSERT_EQ(features.timestamp[a], rows.timestamp[r]);
    ASSERT_TRUE(SameBits(&features.ohlc[a * 4 * w], &rows.ohlc[r * 4 * w], 4 * w)) << "row " << r;
    ASSERT_TRUE(SameBits(&features.volume[a * w], &rows.volume[r * w], w)) << "row " << r;
    ASSERT_TRUE(SameBits(&features.meta[a * 6], &rows.meta[r * 6], 6)) << "row " << r;
    ++checked;
    if (json_checks < 3) {
      // One window, chosen by its timestamp as epoch ns, printed as JSON.
      ++json_checks;
      const CommandResult result = RunBarforge(
          dir, "transform --scaler data/meta_scaler.json --bars " + raw.string() + " " + config_args + " --end " +
                   std::to_string(rows.timestamp[r]) + " --position " + std::to_string(position) + " --json");
      ASSERT_EQ(result.exit_code, 0) << result.err;
      const auto json = nlohmann::json::parse(result.out);
      EXPECT_EQ(json["end_bar"], rows.bar_index[r]);
      for (size_t j = 0; j < w; ++j) {
        for (size_t f = 0; f < 4; ++f) {
          const auto value = static_cast<float>(json["ohlc"][j][f].get<double>());
          EXPECT_TRUE(SameBits(&value, &rows.ohlc[r * 4 * w + 4 * j + f], 1)) << r << " " << j << " " << f;
        }
        const auto value = static_cast<float>(json["volume"][j].get<double>());
        EXPECT_TRUE(SameBits(&value, &rows.volume[r * w + j], 1)) << r << " " << j;
      }
      for (size_t f = 0; f < 6; ++f) {
        const auto value = static_cast<float>(json["meta"][f].get<double>());
        EXPECT_TRUE(SameBits(&value, &rows.meta[r * 6 + f], 1)) << r << " " << f;
      }
    }
  }
  EXPECT_GE(checked, min_rows);
  EXPECT_EQ(json_checks, 3);
}

TEST(TransformCommand, SyntheticRowsDefaultWindow) {
  const TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [A]\nsynthetic: {n_bars: 2500}\nn_samples: 2200\n"
                          "chunk_rows: 1000\n");
  ExpectCliParity(dir.path(), "--config config.yaml", "data/raw_A.parquet", "A", "data/samples_2200.parquet", 64,
                  2000);
}

TEST(TransformCommand, YahooCsvRowsWindow32) {
  // A third-party CSV with Yahoo's column names and a row of nulls the
  // config drops: the transform reads it as the build did.
  const TempDir dir;
  const std::filesystem::path example = std::filesystem::path(BARFORGE_SOURCE_DIR) / "examples/yahoo";
  std::filesystem::create_directories(dir / "data");
  std::filesystem::copy_file(example / "ACME.csv", dir / "data/ACME.csv");
  std::ifstream in(example / "config.yaml");
  std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  yaml.replace(yaml.find("data_dir: examples/yahoo"), 24, "data_dir: data");
  // A key set twice in one file is an error: replace the example's count.
  yaml.replace(yaml.find("n_samples: 20000"), 16, "n_samples: 2000");
  WriteConfig(dir.path(), yaml, "yahoo.yaml");
  ExpectCliParity(dir.path(), "--config yahoo.yaml", "data/ACME.csv", "ACME", "data/samples_2K.parquet", 32, 2000);
}

class TransformErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteConfig(dir_.path(), "data_dir: data\ntickers: [A]\nsynthetic: {n_bars: 300}\nwindow: 16\nhorizon: 4\n"
                             "n_samples: 100\n");
    const CommandResult build = RunBarforge(dir_.path(), "build --config config.yaml --quiet");
    ASSERT_EQ(build.exit_code, 0) << build.err;
  }

  void ExpectFails(const std::string& args, const std::string& message) {
    const CommandResult result = RunBarforge(dir_.path(), "transform " + args);
    EXPECT_EQ(result.exit_code, 1) << args << "\n" << result.err;
    EXPECT_EQ(result.err, "barforge: error: " + message + "\n") << args;
    EXPECT_TRUE(result.out.empty()) << result.out;
  }

  void WriteCsv(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  TempDir dir_;
};

TEST_F(TransformErrors, TooFewBars) {
  std::string csv = "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < 10; ++i) csv += "2021-01-01T00:0" + std::to_string(i) + ":00Z,10,11,9,10.5,100\n";
  WriteCsv("short.csv", csv);
  ExpectFails("--scaler data/meta_scaler.json --bars short.csv", "short.csv: 10 bars, fewer than the window of 16 bars");
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --end 2020-01-01T00:14:00Z",
              "data/raw_A.parquet: the window ending at bar 14 would need 16 bars, only 15 are up to it");
  ExpectFails("--scaler data/meta_scaler.json --bars short.csv --all --out o.parquet",
              "short.csv: 10 bars, fewer than the window of 16 bars");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "o.parquet"));
}

TEST_F(TransformErrors, ScalerOfAnotherWindowOrNoScaler) {
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --set window=32",
              "data/meta_scaler.json: the scaler was fitted with window 16, not 32");
  ExpectFails("--scaler data/samples_100.parquet --bars data/raw_A.parquet --set window=8",
              "data/samples_100.parquet: the scaler was fitted with window 16, not 8");
  ExpectFails("--scaler data/raw_A.parquet --bars data/raw_A.parquet",
              "data/raw_A.parquet: the file's footer has no barforge.scaler entry (not a dataset written by "
              "barforge build)");
  ExpectFails("--scaler nothing.json --bars data/raw_A.parquet", "nothing.json: cannot open file: No such file or directory");
  // A config that does not set a window binds nothing.
  const CommandResult result = RunBarforge(
      dir_.path(), "transform --scaler data/meta_scaler.json --bars data/raw_A.parquet --set on_bad_bar=drop");
  EXPECT_EQ(result.exit_code, 0) << result.err;
}

TEST_F(TransformErrors, InvalidBarsAsTheRawLoaderSays) {
  std::string csv = "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < 20; ++i) {
    csv += "2021-01-01T00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + ":00Z,10,11,9," +
           (i == 17 ? "-3" : "10.5") + ",100\n";
  }
  WriteCsv("data/bad.csv", csv);
  const CommandResult build_like = RunBarforge(dir_.path(), "build --config config.yaml --quiet --overwrite "
                                                             "--set source=files --set 'raw_data_filename={ticker}.csv' "
                                                             "--set 'tickers=[bad]'");
  ASSERT_EQ(build_like.exit_code, 1);
  EXPECT_EQ(build_like.err, "barforge: error: data/bad.csv: row 19, column close: value -3: price must be > 0\n");
  // The raw loader's message, word for word.
  ExpectFails("--scaler data/meta_scaler.json --bars data/bad.csv",
              build_like.err.substr(std::string("barforge: error: ").size(),
                                    build_like.err.size() - std::string("barforge: error: ").size() - 1));
  ExpectFails("--scaler data/meta_scaler.json --bars missing.csv", "missing.csv: bars file not found");
}

TEST_F(TransformErrors, EndThatIsNotABar) {
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --end 2020-01-01T00:10:30Z",
              "data/raw_A.parquet: no bar has timestamp 2020-01-01T00:10:30Z (1577837430000000000 ns)");
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --end 1577837430000000001",
              "data/raw_A.parquet: no bar has timestamp 2020-01-01T00:10:30.000000001Z (1577837430000000001 ns)");
  ExpectFails("--scaler data/meta_scaler.json --bars data/raw_A.parquet --end yesterday",
              "--end 'yesterday': expected an ISO-8601 timestamp (2020-01-02T03:04:05Z) or epoch nanoseconds");
  // The same instant written with an offset is a bar.
  const CommandResult result = RunBarforge(
      dir_.path(), "transform --scaler data/meta_scaler.json --bars data/raw_A.parquet --end 2020-01-01T01:20:00+01:00 --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(nlohmann::json::parse(result.out)["end_bar"], 20);
}

// A killed `transform --all` leaves its temporary; the next one into that
// folder removes it (and only names of barforge's exact pattern).
TEST(TransformCommand, AllRemovesTheTemporariesOfKilledRuns) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA]\nsynthetic: {n_bars: 400}\nwindow: 8\nhorizon: 4\n"
                          "n_samples: 100\n");
  ASSERT_EQ(RunBarforge(dir.path(), "build --config config.yaml --quiet").exit_code, 0);
  std::filesystem::create_directories(dir / "out");
  const std::string leftover = "old_backtest.parquet.tmp-2147483646-0123456789abcdef";
  std::ofstream(dir / "out" / leftover) << "partial";
  std::ofstream(dir / "out/notes.tmp-old") << "the user's";
  const CommandResult result =
      RunBarforge(dir.path(), "transform --scaler data/meta_scaler.json --bars data/raw_AAA.parquet --config "
                              "config.yaml --all --out out/backtest.parquet --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / leftover));
  EXPECT_EQ(ReadFile(dir / "out/notes.tmp-old"), "the user's");
  EXPECT_TRUE(std::filesystem::exists(dir / "out/backtest.parquet"));
}

}  // namespace
}  // namespace barforge::testing
