// Character sets of MySQL/MariaDB collations, and conversion of column bytes
// to UTF-8.
//
// Collation ids: `SHOW COLLATION` on MySQL 8.x and MariaDB 10.x/11.x (MariaDB's
// NOPAD ids are the PAD id + 1024, its UCA-14.0 ids start at 2048). MySQL's
// latin1 is Windows-1252 with 0x81/0x8D/0x8F/0x90/0x9D mapped to C1 controls,
// decoded here exactly; other single- and multi-byte charsets go through
// glibc iconv.
//
// Pure code; thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdc::binlog {

struct Charset {
  const char* name;   // MySQL's name: "utf8mb4", "latin1", "binary", ...
  const char* iconv;  // glibc iconv name; nullptr for built-in or unconvertible
};

// The charset of a collation id, or nullptr when the id is unknown.
const Charset* CharsetOfCollation(uint16_t collation);

// The lowest collation id of the charset named `name` ("utf8mb4" -> 45,
// "binary" -> 63), or 0 when there is none. Any id of a charset decodes its
// bytes alike; this one stands for the charset where only its name is known.
uint16_t FirstCollationOf(std::string_view name);

// True for the binary pseudo charset (collation 63).
bool IsBinaryCollation(uint16_t collation);

// Converts `in` from the charset of `collation` to UTF-8 into `out`, which
// `in` must not view (out's memory is written before all of `in` is read).
// Returns false (and leaves `out` unspecified) when the collation is unknown
// or binary, when its charset has no converter, or when `in` is not valid in
// that charset: the caller then keeps the bytes as they are.
bool ToUtf8(uint16_t collation, std::string_view in, std::string* out);

// Appends code point `cp` (at most 0x10FFFF) to `out` as UTF-8.
void AppendUtf8(uint32_t cp, std::string* out);

}  // namespace cdc::binlog
