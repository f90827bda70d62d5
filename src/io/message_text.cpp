#include "io/message_text.h"

#include <fmt/format.h>

namespace barforge::io {

namespace {

// Length of the valid UTF-8 sequence starting at text[pos], or 0.
size_t Utf8Length(std::string_view text, size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t length = 0;
  uint32_t min = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  uint32_t code = lead & (0x7F >> length);
  for (size_t i = 1; i < length; ++i) {
    const auto next = static_cast<unsigned char>(text[pos + i]);
    if ((next & 0xC0) != 0x80) return 0;
    code = (code << 6) | (next & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

std::string Escape(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size() && pos < max_bytes) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    const size_t length = Utf8Length(text, pos);
    if (length == 0 || byte < 0x20 || byte == 0x7F) {
      out += fmt::format("\\x{:02x}", byte);
      ++pos;
    } else {
      if (pos + length > max_bytes) break;
      out.append(text.data() + pos, length);
      pos += length;
    }
  }
  if (pos < text.size()) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

}  // namespace

std::string MessageText(std::string_view text, size_t max_bytes) { return Escape(text, max_bytes); }

std::string EscapeForMessage(std::string_view text) { return Escape(text, text.size()); }

}  // namespace barforge::io
