// Config messages say what to fix: the nearest key for a typo, both lines
// of a duplicate key, the flag the user wrote, the key said once.

#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <fstream>
#include <string>

#include "barforge/config.h"
#include "barforge/error.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

std::string ErrorOf(const std::string& yaml, const std::vector<std::string>& overrides = {},
                    const std::vector<std::string>& origins = {}) {
  testing::TempDir dir;
  const auto file = dir / "c.yaml";
  std::ofstream(file) << yaml;
  try {
    LoadConfig(yaml.empty() ? std::filesystem::path() : file, overrides, origins);
  } catch (const ConfigError& e) {
    std::string message = e.what();
    const std::string prefix = file.string();
    if (message.rfind(prefix, 0) == 0) message = "c.yaml" + message.substr(prefix.size());
    return message;
  }
  return "no error";
}

TEST(ConfigMessages, UnknownKeySuggestsTheNearest) {
  EXPECT_EQ(ErrorOf("windw: 16\n"), "c.yaml: unknown key 'windw' (did you mean `window`?)");
  EXPECT_EQ(ErrorOf("", {"horizn=3"}), "override 'horizn=3': unknown key 'horizn' (did you mean `horizon`?)");
  EXPECT_EQ(ErrorOf("synthetic: {nbars: 10}\n"),
            "c.yaml: unknown key 'synthetic.nbars' (did you mean `synthetic.n_bars`?)");
  // A nested key named without its group.
  EXPECT_EQ(ErrorOf("n_bars: 1000\n"), "c.yaml: unknown key 'n_bars' (did you mean `synthetic.n_bars`?)");
  // Nothing near: no guess.
  EXPECT_EQ(ErrorOf("colour: blue\n"), "c.yaml: unknown key 'colour'");
}

TEST(ConfigMessages, DuplicateKeysNameBothLines) {
  EXPECT_EQ(ErrorOf("window: 8\nhorizon: 4\nwindow: 16\n"),
            "c.yaml: key 'window' is set twice, on line 1 and line 3; keep one");
  EXPECT_EQ(ErrorOf("synthetic:\n  n_bars: 10\n  bar_seconds: 60\n  n_bars: 20\n"),
            "c.yaml: key 'synthetic.n_bars' is set twice, on line 2 and line 4; keep one");
}

TEST(ConfigMessages, OverridesAreNamedAsWritten) {
  EXPECT_EQ(ErrorOf("", {"n_samples=-5"}, {"--samples -5"}), "--samples -5: key 'n_samples': must be in [1, 10000000000], got -5");
  EXPECT_EQ(ErrorOf("", {"window=1"}, {"--set window=1"}), "--set window=1: key 'window': must be >= 2, got 1");
}

TEST(ConfigMessages, CompressionLevelSaysTheKeyOnce) {
  const std::string message = ErrorOf("", {"compression_level=30"}, {"--set compression_level=30"});
  EXPECT_THAT(message, ::testing::StartsWith("--set compression_level=30: key 'compression_level': 30 is out of "
                                             "range for zstd ("));
  EXPECT_THAT(message, ::testing::EndsWith(") (parquet_compression: zstd)"));
  EXPECT_EQ(message.find("compression_level:"), message.rfind("compression_level:")) << message;
  EXPECT_EQ(ErrorOf("", {"parquet_compression=gzip", "compression_level=10"}),
            "override 'compression_level=10': key 'compression_level': 10 is out of range for gzip (1..9) "
            "(parquet_compression: gzip)");
}

}  // namespace
}  // namespace barforge
