#include "io/file_kind.h"

#include <sys/stat.h>

namespace barforge::io {

FileKind KindOf(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return FileKind::kMissing;
  if (S_ISREG(info.st_mode)) return FileKind::kRegular;
  if (S_ISDIR(info.st_mode)) return FileKind::kDirectory;
  if (S_ISFIFO(info.st_mode)) return FileKind::kFifo;
  if (S_ISCHR(info.st_mode)) return FileKind::kCharacterDevice;
  if (S_ISBLK(info.st_mode)) return FileKind::kBlockDevice;
  if (S_ISSOCK(info.st_mode)) return FileKind::kSocket;
  return FileKind::kOther;
}

std::string_view KindName(FileKind kind) {
  switch (kind) {
    case FileKind::kMissing: return "missing";
    case FileKind::kRegular: return "a regular file";
    case FileKind::kDirectory: return "a directory";
    case FileKind::kFifo: return "a FIFO (named pipe)";
    case FileKind::kCharacterDevice: return "a character device";
    case FileKind::kBlockDevice: return "a block device";
    case FileKind::kSocket: return "a socket";
    case FileKind::kOther: break;
  }
  return "not a regular file";
}

}  // namespace barforge::io
