#pragma once
// Text from a file, made safe to print on a terminal: a file's strings
// (statistics, key-value metadata, column names) can hold escape sequences
// that would move the cursor, rewrite the screen or set the window title.

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace barforge::text {

/// `raw` with every byte that is not printable UTF-8 written as \xNN:
/// control characters (C0, DEL, and the C1 range U+0080..U+009F, which some
/// terminals obey too) and bytes that are not valid UTF-8; a backslash is
/// written as \\, so the text stays unambiguous. Printable UTF-8 is kept.
inline std::string Escaped(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  const auto escape = [&out](std::string_view bytes) {
    for (const char c : bytes) out += fmt::format("\\x{:02x}", static_cast<uint8_t>(c));
  };
  size_t i = 0;
  while (i < raw.size()) {
    const auto b = static_cast<uint8_t>(raw[i]);
    if (b == '\\') {
      out += "\\\\";
      ++i;
      continue;
    }
    if (b < 0x80) {
      if (b < 0x20 || b == 0x7f) {
        escape(raw.substr(i, 1));
      } else {
        out += static_cast<char>(b);
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence: its length from the lead byte, then continuation
    // bytes; overlong forms, surrogates and code points past U+10FFFF are
    // not valid.
    const size_t length = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    bool valid = length > 0 && i + length <= raw.size();
    uint32_t code = length == 2 ? b & 0x1fu : length == 3 ? b & 0x0fu : b & 0x07u;
    for (size_t k = 1; valid && k < length; ++k) {
      const auto c = static_cast<uint8_t>(raw[i + k]);
      valid = (c & 0xc0) == 0x80;
      code = (code << 6) | (c & 0x3fu);
    }
    if (valid) {
      valid = !(length == 3 && (code < 0x800 || (code >= 0xd800 && code <= 0xdfff))) &&
              !(length == 4 && (code < 0x10000 || code > 0x10ffff)) && !(code >= 0x80 && code <= 0x9f);
    }
    if (!valid) {
      escape(raw.substr(i, 1));
      ++i;
      continue;
    }
    out.append(raw.substr(i, length));
    i += length;
  }
  return out;
}

}  // namespace barforge::text
