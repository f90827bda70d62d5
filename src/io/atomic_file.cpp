#include "io/atomic_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <functional>
#include <optional>
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
  // A signal waits until the temporary is registered for removal.
  std::optional<CleanupSignalsBlocked> blocked(std::in_place);
  // A few tries: a name taken by chance (or planted) is skipped, not used.
  for (int attempt = 0; attempt < 8; ++attempt) {
    temporary_path_ = FolderOf(path_) / fmt::format("{}{}{}-{:016x}", path_.filename().string(), kTemporaryInfix,
                                                    ::getpid(), RandomSuffix());
    fd_ = ::open(temporary_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ >= 0 || errno != EEXIST) break;
  }
  const std::string reason = Reason();
  if (fd_ >= 0) {
    // Held until the file is committed or removed: tells later runs the owner lives.
    ::flock(fd_, LOCK_EX | LOCK_NB);
    cleanup_slot_ = RegisterTemporary(temporary_path_);
  }
  blocked.reset();
  if (fd_ < 0) throw IoError(fmt::format("{}: cannot create file: {}", temporary_path_.string(), reason));
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

bool IsTemporaryName(std::string_view filename) {
  const size_t infix = filename.rfind(kTemporaryInfix);
  if (infix == std::string_view::npos || infix == 0) return false;
  const std::string_view tail = filename.substr(infix + kTemporaryInfix.size());
  const size_t dash = tail.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 10) return false;
  const std::string_view pid = tail.substr(0, dash);
  const std::string_view random = tail.substr(dash + 1);
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto is_hex = [&](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); };
  return std::all_of(pid.begin(), pid.end(), is_digit) && random.size() == 16 &&
         std::all_of(random.begin(), random.end(), is_hex);
}

namespace {

// The PID a temporary's name carries (IsTemporaryName holds).
pid_t OwnerPid(const std::string& filename) {
  const size_t start = filename.rfind(kTemporaryInfix) + kTemporaryInfix.size();
  return static_cast<pid_t>(std::stol(filename.substr(start, filename.find('-', start) - start)));
}

// Whether process `pid` runs: it exists and is not a zombie (a process
// killed outright whose parent died with it may stay a zombie for as long
// as its new parent does not reap it; it holds no lock and writes nothing).
bool ProcessRuns(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;  // no /proc: trust kill()
  const size_t name_end = line.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= line.size()) return true;
  const char state = line[name_end + 2];
  return state != 'Z' && state != 'X';
}

// Removes `candidate` if it is a leftover of a dead run: a regular file
// (never a symlink) whose lock is free, unless its PID lives and it was
// modified just now (its owner may be between open() and flock()), and only
// if the name still points to the file that was locked.
bool RemoveIfStale(const std::filesystem::path& candidate) {
  const int fd = ::open(candidate.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;  // a symlink or gone: not ours to remove
  bool removed = false;
  struct stat opened {};
  struct stat named {};
  if (::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
    const pid_t pid = OwnerPid(candidate.filename().string());
    const bool alive = ProcessRuns(pid);
    const bool fresh = ::time(nullptr) - opened.st_mtime < 5;
    if (!(alive && fresh) && ::lstat(candidate.c_str(), &named) == 0 && named.st_ino == opened.st_ino &&
        named.st_dev == opened.st_dev && ::unlink(candidate.c_str()) == 0) {
      removed = true;
    }
  }
  ::close(fd);
  return removed;
}

std::vector<std::filesystem::path> RemoveStaleMatching(const std::filesystem::path& folder,
                                                       const std::function<bool(const std::string&)>& wanted) {
  std::vector<std::filesystem::path> removed;
  std::error_code ec;
  std::filesystem::directory_iterator it(folder, ec);
  if (ec) return removed;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::filesystem::path candidate = it->path();
    const std::string name = candidate.filename().string();
    if (IsTemporaryName(name) && wanted(name) && RemoveIfStale(candidate)) removed.push_back(candidate);
  }
  std::sort(removed.begin(), removed.end());
  if (!removed.empty()) SyncParentFolder(removed.front());
  return removed;
}

}  // namespace

std::vector<std::filesystem::path> RemoveStaleTemporaries(const std::filesystem::path& path) {
  const std::string prefix = path.filename().string() + std::string(kTemporaryInfix);
  return RemoveStaleMatching(FolderOf(path), [&](const std::string& name) {
    // The exact pattern for this name: the rest holds no further ".tmp-".
    return name.rfind(prefix, 0) == 0 && name.find(kTemporaryInfix, prefix.size()) == std::string::npos;
  });
}

std::vector<std::filesystem::path> RemoveStaleTemporariesIn(const std::filesystem::path& folder) {
  return RemoveStaleMatching(folder, [](const std::string&) { return true; });
}

void SyncParentFolder(const std::filesystem::path& path) {
  const int dir_fd = ::open(FolderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace barforge::io
