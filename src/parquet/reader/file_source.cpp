#include "parquet/reader/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "barforge/error.h"

namespace barforge::parquet::reader {

FileSource::FileSource(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw IoError("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int err = errno;
    ::close(fd_);
    throw IoError("cannot stat " + path.string() + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw IoError("cannot read " + path.string() + ": not a regular file");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<uint8_t> FileSource::Read(uint64_t offset, uint64_t length) const {
  std::vector<uint8_t> out(length);
  uint64_t done = 0;
  while (done < length) {
    const ssize_t got = ::pread(fd_, out.data() + done, length - done, static_cast<off_t>(offset + done));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IoError("cannot read " + path_.string() + " at byte offset " + std::to_string(offset + done) + ": " +
                    std::strerror(errno));
    }
    if (got == 0) {
      throw ParquetError(path_.string() + ": file ends at byte offset " + std::to_string(offset + done) +
                         " while reading " + std::to_string(length) + " bytes at " + std::to_string(offset));
    }
    done += static_cast<uint64_t>(got);
  }
  return out;
}

}  // namespace barforge::parquet::reader
