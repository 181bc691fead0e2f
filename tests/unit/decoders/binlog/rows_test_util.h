// Byte builders for the row-image tests: values encoded the way the server
// writes them (see decoders/binlog/rows.h and values_internal.h).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "decoders/binlog/rows.h"
#include "tests/unit/value_reuse.h"

namespace cdc::binlog::testing {

inline ColumnSchema Col(uint8_t type, uint16_t meta = 0, std::string name = "c",
                        uint16_t collation = 0, bool is_unsigned = false) {
  ColumnSchema c;
  c.name = std::move(name);
  c.type = type;
  c.meta = meta;
  c.collation = collation;
  c.is_unsigned = is_unsigned;
  return c;
}

inline std::string LE(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(i < 8 ? (v >> (8 * i)) & 0xFF : 0));
  return s;
}

inline std::string BE(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>(i < 8 ? (v >> (8 * i)) & 0xFF : 0));
  return s;
}

// Binary DECIMAL(p,s) of a text like "-12.50" (exactly s fraction digits).
inline std::string EncodeDecimal(std::string text, int p, int s) {
  static const int kBytes[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  bool neg = !text.empty() && text[0] == '-';
  if (neg) text.erase(0, 1);
  size_t dot = text.find('.');
  std::string ip = text.substr(0, dot), fp = dot == std::string::npos ? "" : text.substr(dot + 1);
  int intg = p - s;
  if (intg == 0 && ip == "0") ip.clear();
  ip = std::string(static_cast<size_t>(intg) - ip.size(), '0') + ip;
  fp += std::string(static_cast<size_t>(s) - fp.size(), '0');
  std::string out;
  auto put = [&](const std::string& digits) {
    int n = static_cast<int>(digits.size());
    out += BE(std::strtoull(digits.c_str(), nullptr, 10), n == 9 ? 4 : kBytes[n]);
  };
  int lead = intg % 9;
  if (lead) put(ip.substr(0, static_cast<size_t>(lead)));
  for (int i = lead; i < intg; i += 9) put(ip.substr(static_cast<size_t>(i), 9));
  for (int i = 0; i + 9 <= s; i += 9) put(fp.substr(static_cast<size_t>(i), 9));
  if (s % 9) put(fp.substr(static_cast<size_t>(s - s % 9)));
  out[0] = static_cast<char>(out[0] ^ 0x80);
  if (neg) {
    for (auto& c : out) c = static_cast<char>(~c);
  }
  return out;
}

// DATETIME2 with `fsp` digits; `micros` is the full microsecond fraction.
inline std::string EncodeDatetime2(int y, int mo, int d, int h, int mi, int sec, int micros,
                                   int fsp) {
  uint64_t ymd = (static_cast<uint64_t>(y * 13 + mo) << 5) | static_cast<uint64_t>(d);
  uint64_t hms = static_cast<uint64_t>((h << 12) | (mi << 6) | sec);
  std::string out = BE(((ymd << 17) | hms) + 0x8000000000ULL, 5);
  if (fsp == 1 || fsp == 2) out += BE(static_cast<uint64_t>(micros / 10000), 1);
  if (fsp == 3 || fsp == 4) out += BE(static_cast<uint64_t>(micros / 100), 2);
  if (fsp == 5 || fsp == 6) out += BE(static_cast<uint64_t>(micros), 3);
  return out;
}

// TIME2 as MySQL's my_time_packed_to_binary() writes it.
inline std::string EncodeTime2(bool neg, int h, int mi, int sec, int micros, int fsp) {
  int64_t packed = ((static_cast<int64_t>(h) << 12 | mi << 6 | sec) << 24) + micros;
  if (neg) packed = -packed;
  int64_t int_part = packed >> 24;  // arithmetic shift: floor
  int64_t frac = packed % (1LL << 24);
  if (fsp >= 5) return BE(static_cast<uint64_t>(packed + 0x800000000000LL), 6);
  std::string out = BE(static_cast<uint64_t>(int_part + 0x800000), 3);
  if (fsp == 1 || fsp == 2) out += BE(static_cast<uint64_t>(static_cast<uint8_t>(frac / 10000)), 1);
  if (fsp == 3 || fsp == 4) out += BE(static_cast<uint16_t>(frac / 100), 2);
  return out;
}

// Decodes one value and requires that it used all of `bytes`.
inline Result<cdc::v1::Value> DecodeOne(const ColumnSchema& column, std::string_view bytes) {
  ByteReader reader(bytes);
  cdc::v1::Value value;
  Status s = DecodeValue(column, &reader, &value);
  if (!s.ok()) return s;
  if (!reader.empty()) {
    return Status::Corruption(std::to_string(reader.remaining()) + " bytes left over");
  }
  cdc::testing::ExpectRefillsAsNew(
      value,
      [&](cdc::v1::Value* v) {
        ByteReader again(bytes);
        EXPECT_TRUE(DecodeValue(column, &again, v).ok());
      },
      column.type_name + " column " + column.name);
  return value;
}

}  // namespace cdc::binlog::testing
