#include "cli/progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "text/human.h"

namespace barforge::cli {

namespace {

std::string Eta(double seconds) {
  const auto s = static_cast<int64_t>(std::min(seconds, 1e9) + 0.5);
  if (s >= 100 * 3600) return ">99h";
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
}

std::string Unit(BuildPhase phase) { return phase == BuildPhase::kRawData ? "tickers" : "samples"; }

}  // namespace

std::string FormatProgressLine(const BuildProgress& p, int width) {
  const auto limit = static_cast<size_t>(std::max(width - 1, 10));
  const std::string phase = fmt::format("{:<14}", BuildPhaseName(p.phase));
  const std::string elapsed = fmt::format("{:>6}", Eta(p.seconds));
  if (p.total <= 0) return (phase + " " + elapsed).substr(0, limit);

  // Every part has a fixed width within a phase, so nothing jumps while
  // the line is redrawn.
  const double fraction = std::clamp(static_cast<double>(p.done) / static_cast<double>(p.total), 0.0, 1.0);
  const std::string percent = fmt::format("{:3.0f}%", fraction * 100);
  const std::string total = text::Thousands(p.total);
  const std::string counts =
      fmt::format("{:>{}}/{} {}", text::Thousands(p.done), total.size(), total, Unit(p.phase));
  std::string rate = fmt::format("{:>13}", "");
  std::string eta = fmt::format("{:<10}", "");
  if (p.phase_seconds > 0.2 && p.done > 0) {
    const double per_second = static_cast<double>(p.done) / p.phase_seconds;
    rate = fmt::format("{:>13}", text::Thousands(std::min(static_cast<int64_t>(per_second), int64_t{999999999})) + "/s");
    eta = fmt::format("{:<10}", "ETA " + Eta(static_cast<double>(p.total - p.done) / per_second));
  }
  // Parts after the bar, least important last; dropped from the end until
  // the bar has at least 10 columns. The bar takes the rest, up to 40.
  std::vector<std::string> parts = {percent, counts, eta, rate, elapsed};
  const auto tail_size = [&parts] {
    size_t size = 0;
    for (const std::string& part : parts) size += part.size() + 2;
    return size;
  };
  constexpr size_t kMinBar = 10, kMaxBar = 40;
  while (parts.size() > 1 && phase.size() + 3 + kMinBar + tail_size() > limit) parts.pop_back();
  std::string line = phase;
  const size_t fixed = phase.size() + 3 + tail_size();
  if (fixed + kMinBar <= limit) {
    const size_t bar_width = std::min(kMaxBar, limit - fixed);
    const auto filled = static_cast<size_t>(fraction * static_cast<double>(bar_width));
    line += " [" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "]";
  }
  for (const std::string& part : parts) line += "  " + part;
  line.resize(std::min(line.size(), limit));
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

ProgressBar::ProgressBar(std::FILE* stream, bool enabled)
    : stream_(stream), active_(enabled && isatty(fileno(stream)) != 0) {}

ProgressBar::~ProgressBar() { Finish(); }

int ProgressBar::TerminalWidth() const {
  winsize size{};
  if (ioctl(fileno(stream_), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    const int parsed = std::atoi(columns);
    if (parsed > 0) return parsed;
  }
  return 80;
}

void ProgressBar::Update(const BuildProgress& progress) {
  if (!active_) return;
  if (progress.phase == BuildPhase::kDone) return Finish();
  // \r and "erase to the end of the line": redrawn in place, never wraps.
  fmt::print(stream_, "\r{}\033[K", FormatProgressLine(progress, TerminalWidth()));
  std::fflush(stream_);
}

void ProgressBar::Finish() {
  if (!active_) return;
  fmt::print(stream_, "\r\033[K");
  std::fflush(stream_);
  active_ = false;
}

}  // namespace barforge::cli
