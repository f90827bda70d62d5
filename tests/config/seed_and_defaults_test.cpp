// The synthetic market's own seed, the refusal of an empty config file, and
// what a split without n_samples takes.

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "barforge/config.h"
#include "barforge/error.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(SeedAndDefaultsTest, TheMarketHasItsOwnSeed) {
  const Config defaults = LoadConfig({}, {});
  EXPECT_EQ(defaults.seed, 42u);
  EXPECT_EQ(defaults.synthetic.seed, 42u);  // the market of every default build so far
  // A new sampling seed leaves the market as it is.
  const Config draw = LoadConfig({}, {"seed=43"});
  EXPECT_EQ(draw.seed, 43u);
  EXPECT_EQ(draw.synthetic.seed, 42u);
  const Config market = LoadConfig({}, {"synthetic.seed=18446744073709551615"});
  EXPECT_EQ(market.synthetic.seed, 18446744073709551615u);
  EXPECT_EQ(market.seed, 42u);
  EXPECT_THAT([] { LoadConfig({}, {"synthetic.seed=-1"}); },
              ::testing::ThrowsMessage<ConfigError>(HasSubstr("key 'synthetic.seed'")));
  // The footer keeps the default's bytes: the key is stored only when set
  // to another value, and read back.
  EXPECT_THAT(StoredConfigYaml(defaults), Not(HasSubstr("\n  seed:")));
  EXPECT_THAT(ConfigToYaml(defaults), HasSubstr("\n  seed: 42 "));
  const Config seven = LoadConfig({}, {"synthetic.seed=7"});
  EXPECT_THAT(StoredConfigYaml(seven), HasSubstr("\n  seed: 7 "));
  EXPECT_EQ(LoadConfigText(StoredConfigYaml(seven), "footer").synthetic.seed, 7u);
  EXPECT_EQ(LoadConfigText(StoredConfigYaml(defaults), "footer").synthetic.seed, 42u);
}

TEST(SeedAndDefaultsTest, AnEmptyConfigFileIsAnError) {
  const testing::TempDir dir;
  for (const char* text : {"", "# only a comment\n\n", "{}\n"}) {
    const auto path = dir / "empty.yaml";
    std::ofstream(path, std::ios::trunc) << text;
    EXPECT_THAT([&] { LoadConfig(path, {"n_samples=10"}); },
                ::testing::ThrowsMessage<ConfigError>(::testing::StrEq(
                    path.string() + ": the config file has no keys (it is empty); write the keys to set "
                                    "(config/default.yaml lists them all), or leave out --config")))
        << text;
  }
  // No file at all is the defaults, as before.
  EXPECT_EQ(LoadConfig({}, {}).n_samples, 1000000);
}

TEST(SeedAndDefaultsTest, ASplitWithoutNSamples) {
  const Config config = LoadConfig(
      {}, {"n_samples=5000",
           "splits=[{name: train, end: 0.6}, {name: valid, end: 0.8}, {name: test, end: 0.9, n_samples: 70}, "
           "{name: rest, n_samples: all}]"});
  // The first split takes the n_samples key; every later one all its windows once.
  EXPECT_EQ(SplitSampleCount(config, 0), 5000);
  EXPECT_EQ(SplitSampleCount(config, 1), std::nullopt);
  EXPECT_EQ(SplitSampleCount(config, 2), 70);
  EXPECT_EQ(SplitSampleCount(config, 3), std::nullopt);
  EXPECT_EQ(KnownSplitSamplesPath(config, 0), std::filesystem::path("data/samples_5K_train.parquet"));
  EXPECT_EQ(KnownSplitSamplesPath(config, 1), std::nullopt);
  EXPECT_EQ(KnownSplitSamplesPath(config, 2), std::filesystem::path("data/samples_70_test.parquet"));
}

}  // namespace
}  // namespace barforge
