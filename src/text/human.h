#pragma once
// Numbers as people read them in messages and summaries: thousands
// separators, plurals, byte sizes, durations.

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace barforge::text {

/// 1234567 -> "1,234,567".
inline std::string Thousands(int64_t n) {
  const std::string digits = std::to_string(n < 0 ? -static_cast<uint64_t>(n) : static_cast<uint64_t>(n));
  std::string out = n < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

/// (1, "bar") -> "1 bar"; (2000, "bar") -> "2,000 bars"; an irregular
/// plural may be given.
inline std::string Count(int64_t n, std::string_view singular, std::string_view plural = {}) {
  if (n == 1 || n == -1) return fmt::format("{} {}", n, singular);
  if (plural.empty()) return fmt::format("{} {}s", Thousands(n), singular);
  return fmt::format("{} {}", Thousands(n), plural);
}

/// Decimal units, three significant digits: "812 B", "45.3 kB", "1.09 GB".
inline std::string Bytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < 1000) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"kB", "MB", "GB", "TB", "PB"};
  double value = b / 1000;
  size_t unit = 0;
  while (value >= 999.5 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  const int decimals = value >= 99.95 ? 0 : value >= 9.995 ? 1 : 2;
  return fmt::format("{:.{}f} {}", value, decimals, kUnits[unit]);
}

/// Memory in binary units, as `ps` and `top` show it: "267 MiB".
inline std::string Mebibytes(int64_t bytes) {
  return fmt::format("{} MiB", Thousands((bytes + (1 << 19)) >> 20));
}

/// "0.43 s", "7.0 s", "1 min 28 s", "2 h 03 min".
inline std::string Duration(double seconds) {
  if (seconds < 0.995) return fmt::format("{:.2f} s", seconds);
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  const auto whole = static_cast<int64_t>(seconds + 0.5);
  if (whole < 3600) return fmt::format("{} min {:02} s", whole / 60, whole % 60);
  return fmt::format("{} h {:02} min", whole / 3600, whole / 60 % 60);
}

}  // namespace barforge::text
