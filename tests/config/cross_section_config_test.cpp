// cross_section and min_present: parsed, stored only when set, and each bad
// combination refused with one message naming the keys.

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "barforge/config.h"
#include "barforge/error.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

std::string ErrorOf(const std::vector<std::string>& overrides) {
  try {
    LoadConfig({}, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(CrossSectionConfig, KeysParseAndTheStoredConfigNamesThemOnlyWhenSet) {
  const Config off = LoadConfig({}, {});
  EXPECT_FALSE(off.cross_section);
  EXPECT_EQ(off.min_present, 1);
  EXPECT_EQ(StoredConfigYaml(off).find("cross_section"), std::string::npos);
  EXPECT_EQ(StoredConfigYaml(off).find("min_present"), std::string::npos);

  const Config on = LoadConfig({}, {"cross_section=true", "min_present=3"});
  EXPECT_TRUE(on.cross_section);
  EXPECT_EQ(on.min_present, 3);
  const std::string stored = StoredConfigYaml(on);
  EXPECT_NE(stored.find("\ncross_section: true "), std::string::npos) << stored;
  EXPECT_NE(stored.find("\nmin_present: 3 "), std::string::npos) << stored;
  const Config back = LoadConfigText(stored, "stored");
  EXPECT_TRUE(back.cross_section);
  EXPECT_EQ(back.min_present, 3);
}

TEST(CrossSectionConfig, MinPresentAboveTheTickersNamesBothKeys) {
  EXPECT_EQ(ErrorOf({"cross_section=true", "min_present=5"}),
            "override 'min_present=5': key 'min_present': 5 is more than the 4 tickers of key 'tickers', so no "
            "timestamp could have that many present");
  EXPECT_EQ(ErrorOf({"cross_section=true", "min_present=4"}), "no error");
  EXPECT_EQ(ErrorOf({"cross_section=true", "min_present=0"}),
            "override 'min_present=0': key 'min_present': must be >= 1, got 0");
}

TEST(CrossSectionConfig, MinPresentWithoutCrossSectionIsRefused) {
  EXPECT_EQ(ErrorOf({"min_present=2"}),
            "override 'min_present=2': key 'min_present': 2 counts the tickers of a cross-section, but "
            "cross_section is false (set cross_section: true, or leave min_present at 1)");
  EXPECT_EQ(ErrorOf({"min_present=1"}), "no error");
}

TEST(CrossSectionConfig, BarsStorageIsAcceptedAndKeepsTheOtherRules) {
  // Both storages hold cross-sections: the pair loads and is stored as set.
  const Config bars = LoadConfig({}, {"cross_section=true", "storage=bars", "min_present=2"});
  EXPECT_TRUE(bars.cross_section);
  EXPECT_EQ(bars.storage, Storage::kBars);
  EXPECT_EQ(bars.min_present, 2);
  const Config back = LoadConfigText(StoredConfigYaml(bars), "stored");
  EXPECT_TRUE(back.cross_section);
  EXPECT_EQ(back.storage, Storage::kBars);
  // The cross-section rules still apply with storage: bars.
  EXPECT_EQ(ErrorOf({"cross_section=true", "storage=bars", "min_present=5"}),
            "override 'min_present=5': key 'min_present': 5 is more than the 4 tickers of key 'tickers', so no "
            "timestamp could have that many present");
  EXPECT_EQ(ErrorOf({"storage=bars", "min_present=2"}),
            "override 'min_present=2': key 'min_present': 2 counts the tickers of a cross-section, but "
            "cross_section is false (set cross_section: true, or leave min_present at 1)");
  EXPECT_EQ(ErrorOf({"cross_section=yes"}),
            "override 'cross_section=yes': key 'cross_section': must be one of true | false, got 'yes'");
}

}  // namespace
}  // namespace barforge
