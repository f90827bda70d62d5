#pragma once
// Text from files and users, made safe to quote in a one-line message: at
// most kMaxQuotedBytes of it, with NUL, control characters, and bytes that
// are not UTF-8 shown as \xHH (a NUL would otherwise cut the message, and a
// 10 MB header would become a 10 MB line).

#include <cstddef>
#include <string>
#include <string_view>

namespace barforge::io {

inline constexpr size_t kMaxQuotedBytes = 200;

/// `text` escaped; longer than `max_bytes`, cut there (at a character
/// boundary) and followed by "... (N bytes)".
std::string MessageText(std::string_view text, size_t max_bytes = kMaxQuotedBytes);

/// The same escaping without the cut, for a whole message line.
std::string EscapeForMessage(std::string_view text);

}  // namespace barforge::io
