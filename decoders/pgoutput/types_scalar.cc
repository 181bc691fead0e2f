// Text output forms of PostgreSQL's numeric, character, binary and network
// types: https://www.postgresql.org/docs/15/datatype.html
#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "common/utf8.h"
#include "decoders/pgoutput/types_internal.h"

namespace cdc::pgoutput::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// "-123" within [min, max]; no '+', no spaces, as int*out prints.
Status ConvertInteger(std::string_view type, std::string_view text, int64_t min, int64_t max,
                      cdc::v1::Value* out) {
  std::string_view digits = text.substr(!text.empty() && text[0] == '-' ? 1 : 0);
  if (!AllDigits(digits)) return Malformed(type, text);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) {
    return Malformed(type, text, "out of range");
  }
  out->set_int_value(v);
  return Status::OK();
}

Status ConvertOid(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  if (!AllDigits(text)) return Malformed(type, text);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() ||
      v > std::numeric_limits<uint32_t>::max()) {
    return Malformed(type, text, "out of range");
  }
  out->set_uint_value(v);
  return Status::OK();
}

// float4out/float8out print the shortest exact form ("1.5", "1e+20",
// "-2.25e-300") or NaN, Infinity, -Infinity.
template <typename T>
Status ParseFloat(std::string_view type, std::string_view text, T* out) {
  if (text == "NaN") {
    *out = std::numeric_limits<T>::quiet_NaN();
    return Status::OK();
  }
  if (text == "Infinity" || text == "-Infinity") {
    *out = text[0] == '-' ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return Status::OK();
  }
  std::string_view body = text.substr(!text.empty() && text[0] == '-' ? 1 : 0);
  // from_chars also takes "inf" and "nan", which PostgreSQL never prints.
  if (body.empty() || !IsDigit(body[0])) return Malformed(type, text);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (ec != std::errc() || ptr != text.data() + text.size()) return Malformed(type, text);
  return Status::OK();
}

bool IsDecimal(std::string_view s) {
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return AllDigits(s);
  return AllDigits(s.substr(0, dot)) && AllDigits(s.substr(dot + 1));
}

Status ConvertNumeric(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  if (text != "NaN" && text != "Infinity" && text != "-Infinity" && !IsDecimal(text)) {
    return Malformed(type, text);
  }
  out->mutable_decimal_value()->assign(text);
  return Status::OK();
}

// cash_out with lc_monetary=C: "$1,234.56", "-$1,234.56".
Status ConvertMoney(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  std::string decimal;
  std::string_view s = text;
  if (!s.empty() && s[0] == '-') {
    decimal += '-';
    s.remove_prefix(1);
  }
  if (!s.empty() && s[0] == '$') s.remove_prefix(1);
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  size_t group = 0;
  bool grouped = false;
  for (size_t i = whole.size(); i-- > 0;) {
    char c = whole[i];
    if (c == ',') {
      if (group != 3 || i == 0) return Malformed(type, text);
      grouped = true;
      group = 0;
    } else if (IsDigit(c)) {
      ++group;
      if (grouped && group > 3) return Malformed(type, text);
    } else {
      return Malformed(type, text);
    }
  }
  if (whole.empty()) return Malformed(type, text);
  for (char c : whole) {
    if (c != ',') decimal += c;
  }
  if (dot != std::string_view::npos) {
    std::string_view fraction = s.substr(dot + 1);
    if (!AllDigits(fraction)) return Malformed(type, text);
    decimal += '.';
    decimal.append(fraction);
  }
  out->set_decimal_value(std::move(decimal));
  return Status::OK();
}

// byteaout: "\x00ff" (bytea_output=hex) or the escape form, where "\\" is a
// backslash and "\ooo" an octal byte.
Status ConvertBytea(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  std::string* bytes = out->mutable_bytes_value();
  bytes->clear();
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    std::string_view hex = text.substr(2);
    if (hex.size() % 2 != 0) return Malformed(type, text, "odd number of hex digits");
    bytes->reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = HexValue(hex[i]);
      int lo = HexValue(hex[i + 1]);
      if (hi < 0 || lo < 0) return Malformed(type, text, "bad hex digit");
      bytes->push_back(static_cast<char>(hi * 16 + lo));
    }
    return Status::OK();
  }
  for (size_t i = 0; i < text.size();) {
    if (text[i] != '\\') {
      bytes->push_back(text[i++]);
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      bytes->push_back('\\');
      i += 2;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      bytes->push_back(static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                         (text[i + 3] - '0')));
      i += 4;
    } else {
      return Malformed(type, text, "bad escape");
    }
  }
  return Status::OK();
}

