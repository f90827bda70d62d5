// A cross-sectional build end to end: three CSV tickers that list, delist
// and have a halt, built by the CLI; read back by barforge's DatasetReader,
// DuckDB and hyparquet (the same shapes and values), each present slot
// recomputed from the raw bars independently (FeatureTransform for ohlc,
// volume and meta; the closes for fwd_return and rewards), every absent
// slot zero, the same bytes with 1 and 2 threads, and validate / inspect.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "barforge/dataset_layout.h"
#include "barforge/dataset_reader.h"
#include "barforge/parquet_writer.h"
#include "barforge/feature_transform.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

constexpr int kW = 6;
constexpr int kH = 3;
constexpr int64_t kNs = 1000000000LL;
constexpr double kFee = 5e-4;

struct CsvBars {
  std::vector<int64_t> t;
  std::vector<double> open, high, low, close, volume;
};

// 15-minute bars from slot `first` to `last` (exclusive) of one trading
// day, without the slots in `halt`.
CsvBars WriteCsv(const std::filesystem::path& path, int first, int last, std::vector<int> halt, uint64_t seed) {
  CsvBars bars;
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
    const int64_t seconds = 1704096000LL + slot * 900;
    const double high = std::max(open, price) * (1 + 0.003 * u), low = std::min(open, price) * (1 - 0.002 * u);
    const double volume = 1000 + static_cast<double>(state >> 54);
    std::fprintf(f, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", static_cast<long long>(seconds), open, high, low, price,
                 volume);
    bars.t.push_back(seconds * kNs);
    bars.open.push_back(open);
    bars.high.push_back(high);
    bars.low.push_back(low);
    bars.close.push_back(price);
    bars.volume.push_back(volume);
  }
  std::fclose(f);
  // Read back as the build reads it: %.17g is exact.
  return bars;
}

constexpr const char* kConfig = R"(data_dir: data
source: files
raw_data_filename: "{ticker}.csv"
tickers: [AAA, BBB, CCC]
window: 6
horizon: 3
seed: 5
n_samples: 700
chunk_rows: 256
max_gap: 15m
extra_horizons: [2]
triple_barrier: {profit: 1.0, stop: 1.0}
cross_section: true
)";

class CrossSectionBuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // AAA all day; BBB lists at slot 20; CCC delists at slot 60 and halts
    // at slots 30-31 (a gap above max_gap).
    bars_.push_back(WriteCsv(dir_ / "AAA.csv", 0, 96, {}, 1));
    bars_.push_back(WriteCsv(dir_ / "BBB.csv", 20, 96, {}, 2));
    bars_.push_back(WriteCsv(dir_ / "CCC.csv", 0, 60, {30, 31}, 3));
    std::filesystem::create_directory(dir_ / "data");
    for (const char* name : {"AAA.csv", "BBB.csv", "CCC.csv"}) {
      std::filesystem::rename(dir_ / name, dir_ / "data" / name);
    }
    WriteConfig(dir_.path(), kConfig);
  }

  CommandResult Build(const std::string& extra) {
    return RunBarforge(dir_.path(), "build --config config.yaml --quiet " + extra);
  }

  // Ticker m present at t: a bar at t whose window and horizon hold no gap
  // above 15 minutes and lie inside its bars.
  int64_t ExpectedEndBar(size_t m, int64_t t) const {
    const auto& ts = bars_[m].t;
    const auto at = std::lower_bound(ts.begin(), ts.end(), t);
    if (at == ts.end() || *at != t) return -1;
    const int64_t e = at - ts.begin();
    if (e < kW - 1 || e + kH >= std::ssize(ts)) return -1;
    for (int64_t b = e - kW + 2; b <= e + kH; ++b) {
      if (ts[static_cast<size_t>(b)] - ts[static_cast<size_t>(b - 1)] > 900 * kNs) return -1;
    }
    return e;
  }

  TempDir dir_;
  std::vector<CsvBars> bars_;
};

bool SameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

const DatasetColumnData& Column(const std::vector<DatasetColumnData>& columns, const std::string& name) {
  for (const DatasetColumnData& c : columns) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no column " + name);
}

