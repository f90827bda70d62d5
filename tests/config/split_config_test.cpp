// The keys of time splits, gaps and labels: parsing, round trip through
// ConfigToYaml, and their absence from the stored config at their defaults.

#include <gtest/gtest.h>

#include <string>

#include "barforge/config.h"
#include "barforge/error.h"

namespace barforge {
namespace {

constexpr const char* kYaml = R"(splits:
  - {name: train, end: "2021-01-01T00:00:00Z", n_samples: 800000}
  - {name: valid, end: 0.9, n_samples: all}
  - {name: test}
embargo_bars: 10
max_gap: 4d
extra_horizons: [1, 4]
)";

void ExpectSplitKeys(const Config& config) {
  ASSERT_EQ(config.splits.size(), 3u);
  EXPECT_EQ(config.splits[0].name, "train");
  EXPECT_EQ(config.splits[0].end_ns, 1609459200LL * 1000000000LL);
  EXPECT_EQ(config.splits[0].n_samples, 800000);
  EXPECT_EQ(config.splits[1].end_fraction, 0.9);
  EXPECT_TRUE(config.splits[1].all);
  EXPECT_FALSE(config.splits[2].end_ns || config.splits[2].end_fraction);
  EXPECT_EQ(config.splits[2].n_samples, 0);
  EXPECT_EQ(config.embargo_bars, 10);
  EXPECT_EQ(config.max_gap_ns, 4 * 86400LL * 1000000000LL);
  EXPECT_EQ(config.extra_horizons, (std::vector<int>{1, 4}));
}

TEST(SplitConfig, ParsesAndRoundTrips) {
  const Config config = LoadConfigText(kYaml, "test");
  ExpectSplitKeys(config);
  ExpectSplitKeys(LoadConfigText(ConfigToYaml(config), "round trip"));
  ExpectSplitKeys(LoadConfigText(StoredConfigYaml(config), "stored"));
}

TEST(SplitConfig, DurationsInEveryUnit) {
  EXPECT_EQ(LoadConfigText("max_gap: 90s", "t").max_gap_ns, 90LL * 1000000000LL);
  EXPECT_EQ(LoadConfigText("max_gap: 5m", "t").max_gap_ns, 300LL * 1000000000LL);
  EXPECT_EQ(LoadConfigText("max_gap: 2h", "t").max_gap_ns, 7200LL * 1000000000LL);
  EXPECT_EQ(LoadConfigText("max_gap: 0", "t").max_gap_ns, 0);
  for (const char* bad : {"max_gap: 5", "max_gap: -1h", "max_gap: 1.5h", "max_gap: h", "max_gap: 999999999999d"}) {
    EXPECT_THROW(LoadConfigText(bad, "t"), ConfigError) << bad;
  }
}

TEST(SplitConfig, StoredConfigLeavesOutTheNewKeysAtTheirDefaults) {
  const std::string stored = StoredConfigYaml(Config{});
  for (const char* key : {"splits:", "embargo_bars:", "max_gap:", "extra_horizons:", "n_jobs:"}) {
    EXPECT_EQ(stored.find(key), std::string::npos) << key;
  }
  EXPECT_NE(ConfigToYaml(Config{}).find("splits: []"), std::string::npos);
  const std::string with = StoredConfigYaml(LoadConfigText("embargo_bars: 3", "t"));
  EXPECT_NE(with.find("embargo_bars: 3"), std::string::npos);
  EXPECT_EQ(with.find("max_gap:"), std::string::npos);
}

TEST(SplitConfig, SplitFileNames) {
  Config config;
  config.data_dir = "d";
  EXPECT_EQ(SplitSamplesPath(config, "train", 800000), "d/samples_800K_train.parquet");
  config.samples_filename = "{split}-{n}.parquet";
  EXPECT_EQ(SplitSamplesPath(config, "test", 1234), "d/test-1234.parquet");
  config.samples_filename = "noext";
  EXPECT_EQ(SplitSamplesPath(config, "valid", 5), "d/noext_valid");
}

}  // namespace
}  // namespace barforge
