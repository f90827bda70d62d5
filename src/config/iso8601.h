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

}  // namespace barforge
