#pragma once
// Positional reads of byte ranges from an open file, bounds-checked against
// its size.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace barforge::parquet::reader {

class FileSource {
 public:
  /// Opens `path` read-only. Throws IoError naming it if that fails.
  explicit FileSource(const std::filesystem::path& path);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  /// File size in bytes, as of opening.
  uint64_t size() const { return size_; }
  /// Reads [offset, offset + length), which the caller has checked lies inside
  /// the file. Throws IoError on a read failure, ParquetError if the file
  /// shrank.
  std::vector<uint8_t> Read(uint64_t offset, uint64_t length) const;
  /// Reads [offset, offset + out.size()) into `out`, as Read does.
  void ReadInto(uint64_t offset, std::span<uint8_t> out) const;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

}  // namespace barforge::parquet::reader
