// The happy paths of synth, build (--json), inspect and validate.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

constexpr const char* kConfig = R"(data_dir: out
tickers: [AAA, BBB]
synthetic: {n_bars: 800}
window: 8
horizon: 4
n_samples: 2500
chunk_rows: 1000
parquet_compression: snappy
)";

TEST(CliCommands, SynthThenBuildThenInspectThenValidate) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);

  const CommandResult synth = RunBarforge(dir.path(), "synth --config config.yaml");
  ASSERT_EQ(synth.exit_code, 0) << synth.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "out/raw_AAA.parquet"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out/raw_BBB.parquet"));
  const std::string raw_before = ReadFile(dir / "out/raw_AAA.parquet");

  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --json");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  const auto summary = nlohmann::json::parse(build.out);
  EXPECT_EQ(summary["rows"], 2500);
  EXPECT_EQ(summary["row_groups"], 3);
  EXPECT_EQ(summary["bytes"], std::filesystem::file_size(dir / "out/samples_2500.parquet"));
  EXPECT_GT(summary["peak_rss_bytes"].get<int64_t>(), 0);
  for (const char* stage : {"sampling", "features", "scaling", "rewards", "encoding", "writing"}) {
    EXPECT_TRUE(summary["stages"].contains(stage)) << stage;
  }
  ASSERT_EQ(summary["tickers"].size(), 2u);
  EXPECT_EQ(summary["tickers"][0]["bars"], 800);
  EXPECT_EQ(summary["tickers"][0]["generated"], false) << "synth's file must be reused";
  EXPECT_EQ(ReadFile(dir / "out/raw_AAA.parquet"), raw_before);
  EXPECT_TRUE(std::filesystem::exists(dir / "out/meta_scaler.json"));

  const CommandResult inspect = RunBarforge(dir.path(), "inspect out/samples_2500.parquet");
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  for (const char* needle : {"rows:        2500", "row groups:  3", "SNAPPY", "ohlc", "barforge.scaler",
                             "barforge.config", "LIST<FLOAT>"}) {
    EXPECT_NE(inspect.out.find(needle), std::string::npos) << needle << "\n" << inspect.out;
  }

  const CommandResult validate = RunBarforge(dir.path(), "validate --json out/samples_2500.parquet");
  ASSERT_EQ(validate.exit_code, 0) << validate.err;
  const auto report = nlohmann::json::parse(validate.out);
  EXPECT_EQ(report["rows"], 2500);
  EXPECT_EQ(report["window"], 8);
  EXPECT_EQ(report["float_values"], 2500 * (5 * 8 + 6 + 3 + 1));
}

TEST(CliCommands, SamplesFileNameFollowsTheCount) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  const CommandResult build = RunBarforge(dir.path(), "build --config config.yaml --quiet --samples 3000");
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "out/samples_3K.parquet"));
  EXPECT_TRUE(build.out.empty()) << "--quiet printed: " << build.out;
}

TEST(CliCommands, ValidateRejectsAFileThatIsNotASamplesFile) {
  TempDir dir;
  WriteConfig(dir.path(), kConfig);
  ASSERT_EQ(RunBarforge(dir.path(), "synth --config config.yaml --quiet").exit_code, 0);
  const CommandResult validate = RunBarforge(dir.path(), "validate out/raw_AAA.parquet");
  EXPECT_EQ(validate.exit_code, 1);
  EXPECT_NE(validate.err.find("raw_AAA.parquet"), std::string::npos) << validate.err;
}

}  // namespace
}  // namespace barforge::testing
