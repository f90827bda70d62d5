// The write-behind thread writes every byte in order, bounds what waits in
// memory, and reports a failed write to the caller.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "barforge/error.h"
#include "parquet/writer/write_behind_file.h"
#include "support/barforge_cli.h"

namespace barforge::parquet {
namespace {

using barforge::testing::ReadFile;
using barforge::testing::TempDir;

TEST(WriteBehindFile, WritesEveryBufferInOrder) {
  TempDir dir;
  const auto path = dir / "out.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "HEAD", 4), 4);
  std::string expected = "HEAD";
  {
    // A cap smaller than most buffers: Write() must wait, never reorder.
    WriteBehindFile file(fd, path, 4, 1000);
    for (int i = 0; i < 3000; ++i) {
      std::vector<uint8_t> bytes(static_cast<size_t>(i % 1500 + (i % 7 == 0 ? 0 : 1)));
      for (size_t k = 0; k < bytes.size(); ++k) bytes[k] = static_cast<uint8_t>(i * 31 + static_cast<int>(k));
      expected.append(bytes.begin(), bytes.end());
      file.Write(std::move(bytes));
    }
    file.Flush();
    EXPECT_EQ(ReadFile(path), expected);
  }
  ::close(fd);
  EXPECT_EQ(ReadFile(path), expected);
}

TEST(WriteBehindFile, AFailedWriteIsReportedWithThePath) {
  TempDir dir;
  const auto path = dir / "read-only.bin";
  barforge::testing::WriteConfig(dir.path(), "x", "read-only.bin");
  const int fd = ::open(path.c_str(), O_RDONLY);  // write() fails with EBADF
  ASSERT_GE(fd, 0);
  WriteBehindFile file(fd, path, 0, 1 << 20);
  file.Write(std::vector<uint8_t>(100, 1));
  try {
    file.Flush();
    FAIL() << "no error";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("read-only.bin: write failed"), std::string::npos) << what;
  }
  EXPECT_THROW(file.Write(std::vector<uint8_t>(1, 1)), IoError);
  file.Stop();
  EXPECT_THROW(file.Flush(), IoError);
  ::close(fd);
}

}  // namespace
}  // namespace barforge::parquet
