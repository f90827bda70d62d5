// storage: bars with cross_section: true: the bars dataset of a
// cross-sectional config gives, row by row, the windows file of the same
// config as barforge's reader reads it, every column (present, bar_index,
// the M-slot float lists, the triple-barrier lists), bit for bit: with
// splits, max_gap, extra_horizons, triple_barrier and min_present: 2 over
// tickers that list, delist and halt (absent slots), in order and for
// shuffled and repeated ids; and validate / inspect read it.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "barforge/bars_dataset.h"
#include "barforge/dataset_reader.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

// 15-minute bars from slot `first` to `last` (exclusive) of one day,
// without the slots in `halt`.
void WriteCsv(const std::filesystem::path& path, int first, int last, const std::vector<int>& halt, uint64_t seed) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::fprintf(f, "timestamp,open,high,low,close,volume\n");
  uint64_t state = seed;
  double price = 50 + static_cast<double>(seed % 7);
  for (int slot = first; slot < last; ++slot) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    if (std::find(halt.begin(), halt.end(), slot) != halt.end()) continue;
    const double u = static_cast<double>(state >> 11) / 9007199254740992.0;
    const double open = price;
    price *= std::exp((u - 0.5) * 0.02);
    std::fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", static_cast<long long>(1704096000LL + slot * 900), open,
                 std::max(open, price) * (1 + 0.003 * u), std::min(open, price) * (1 - 0.002 * u), price,
                 1000 + static_cast<double>(state >> 54));
  }
  std::fclose(f);
}

// AAA all day, BBB lists at slot 20, CCC delists at 60 and halts at 30-31
// (a gap above max_gap), DDD lists at 10 and delists at 80.
constexpr const char* kConfig = R"(data_dir: data
source: files
raw_data_filename: "{ticker}.csv"
tickers: [AAA, BBB, CCC, DDD]
window: 6
horizon: 3
seed: 5
n_samples: 700
chunk_rows: 256
max_gap: 15m
extra_horizons: [2]
triple_barrier: {profit: 1.0, stop: 1.0}
cross_section: true
min_present: 2
)";

constexpr const char* kSplits = R"(splits:
  - {name: train, end: 0.6}
  - {name: test, n_samples: all}
)";

// Every row of a windows file, column by column.
std::vector<DatasetColumnData> ReadAll(const DatasetReader& reader) {
  std::vector<DatasetColumnData> all;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    std::vector<DatasetColumnData> group = reader.ReadRowGroup(g, {});
    if (all.empty()) {
      all = std::move(group);
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
      a.bools.insert(a.bools.end(), b.bools.begin(), b.bools.end());
    }
  }
  return all;
}

template <class T>
std::string Bytes(const std::vector<T>& values, int64_t row, int64_t width) {
  const auto at = static_cast<size_t>(row * width);
  if (values.size() < at + static_cast<size_t>(width)) return "(missing)";
  return std::string(reinterpret_cast<const char*>(values.data() + at), static_cast<size_t>(width) * sizeof(T));
}

// Row `row` of column `c` as bytes, whatever its type.
std::string RowBytes(const DatasetColumnData& c, int64_t row) {
  switch (c.kind) {
    case parquet::ColumnType::kInt64:
    case parquet::ColumnType::kInt64List:
    case parquet::ColumnType::kTimestamp: return Bytes(c.int64s, row, c.width);
    case parquet::ColumnType::kInt8:
    case parquet::ColumnType::kInt8List: return Bytes(c.int8s, row, c.width);
    case parquet::ColumnType::kInt16:
    case parquet::ColumnType::kInt16List: return Bytes(c.int16s, row, c.width);
    case parquet::ColumnType::kFloat:
    case parquet::ColumnType::kFloatList: return Bytes(c.floats, row, c.width);
    case parquet::ColumnType::kBool:
    case parquet::ColumnType::kBoolList: return Bytes(c.bools, row, c.width);
    case parquet::ColumnType::kInt32:
    case parquet::ColumnType::kDouble:
    case parquet::ColumnType::kString: break;
  }
  return "(unexpected type)";
}

// `bars` rows (sample ids `ids`, in that order) equal `windows` rows `ids`.
void ExpectSameRows(const std::vector<DatasetColumnData>& windows, const std::vector<DatasetColumnData>& bars,
                    const std::vector<int64_t>& ids, const std::string& what) {
  ASSERT_EQ(windows.size(), bars.size()) << what;
  for (size_t c = 0; c < windows.size(); ++c) {
    ASSERT_EQ(bars[c].name, windows[c].name) << what;
    ASSERT_EQ(bars[c].kind, windows[c].kind) << what << ": " << windows[c].name;
    ASSERT_EQ(bars[c].width, windows[c].width) << what << ": " << windows[c].name;
    ASSERT_EQ(bars[c].shape, windows[c].shape) << what << ": " << windows[c].name;
    ASSERT_EQ(bars[c].rows, std::ssize(ids)) << what << ": " << windows[c].name;
    int64_t differing = 0;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (RowBytes(bars[c], static_cast<int64_t>(i)) != RowBytes(windows[c], ids[i])) ++differing;
    }
    EXPECT_EQ(differing, 0) << what << ": column " << windows[c].name << " differs in " << differing << " rows";
  }
}

class CrossSectionBarsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_ / "data");
    WriteCsv(dir_ / "data/AAA.csv", 0, 96, {}, 1);
    WriteCsv(dir_ / "data/BBB.csv", 20, 96, {}, 2);
    WriteCsv(dir_ / "data/CCC.csv", 0, 60, {30, 31}, 3);
    WriteCsv(dir_ / "data/DDD.csv", 10, 80, {}, 4);
  }

  void Build(const std::string& config, const std::string& set) {
    WriteConfig(dir_.path(), config);
    const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --quiet " + set);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // The windows file and the bars dataset hold the same rows, in order and
  // for a shuffled half of the ids with repeats; returns the absent slots.
  int64_t ExpectSameDataset(const std::filesystem::path& windows_file, const std::filesystem::path& bars_file,
                            const std::string& what) {
    const DatasetReader windows(windows_file);
    const BarsDataset bars(bars_file);
    EXPECT_EQ(bars.num_rows(), windows.num_rows()) << what;
    EXPECT_GT(bars.num_rows(), 0) << what;
    EXPECT_EQ(bars.columns().size(), windows.columns().size()) << what;
    for (size_t c = 0; c < std::min(bars.columns().size(), windows.columns().size()); ++c) {
      EXPECT_EQ(bars.columns()[c].name, windows.columns()[c].name) << what;
      EXPECT_EQ(bars.columns()[c].kind, windows.columns()[c].kind) << what;
      EXPECT_EQ(bars.columns()[c].shape, windows.columns()[c].shape) << what;
    }
    const std::vector<DatasetColumnData> all = ReadAll(windows);
    std::vector<int64_t> ids(static_cast<size_t>(bars.num_rows()));
    std::iota(ids.begin(), ids.end(), int64_t{0});
    const std::vector<DatasetColumnData> in_order = bars.ReadRows(0, bars.num_rows(), {});
    ExpectSameRows(all, in_order, ids, what + ", rows in order");
    std::shuffle(ids.begin(), ids.end(), std::mt19937_64(9));
    ids.resize(ids.size() / 2);
    ids.push_back(ids.front());  // repeats
    ids.push_back(ids[1]);
    ExpectSameRows(all, bars.ReadSamples(ids, {}), ids, what + ", shuffled and repeated ids");
    int64_t absent = 0;
    for (const DatasetColumnData& c : in_order) {
      if (c.name == "present") absent = std::count(c.bools.begin(), c.bools.end(), uint8_t{0});
    }
    return absent;
  }

  TempDir dir_;
};

TEST_F(CrossSectionBarsTest, TheBarsDatasetIsTheWindowsFileRowByRowWithAbsentSlots) {
  Build(kConfig, "--set storage=bars");
  Build(kConfig, "");
  const std::filesystem::path bars_file = dir_ / "data/samples_700.bars.parquet";
  ASSERT_TRUE(std::filesystem::exists(bars_file));
  const int64_t absent = ExpectSameDataset(dir_ / "data/samples_700.parquet", bars_file, "no splits");
  EXPECT_GT(absent, 0) << "the data must give absent slots";

  const BarsDataset bars(bars_file);
  ASSERT_EQ(bars.columns().size(), 13u);
  EXPECT_EQ(bars.columns()[2].name, "present");
  EXPECT_EQ(bars.columns()[4].shape, (std::vector<int64_t>{4, 6, 4}));
  EXPECT_EQ(bars.config().min_present, 2);
  // Every row has at least min_present tickers present.
  const DatasetColumnData present = bars.ReadRows(0, bars.num_rows(), {"present"})[0];
  for (int64_t r = 0; r < present.rows; ++r) {
    const auto row = present.bools.begin() + r * 4;
    EXPECT_GE(std::count(row, row + 4, uint8_t{1}), 2) << "row " << r;
  }
  // A slice of two columns in the order asked.
  const std::vector<DatasetColumnData> slice = bars.ReadRows(3, 40, {"bar_index", "sample_id"});
  ASSERT_EQ(slice.size(), 2u);
  EXPECT_EQ(slice[0].width, 4);
  EXPECT_EQ(slice[0].int64s.size(), 37u * 4);
  EXPECT_EQ(slice[1].int64s.front(), 3);
  EXPECT_EQ(slice[1].int64s.back(), 39);
}

TEST_F(CrossSectionBarsTest, WithSplitsEverySplitIsItsWindowsFile) {
  const std::string config = std::string(kConfig) + kSplits;
  Build(config, "");
  Build(config, "--set storage=bars");
  int checked = 0;
  for (const std::string split : {"train", "test"}) {
    std::filesystem::path windows_file, bars_file;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "data")) {
      const std::string name = entry.path().filename().string();
      if (name.find("_" + split) == std::string::npos || entry.path().extension() != ".parquet") continue;
      (name.find(".bars.") != std::string::npos ? bars_file : windows_file) = entry.path();
    }
    ASSERT_FALSE(windows_file.empty()) << split;
    ASSERT_FALSE(bars_file.empty()) << split;
    ExpectSameDataset(windows_file, bars_file, "split " + split);
    EXPECT_EQ(BarsDataset(bars_file).split(), split);
    ++checked;
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(CrossSectionBarsTest, ValidateAndInspectReadIt) {
  Build(kConfig, "--set storage=bars");
  const CommandResult validate = RunBarforge(dir_.path(), "validate data/samples_700.bars.parquet --json");
  ASSERT_EQ(validate.exit_code, 0) << validate.err << validate.out;
  const nlohmann::json report = nlohmann::json::parse(validate.out);
  EXPECT_EQ(report["storage"], "bars");
  EXPECT_EQ(report["rows"], 700);
  // Per row, M = 4 slots of ohlc 4W + volume W + meta 6 + rewards 3 +
  // fwd_return + fwd_return_2 + tb_return.
  EXPECT_EQ(report["float_values"], 700 * 4 * (4 * 6 + 6 + 6 + 3 + 1 + 1 + 1));
  const CommandResult inspect = RunBarforge(dir_.path(), "inspect data/samples_700.bars.parquet");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_NE(inspect.out.find("storage:     bars: 700 rows of 13 columns computed when read"), std::string::npos)
      << inspect.out;
}

}  // namespace
}  // namespace barforge::testing
