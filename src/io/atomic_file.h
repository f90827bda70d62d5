#pragma once
// One way to write an output file: under a temporary name beside it, made
// durable (fsync of the file and of its folder) and visible only by an
// atomic rename. Nothing incomplete ever appears at the final name.
//
// Temporaries are named "<final name>.tmp-<pid>-<16 lower-case hex digits>"
// (exactly that: barforge's temporary namespace), created with
// O_CREAT|O_EXCL|O_NOFOLLOW (a planted file or symlink is never written
// through), and hold an exclusive flock() while their owner lives: a later
// run tells a dead owner's leftover from a live one by that lock, whatever
// the PIDs (containers reuse them), and removes it. A name that only starts
// like one ("x.parquet.tmp-backup") is never touched.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace barforge::io {

class AtomicFile {
 public:
  /// Creates the temporary beside `path` (same folder). Throws IoError.
  explicit AtomicFile(std::filesystem::path path);
  /// Without Commit(), removes the temporary.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// The temporary's descriptor, open for writing; valid until Commit() or
  /// Abandon(). Writes may come from any thread.
  int fd() const { return fd_; }
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temporary_path() const { return temporary_path_; }

  /// Writes all of `bytes` at the current offset. Throws IoError.
  void Write(std::string_view bytes);

  /// fsyncs the temporary, renames it to path() and fsyncs the folder.
  /// With `replace` false the rename fails if path() exists by then (another
  /// run created it meanwhile): IoError "<path>: already exists (use
  /// --overwrite to replace it)", and the temporary is removed. Any failure
  /// removes the temporary. Throws IoError.
  void Commit(bool replace);

  /// Removes the temporary now (idempotent; never throws).
  void Abandon() noexcept;

 private:
  std::filesystem::path path_;
  std::filesystem::path temporary_path_;
  int fd_ = -1;
  int cleanup_slot_ = -1;
  bool committed_ = false;
};

/// Writes `contents` to `path` through an AtomicFile. Throws IoError.
void WriteFileAtomically(const std::filesystem::path& path, std::string_view contents, bool replace);

/// True for a file name of barforge's temporary pattern,
/// "<name>.tmp-<decimal pid>-<16 lower-case hex digits>" (<name> not empty).
bool IsTemporaryName(std::string_view filename);

/// Removes the temporaries of `path` left by runs that died (SIGKILL, power
/// loss): regular files named by the exact pattern for `path` whose lock
/// nobody holds. A lock-free file whose PID is alive and that was modified
/// in the last few seconds is kept (its owner may be between creating and
/// locking it). Returns the removed names.
std::vector<std::filesystem::path> RemoveStaleTemporaries(const std::filesystem::path& path);

/// The same for every temporary in `folder`, whatever its final name (those
/// of builds of another sample count, of a killed `transform --all`).
std::vector<std::filesystem::path> RemoveStaleTemporariesIn(const std::filesystem::path& folder);

/// fsyncs the folder holding `path` (best effort: a folder that cannot be
/// opened is skipped). Makes a rename or unlink in it durable.
void SyncParentFolder(const std::filesystem::path& path);

}  // namespace barforge::io
