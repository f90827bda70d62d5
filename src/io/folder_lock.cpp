#include "io/folder_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "barforge/error.h"
#include "io/signal_cleanup.h"

namespace barforge::io {

std::filesystem::path FolderLock::LockPath(const std::filesystem::path& folder) {
  return (folder.empty() ? std::filesystem::path(".") : folder) / ".barforge.lock";
}

FolderLock::FolderLock(const std::filesystem::path& folder) : path_(LockPath(folder)) {
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw IoError(fmt::format("{}: cannot create the lock file: {}", path_.string(), std::strerror(errno)));
    }
    int locked = 0;
    while ((locked = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (locked != 0) {
      const std::string reason = std::strerror(errno);
      ::close(fd_);
      throw IoError(fmt::format("{}: cannot lock: {}", path_.string(), reason));
    }
    // The holder before us may have removed the name: then our lock is on a
    // file nobody else will see, and the lock is taken again.
    struct stat opened {};
    struct stat named {};
    if (::fstat(fd_, &opened) == 0 && ::lstat(path_.c_str(), &named) == 0 && opened.st_ino == named.st_ino &&
        opened.st_dev == named.st_dev) {
      // A signal that ends the process removes it with the temporaries.
      cleanup_slot_ = RegisterTemporary(path_);
      return;
    }
    ::close(fd_);
  }
}

FolderLock::~FolderLock() {
  // Removed while still held: a waiter then finds the name gone or new.
  UnregisterTemporary(cleanup_slot_);
  ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace barforge::io
