// io::FolderLock: one holder at a time, no lock file left behind, and a
// waiter whose lock file the holder removed takes the lock on a new one.

#include "io/folder_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "support/temp_dir.h"

namespace barforge::testing {
namespace {

// Whether someone holds the lock of the file now at `path`.
bool Held(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

TEST(FolderLock, OneHolderAtATimeAndNoFileLeft) {
  TempDir dir;
  const auto path = io::FolderLock::LockPath(dir.path());
  EXPECT_EQ(path, dir / ".barforge.lock");
  std::optional<io::FolderLock> first(std::in_place, dir.path());
  EXPECT_TRUE(Held(path));
  std::atomic<bool> second_holds{false};
  std::thread waiter([&] {
    const io::FolderLock second(dir.path());
    second_holds = true;
    // The waiter's lock is on the file now at the name, not on the one the
    // first holder removed.
    EXPECT_TRUE(Held(path));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(second_holds.load()) << "two holders at once";
  first.reset();
  waiter.join();
  EXPECT_TRUE(second_holds.load());
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace barforge::testing
