// A cross-sectional dataset is built by one process: --shard and MPI ranks
// are refused before any work, with one message.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/barforge_cli.h"
#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

constexpr const char* kRefusal =
    "cross_section: true: a cross-sectional dataset is built by one process for now (build it without --shard or "
    "MPI ranks)";

TEST(CrossSectionParts, ShardsAreRefusedBeforeAnyWork) {
  TempDir dir;
  WriteConfig(dir.path(), std::string(kTwoTickerConfig) + "cross_section: true\n");
  const CommandResult result = RunBarforge(dir.path(), "build --config config.yaml --quiet --shard 0/2");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err, std::string("barforge: error: ") + kRefusal + "\n");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "data"));
}

#if BARFORGE_WITH_MPI
TEST(CrossSectionParts, MpiRanksAreRefused) {
  TempDir dir;
  WriteConfig(dir.path(), std::string(kTwoTickerConfig) + "cross_section: true\n");
  const CommandResult result = RunCommand("cd " + ShellQuote(dir.path().string()) + " && " + Mpirun(2) +
                                          ShellQuote(BarforgeBinary()) + " build --config config.yaml --quiet");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find(std::string("barforge: error: rank 0: ") + kRefusal), std::string::npos) << result.err;
}
#endif

}  // namespace
}  // namespace barforge::testing
