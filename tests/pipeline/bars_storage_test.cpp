// storage: bars: the bars dataset of a config gives, row by row, the samples
// file of the same config (storage: windows) as barforge's reader reads it,
// every column, floats bit for bit: without splits, and with splits,
// max_gap, embargo, extra_horizons and triple_barrier over bars with holes;
// built bars first and windows first. And what it refuses.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/bars_dataset.h"
#include "barforge/config.h"
#include "barforge/dataset_reader.h"
#include "barforge/error.h"
#include "barforge/version.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

constexpr int64_t kNs = 1000000000LL;

// 15-minute bars 09:00-16:45 UTC on weekdays for three weeks; with holes, a
// missing day and a halt, which max_gap: 1h keeps out of every window.
void WriteCsv(const std::filesystem::path& path, bool with_holes, uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fprintf(f, "timestamp,open,high,low,close,volume\n");
  const int64_t monday = 1704067200LL;
  uint64_t state = seed;
  double price = 100;
  for (int day = 0; day < 19; ++day) {
    if (day % 7 >= 5 || (with_holes && day == 9)) continue;
    for (int slot = 0; slot < 32; ++slot) {
      if (with_holes && day == 3 && slot >= 8 && slot < 20) continue;
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
      const double open = price;
      price *= std::exp((u - 0.5) * 0.02);
      std::fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n",
                   static_cast<long long>(monday + day * 86400 + 9 * 3600 + slot * 900), open,
                   std::max(open, price) * (1 + 0.003 * u), std::min(open, price) * (1 - 0.002 * u), price,
                   1000 + static_cast<double>(state >> 54));
    }
  }
  std::fclose(f);
}

constexpr const char* kSplitConfig = R"(data_dir: data
source: files
raw_data_filename: "{ticker}.csv"
tickers: [AAA, BBB]
window: 8
horizon: 4
seed: 11
chunk_rows: 1500
n_samples: 5000
max_gap: 1h
embargo_bars: 3
extra_horizons: [1, 3]
triple_barrier: {profit: 1.5, stop: 0.75}
splits:
  - {name: train, end: 0.6}
  - {name: valid, end: 0.8, n_samples: 700}
  - {name: test, n_samples: all}
)";

// Every row of a samples file, column by column, through DatasetReader.
std::vector<DatasetColumnData> ReadAll(const DatasetReader& reader) {
  std::vector<DatasetColumnData> all;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    std::vector<DatasetColumnData> group = reader.ReadRowGroup(g, {});
    if (all.empty()) {
      all = std::move(group);
      for (DatasetColumnData& c : all) {
        // Strings as their values (each read has its own dictionary).
        for (const int32_t code : c.codes) c.dictionary.push_back(c.dictionary[static_cast<size_t>(code)]);
        c.dictionary.erase(c.dictionary.begin(), c.dictionary.end() - static_cast<std::ptrdiff_t>(c.codes.size()));
      }
      continue;
    }
    for (size_t c = 0; c < all.size(); ++c) {
      DatasetColumnData& a = all[c];
      const DatasetColumnData& b = group[c];
      a.rows += b.rows;
      a.int64s.insert(a.int64s.end(), b.int64s.begin(), b.int64s.end());
      a.int8s.insert(a.int8s.end(), b.int8s.begin(), b.int8s.end());
      a.int16s.insert(a.int16s.end(), b.int16s.begin(), b.int16s.end());
      a.floats.insert(a.floats.end(), b.floats.begin(), b.floats.end());
      for (const int32_t code : b.codes) a.dictionary.push_back(b.dictionary[static_cast<size_t>(code)]);
    }
  }
  return all;
}

