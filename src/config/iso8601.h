#pragma once
// ISO-8601 instants in the configuration (synthetic.start).

#include <cstdint>
#include <optional>
#include <string_view>

namespace barforge {

/// Parses "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SS[.fraction]"
/// with an optional "Z" or "+HH:MM" / "-HH:MM" offset (none means UTC).
/// Returns ns since the epoch, or nullopt for any other form or an
/// impossible date or time.
std::optional<int64_t> ParseConfigInstant(std::string_view text);

/// Nanoseconds wider than int64 (GCC's 128-bit integer).
__extension__ typedef __int128 WideNs;

/// The same instant without the int64 limit (years 0000-9999 all fit), so
/// that an out-of-range date is told apart from a malformed one.
std::optional<WideNs> ParseConfigInstantWide(std::string_view text);

/// The first and last instants that fit in int64 nanoseconds.
inline constexpr std::string_view kFirstInstant = "1677-09-21T00:12:43.145224192Z";
inline constexpr std::string_view kLastInstant = "2262-04-11T23:47:16.854775807Z";

}  // namespace barforge
