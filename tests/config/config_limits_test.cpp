// Configs that would destroy their own inputs or outputs, or produce values
// that are not finite, or ask for what cannot be built, are refused when the
// config is loaded, before any work, with a message naming the key.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"

namespace barforge {
namespace {

std::string ConfigErrorOf(const std::vector<std::string>& overrides) {
  try {
    LoadConfig({}, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

// A config file such as config/default.yaml sets every key: the key to
// blame is the one the user changed, wherever it comes first.
TEST(ConfigLimits, NameCollisionBlamesTheKeyTheUserChanged) {
  const std::filesystem::path file = std::filesystem::path(BARFORGE_SOURCE_DIR) / "config/default.yaml";
  const auto error_of = [&](const std::vector<std::string>& overrides) {
    try {
      LoadConfig(file, overrides, {});
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error_of({"samples_filename=meta_scaler.json"}),
            "override 'samples_filename=meta_scaler.json': key 'samples_filename': 'meta_scaler.json' would be both "
            "the dataset and the scaler in data; give them different names");
  EXPECT_EQ(error_of({"scaler_filename=samples_1M.parquet"}),
            "override 'scaler_filename=samples_1M.parquet': key 'scaler_filename': 'samples_1M.parquet' would be "
            "both the scaler and the dataset in data; give them different names");
  EXPECT_EQ(error_of({"samples_filename=raw_SYN0.parquet"}),
            "override 'samples_filename=raw_SYN0.parquet': key 'samples_filename': 'raw_SYN0.parquet' would be both "
            "the dataset and the raw file of ticker 'SYN0' in data; give them different names");
  // Both changed: the later name's key, as before.
  EXPECT_EQ(error_of({"samples_filename=x.json", "scaler_filename=x.json"}),
            "override 'scaler_filename=x.json': key 'scaler_filename': 'x.json' would be both the scaler and the "
            "dataset in data; give them different names");
}

TEST(ConfigLimits, OutputNamesMustNotCollide) {
  EXPECT_EQ(ConfigErrorOf({"samples_filename=meta_scaler.json"}),
            "override 'samples_filename=meta_scaler.json': key 'samples_filename': 'meta_scaler.json' would be both "
            "the dataset and the scaler in data; give them different names");
  EXPECT_EQ(ConfigErrorOf({"samples_filename=raw_SYN0.parquet"}),
            "override 'samples_filename=raw_SYN0.parquet': key 'samples_filename': 'raw_SYN0.parquet' would be both "
            "the dataset and the raw file of ticker 'SYN0' in data; give them different names");
  EXPECT_EQ(ConfigErrorOf({"scaler_filename=raw_SYN2.parquet"}),
            "override 'scaler_filename=raw_SYN2.parquet': key 'scaler_filename': 'raw_SYN2.parquet' would be both "
            "the scaler and the raw file of ticker 'SYN2' in data; give them different names");
  // A ticker that expands raw_data_filename onto an output.
  EXPECT_EQ(ConfigErrorOf({"raw_data_filename={ticker}.json", "tickers=[A, meta_scaler]"}),
            "override 'raw_data_filename={ticker}.json': key 'raw_data_filename': 'meta_scaler.json' would be both "
            "the raw file of ticker 'meta_scaler' and the scaler in data; give them different names");
  EXPECT_EQ(ConfigErrorOf({"samples_filename={n}.parquet", "n_samples=1000", "raw_data_filename=1{ticker}.parquet",
                           "tickers=[K]"}),
            "override 'raw_data_filename=1{ticker}.parquet': key 'raw_data_filename': '1K.parquet' would be both the "
            "raw file of ticker 'K' and the dataset in data; give them different names");
  EXPECT_EQ(ConfigErrorOf({"samples_filename=."}),
            "override 'samples_filename=.': key 'samples_filename': '.' is a folder, not a file name");
  EXPECT_EQ(ConfigErrorOf({"scaler_filename=.."}),
            "override 'scaler_filename=..': key 'scaler_filename': '..' is a folder, not a file name");
  EXPECT_EQ(ConfigErrorOf({"samples_filename=x.parquet", "scaler_filename=x.json"}), "accepted");
}

TEST(ConfigLimits, SyntheticStartChecksTheWholeGeneratedRange) {
  const std::string range = "(1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z)";
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=2262-04-12"}),
            "override 'synthetic.start=2262-04-12': key 'synthetic.start': '2262-04-12' is outside the timestamps "
            "a dataset can hold " + range);
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=1600-01-01"}),
            "override 'synthetic.start=1600-01-01': key 'synthetic.start': '1600-01-01' is outside the timestamps "
            "a dataset can hold " + range);
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=1677-09-21"}),
            "override 'synthetic.start=1677-09-21': key 'synthetic.start': '1677-09-21' is outside the timestamps "
            "a dataset can hold " + range);
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=1677-09-21T00:12:44Z", "synthetic.n_bars=10"}), "accepted");
  // In range at the start, past the end at the last bar.
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=2262-04-11T00:00:00Z"}),
            "override 'synthetic.start=2262-04-11T00:00:00Z': key 'synthetic.start': 500000 bars of 60 s from "
            "2262-04-11T00:00:00Z end after the last timestamp a dataset can hold (2262-04-11T23:47:16.854775807Z)");
  EXPECT_EQ(ConfigErrorOf({"synthetic.start=2262-04-11T00:00:00Z", "synthetic.n_bars=47"}), "accepted");
}

TEST(ConfigLimits, OneSeedRuleNegativeAndTooLargeRefused) {
  EXPECT_EQ(ConfigErrorOf({"seed=-1"}), "override 'seed=-1': key 'seed': expected an integer in [0, 2^64), got '-1'");
  EXPECT_EQ(ConfigErrorOf({"seed=18446744073709551616"}),
            "override 'seed=18446744073709551616': key 'seed': expected an integer in [0, 2^64), got "
            "'18446744073709551616'");
  EXPECT_EQ(LoadConfig({}, {"seed=18446744073709551615"}).seed, 18446744073709551615ULL);
}

TEST(ConfigLimits, NumericKeysAreBounded) {
  EXPECT_EQ(ConfigErrorOf({"fee_bps=1e308"}), "override 'fee_bps=1e308': key 'fee_bps': must be in [0, 10000], got 1e+308");
  EXPECT_EQ(ConfigErrorOf({"fee_bps=10000"}), "accepted");
  EXPECT_EQ(ConfigErrorOf({"n_jobs=65537"}), "override 'n_jobs=65537': key 'n_jobs': must be -1 or in [1, 1024], got 65537");
  EXPECT_EQ(ConfigErrorOf({"n_samples=1000000000000000000"}),
            "override 'n_samples=1000000000000000000': key 'n_samples': must be in [1, 10000000000], got "
            "1000000000000000000");
  EXPECT_EQ(ConfigErrorOf({"synthetic.n_bars=1000000000000"}),
            "override 'synthetic.n_bars=1000000000000': key 'synthetic.n_bars': must be in [1, 1000000000], got "
            "1000000000000");
  EXPECT_EQ(ConfigErrorOf({"chunk_rows=1", "n_samples=100000"}),
            "override 'chunk_rows=1': key 'chunk_rows': 100000 samples in row groups of 1 rows make 100000 row "
            "groups, more than 4096 (each keeps about 10 KB of footer in memory until the end); use chunk_rows >= 25");
  EXPECT_EQ(ConfigErrorOf({"chunk_rows=25", "n_samples=100000"}), "accepted");
}

TEST(ConfigLimits, ThreadsBeyondFourPerCoreAreLowered) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(LoadConfig({}, {"n_jobs=1024"}).EffectiveJobs(), 4 * cores);
  EXPECT_EQ(LoadConfig({}, {"n_jobs=1"}).EffectiveJobs(), 1);
  EXPECT_EQ(LoadConfig({}, {"n_jobs=-1"}).EffectiveJobs(), cores);
}

}  // namespace
}  // namespace barforge
