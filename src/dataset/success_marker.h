#pragma once
// DIR/_SUCCESS: the empty file that says a dataset in parts is complete
// (parts_layout.h). It is written last, once every part is there and
// agrees (finalize, or rank 0 at the end of an MPI job), and removed before
// any part is rebuilt. A directory without it is incomplete: readers refuse
// it.

#include <filesystem>

namespace barforge {

inline constexpr const char* kSuccessFileName = "_SUCCESS";

/// Whether DIR/_SUCCESS exists.
bool HasSuccessMarker(const std::filesystem::path& dir);

/// Writes the empty DIR/_SUCCESS durably (file and folder fsynced). Throws
/// IoError.
void WriteSuccessMarker(const std::filesystem::path& dir);

/// Removes DIR/_SUCCESS if it exists (the directory is being rebuilt).
/// Throws IoError.
void RemoveSuccessMarker(const std::filesystem::path& dir);

}  // namespace barforge
