// `inspect` and `validate` refuse a FIFO or a device at once,
// saying what the path is, instead of waiting in open() for a writer.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "support/barforge_cli.h"

namespace barforge::testing {
namespace {

TEST(NonRegularInputTest, InspectAndValidateRefuseWithoutBlocking) {
  TempDir dir;
  const std::filesystem::path fifo = dir / "pipe.parquet";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  struct Case {
    std::string path;
    std::string what;
  };
  // (A directory is a dataset in parts for these two commands.)
  const Case cases[] = {{fifo.string(), "a FIFO (named pipe)"}, {"/dev/null", "a character device"}};
  for (const Case& c : cases) {
    for (const char* command : {"inspect", "validate"}) {
      // `timeout` ends the command should it block (exit 124).
      const CommandResult result = RunCommand("timeout 20 " + ShellQuote(BarforgeBinary()) + " " + command + " " +
                                              ShellQuote(c.path));
      EXPECT_EQ(result.exit_code, 1) << command << " " << c.path << ": " << result.err;
      EXPECT_EQ(result.err,
                "barforge: error: cannot read " + c.path + ": it is " + c.what + ", not a regular file\n")
          << command;
    }
  }
}

}  // namespace
}  // namespace barforge::testing
