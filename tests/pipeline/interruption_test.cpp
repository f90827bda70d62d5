// A build killed with SIGKILL leaves nothing at the final name, and a rerun
// succeeds.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "support/barforge_cli.h"

extern char** environ;

namespace barforge::testing {
namespace {

bool HasTemporaryOutput(const std::filesystem::path& dir) {
  if (!std::filesystem::exists(dir)) return false;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("samples_", 0) == 0 && name != "samples_300K.parquet") return true;
  }
  return false;
}

TEST(Interruption, SigkillLeavesNoFinalFileAndRerunSucceeds) {
  TempDir dir;
  WriteConfig(dir.path(), "data_dir: data\ntickers: [AAA]\nsynthetic: {n_bars: 20000}\nn_samples: 300000\n"
                          "chunk_rows: 20000\n");
  const std::string binary = BarforgeBinary();
  const std::string config = (dir / "config.yaml").string();
  std::vector<std::string> args = {binary, "build", "--config", config, "--quiet", "--set",
                                   "data_dir=" + (dir / "data").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(), environ), 0);

  // Wait until the temporary samples file exists (the run is mid-write).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!HasTemporaryOutput(dir / "data") && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(HasTemporaryOutput(dir / "data")) << "the build never started writing";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the build finished before it could be killed; make it larger";
  EXPECT_FALSE(std::filesystem::exists(dir / "data/samples_300K.parquet"));

  const CommandResult rerun = RunBarforge(dir.path(), "build --config config.yaml --quiet");
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "data/samples_300K.parquet"));
  const CommandResult validate = RunBarforge(dir.path(), "validate data/samples_300K.parquet");
  EXPECT_EQ(validate.exit_code, 0) << validate.err;
}

}  // namespace
}  // namespace barforge::testing
