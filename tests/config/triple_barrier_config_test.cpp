// The `triple_barrier` key: parsing, round trip, absence from the stored
// config while off, and one exact message per bad value.

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "barforge/config.h"
#include "barforge/error.h"

namespace barforge {
namespace {

TEST(TripleBarrierConfig, ParsesAndRoundTrips) {
  const Config config = LoadConfigText("triple_barrier: {profit: 2.0, stop: 0.1}\n", "t");
  ASSERT_TRUE(config.triple_barrier);
  EXPECT_EQ(config.triple_barrier->profit, 2.0);
  EXPECT_EQ(config.triple_barrier->stop, 0.1);
  for (const std::string& yaml : {ConfigToYaml(config), StoredConfigYaml(config)}) {
    const Config again = LoadConfigText(yaml, "round trip");
    ASSERT_TRUE(again.triple_barrier);
    EXPECT_EQ(again.triple_barrier->profit, 2.0);
    EXPECT_EQ(again.triple_barrier->stop, 0.1);
  }
  EXPECT_NE(StoredConfigYaml(config).find("triple_barrier: {profit: 2.0, stop: 0.1}"), std::string::npos);
}

TEST(TripleBarrierConfig, OffByDefaultAndLeftOutOfTheStoredConfig) {
  EXPECT_FALSE(Config{}.triple_barrier);
  EXPECT_FALSE(LoadConfigText("triple_barrier: null\n", "t").triple_barrier);
  EXPECT_FALSE(LoadConfigText("triple_barrier:\n", "t").triple_barrier);
  EXPECT_EQ(StoredConfigYaml(Config{}).find("triple_barrier"), std::string::npos);
  EXPECT_NE(ConfigToYaml(Config{}).find("triple_barrier: null"), std::string::npos);
  // An override turns it on and off again.
  const Config on = LoadConfig({}, {"triple_barrier={profit: 1, stop: 3}"});
  ASSERT_TRUE(on.triple_barrier);
  EXPECT_EQ(on.triple_barrier->stop, 3.0);
  EXPECT_FALSE(LoadConfig({}, {"triple_barrier={profit: 1, stop: 3}", "triple_barrier=null"}).triple_barrier);
}

TEST(TripleBarrierConfig, BadValuesAreRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"triple_barrier: {profit: 0, stop: 1}", "t: key 'triple_barrier': profit must be in (0, 1000], got 0"},
      {"triple_barrier: {profit: 2, stop: -1}", "t: key 'triple_barrier': stop must be in (0, 1000], got -1"},
      {"triple_barrier: {profit: 1001, stop: 1}", "t: key 'triple_barrier': profit must be in (0, 1000], got 1001"},
      {"triple_barrier: {profit: inf, stop: 1}", "t: key 'triple_barrier': profit: must be finite, got 'inf'"},
      {"triple_barrier: {profit: nan, stop: 1}", "t: key 'triple_barrier': profit: must be finite, got 'nan'"},
      {"triple_barrier: {profit: high, stop: 1}", "t: key 'triple_barrier': profit: expected a number, got 'high'"},
      {"triple_barrier: {profit: 2}", "t: key 'triple_barrier': 'stop' is missing: give both profit and stop"},
      {"triple_barrier: {proft: 2, stop: 1}",
       "t: key 'triple_barrier': unknown key 'proft' (did you mean `profit`?)"},
      {"triple_barrier: {profit: 2, stop: 1, take: 3}",
       "t: key 'triple_barrier': unknown key 'take' (known: profit, stop)"},
      {"triple_barrier: {profit: 2, profit: 3, stop: 1}", "t: key 'triple_barrier': 'profit' is set twice; keep one"},
      {"triple_barrier: 2", "t: key 'triple_barrier': expected null or a map {profit: p, stop: q}"},
      {"triple_barrier: [2, 1]", "t: key 'triple_barrier': expected null or a map {profit: p, stop: q}"},
      {"horizon: 40000\ntriple_barrier: {profit: 2, stop: 1}",
       "t: key 'horizon': triple_barrier needs horizon <= 32767 (tb_bars is int16), got horizon 40000"},
  };
  for (const auto& [yaml, message] : cases) {
    try {
      LoadConfigText(yaml + "\n", "t");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), message) << yaml;
    }
  }
}

}  // namespace
}  // namespace barforge
