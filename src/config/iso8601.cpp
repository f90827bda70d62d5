#include "config/iso8601.h"

#include <limits>

#include <cstddef>

namespace barforge {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t CivilToDays(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Reads exactly `count` digits at `pos`; advances pos.
std::optional<int64_t> Digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int64_t value = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<int64_t> ParseConfigInstant(std::string_view text) {
  const std::optional<WideNs> ns = ParseConfigInstantWide(text);
  if (!ns || *ns < std::numeric_limits<int64_t>::min() || *ns > std::numeric_limits<int64_t>::max()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(*ns);
}

std::optional<WideNs> ParseConfigInstantWide(std::string_view text) {
  size_t pos = 0;
  const auto year = Digits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) return std::nullopt;
  const auto month = Digits(text, pos, 2);
  if (!month || *month < 1 || *month > 12 || !Expect(text, pos, '-')) return std::nullopt;
  const auto day = Digits(text, pos, 2);
  if (!day || *day < 1 || *day > DaysInMonth(*year, *month)) return std::nullopt;
  constexpr int64_t kNsPerSecond = 1000000000;
  WideNs ns = static_cast<WideNs>(CivilToDays(*year, *month, *day)) * 86400 * kNsPerSecond;
  if (pos == text.size()) return ns;
  if (!Expect(text, pos, 'T')) return std::nullopt;
  const auto hour = Digits(text, pos, 2);
  if (!hour || *hour > 23 || !Expect(text, pos, ':')) return std::nullopt;
  const auto minute = Digits(text, pos, 2);
  if (!minute || *minute > 59 || !Expect(text, pos, ':')) return std::nullopt;
  const auto second = Digits(text, pos, 2);
  if (!second || *second > 59) return std::nullopt;
  ns += ((*hour * 60 + *minute) * 60 + *second) * kNsPerSecond;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = kNsPerSecond / 10;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits == 9) return std::nullopt;  // finer than a nanosecond
      ns += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  if (pos == text.size()) return ns;
  if (text[pos] == 'Z' && pos + 1 == text.size()) return ns;
  if (text[pos] != '+' && text[pos] != '-') return std::nullopt;
  const int64_t sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  const auto offset_hours = Digits(text, pos, 2);
  if (!offset_hours || *offset_hours > 23 || !Expect(text, pos, ':')) return std::nullopt;
  const auto offset_minutes = Digits(text, pos, 2);
  if (!offset_minutes || *offset_minutes > 59 || pos != text.size()) return std::nullopt;
  // Local time minus its offset is UTC.
  return ns - static_cast<WideNs>(sign * (*offset_hours * 60 + *offset_minutes) * 60 * kNsPerSecond);
}

}  // namespace barforge