TEST_F(CrossSectionBuildTest, EveryPresentSlotIsRecomputedFromTheRawBarsAndAbsentSlotsAreZero) {
  const CommandResult built = Build("--jobs 2");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const auto file = dir_ / "data/samples_700.parquet";
  const DatasetReader reader(file);
  EXPECT_EQ(reader.num_rows(), 700);
  EXPECT_EQ(reader.Metadata("barforge.tickers"), R"(["AAA","BBB","CCC"])");
  EXPECT_NE(reader.Metadata("barforge.config").find("\ncross_section: true"), std::string::npos);
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const DatasetColumnInfo& info : reader.columns()) shapes[info.name] = info.shape;
  EXPECT_EQ(shapes["present"], (std::vector<int64_t>{3}));
  EXPECT_EQ(shapes["ohlc"], (std::vector<int64_t>{3, kW, 4}));
  EXPECT_EQ(shapes["volume"], (std::vector<int64_t>{3, kW}));
  EXPECT_EQ(shapes["meta"], (std::vector<int64_t>{3, 6}));
  EXPECT_EQ(shapes["rewards"], (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(shapes["tb_label"], (std::vector<int64_t>{3}));
  EXPECT_EQ(shapes.count("ticker"), 0u);

  const FeatureTransform transform = FeatureTransform::FromFile(dir_ / "data/meta_scaler.json", kW);
  int64_t present = 0, absent = 0;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    const auto columns = reader.ReadRowGroup(g, {});
    const auto& ts = Column(columns, "timestamp").int64s;
    const auto& p = Column(columns, "present").bools;
    const auto& bar = Column(columns, "bar_index").int64s;
    const auto& ohlc = Column(columns, "ohlc").floats;
    const auto& volume = Column(columns, "volume").floats;
    const auto& meta = Column(columns, "meta").floats;
    const auto& rewards = Column(columns, "rewards").floats;
    const auto& fwd = Column(columns, "fwd_return").floats;
    const auto& fwd2 = Column(columns, "fwd_return_2").floats;
    const auto& tb_label = Column(columns, "tb_label").int8s;
    for (size_t r = 0; r < ts.size(); ++r) {
      int position = 2;  // the row's, found from the first present slot's rewards
      for (size_t m = 0; m < 3; ++m) {
        const size_t slot = r * 3 + m;
        const int64_t e = ExpectedEndBar(m, ts[r]);
        ASSERT_EQ(p[slot], e >= 0 ? 1 : 0) << "row " << r << " ticker " << m;
        if (e < 0) {
          ++absent;
          ASSERT_EQ(bar[slot], 0);
          for (int k = 0; k < 4 * kW; ++k) ASSERT_EQ(ohlc[slot * 4 * kW + static_cast<size_t>(k)], 0.0f);
          for (int k = 0; k < 6; ++k) ASSERT_EQ(meta[slot * 6 + static_cast<size_t>(k)], 0.0f);
          ASSERT_EQ(fwd[slot], 0.0f);
          ASSERT_EQ(tb_label[slot], 0);
          continue;
        }
        ++present;
        ASSERT_EQ(bar[slot], e);
        const CsvBars& b = bars_[m];
        const auto ue = static_cast<size_t>(e);
        const double f = std::log(b.close[ue + kH]) - std::log(b.close[ue]);
        ASSERT_TRUE(SameBits(fwd[slot], static_cast<float>(f))) << fwd[slot] << " vs " << f;
        ASSERT_TRUE(SameBits(fwd2[slot], static_cast<float>(std::log(b.close[ue + 2]) - std::log(b.close[ue]))));
        // The position that gives these rewards; one for the whole row.
        int found = 2;
        for (int pos = -1; pos <= 1; ++pos) {
          bool all = true;
          for (int a = -1; a <= 1; ++a) {
            all = all && SameBits(rewards[slot * 3 + static_cast<size_t>(a + 1)],
                                  static_cast<float>(a * f - kFee * std::abs(a - pos)));
          }
          if (all) found = pos;
        }
        ASSERT_NE(found, 2) << "no position gives the rewards of row " << r << " ticker " << m;
        if (position == 2) position = found;
        ASSERT_EQ(found, position) << "row " << r << ": one position per row";
        const BarColumns columns_of{"bars", {}, b.t, b.open, b.high, b.low, b.close, b.volume};
        const WindowFeatures w = transform.Transform(columns_of, e, position);
        for (int k = 0; k < 4 * kW; ++k) {
          ASSERT_TRUE(SameBits(ohlc[slot * 4 * kW + static_cast<size_t>(k)], w.ohlc[static_cast<size_t>(k)]));
        }
        for (int k = 0; k < kW; ++k) {
          ASSERT_TRUE(SameBits(volume[slot * kW + static_cast<size_t>(k)], w.volume[static_cast<size_t>(k)]));
        }
        for (int k = 0; k < 6; ++k) ASSERT_TRUE(SameBits(meta[slot * 6 + static_cast<size_t>(k)], w.meta[static_cast<size_t>(k)]));
      }
    }
  }
  EXPECT_GT(present, 1000);
  EXPECT_GT(absent, 100);
}

