#pragma once
// An exclusive lock over a folder's outputs, held while a build commits its
// dataset and scaler (and raw files) there, so that two builds never
// interleave their renames (one's dataset beside the other's scaler).
//
// The lock is flock() on "<folder>/.barforge.lock", created when taken and
// removed when released (or by the signal cleanup), so no file stays behind
// but after SIGKILL, and one left then is harmless: its lock is free. A waiter that gets the
// lock of a file its holder already removed sees that the name no longer
// points to its file and takes the lock again on the new one.

#include <filesystem>

namespace barforge::io {

class FolderLock {
 public:
  /// Waits until the folder's lock is free, then holds it. Throws IoError.
  explicit FolderLock(const std::filesystem::path& folder);
  /// Removes the lock file and releases the lock.
  ~FolderLock();
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

  /// "<folder>/.barforge.lock".
  static std::filesystem::path LockPath(const std::filesystem::path& folder);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  int cleanup_slot_ = -1;
};

}  // namespace barforge::io
