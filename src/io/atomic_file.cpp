#include "io/atomic_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "barforge/error.h"
#include "io/signal_cleanup.h"

namespace barforge::io {

namespace {

constexpr std::string_view kTemporaryInfix = ".tmp-";

std::string Reason() { return std::strerror(errno); }

uint64_t RandomSuffix() {
  uint64_t value = 0;
  if (::getrandom(&value, sizeof value, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof value)) {
    // No entropy yet (early boot): time and address still differ per run.
    value = static_cast<uint64_t>(::time(nullptr)) * 0x9E3779B97F4A7C15ULL ^
            reinterpret_cast<uintptr_t>(&value) ^ static_cast<uint64_t>(::getpid());
  }
  return value;
}

std::filesystem::path FolderOf(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

// rename() that fails with EEXIST when `to` exists.
int RenameNoReplace(const char* from, const char* to) {
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The file system cannot do it atomically: link fails if `to` exists.
  if (::link(from, to) != 0) return -1;
  ::unlink(from);
  return 0;
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path path) : path_(std::move(path)) {
  // SIGINT and SIGTERM wait until the temporary is registered for removal.
  sigset_t block, previous;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &previous);
  // A few tries: a name taken by chance (or planted) is skipped, not used.
  for (int attempt = 0; attempt < 8; ++attempt) {
    temporary_path_ = FolderOf(path_) / fmt::format("{}{}{}-{:016x}", path_.filename().string(), kTemporaryInfix,
                                                    ::getpid(), RandomSuffix());
    fd_ = ::open(temporary_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  const std::string reason = Reason();
  if (fd_ >= 0) cleanup_slot_ = RegisterTemporary(temporary_path_);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (fd_ < 0) throw IoError(fmt::format("{}: cannot create file: {}", temporary_path_.string(), reason));
  // Held until the file is committed or removed: tells later runs the owner lives.
  ::flock(fd_, LOCK_EX | LOCK_NB);
}

AtomicFile::~AtomicFile() {
  if (!committed_) Abandon();
}

void AtomicFile::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("{}: write failed: {}", temporary_path_.string(), Reason()));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
}

void AtomicFile::Commit(bool replace) {
  if (committed_ || fd_ < 0) throw IoError(fmt::format("{}: file already committed or abandoned", path_.string()));
  try {
    if (::fsync(fd_) != 0) throw IoError(fmt::format("{}: fsync failed: {}", temporary_path_.string(), Reason()));
    const int result = replace ? ::rename(temporary_path_.c_str(), path_.c_str())
                               : RenameNoReplace(temporary_path_.c_str(), path_.c_str());
    if (result != 0) {
      if (errno == EEXIST) {
        throw AlreadyExistsError(fmt::format("{}: already exists (use --overwrite to replace it)", path_.string()));
      }
      throw IoError(fmt::format("{}: cannot rename into place: {}", path_.string(), Reason()));
    }
  } catch (...) {
    Abandon();
    throw;
  }
  committed_ = true;
  UnregisterTemporary(cleanup_slot_);
  cleanup_slot_ = -1;
  // Closed only now: the lock stays until the temporary name is gone.
  const int fd = fd_;
  fd_ = -1;
  const int closed = ::close(fd);
  SyncParentFolder(path_);
  if (closed != 0) throw IoError(fmt::format("{}: close failed: {}", path_.string(), Reason()));
}

void AtomicFile::Abandon() noexcept {
  if (fd_ >= 0) {
    ::unlink(temporary_path_.c_str());
    ::close(fd_);
    fd_ = -1;
  }
  UnregisterTemporary(cleanup_slot_);
  cleanup_slot_ = -1;
}

void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents, bool replace) {
  AtomicFile file(path);
  file.Write(contents);
  file.Commit(replace);
}

std::vector<std::filesystem::path> RemoveStaleTemporaries(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> removed;
  const std::string prefix = path.filename().string() + std::string(kTemporaryInfix);
  std::error_code ec;
  std::filesystem::directory_iterator it(FolderOf(path), ec);
  if (ec) return removed;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::filesystem::path candidate = it->path();
    if (candidate.filename().string().rfind(prefix, 0) != 0) continue;
    const int fd = ::open(candidate.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;  // a symlink or gone: not ours to remove
    struct stat opened {};
    struct stat named {};
    // Only a regular file whose lock is free (its owner is dead), and only
    // if the name still points to the file that was locked.
    if (::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::lstat(candidate.c_str(), &named) == 0 && named.st_ino == opened.st_ino && named.st_dev == opened.st_dev &&
        ::unlink(candidate.c_str()) == 0) {
      removed.push_back(candidate);
    }
    ::close(fd);
  }
  if (!removed.empty()) SyncParentFolder(path);
  return removed;
}

void SyncParentFolder(const std::filesystem::path& path) {
  const int dir_fd = ::open(FolderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace barforge::io