// Row `row` of column `c` as bytes (strings as their text), for comparing bit for bit.
std::string RowBytes(const DatasetColumnData& c, int64_t row, bool strings_decoded) {
  const auto r = static_cast<size_t>(row);
  const auto width = static_cast<size_t>(c.width);
  switch (c.kind) {
    case parquet::ColumnType::kInt64:
    case parquet::ColumnType::kInt32:
    case parquet::ColumnType::kTimestamp:
      return std::string(reinterpret_cast<const char*>(&c.int64s[r]), sizeof(int64_t));
    case parquet::ColumnType::kInt8: return std::string(1, static_cast<char>(c.int8s[r]));
    case parquet::ColumnType::kInt16: return std::string(reinterpret_cast<const char*>(&c.int16s[r]), 2);
    case parquet::ColumnType::kFloat:
    case parquet::ColumnType::kFloatList:
      return std::string(reinterpret_cast<const char*>(&c.floats[r * width]), width * sizeof(float));
    case parquet::ColumnType::kString:
      return strings_decoded ? c.dictionary[r] : c.dictionary[static_cast<size_t>(c.codes[r])];
    case parquet::ColumnType::kDouble:
    case parquet::ColumnType::kBool:
    case parquet::ColumnType::kInt8List:
    case parquet::ColumnType::kInt16List:
    case parquet::ColumnType::kInt64List:
    case parquet::ColumnType::kBoolList: break;
  }
  return {};
}

// `bars` rows `ids` (in that order) equal `windows` rows `ids`, every column.
void ExpectSameRows(const std::vector<DatasetColumnData>& windows, const std::vector<DatasetColumnData>& bars,
                    const std::vector<int64_t>& ids, const std::string& what) {
  ASSERT_EQ(windows.size(), bars.size()) << what;
  for (size_t c = 0; c < windows.size(); ++c) {
    ASSERT_EQ(bars[c].name, windows[c].name) << what;
    ASSERT_EQ(bars[c].kind, windows[c].kind) << what << ": " << windows[c].name;
    ASSERT_EQ(bars[c].width, windows[c].width) << what << ": " << windows[c].name;
    ASSERT_EQ(bars[c].rows, static_cast<int64_t>(ids.size())) << what << ": " << windows[c].name;
    int64_t differing = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (RowBytes(bars[c], static_cast<int64_t>(i), false) != RowBytes(windows[c], ids[i], true)) ++differing;
    }
    EXPECT_EQ(differing, 0) << what << ": column " << windows[c].name << " differs in " << differing << " rows";
  }
}

// The windows file and the bars dataset of one config hold the same rows,
// read in order and in a shuffled order of sample ids.
void ExpectSameDataset(const std::filesystem::path& windows_file, const std::filesystem::path& bars_file,
                       const std::string& what) {
  const DatasetReader windows(windows_file);
  const BarsDataset bars(bars_file);
  ASSERT_EQ(bars.num_rows(), windows.num_rows()) << what;
  ASSERT_GT(bars.num_rows(), 0) << what;
  ASSERT_EQ(bars.columns().size(), windows.columns().size()) << what;
  const std::vector<DatasetColumnData> all = ReadAll(windows);
  std::vector<int64_t> ids(static_cast<size_t>(bars.num_rows()));
  std::iota(ids.begin(), ids.end(), int64_t{0});
  ExpectSameRows(all, bars.ReadRows(0, bars.num_rows(), {}), ids, what + ", rows in order");
  std::shuffle(ids.begin(), ids.end(), std::mt19937_64(5));
  ids.resize(ids.size() / 2);
  ids.push_back(ids.front());  // a repeat
  ExpectSameRows(all, bars.ReadSamples(ids, {}), ids, what + ", shuffled ids");
  // A slice of two columns, in the order asked.
  const std::vector<DatasetColumnData> slice = bars.ReadRows(3, 40, {"volume", "sample_id"});
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0].name, "volume");
  EXPECT_EQ(slice[1].int64s.front(), 3);
  EXPECT_EQ(slice[1].int64s.back(), 39);
}

class BarsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "data");
    WriteCsv(dir_ / "data/AAA.csv", false, 1);
    WriteCsv(dir_ / "data/BBB.csv", true, 2);
  }

  void Build(const std::string& config, const std::string& set) {
    WriteConfig(dir_.path(), config);
    const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --json " + set);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  TempDir dir_;
};

