// The reuse and safety rules of a single dataset, for every file of a build
// with splits: --skip-existing skips only when every split's file was built
// from the same config, the scaler is restored from the first split's
// footer, an existing split file is refused (before any work when the config
// names it, once the data is planned when the data does), file names may
// not collide, and {split} names the scaler after the training split.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "barforge/config.h"
#include "barforge/parquet_reader.h"
#include "barforge/pipeline.h"
#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

namespace fs = std::filesystem;

// train's file is named by the config (a count), test's by the data (`all`).
constexpr const char* kConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 400}
window: 8
horizon: 4
n_samples: 300
chunk_rows: 100
splits:
  - {name: train, end: 0.6, n_samples: 200}
  - {name: test, n_samples: all}
)";

std::string Footer(const fs::path& file, const std::string& key) {
  for (const auto& [k, v] : parquet::ParquetReader(file).key_value_metadata()) {
    if (k == key) return v;
  }
  return "";
}

class SplitReuse : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteConfig(dir_.path(), kConfig);
    const CommandResult first = RunBarforge(dir_.path(), "build --config config.yaml --json");
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const auto summary = nlohmann::json::parse(first.out);
    ASSERT_EQ(summary["splits"].size(), 2u);
    train_ = summary["splits"][0]["output"].get<std::string>();
    test_ = summary["splits"][1]["output"].get<std::string>();
    ASSERT_EQ(train_, "data/samples_200_train.parquet");
    // The test split's count is its number of valid pairs: every end bar of
    // both tickers from the 0.6 boundary on, as many as rows were written.
    ASSERT_EQ(test_, fmt::format("data/samples_{}_test.parquet", summary["splits"][1]["rows"].get<int64_t>()));
  }
  CommandResult Build(const std::string& args) {
    return RunBarforge(dir_.path(), "build --config config.yaml --quiet " + args);
  }
  void ExpectOneLineError(const CommandResult& result, const std::string& message) {
    EXPECT_EQ(result.exit_code, 1) << result.out;
    EXPECT_EQ(result.err, "barforge: error: " + message + "\n");
  }
  TempDir dir_;
  std::string train_, test_;
};

TEST_F(SplitReuse, SkipExistingSkipsOnlyWhenEverySplitFileHasTheSameConfig) {
  const auto written = fs::last_write_time(dir_ / test_);
  const CommandResult same = RunBarforge(dir_.path(), "build --config config.yaml --skip-existing --jobs 1");
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(same.out, train_ + ", " + test_ +
                          " were built from this config already; nothing to do (--overwrite rebuilds them)\n");
  const CommandResult json = RunBarforge(dir_.path(), "build --config config.yaml --skip-existing --json");
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out),
            (nlohmann::json{{"outputs", {train_, test_}},
                            {"scaler", "data/meta_scaler.json"},
                            {"skipped", true},
                            {"scaler_restored", false}}));
  ExpectOneLineError(Build("--skip-existing --set fee_bps=2.5"),
                     train_ + ": exists but was built from another config (fee_bps: 5.0 in the file, 2.5 in the "
                              "config); pass --overwrite to rebuild every split, or choose another samples_filename");
  EXPECT_EQ(fs::last_write_time(dir_ / test_), written);

  // The library call: one state per split, in config order.
  Config config = LoadConfig(dir_ / "config.yaml", {});
  config.data_dir = dir_ / "data";
  const std::vector<ExistingDataset> states = CheckExistingOutputs(config);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].state, ExistingDataset::State::kSameConfig);
  EXPECT_EQ(states[1].path, dir_ / test_);
  EXPECT_EQ(states[1].state, ExistingDataset::State::kSameConfig);
}

TEST_F(SplitReuse, SkipExistingRefusesSomeSplitFilesMissing) {
  fs::remove(dir_ / test_);
  ExpectOneLineError(Build("--skip-existing"),
                     train_ + " exists but " + test_ +
                         " is missing (an earlier build stopped between the split files); pass --overwrite to "
                         "rebuild every split");
  EXPECT_FALSE(fs::exists(dir_ / test_));
  ASSERT_EQ(Build("--skip-existing --overwrite").exit_code, 0);
  EXPECT_TRUE(fs::exists(dir_ / test_));
}

