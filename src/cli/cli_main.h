#pragma once

#include <string_view>

namespace barforge::cli {

/// Exit codes of the barforge command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;  ///< bad config, bad data, I/O failure, invalid file
inline constexpr int kExitUsage = 2;  ///< bad command-line syntax

/// Parses the command line, runs the subcommand, turns every error into one
/// line on stderr, and returns the exit code.
int Main(int argc, char** argv);

/// Writes `message` as Main writes an error: one line on stderr,
/// "barforge: error: ...", newlines as spaces, bytes that are not UTF-8
/// escaped, at most 2,000 bytes.
void PrintError(std::string_view message);

}  // namespace barforge::cli
