#include "rawdata/timestamp_text.h"

#include <charconv>
#include <cstdlib>
#include <limits>

#include <fmt/format.h>

#include "barforge/timestamp.h"
#include "config/config_keys.h"  // EpochUnitName

namespace barforge {

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Days-from-civil over 400-year eras (March-based years so that the leap
  // day ends the year).
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

namespace {

constexpr int64_t kNanosPerSecond = 1000000000;

// Reads exactly `digits` decimal digits at text[pos].
bool ReadDigits(std::string_view text, size_t& pos, size_t digits, int64_t& value) {
  if (pos + digits > text.size()) return false;
  value = 0;
  for (size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return true;
}

bool IsLeapYear(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned DaysInMonth(int64_t year, int64_t month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-' ||
      !ReadDigits(text, pos, 2, day)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
  int64_t seconds = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400;
  int64_t nanos = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    int64_t hour = 0, minute = 0, second = 0;
    if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':' ||
        !ReadDigits(text, pos, 2, minute)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, pos, 2, second)) return std::nullopt;
      if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
        ++pos;
        int64_t scale = kNanosPerSecond;
        size_t digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (++digits > 9) return std::nullopt;
          scale /= 10;
          nanos += (text[pos++] - '0') * scale;
        }
        if (digits == 0) return std::nullopt;
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    seconds += hour * 3600 + minute * 60 + second;
    if (pos < text.size()) {
      const char zone = text[pos++];
      if (zone == 'Z' || zone == 'z') {
        // UTC
      } else if (zone == '+' || zone == '-') {
        int64_t offset_hours = 0, offset_minutes = 0;
        if (!ReadDigits(text, pos, 2, offset_hours)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (pos < text.size() && !ReadDigits(text, pos, 2, offset_minutes)) return std::nullopt;
        if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
        const int64_t offset = offset_hours * 3600 + offset_minutes * 60;
        // Local time = UTC + offset.
        seconds += zone == '+' ? -offset : offset;
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != text.size()) return std::nullopt;
  // Dates outside about 1678..2261 do not fit in int64 nanoseconds.
  if (seconds > std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1 ||
      seconds < std::numeric_limits<int64_t>::min() / kNanosPerSecond + 1) {
    return std::nullopt;
  }
  return seconds * kNanosPerSecond + nanos;
}

EpochUnit EpochUnitForMagnitude(int64_t value) {
  const int64_t magnitude = value == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max()
                                                                        : std::llabs(value);
  if (magnitude < 100000000000LL) return EpochUnit::kSeconds;
  if (magnitude < 100000000000000LL) return EpochUnit::kMillis;
  if (magnitude < 100000000000000000LL) return EpochUnit::kMicros;
  return EpochUnit::kNanos;
}

std::optional<int64_t> ParseEpochTimestamp(std::string_view text, EpochUnit unit) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  if (unit == EpochUnit::kAuto) unit = EpochUnitForMagnitude(value);
  int64_t scale = 1;
  switch (unit) {
    case EpochUnit::kSeconds: scale = kNanosPerSecond; break;
    case EpochUnit::kMillis: scale = 1000000; break;
    case EpochUnit::kMicros: scale = 1000; break;
    default: break;
  }
  int64_t nanos = 0;
  if (__builtin_mul_overflow(value, scale, &nanos)) return std::nullopt;
  return nanos;
}

std::optional<std::string> ImplausibleEpoch(int64_t value, EpochUnit unit, int64_t ns) {
  constexpr int64_t kFrom = 315532800LL * kNanosPerSecond;   // 1980-01-01
  constexpr int64_t kTo = 7258118400LL * kNanosPerSecond;    // 2200-01-01
  if (ns >= kFrom && ns < kTo) return std::nullopt;
  std::string reason = fmt::format("epoch value {} read as {} is {}, {} 1980..2200", value, EpochUnitName(unit),
                                   FormatTimestampNs(ns), ns < kFrom ? "before" : "after");
  for (const EpochUnit other : {EpochUnit::kSeconds, EpochUnit::kMillis, EpochUnit::kMicros, EpochUnit::kNanos}) {
    const std::optional<int64_t> other_ns = ParseEpochTimestamp(std::to_string(value), other);
    if (other != unit && other_ns && *other_ns >= kFrom && *other_ns < kTo) {
      return reason + fmt::format("; as {} it is {}: set timestamp_unit: {}", EpochUnitName(other),
                                  FormatTimestampNs(*other_ns), EpochUnitName(other));
    }
  }
  return reason + "; check timestamp_unit";
}

std::optional<int64_t> ParseTimestamp(std::string_view text, EpochUnit unit) {
  if (auto iso = ParseIsoTimestamp(text)) return iso;
  return ParseEpochTimestamp(text, unit);
}

}  // namespace barforge
