#pragma once
// Test support: the DECIMAL Parquet files of tools/write_decimal_files.mjs
// (DuckDB and arrow-rs writers, and what DuckDB reads from each), written
// once per version of the script into the build tree: CTest runs each test
// in its own process. Written to a private folder and renamed, so parallel
// runs never see half-written files.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>

namespace barforge::testing {

/// The folder holding the files; throws if node fails.
inline std::filesystem::path DecimalFiles() {
  namespace fs = std::filesystem;
  std::string scripts;
  for (const char* name : {"/write_decimal_files.mjs", "/package-lock.json"}) {
    std::ifstream in(std::string(BARFORGE_TOOLS_DIR) + name, std::ios::binary);
    scripts += std::string(std::istreambuf_iterator<char>(in), {});
  }
  const fs::path root = fs::path(BARFORGE_BINARY_DIR) / "decimal_fixtures";
  const fs::path dir = root / std::to_string(std::hash<std::string>{}(scripts));
  if (fs::exists(dir)) return dir;
  const fs::path scratch = root / ("tmp-" + std::to_string(::getpid()));
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const std::string command =
      "node '" + std::string(BARFORGE_TOOLS_DIR) + "/write_decimal_files.mjs' '" + scratch.string() + "'";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
  std::error_code error;
  fs::rename(scratch, dir, error);
  if (error) fs::remove_all(scratch);  // another process got there first
  return dir;
}

/// Whether tools/ has its npm packages (else the tests that need them skip).
inline bool HaveNodeTools() {
  return std::filesystem::exists(std::filesystem::path(BARFORGE_TOOLS_DIR) / "node_modules");
}

}  // namespace barforge::testing
