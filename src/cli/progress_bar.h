#pragma once
// The progress line of `barforge build` on a terminal: the phase, a bar
// fitted to the terminal's width, counts, rate and time left, redrawn in
// place. Nothing is drawn when the stream is not a terminal.

#include <cstdint>
#include <cstdio>
#include <string>

#include "barforge/pipeline.h"

namespace barforge::cli {

/// The progress line for `progress`, at most `width` - 1 characters (the
/// last column stays free so that no terminal wraps it).
std::string FormatProgressLine(const BuildProgress& progress, int width);

class ProgressBar {
 public:
  /// Draws on `stream` only if it is a terminal and `enabled`.
  ProgressBar(std::FILE* stream, bool enabled);
  ~ProgressBar();

  bool active() const { return active_; }
  void Update(const BuildProgress& progress);
  /// Erases the line so that the summary starts on a clean line.
  void Finish();

 private:
  int TerminalWidth() const;

  std::FILE* stream_;
  bool active_;
};

}  // namespace barforge::cli
