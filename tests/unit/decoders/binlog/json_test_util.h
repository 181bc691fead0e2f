// A MySQL binary JSON writer for tests (layout in decoders/binlog/json_doc.h).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/decoders/binlog/rows_test_util.h"

namespace cdc::binlog::testing {

struct Enc {
  uint8_t type = 0;
  std::string bytes;  // the value as stored at its offset (or inlined)
};

inline Enc JNull() { return {0x04, std::string(1, '\x00')}; }
inline Enc JBool(bool b) { return {0x04, std::string(1, b ? '\x01' : '\x02')}; }
inline Enc JInt16(int16_t v) { return {0x05, LE(static_cast<uint16_t>(v), 2)}; }
inline Enc JUint16(uint16_t v) { return {0x06, LE(v, 2)}; }
inline Enc JInt32(int32_t v) { return {0x07, LE(static_cast<uint32_t>(v), 4)}; }
inline Enc JUint32(uint32_t v) { return {0x08, LE(v, 4)}; }
inline Enc JInt64(int64_t v) { return {0x09, LE(static_cast<uint64_t>(v), 8)}; }
inline Enc JUint64(uint64_t v) { return {0x0A, LE(v, 8)}; }
inline Enc JDouble(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return {0x0B, LE(bits, 8)};
}

inline std::string VarLen(size_t n) {
  std::string s;
  do {
    uint8_t b = n & 0x7F;
    n >>= 7;
    s.push_back(static_cast<char>(n ? (b | 0x80) : b));
  } while (n);
  return s;
}

inline Enc JString(const std::string& s) { return {0x0C, VarLen(s.size()) + s}; }
inline Enc JOpaque(uint8_t field_type, const std::string& data) {
  return {0x0F, std::string(1, static_cast<char>(field_type)) + VarLen(data.size()) + data};
}

inline Enc JContainer(bool object, bool large, const std::vector<std::pair<std::string, Enc>>& items) {
  const size_t word = large ? 4 : 2;
  const size_t n = items.size();
  size_t header = 2 * word + n * ((object ? word + 2 : 0) + 1 + word);
  std::string keys, values;
  std::string key_entries, value_entries;
  size_t keys_at = header;
  size_t key_total = 0;
  if (object) {
    for (const auto& it : items) key_total += it.first.size();
  }
  size_t values_at = keys_at + key_total;
  for (const auto& [key, enc] : items) {
    if (object) {
      key_entries += LE(keys_at + keys.size(), static_cast<int>(word)) + LE(key.size(), 2);
      keys += key;
    }
    bool inlined = enc.type == 0x04 || enc.type == 0x05 || enc.type == 0x06 ||
                   (large && (enc.type == 0x07 || enc.type == 0x08));
    value_entries.push_back(static_cast<char>(enc.type));
    if (inlined) {
      std::string field = enc.bytes;
      field.resize(word, '\0');
      value_entries += field;
    } else {
      value_entries += LE(values_at + values.size(), static_cast<int>(word));
      values += enc.bytes;
    }
  }
  size_t size = header + keys.size() + values.size();
  std::string out = LE(n, static_cast<int>(word)) + LE(size, static_cast<int>(word)) + key_entries +
                    value_entries + keys + values;
  uint8_t type = static_cast<uint8_t>((object ? 0 : 2) + (large ? 1 : 0));
  return {type, out};
}

inline Enc JObject(const std::vector<std::pair<std::string, Enc>>& members, bool large = false) {
  return JContainer(true, large, members);
}

inline Enc JArray(const std::vector<Enc>& elements, bool large = false) {
  std::vector<std::pair<std::string, Enc>> items;
  for (const auto& e : elements) items.emplace_back("", e);
  return JContainer(false, large, items);
}

inline std::string JDoc(const Enc& e) { return std::string(1, static_cast<char>(e.type)) + e.bytes; }

}  // namespace cdc::binlog::testing
