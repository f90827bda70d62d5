// Every bad invocation gives one clear line on stderr, a non-zero exit and
// no output file.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {


class CliErrors : public ::testing::Test {
 protected:
  void SetUp() override { WriteConfig(dir_.path(), kTwoTickerConfig); }

  // Runs build with extra args; expects failure naming `needle`, one stderr
  // line, and no samples file.
  void ExpectBuildFails(const std::string& args, const std::string& needle) {
    const CommandResult result = RunBarforge(dir_.path(), "build --config config.yaml --quiet " + args);
    EXPECT_EQ(result.exit_code, 1) << args << "\n" << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << args << " -> " << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "more than one line: " << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "data/samples_300.parquet")) << args;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "data/meta_scaler.json")) << args;
  }

  TempDir dir_;
};

TEST_F(CliErrors, BadConfigValuesNameTheKey) {
  ExpectBuildFails("--set window=1", "window");
  ExpectBuildFails("--set horizon=0", "horizon");
  ExpectBuildFails("--set n_samples=0", "n_samples");
  ExpectBuildFails("--set fee_bps=-1", "fee_bps");
  ExpectBuildFails("--set parquet_compression=brotli", "parquet_compression");
  ExpectBuildFails("--set chunk_rows=0", "chunk_rows");
  ExpectBuildFails("--set no_such_key=3", "no_such_key");
  ExpectBuildFails("--set window=abc", "window");
  ExpectBuildFails("--set synthetic.n_bars=ten", "synthetic.n_bars");
}

TEST_F(CliErrors, UnknownKeyInTheFileNamesKeyAndFile) {
  WriteConfig(dir_.path(), std::string(kTwoTickerConfig) + "windw: 16\n", "typo.yaml");
  const CommandResult result = RunBarforge(dir_.path(), "build --config typo.yaml --quiet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("windw"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("typo.yaml"), std::string::npos) << result.err;
}

TEST_F(CliErrors, MissingConfigFile) {
  const CommandResult result = RunBarforge(dir_.path(), "build --config nowhere.yaml --quiet");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("nowhere.yaml"), std::string::npos) << result.err;
}

TEST_F(CliErrors, ExistingOutputNeedsOverwrite) {
  ASSERT_EQ(RunBarforge(dir_.path(), "build --config config.yaml --quiet").exit_code, 0);
  const auto output = dir_ / "data/samples_300.parquet";
  const auto before = std::filesystem::last_write_time(output);
  const CommandResult again = RunBarforge(dir_.path(), "build --config config.yaml --quiet");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--overwrite"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("samples_300.parquet"), std::string::npos) << again.err;
  EXPECT_EQ(std::filesystem::last_write_time(output), before);
  EXPECT_EQ(RunBarforge(dir_.path(), "build --config config.yaml --quiet --overwrite").exit_code, 0);
  const CommandResult skipped = RunBarforge(dir_.path(), "build --config config.yaml --skip-existing");
  EXPECT_EQ(skipped.exit_code, 0);
  EXPECT_NE(skipped.out.find("nothing to do"), std::string::npos) << skipped.out;
}

TEST_F(CliErrors, UnwritableDataDir) {
  // A path under a regular file cannot be created, even by root.
  WriteConfig(dir_.path(), "not a directory", "blocker");
  ExpectBuildFails("--set data_dir=blocker/data", "blocker");
}

TEST_F(CliErrors, FilesSourceWithMissingRawFile) {
  ExpectBuildFails("--set source=files", "raw_AAA.parquet");
}

TEST_F(CliErrors, UsageErrorsExitTwo) {
  EXPECT_EQ(RunBarforge(dir_.path(), "").exit_code, 2);
  EXPECT_EQ(RunBarforge(dir_.path(), "frobnicate").exit_code, 2);
  EXPECT_EQ(RunBarforge(dir_.path(), "build --samples notanumber").exit_code, 2);
  EXPECT_EQ(RunBarforge(dir_.path(), "build --help").exit_code, 0);
}

TEST_F(CliErrors, InspectAndValidateRefuseNonParquet) {
  WriteConfig(dir_.path(), "this is not parquet at all", "bogus.parquet");
  for (const char* command : {"inspect", "validate"}) {
    const CommandResult result = RunBarforge(dir_.path(), std::string(command) + " bogus.parquet");
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_NE(result.err.find("bogus.parquet"), std::string::npos) << command << ": " << result.err;
  }
  const CommandResult missing = RunBarforge(dir_.path(), "inspect absent.parquet");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("absent.parquet"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace barforge::testing
