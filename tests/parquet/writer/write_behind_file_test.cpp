// The write-behind thread writes every byte in order, bounds what waits in
// memory, drops what is written back from the page cache, and reports a
// failed write to the caller.

#include <gtest/gtest.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
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

// A file written by one thread in buffers of `sizes`, byte i of buffer k
// being (k * 31 + i) mod 256; returns the expected contents.
std::string WriteBuffers(WriteBehindFile& file, const std::vector<size_t>& sizes) {
  std::string expected;
  for (size_t k = 0; k < sizes.size(); ++k) {
    std::vector<uint8_t> bytes(sizes[k]);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(k * 31 + i);
    expected.append(bytes.begin(), bytes.end());
    file.Write(std::move(bytes));
  }
  file.Flush();
  return expected;
}

// The share of the pages of `path` in [begin, end) that are in the page
// cache (mincore of a mapping that is never touched, so it faults nothing in).
double ResidentShare(const std::filesystem::path& path, int64_t begin, int64_t end) {
  const int64_t page = ::sysconf(_SC_PAGESIZE);
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("open failed");
  const auto size = static_cast<size_t>(std::filesystem::file_size(path));
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) throw std::runtime_error("mmap failed");
  std::vector<unsigned char> resident((size + page - 1) / page);
  const int result = ::mincore(map, size, resident.data());
  ::munmap(map, size);
  if (result != 0) throw std::runtime_error("mincore failed");
  int64_t in_cache = 0;
  for (int64_t p = begin / page; p < end / page; ++p) in_cache += resident[static_cast<size_t>(p)] & 1;
  return static_cast<double>(in_cache) / static_cast<double>(end / page - begin / page);
}

TEST(WriteBehindFile, RangesWrittenBackLeaveThePageCache) {
  TempDir dir;
  struct statfs fs {};
  ASSERT_EQ(::statfs(dir.path().c_str(), &fs), 0);
  if (fs.f_type == TMPFS_MAGIC) GTEST_SKIP() << dir.path() << " is on tmpfs, whose pages are the file itself";
  const auto path = dir / "out.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  constexpr int64_t kRange = 1 << 20;
  static_assert(WriteBehindFile::kRangesInFlight <= 4, "the checks below expect ranges 0-19 dropped");
  std::string expected;
  {
    // Ranges of 1 MiB in buffers that do not divide a range or a page.
    WriteBehindFile file(fd, path, 0, 4 << 20, kRange);
    expected = WriteBuffers(file, std::vector<size_t>(24 * kRange / 65'537 + 1, 65'537));
  }
  const auto size = static_cast<int64_t>(expected.size());
  ASSERT_GT(size, 24 * kRange);
  // 24 ranges of 16 buffers: every range but the last kRangesInFlight (4)
  // was waited for and dropped; the last ones were only handed to
  // writeback, so they are still cached (which shows that mincore sees the
  // written pages at all).
  EXPECT_LT(ResidentShare(path, 0, 20 * kRange), 0.05);
  EXPECT_GT(ResidentShare(path, 23 * kRange, 24 * kRange), 0.5);
  ::close(fd);
  EXPECT_EQ(ReadFile(path), expected);  // read back from the disk
}

TEST(WriteBehindFile, DroppingRangesFromTheCacheKeepsEveryByte) {
  TempDir dir;
  const auto path = dir / "out.bin";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "HEAD", 4), 4);
  std::string expected = "HEAD";
  {
    // Ranges of a few pages and an odd size, buffers across their ends.
    WriteBehindFile file(fd, path, 4, 1 << 16, 3 * 4096 + 5);
    std::vector<size_t> sizes;
    for (int i = 0; i < 400; ++i) sizes.push_back(static_cast<size_t>(i * 977 % 20'000 + 1));
    expected += WriteBuffers(file, sizes);
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