TEST_F(CrossSectionBuildTest, TheSameBytesWithOneAndTwoThreads) {
  ASSERT_EQ(Build("--jobs 1").exit_code, 0);
  const std::string one = ReadFile(dir_ / "data/samples_700.parquet");
  const std::string scaler = ReadFile(dir_ / "data/meta_scaler.json");
  ASSERT_EQ(Build("--jobs 2 --overwrite").exit_code, 0);
  EXPECT_TRUE(ReadFile(dir_ / "data/samples_700.parquet") == one);
  EXPECT_EQ(ReadFile(dir_ / "data/meta_scaler.json"), scaler);
}

TEST_F(CrossSectionBuildTest, DuckDbHyparquetAndArrowRsReadTheShapesAndValuesBarforgeReads) {
  ASSERT_EQ(Build("--jobs 2").exit_code, 0);
  const auto file = dir_ / "data/samples_700.parquet";
  const DatasetReader reader(file);
  std::vector<DatasetColumnData> all;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    auto group = reader.ReadRowGroup(g, {});
    if (all.empty()) {
      all = std::move(group);
      continue;
    }
    for (size_t c = 0; c < all.size(); ++c) {
      all[c].int64s.insert(all[c].int64s.end(), group[c].int64s.begin(), group[c].int64s.end());
      all[c].floats.insert(all[c].floats.end(), group[c].floats.begin(), group[c].floats.end());
      all[c].bools.insert(all[c].bools.end(), group[c].bools.begin(), group[c].bools.end());
      all[c].int8s.insert(all[c].int8s.end(), group[c].int8s.begin(), group[c].int8s.end());
      all[c].int16s.insert(all[c].int16s.end(), group[c].int16s.begin(), group[c].int16s.end());
    }
  }
  for (const std::string reader_name : {"duckdb", "hyparquet", "arrow"}) {
    SCOPED_TRACE(reader_name);
    const nlohmann::json dump = DumpParquet(reader_name, file);
    ASSERT_EQ(dump["num_rows"], 700);
    std::vector<std::string> names;
    for (const auto& column : dump["columns"]) names.push_back(column["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"sample_id", "timestamp", "present", "bar_index", "ohlc", "volume", "meta",
                                               "rewards", "fwd_return", "fwd_return_2", "tb_label", "tb_bars",
                                               "tb_return"}));
    for (const auto& column : dump["columns"]) {
      const std::string name = column["name"];
      const DatasetColumnData& ours = Column(all, name);
      // Flatten the reader's values (a list per row, or nested lists).
      std::vector<nlohmann::json> flat;
      std::vector<size_t> row_sizes;
      std::function<void(const nlohmann::json&)> add = [&](const nlohmann::json& v) {
        if (v.is_array()) {
          for (const auto& x : v) add(x);
        } else {
          flat.push_back(v);
        }
      };
      for (const auto& row : column["values"]) {
        const size_t before = flat.size();
        add(row);
        row_sizes.push_back(flat.size() - before);
      }
      ASSERT_EQ(row_sizes.size(), 700u) << name;
      const auto width = static_cast<size_t>(ours.width);
      for (const size_t size : row_sizes) ASSERT_EQ(size, width) << name;
      for (size_t i = 0; i < flat.size(); ++i) {
        switch (ours.kind) {
          case parquet::ColumnType::kFloatList:
            ASSERT_TRUE(SameBits(static_cast<float>(JsonNumber(flat[i])), ours.floats[i])) << name << " " << i;
            break;
          case parquet::ColumnType::kBoolList:
            ASSERT_EQ(flat[i].get<bool>(), ours.bools[i] != 0) << name << " " << i;
            break;
          case parquet::ColumnType::kInt64List:
          case parquet::ColumnType::kInt64:
          case parquet::ColumnType::kTimestamp:
            ASSERT_EQ(flat[i].is_string() ? std::stoll(flat[i].get<std::string>()) : flat[i].get<int64_t>(),
                      ours.int64s[i])
                << name << " " << i;
            break;
          case parquet::ColumnType::kInt8List: ASSERT_EQ(flat[i].get<int>(), ours.int8s[i]) << name; break;
          case parquet::ColumnType::kInt16List: ASSERT_EQ(flat[i].get<int>(), ours.int16s[i]) << name; break;
          default: FAIL() << name << ": unexpected type";
        }
      }
    }
  }
}

