// UTF-8 decoding shared by the decoders (validating text values), the JSON
// printer and topic names, so that "one character" means the same everywhere.
//
// Well-formed means RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF. Header-only, no dependencies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace cdc {

// The length (1 to 4) of the well-formed UTF-8 character at the start of
// `text`, with its code point in `*cp`; 0 when `text` is empty or does not
// start with a well-formed character (a stray continuation byte, a truncated
// sequence, an overlong form, a surrogate, a code point past U+10FFFF).
inline size_t DecodeUtf8(std::string_view text, uint32_t* cp) {
  if (text.empty()) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t left = text.size();
  const unsigned c = p[0];
  auto cont = [](unsigned b) { return (b & 0xc0) == 0x80; };
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xc2 && c <= 0xdf) {
    if (left < 2 || !cont(p[1])) return 0;
    *cp = ((c & 0x1f) << 6) | (p[1] & 0x3f);
    return 2;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (left < 3 || !cont(p[1]) || !cont(p[2])) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;  // overlong
    if (c == 0xed && p[1] > 0x9f) return 0;  // surrogate
    *cp = ((c & 0x0f) << 12) | ((p[1] & 0x3f) << 6) | (p[2] & 0x3f);
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (left < 4 || !cont(p[1]) || !cont(p[2]) || !cont(p[3])) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;  // overlong
    if (c == 0xf4 && p[1] > 0x8f) return 0;  // past U+10FFFF
    *cp = ((c & 0x07) << 18) | ((p[1] & 0x3f) << 12) | ((p[2] & 0x3f) << 6) | (p[3] & 0x3f);
    return 4;
  }
  return 0;  // a continuation byte, 0xc0/0xc1 (always overlong) or 0xf5-0xff
}

// The index of the first byte at or past `from` in `text` that is not
// ASCII (its top bit set), or text.size(): eight bytes at a time.
inline size_t SkipAscii(std::string_view text, size_t from) {
  const char* p = text.data();
  const size_t n = text.size();
  size_t i = from;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, sizeof(word));
    if ((word & 0x8080808080808080ULL) != 0) break;
  }
  while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
  return i;
}

// True when all of `text` is well-formed UTF-8.
inline bool IsValidUtf8(std::string_view text) {
  size_t i = SkipAscii(text, 0);  // ASCII dominates; skip the decoder for it
  while (i < text.size()) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(text.substr(i), &cp);
    if (len == 0) return false;
    i = SkipAscii(text, i + len);
  }
  return true;
}

}  // namespace cdc
