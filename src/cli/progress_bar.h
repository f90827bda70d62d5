#pragma once
// A one-line progress bar with rate and ETA, redrawn in place on a terminal.

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace barforge::cli {

class ProgressBar {
 public:
  /// Draws on `stream` only if it is a terminal and `enabled`.
  ProgressBar(std::FILE* stream, bool enabled);
  ~ProgressBar();

  bool active() const { return active_; }
  void Update(int64_t done, int64_t total);
  /// Erases the bar so that the summary starts on a clean line.
  void Finish();

 private:
  std::FILE* stream_;
  bool active_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace barforge::cli
