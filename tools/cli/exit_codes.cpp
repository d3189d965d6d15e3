// SPDX-License-Identifier: MIT
// printable_line: error messages that echo user text, made safe for a terminal.
#include "exit_codes.h"

#include <cstdio>

namespace weightinit::cli {

namespace {

/// The length of the valid UTF-8 sequence at s[i] (1-4), or 0 when none starts there.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  std::size_t n = 0;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF)
    n = 3;
  else if (b >= 0xF0 && b <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  // No overlong forms, surrogates or code points past U+10FFFF.
  if (b == 0xE0 && byte(i + 1) < 0xA0) return 0;
  if (b == 0xED && byte(i + 1) > 0x9F) return 0;
  if (b == 0xF0 && byte(i + 1) < 0x90) return 0;
  if (b == 0xF4 && byte(i + 1) > 0x8F) return 0;
  return n;
}

}  // namespace

std::string printable_line(std::string_view message, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size() && out.size() < max_bytes) {
    const unsigned char c = static_cast<unsigned char>(message[i]);
    if (c == '\n' || c == '\r') {
      out += ' ';
      ++i;
      continue;
    }
    const std::size_t n = utf8_length(message, i);
    if (n == 0 || c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
      ++i;
      continue;
    }
    out.append(message.substr(i, n));
    i += n;
  }
  if (i < message.size()) out += "... (" + std::to_string(message.size() - i) + " more bytes)";
  return out;
}

}  // namespace weightinit::cli
