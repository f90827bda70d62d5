#pragma once
// Test support: run the built `barforge` binary and the independent readers.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <limits>
#include <stdexcept>
#include <fstream>
#include <string>
#include <vector>

#include "support/process.h"

namespace barforge::testing {

inline std::string BarforgeBinary() { return std::string(BARFORGE_BINARY_DIR) + "/barforge"; }

/// Runs `barforge <args>` in `dir` (config/default.yaml there is not used:
/// every test passes what it needs).
inline CommandResult RunBarforge(const std::filesystem::path& dir, const std::string& args) {
  return RunCommand("cd " + ShellQuote(dir.string()) + " && " + ShellQuote(BarforgeBinary()) + " " + args);
}

/// `mpirun -np R ` with OpenMPI's documented switches for running as root
/// (CI does), to put before a command.
inline std::string Mpirun(int ranks) {
  return "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun --allow-run-as-root --oversubscribe -np " +
         std::to_string(ranks) + " ";
}

/// `node tools/dump_parquet.mjs <reader> FILE`, parsed.
inline nlohmann::json DumpParquet(const std::string& reader, const std::filesystem::path& file) {
  const CommandResult result = RunCommand("node " + ShellQuote(std::string(BARFORGE_TOOLS_DIR) + "/dump_parquet.mjs") +
                                          " " + reader + " " + ShellQuote(file.string()));
  if (result.exit_code != 0) throw std::runtime_error(reader + " failed on " + file.string() + ": " + result.err);
  return nlohmann::json::parse(result.out);
}

/// A float value of a dump: a JSON number, or "NaN" / "Infinity" /
/// "-Infinity" / "-0" as tools/dump_parquet.mjs spells what JSON cannot.
inline double JsonNumber(const nlohmann::json& value) {
  if (value.is_number()) return value.get<double>();
  const std::string text = value.get<std::string>();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (text == "-0") return -0.0;
  throw std::runtime_error("not a number: " + text);
}

/// A small synthetic build for command-line tests: two tickers of 500 bars,
/// W = 8, H = 4 (2 * (500 - 8 - 4 + 1) = 978 windows), 300 samples in row
/// groups of 100.
inline constexpr const char* kTwoTickerConfig = R"(data_dir: data
tickers: [AAA, BBB]
synthetic: {n_bars: 500}
window: 8
horizon: 4
n_samples: 300
chunk_rows: 100
)";

/// Writes a YAML config file and returns its path.
inline std::filesystem::path WriteConfig(const std::filesystem::path& dir, const std::string& yaml,
                                         const std::string& name = "config.yaml") {
  const auto path = dir / name;
  std::ofstream(path) << yaml;
  return path;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace barforge::testing