TEST_F(BarsStorageTest, WithoutSplitsTheBarsDatasetIsTheSamplesFileRowByRow) {
  // Bars first, then the samples file of the same config (materialized).
  const std::string config = std::string(kTwoTickerConfig) + "n_jobs: 2\nextra_horizons: [2]\n";
  Build(config, "--set storage=bars");
  ASSERT_TRUE(std::filesystem::exists(dir_ / "data/samples_300.bars.parquet"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data/samples_300.parquet"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data/meta_scaler.json"));
  const std::string scaler_of_bars = ReadFile(dir_ / "data/meta_scaler.bars.json");
  EXPECT_FALSE(scaler_of_bars.empty());
  // Beside it, without --overwrite: the samples file has its own scaler.
  Build(config, "--set storage=windows");
  // The scaler is fitted as for the samples file: the same bytes.
  EXPECT_EQ(ReadFile(dir_ / "data/meta_scaler.json"), scaler_of_bars);
  ExpectSameDataset(dir_ / "data/samples_300.parquet", dir_ / "data/samples_300.bars.parquet", "no splits");

  const BarsDataset bars(dir_ / "data/samples_300.bars.parquet");
  EXPECT_EQ(bars.bars_per_ticker(), (std::vector<int64_t>{500, 500}));
  EXPECT_EQ(bars.config().storage, Storage::kBars);
  EXPECT_EQ(bars.split(), "");
  // The samples file's footer has no storage key: a windows build keeps its bytes.
  const DatasetReader windows(dir_ / "data/samples_300.parquet");
  EXPECT_EQ(windows.Metadata("barforge.config").find("storage"), std::string::npos);
  EXPECT_NE(bars.Metadata("barforge.config").find("storage: bars"), std::string::npos);
  EXPECT_EQ(windows.Metadata("barforge.scaler"), bars.Metadata("barforge.scaler"));
}

TEST_F(BarsStorageTest, WithSplitsGapsEmbargoExtraHorizonsAndTripleBarrierEverySplitIsItsSamplesFile) {
  // The samples files first, then the bars datasets.
  Build(kSplitConfig, "");
  Build(kSplitConfig, "--set storage=bars");
  int checked = 0;
  for (const std::string split : {"train", "valid", "test"}) {
    std::filesystem::path windows_file, bars_file;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data")) {
      const std::string name = entry.path().filename().string();
      if (name.find("_" + split) == std::string::npos) continue;
      (name.find(".bars.") != std::string::npos ? bars_file : windows_file) = entry.path();
    }
    ASSERT_FALSE(windows_file.empty()) << split;
    ASSERT_FALSE(bars_file.empty()) << split;
    EXPECT_EQ(bars_file.filename().string(), windows_file.stem().string() + ".bars.parquet");
    ExpectSameDataset(windows_file, bars_file, "split " + split);
    EXPECT_EQ(BarsDataset(bars_file).split(), split);
    ++checked;
  }
  EXPECT_EQ(checked, 3);
}

TEST_F(BarsStorageTest, ValidateAndInspectReadABarsDataset) {
  Build(kTwoTickerConfig, "--set storage=bars");
  const CommandResult validate = RunBarforge(dir_.path(), "validate data/samples_300.bars.parquet --json");
  ASSERT_EQ(validate.exit_code, 0) << validate.err;
  const nlohmann::json report = nlohmann::json::parse(validate.out);
  EXPECT_EQ(report["storage"], "bars");
  EXPECT_EQ(report["rows"], 300);
  EXPECT_EQ(report["bars"], 1000);
  // ohlc 4W + volume W + meta 6 + rewards 3 + fwd_return, per row.
  EXPECT_EQ(report["float_values"], 300 * (4 * 8 + 8 + 6 + 3 + 1));
  const CommandResult inspect = RunBarforge(dir_.path(), "inspect data/samples_300.bars.parquet");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("storage:     bars: 300 rows of 9 columns computed when read from 1000 bars of 2 "
                                "tickers"),
            std::string::npos)
      << inspect.err;
}

