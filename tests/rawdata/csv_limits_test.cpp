// CSV rows with more fields than the header are refused (an unquoted
// thousands separator would otherwise be read silently), and a file that
// shrinks while it is read is an error, never a crash (SIGBUS).

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "barforge/error.h"
#include "rawdata/csv_reader.h"
#include "support/temp_dir.h"

namespace barforge {
namespace {

std::string DataErrorOf(std::string_view text) {
  try {
    ParseCsvColumns(text, "bars.csv", "timestamp", {"open", "volume"}, CsvOptions{});
  } catch (const DataError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(CsvLimits, RowWithMoreFieldsThanTheHeaderIsRefused) {
  EXPECT_EQ(DataErrorOf("timestamp,open,volume\n2020-01-01,1.5,7\n2020-01-02,1.5,1,000\n"),
            "bars.csv: row 3: 4 fields, the header has 3");
  EXPECT_EQ(DataErrorOf("timestamp,open,volume\n2020-01-01,1.5\n"), "bars.csv: row 2: 2 fields, the header has 3");
  EXPECT_EQ(DataErrorOf("timestamp,open,volume\n2020-01-01,\"1,5\",1000\n"),
            "bars.csv: row 2, column 'open': cannot parse '1,5' as a number (a decimal comma: numbers must use '.' "
            "as the decimal point; export the file with '.' decimals)");
  EXPECT_EQ(DataErrorOf("timestamp,open,volume\n2020-01-01,1.5,1000\n"), "accepted");
}

// Truncates the file over and over while a child process reads it. With a
// memory-mapped read the child dies of SIGBUS; it must only ever see the
// whole file or the error.
TEST(CsvLimits, FileShrinkingWhileReadIsAnErrorNotACrash) {
  testing::TempDir dir;
  const std::filesystem::path path = dir / "bars.csv";
  std::string text = "timestamp,open,volume\n";
  for (int i = 0; i < 200000; ++i) text += std::to_string(1600000000 + 60 * i) + ",1.25,1000\n";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int status = 0;
    for (int round = 0; round < 20 && status == 0; ++round) {
      std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
      std::atomic<bool> reading{true};
      std::thread shrink([&] {
        for (int k = 0; k < 200 && reading.load(); ++k) {
          ::truncate(path.c_str(), static_cast<off_t>(text.size() / 2 - static_cast<size_t>(k) * 1000));
          std::this_thread::sleep_for(std::chrono::microseconds(50));
        }
      });
      try {
        const CsvColumns columns = ReadCsvColumns(path, "timestamp", {"open", "volume"}, CsvOptions{});
        (void)columns;
      } catch (const DataError& e) {
        const std::string message = e.what();
        // Shortened between stat and read, or cut mid-row by the shrink.
        if (message.find("file changed while being read") == std::string::npos &&
            message.find("bars.csv: row") == std::string::npos) {
          status = 3;
        }
      }
      reading = false;
      shrink.join();
    }
    ::_exit(status);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_FALSE(WIFSIGNALED(status)) << "the reader died of signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace barforge
