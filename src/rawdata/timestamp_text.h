#pragma once
// Timestamps in CSV text: ISO-8601 dates and date-times, or epoch numbers.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "barforge/config.h"  // EpochUnit

namespace barforge {

/// Parses an ISO-8601 date ("2020-01-02", midnight UTC) or date-time
/// ("2020-01-02T03:04:05", a space instead of T, optional fraction of up to
/// 9 digits, optional "Z" or offset "+01:00" / "-0500" / "+01"; no zone means
/// UTC). Returns ns since the epoch, or nullopt if `text` is not of that form
/// or names an impossible date or time.
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);

/// Parses an integer epoch timestamp in `unit`. With kAuto the unit follows
/// the magnitude: |v| < 1e11 seconds, < 1e14 milliseconds, < 1e17
/// microseconds, else nanoseconds. nullopt if not an integer or out of range.
std::optional<int64_t> ParseEpochTimestamp(std::string_view text, EpochUnit unit);

/// The unit kAuto picks for the integer `value`.
EpochUnit EpochUnitForMagnitude(int64_t value);

/// ParseIsoTimestamp, else ParseEpochTimestamp.
std::optional<int64_t> ParseTimestamp(std::string_view text, EpochUnit unit);

/// Epoch timestamps are expected between 1980 and 2200. For the first
/// epoch value of a file (`value` read in `unit`, giving `ns`) outside that
/// range, the reason for a message: the date it gives and the unit under
/// which it would be plausible ("1970-01-19T... as ms; as s it is ...:
/// set timestamp_unit: s"); nullopt when it is plausible.
std::optional<std::string> ImplausibleEpoch(int64_t value, EpochUnit unit, int64_t ns);

/// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

}  // namespace barforge
