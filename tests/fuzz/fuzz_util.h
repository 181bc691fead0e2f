// Small file helpers for the seed-extraction modes of the fuzz harnesses.
// Not used on the fuzzing path. Errors go to stderr and return false.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cdc::fuzz {

// Reads a whole file into `out`.
bool ReadFile(const std::string& path, std::string* out);

// Decodes hex digits (no separators) into bytes; false on odd length or a
// non-hex character.
bool HexToBytes(std::string_view hex, std::string* out);

// Writes `bytes` to `dir`/`name`, creating `dir` if needed.
bool WriteSeed(const std::string& dir, const std::string& name, std::string_view bytes);

// The final path component without its extension: "a/b/x.binlog" -> "x".
std::string BaseName(const std::string& path);

}  // namespace cdc::fuzz
