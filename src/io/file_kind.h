#pragma once
// What is at a path, for refusing inputs that are not regular files before
// opening them (opening a FIFO blocks; a directory or a device is not data)
// and saying what they are instead of "not found".

#include <filesystem>
#include <string_view>

namespace barforge::io {

enum class FileKind { kMissing, kRegular, kDirectory, kFifo, kCharacterDevice, kBlockDevice, kSocket, kOther };

/// The kind of file at `path`, following symlinks (a dangling one is kMissing).
FileKind KindOf(const std::filesystem::path& path);

/// "a directory", "a FIFO (named pipe)", "a character device", ...
std::string_view KindName(FileKind kind);

}  // namespace barforge::io