TEST_F(CrossSectionBuildTest, ValidateAcceptsTheFileAndInspectShowsItsShape) {
  ASSERT_EQ(Build("--jobs 2").exit_code, 0);
  const CommandResult validated = RunBarforge(dir_.path(), "validate data/samples_700.parquet");
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  const CommandResult inspected = RunBarforge(dir_.path(), "inspect data/samples_700.parquet");
  ASSERT_EQ(inspected.exit_code, 0) << inspected.err;
  EXPECT_NE(inspected.out.find("cross-section: M = 3 tickers (AAA, BBB, CCC), a row per timestamp\n"),
            std::string::npos)
      << inspected.out;
  EXPECT_NE(inspected.out.find("shape:       sample_id []; timestamp []; present [3]; bar_index [3]; ohlc [3, 6, 4]; "
                               "volume [3, 6]; meta [3, 6]; rewards [3, 3]; fwd_return [3]; fwd_return_2 [3]; "
                               "tb_label [3]; tb_bars [3]; tb_return [3]\n"),
            std::string::npos)
      << inspected.out;
  // present's statistics: BOOLEAN min/max (some slots absent, some present).
  EXPECT_NE(inspected.out.find("  present        false .. true\n"), std::string::npos) << inspected.out;
}

// The summary counts the valid timestamps the rows are drawn from, and
// warns of more rows than timestamps.
TEST_F(CrossSectionBuildTest, TheSummaryNamesTheValidTimestamps) {
  const CommandResult text = Build("--jobs 2");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const CommandResult json = Build("--jobs 2 --json --overwrite");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json summary = nlohmann::json::parse(json.out);
  // Every slot (t, ticker) with an end bar valid by the rule above.
  int64_t timestamps = 0, windows = 0;
  for (int64_t t = 1704096000LL * kNs; t < 1704096000LL * kNs + 96 * 900 * kNs; t += 900 * kNs) {
    int present = 0;
    for (size_t m = 0; m < 3; ++m) present += ExpectedEndBar(m, t) >= 0;
    timestamps += present > 0;
    windows += present;
  }
  EXPECT_EQ(summary["valid_timestamps"], timestamps);
  EXPECT_EQ(summary["valid_pairs"], windows);
  const CommandResult shown = RunBarforge(dir_.path(), "build --config config.yaml --overwrite");
  EXPECT_NE(shown.out.find("700 cross-sections drawn from " + std::to_string(timestamps) + " valid timestamps (" +
                           std::to_string(windows) + " valid windows (ticker, end bar))\n"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.err.find("barforge: warning: 700 samples drawn from " + std::to_string(timestamps) +
                           " valid timestamps (cross-sections)"),
            std::string::npos)
      << shown.err;
}

// With splits: the first split draws, a later one without n_samples holds
// every valid timestamp of its range once, in time order; the scaler is
// fitted on the first split's present pairs.
TEST_F(CrossSectionBuildTest, ALaterSplitHoldsEveryValidTimestampOnceInTimeOrder) {
  WriteConfig(dir_.path(), std::string(kConfig) + "splits: [{name: train, end: 2024-01-01T17:00:00Z}, {name: test}]\n"
                                                  "embargo_bars: 2\n");
  const CommandResult built = Build("--jobs 2");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const int64_t end = 1704128400LL * kNs;  // 17:00, slot 36
  // test: every t >= 17:00 where a ticker is present with its window after
  // its own first bar there + 2.
  std::vector<int64_t> expected;
  for (int64_t t = end; t < 1704096000LL * kNs + 96 * 900 * kNs; t += 900 * kNs) {
    bool any = false;
    for (size_t m = 0; m < 3; ++m) {
      const int64_t e = ExpectedEndBar(m, t);
      if (e < 0) continue;
      const auto& ts = bars_[m].t;
      const int64_t first = std::lower_bound(ts.begin(), ts.end(), end) - ts.begin();
      if (e - kW + 1 >= first + 2) any = true;
    }
    if (any) expected.push_back(t);
  }
  const auto test_file = dir_ / ("data/samples_" + std::to_string(expected.size()) + "_test.parquet");
  ASSERT_TRUE(std::filesystem::exists(test_file)) << test_file;
  const DatasetReader test(test_file);
  std::vector<int64_t> timestamps;
  for (int g = 0; g < test.num_row_groups(); ++g) {
    const std::vector<DatasetColumnData> group = test.ReadRowGroup(g, {"timestamp"});
    const auto& ts = Column(group, "timestamp").int64s;
    timestamps.insert(timestamps.end(), ts.begin(), ts.end());
  }
  EXPECT_EQ(timestamps, expected);
  const DatasetReader train(dir_ / "data/samples_700_train.parquet");
  EXPECT_EQ(train.num_rows(), 700);
  EXPECT_EQ(RunBarforge(dir_.path(), "validate " + test_file.string()).exit_code, 0);
}

// The built file rewritten with fwd_return of its first absent slot set to
// 0.5 (everything else, footer included, as built): validate names it.
TEST_F(CrossSectionBuildTest, ValidateNamesAnAbsentSlotThatHoldsAValue) {
  ASSERT_EQ(Build("--jobs 2").exit_code, 0);
  const auto file = dir_ / "data/samples_700.parquet";
  const auto bad = dir_ / "data/bad.parquet";
  const DatasetReader reader(file);
  const DatasetLayout layout = DatasetLayout::FromFile(file);
  parquet::WriterOptions options;
  options.key_value_metadata = reader.key_value_metadata();
  parquet::ParquetWriter writer(bad, layout.Schema(), options);
  std::string expected;
  for (int g = 0; g < reader.num_row_groups(); ++g) {
    std::vector<DatasetColumnData> columns = reader.ReadRowGroup(g, {});
    if (g == 0) {
      const auto& present = Column(columns, "present").bools;
      const size_t slot = static_cast<size_t>(std::find(present.begin(), present.end(), 0) - present.begin());
      ASSERT_LT(slot, present.size());
      for (DatasetColumnData& c : columns) {
        if (c.name == "fwd_return") c.floats[slot] = 0.5f;
      }
      expected = "column 'fwd_return', row " + std::to_string(slot / 3) + ", ticker " + std::to_string(slot % 3) +
                 " ('" + std::string(1, "ABC"[slot % 3]) + std::string(2, "ABC"[slot % 3]) +
                 "'): value 0.5 of an absent ticker, expected 0";
    }
    parquet::RowGroupData data;
    data.num_rows = reader.row_group_rows(g);
    for (const DatasetColumnData& c : columns) {
      switch (c.kind) {
        case parquet::ColumnType::kBoolList: data.columns.emplace_back(std::span<const uint8_t>(c.bools)); break;
        case parquet::ColumnType::kFloatList: data.columns.emplace_back(std::span<const float>(c.floats)); break;
        case parquet::ColumnType::kInt8List: data.columns.emplace_back(std::span<const int8_t>(c.int8s)); break;
        case parquet::ColumnType::kInt16List: data.columns.emplace_back(std::span<const int16_t>(c.int16s)); break;
        default: data.columns.emplace_back(std::span<const int64_t>(c.int64s)); break;
      }
    }
    writer.WriteRowGroup(data);
  }
  writer.Close();
  EXPECT_EQ(RunBarforge(dir_.path(), "validate data/samples_700.parquet").exit_code, 0);
  const CommandResult result = RunBarforge(dir_.path(), "validate data/bad.parquet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("data/bad.parquet: " + expected), std::string::npos) << result.err << "\n" << expected;
}

}  // namespace
}  // namespace barforge::testing