TEST_F(SplitReuse, ScalerIsRestoredFromTheFirstSplitsFooter) {
  const std::string scaler = ReadFile(dir_ / "data/meta_scaler.json");
  EXPECT_EQ(Footer(dir_ / train_, "barforge.scaler"), scaler);
  EXPECT_EQ(Footer(dir_ / test_, "barforge.scaler"), scaler);
  fs::remove(dir_ / "data/meta_scaler.json");
  const CommandResult skipped = RunBarforge(dir_.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_EQ(skipped.out, train_ + ", " + test_ +
                             " were built from this config already; nothing to do (--overwrite rebuilds them); "
                             "restored the missing data/meta_scaler.json from a footer\n");
  EXPECT_EQ(ReadFile(dir_ / "data/meta_scaler.json"), scaler);

  // A plain build restores it too, then stops: train's file exists.
  fs::remove(dir_ / "data/meta_scaler.json");
  const CommandResult refused = RunBarforge(dir_.path(), "build --config config.yaml");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_EQ(refused.err, "barforge: note: restored data/meta_scaler.json from the footer of " + train_ +
                             " (an earlier build stopped before writing it)\nbarforge: error: " + train_ +
                             ": already exists (use --overwrite to replace it)\n");
  EXPECT_EQ(ReadFile(dir_ / "data/meta_scaler.json"), scaler);
}

TEST_F(SplitReuse, ExistingFileNamedByTheDataIsRefusedAndNothingIsReplaced) {
  // train's file gone: the build goes on to plan the data, then finds
  // test's file (named by its count) and stops before writing.
  const std::string test_bytes = ReadFile(dir_ / test_);
  const std::string raw = ReadFile(dir_ / "data/raw_AAA.parquet");
  fs::remove(dir_ / train_);
  ExpectOneLineError(Build(""), test_ + ": already exists (use --overwrite to replace it)");
  EXPECT_FALSE(fs::exists(dir_ / train_));
  EXPECT_EQ(ReadFile(dir_ / test_), test_bytes);
  EXPECT_EQ(ReadFile(dir_ / "data/raw_AAA.parquet"), raw);
  // Without any split file, the scaler left behind does not block a rebuild,
  // and the rebuild gives the same bytes.
  fs::remove(dir_ / test_);
  ASSERT_EQ(Build("").exit_code, 0);
  EXPECT_EQ(ReadFile(dir_ / test_), test_bytes);
}

TEST_F(SplitReuse, LeftoversBesideSplitFilesAreRemoved) {
  fs::remove(dir_ / train_);
  fs::remove(dir_ / test_);
  // PID 2147483646 is above any pid_max: their owner is dead.
  const std::vector<std::string> leftovers = {train_ + ".tmp-2147483646-0000000000000000",
                                              test_ + ".tmp-2147483646-0000000000000002"};
  for (const std::string& name : leftovers) std::ofstream(dir_ / name) << "partial";
  const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // train's is named by the config: removed and told before the build.
  EXPECT_NE(result.err.find("barforge: note: removed " + leftovers[0] + ", left by an interrupted run"),
            std::string::npos)
      << result.err;
  for (const std::string& name : leftovers) EXPECT_FALSE(fs::exists(dir_ / name)) << name;
}

TEST_F(SplitReuse, SplitInScalerFilenameIsTheTrainingSplitsName) {
  const std::string other = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 400}
window: 8
horizon: 4
n_samples: 300
chunk_rows: 100
samples_filename: "late_{split}.parquet"
scaler_filename: "scaler_{split}.json"
splits:
  - {name: early, end: 0.3, n_samples: 100}
  - {name: late, n_samples: 100}
)";
  WriteConfig(dir_.path(), other);
  ASSERT_EQ(Build("").exit_code, 0);
  // The first dataset's scaler is untouched, the second's named after its
  // training split and fitted on it (its count is early's).
  EXPECT_EQ(Footer(dir_ / train_, "barforge.scaler"), ReadFile(dir_ / "data/meta_scaler.json"));
  const std::string scaler = ReadFile(dir_ / "data/scaler_early.json");
  EXPECT_EQ(Footer(dir_ / "data/late_early.parquet", "barforge.scaler"), scaler);
  EXPECT_NE(scaler.find("\"count\": 100"), std::string::npos) << scaler;
  EXPECT_FALSE(fs::exists(dir_ / "data/scaler_late.json"));
}

TEST_F(SplitReuse, CollidingNamesAndSplitWithoutSplitsAreRefused) {
  const std::string base = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 400}
window: 8
horizon: 4
)";
  WriteConfig(dir_.path(), base + R"(samples_filename: "s_{split}.json"
scaler_filename: "s_train.json"
splits: [{name: train, end: 0.5}, {name: test}]
)");
  ExpectOneLineError(Build(""),
                     "config.yaml: key 'scaler_filename': 's_train.json' would be both the scaler and the file of "
                     "split 'train' in data; give them different names");
  WriteConfig(dir_.path(), base + R"(samples_filename: "{split}.parquet"
splits: [{name: raw_AAA, end: 0.5}, {name: test}]
)");
  ExpectOneLineError(Build(""),
                     "config.yaml: key 'samples_filename': 'raw_AAA.parquet' would be both the file of split 'raw_AAA' "
                     "and the raw file of ticker 'AAA' in data; give them different names");
  WriteConfig(dir_.path(), base);
  ExpectOneLineError(Build("--set 'scaler_filename=scaler_{split}.json'"),
                     "--set scaler_filename=scaler_{split}.json: key 'scaler_filename': 'scaler_{split}.json' has "
                     "{split}, which only a build with splits replaces");
}

}  // namespace
}  // namespace barforge::testing