Status ConvertUuid(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  if (text.size() != 36) return Malformed(type, text);
  for (size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : HexValue(text[i]) < 0) return Malformed(type, text);
  }
  std::string* uuid = out->mutable_uuid_value();
  uuid->assign(text);
  for (char& c : *uuid) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return Status::OK();
}

// inet_out/cidr_out: an IPv4 or IPv6 address, "/bits" unless inet with a full
// mask.
Status ConvertInet(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  size_t slash = text.find('/');
  std::string address(text.substr(0, slash));
  bool v6 = address.find(':') != std::string::npos;
  unsigned char buf[16];
  if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), buf) != 1) {
    return Malformed(type, text, "bad address");
  }
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    int n = 0;
    auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), n);
    if (!AllDigits(bits) || bits.size() > 3 || ec != std::errc() ||
        ptr != bits.data() + bits.size() || n > (v6 ? 128 : 32)) {
      return Malformed(type, text, "bad prefix length");
    }
  }
  out->mutable_inet_value()->assign(text);
  return Status::OK();
}

Status ConvertMacaddr(std::string_view type, std::string_view text, size_t octets,
                      cdc::v1::Value* out) {
  if (text.size() != octets * 3 - 1) return Malformed(type, text);
  for (size_t i = 0; i < text.size(); ++i) {
    if (i % 3 == 2 ? text[i] != ':' : HexValue(text[i]) < 0) return Malformed(type, text);
  }
  out->mutable_macaddr_value()->assign(text);
  return Status::OK();
}

Status ConvertBits(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  for (char c : text) {
    if (c != '0' && c != '1') return Malformed(type, text);
  }
  out->mutable_bits_value()->assign(text);
  return Status::OK();
}

}  // namespace

Status ConvertScalar(Converter converter, std::string_view type, int32_t /*typmod*/,
                     std::string_view text, cdc::v1::Value* out) {
  switch (converter) {
    case Converter::kInt16:
      return ConvertInteger(type, text, std::numeric_limits<int16_t>::min(),
                            std::numeric_limits<int16_t>::max(), out);
    case Converter::kInt32:
      return ConvertInteger(type, text, std::numeric_limits<int32_t>::min(),
                            std::numeric_limits<int32_t>::max(), out);
    case Converter::kInt64:
      return ConvertInteger(type, text, std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(), out);
    case Converter::kOid:
      return ConvertOid(type, text, out);
    case Converter::kFloat4: {
      float v = 0;
      CDC_RETURN_IF_ERROR(ParseFloat(type, text, &v));
      out->set_float_value(v);
      return Status::OK();
    }
    case Converter::kFloat8: {
      double v = 0;
      CDC_RETURN_IF_ERROR(ParseFloat(type, text, &v));
      out->set_double_value(v);
      return Status::OK();
    }
    case Converter::kNumeric:
      return ConvertNumeric(type, text, out);
    case Converter::kBool:
      if (text != "t" && text != "f") return Malformed(type, text);
      out->set_bool_value(text == "t");
      return Status::OK();
    case Converter::kText:
      if (!cdc::IsValidUtf8(text)) return Malformed(type, text, "not UTF-8");
      out->mutable_text_value()->assign(text);
      return Status::OK();
    case Converter::kJson:
      if (!cdc::IsValidUtf8(text)) return Malformed(type, text, "not UTF-8");
      out->mutable_json_value()->assign(text);
      return Status::OK();
    case Converter::kBytea:
      return ConvertBytea(type, text, out);
    case Converter::kUuid:
      return ConvertUuid(type, text, out);
    case Converter::kInet:
      return ConvertInet(type, text, out);
    case Converter::kMacaddr:
      return ConvertMacaddr(type, text, 6, out);
    case Converter::kMacaddr8:
      return ConvertMacaddr(type, text, 8, out);
    case Converter::kMoney:
      return ConvertMoney(type, text, out);
    case Converter::kBits:
      return ConvertBits(type, text, out);
    default:
      out->mutable_raw_value()->mutable_text()->assign(text);
      return Status::OK();
  }
}

}  // namespace cdc::pgoutput::internal