TEST_F(BarsStorageTest, ATruncatedBarsDatasetOrOneOfAnotherVersionIsRefusedNamingTheFile) {
  Build(kTwoTickerConfig, "--set storage=bars");
  const std::filesystem::path file = dir_ / "data/samples_300.bars.parquet";
  const std::string bytes = ReadFile(file);

  const std::filesystem::path truncated = dir_ / "truncated.bars.parquet";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  EXPECT_THROW(BarsDataset{truncated}, Error);
  const CommandResult validate_truncated = RunBarforge(dir_.path(), "validate truncated.bars.parquet");
  EXPECT_NE(validate_truncated.exit_code, 0);
  EXPECT_NE(validate_truncated.err.find("truncated.bars.parquet"), std::string::npos) << validate_truncated.err;

  // The footer's version replaced by another of the same length.
  const std::string key = "barforge.version";
  const size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  const size_t value = bytes.find(kVersion, at + key.size());
  ASSERT_NE(value, std::string::npos);
  std::string other = bytes;
  std::string old_version(std::strlen(kVersion), '9');
  other.replace(value, old_version.size(), old_version);
  const std::filesystem::path other_file = dir_ / "other.bars.parquet";
  std::ofstream(other_file, std::ios::binary) << other;
  try {
    BarsDataset dataset(other_file);
    ADD_FAILURE() << "opened a bars dataset of another version";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(other_file.string() + ": a bars dataset of barforge " + old_version),
              std::string::npos)
        << e.what();
  }
  const CommandResult validate_other = RunBarforge(dir_.path(), "validate other.bars.parquet");
  EXPECT_NE(validate_other.exit_code, 0);
  EXPECT_NE(validate_other.err.find("other.bars.parquet: a bars dataset of barforge"), std::string::npos)
      << validate_other.err;

  // Each reader refuses the other storage, naming the file.
  try {
    DatasetReader reader(file);
    ADD_FAILURE() << "DatasetReader opened a bars dataset";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + ": a bars dataset (storage: bars)"), std::string::npos)
        << e.what();
  }
  Build(kTwoTickerConfig, "");
  EXPECT_FALSE(IsBarsDataset(dir_ / "data/samples_300.parquet"));
  EXPECT_TRUE(IsBarsDataset(file));
  EXPECT_THROW(BarsDataset{dir_ / "data/samples_300.parquet"}, DataError);
}

TEST_F(BarsStorageTest, ABuildInShardsOfABarsDatasetIsRefusedBeforeAnythingIsWritten) {
  WriteConfig(dir_.path(), std::string(kTwoTickerConfig) + "storage: bars\n");
  const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --shard 0/2");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("barforge: error: storage: bars: a bars dataset holds no rows to share out"),
            std::string::npos)
      << result.err;
  // Only the fixture's CSV files: no parts directory, no raw file, no scaler.
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data")) {
    EXPECT_EQ(entry.path().extension(), ".csv") << entry.path();
  }
}

TEST(BarsEpochTest, AShuffledEpochIsAPermutationOfEverySampleIdAndDependsOnTheSeed) {
  for (const int64_t n : {1, 2, 3, 7, 64, 1000, 4097}) {
    std::vector<int64_t> ids;
    for (int64_t p = 0; p < n; ++p) ids.push_back(BarsDataset::EpochSampleId(n, true, 9, p));
    std::vector<int64_t> sorted = ids;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> expected(static_cast<size_t>(n));
    std::iota(expected.begin(), expected.end(), int64_t{0});
    EXPECT_EQ(sorted, expected) << n;
    if (n >= 64) {
      int64_t fixed = 0, same_as_other_seed = 0;
      for (int64_t p = 0; p < n; ++p) {
        fixed += ids[static_cast<size_t>(p)] == p;
        same_as_other_seed += ids[static_cast<size_t>(p)] == BarsDataset::EpochSampleId(n, true, 10, p);
      }
      EXPECT_LT(fixed, n / 8) << n;
      EXPECT_LT(same_as_other_seed, n / 8) << n;
    }
    EXPECT_EQ(BarsDataset::EpochSampleId(n, false, 9, n - 1), n - 1);
  }
  EXPECT_THROW(BarsDataset::EpochSampleId(5, true, 1, 5), DataError);
}

}  // namespace
}  // namespace barforge::testing
