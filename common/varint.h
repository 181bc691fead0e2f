// Base-128 varints as Protobuf writes them: seven bits a byte, low bits
// first, the high bit set on every byte but the last.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cdc {

// At most this many bytes for a 64-bit value.
inline constexpr size_t kMaxVarintBytes = 10;

// Writes `v` at `buf`, which has room for kMaxVarintBytes; returns the
// bytes written.
inline size_t PutVarint(uint64_t v, char* buf) {
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  return n;
}

}  // namespace cdc
