#include "cli/progress_bar.h"

#include <unistd.h>

#include <string>

#include <fmt/format.h>

namespace barforge::cli {

ProgressBar::ProgressBar(std::FILE* stream, bool enabled)
    : stream_(stream), active_(enabled && isatty(fileno(stream)) != 0), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done, int64_t total) {
  if (!active_ || total <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  const std::string bar = std::string(static_cast<size_t>(filled), '=') + std::string(static_cast<size_t>(kWidth - filled), ' ');
  fmt::print(stream_, "\r[{}] {:5.1f}% {}/{} samples  {:.0f} samples/s  ETA {:.0f}s ", bar, fraction * 100, done,
             total, rate, eta);
  std::fflush(stream_);
}

void ProgressBar::Finish() {
  if (!active_) return;
  fmt::print(stream_, "\r\033[K");
  std::fflush(stream_);
  active_ = false;
}

}  // namespace barforge::cli
