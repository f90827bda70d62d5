#include "parquet/reader/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "barforge/error.h"

namespace barforge::parquet::reader {
namespace {

std::string_view KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

[[noreturn]] void RefuseNonRegular(const std::filesystem::path& path, mode_t mode) {
  throw IoError(fmt::format("cannot read {}: it is {}, not a regular file", path.string(), KindOf(mode)));
}

// open() or stat() failed with `err`: NotFoundError when nothing is there.
[[noreturn]] void RefuseOpen(const std::filesystem::path& path, int err) {
  const std::string message = fmt::format("cannot open {}: {}", path.string(), std::strerror(err));
  if (err == ENOENT) throw NotFoundError(message);
  throw IoError(message);
}

}  // namespace

FileSource::FileSource(const std::filesystem::path& path) : path_(path) {
  // Looked at before opening: open() of a FIFO waits for a writer, forever.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) RefuseOpen(path, errno);
  if (!S_ISREG(st.st_mode)) RefuseNonRegular(path, st.st_mode);
  // O_NONBLOCK: a FIFO put in the file's place meanwhile still cannot block
  // open(), and fstat below refuses it. Regular files ignore the flag.
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) RefuseOpen(path, errno);
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    throw IoError(fmt::format("cannot stat {}: {}", path.string(), std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    RefuseNonRegular(path, st.st_mode);
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<uint8_t> FileSource::Read(uint64_t offset, uint64_t length) const {
  std::vector<uint8_t> out(length);
  ReadInto(offset, out);
  return out;
}

void FileSource::ReadInto(uint64_t offset, std::span<uint8_t> out) const {
  const uint64_t length = out.size();
  uint64_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("cannot read {} at byte offset {}: {}", path_.string(), offset + done,
                                std::strerror(errno)));
    }
    if (got == 0) {
      throw ParquetError(fmt::format("{}: file ends at byte offset {} while reading {} bytes at {}", path_.string(),
                                     offset + done, length, offset));
    }
    done += static_cast<uint64_t>(got);
  }
}

}  // namespace barforge::parquet::reader
