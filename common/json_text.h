// Pieces of text shared by the JSON writers (the event JSON and Debezium's):
// base64 strings and integers.
//
// Thread: pure functions, safe from any thread.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cdc {

// Appends `bytes` in standard base64 (RFC 4648, with padding), in double
// quotes: a JSON string.
inline void AppendQuotedBase64(std::string_view bytes, std::string& out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + 2 + (n + 2) / 3 * 4);
  char* o = out.data() + start;
  *o++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 0x3f];
    *o++ = kAlphabet[(v >> 6) & 0x3f];
    *o++ = kAlphabet[v & 0x3f];
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{p[i]} << 16;
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 0x3f];
    *o++ = '=';
    *o++ = '=';
  } else if (n - i == 2) {
    const uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    *o++ = kAlphabet[v >> 18];
    *o++ = kAlphabet[(v >> 12) & 0x3f];
    *o++ = kAlphabet[(v >> 6) & 0x3f];
    *o++ = '=';
  }
  *o = '"';
}

// Appends an integer in decimal.
template <typename T>
void AppendInteger(T value, std::string& out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}

}  // namespace cdc
