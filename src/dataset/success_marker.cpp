#include "dataset/success_marker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge {

namespace {

void SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("{}: cannot open directory: {}", dir.string(), std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("{}: cannot sync directory: {}", dir.string(), std::strerror(saved)));
}

}  // namespace

bool HasSuccessMarker(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / kSuccessFileName, ec);
}

void WriteSuccessMarker(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / kSuccessFileName;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw IoError(fmt::format("{}: cannot create file: {}", path.string(), std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (rc != 0) throw IoError(fmt::format("{}: cannot sync: {}", path.string(), std::strerror(saved)));
  SyncDirectory(dir);
}

void RemoveSuccessMarker(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::remove(dir / kSuccessFileName, ec) || !ec) return;
  throw IoError(fmt::format("{}: cannot remove: {}", (dir / kSuccessFileName).string(), ec.message()));
}

}  // namespace barforge
