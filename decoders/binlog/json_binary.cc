#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "decoders/binlog/json_doc.h"
#include "decoders/binlog/rows.h"
#include "decoders/binlog/values_internal.h"

namespace cdc::binlog {
namespace json {
namespace {

enum JsonType : uint8_t {
  kSmallObject = 0x00, kLargeObject = 0x01, kSmallArray = 0x02, kLargeArray = 0x03,
  kLiteral = 0x04, kInt16 = 0x05, kUint16 = 0x06, kInt32 = 0x07, kUint32 = 0x08,
  kInt64 = 0x09, kUint64 = 0x0A, kDouble = 0x0B, kString = 0x0C, kOpaque = 0x0F,
};

constexpr int kMaxDepth = 150;  // MySQL refuses documents deeper than 100

uint64_t LoadLE(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// MySQL's my_gcvt() choice between fixed and exponent form for a shortest
// round-trip digit string, then ".0" for a whole number so that it stays a
// double when read back (as MySQL 8 prints it).
void AppendDouble(double d, std::string* out) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool negative = !sci.empty() && sci[0] == '-';
  if (negative) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int len = static_cast<int>(digits.size());
  const int decpt = exp + 1;
  const int width = negative ? 33 : 34;
  const int fixed_len = decpt <= 0 ? len - decpt + 2 : (decpt < len ? len + 1 : decpt);
  std::string text;
  if (fixed_len <= width && decpt >= -14 && (decpt <= 15 || len > decpt)) {
    if (decpt <= 0) {
      text = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
    } else if (decpt < len) {
      text = digits.substr(0, static_cast<size_t>(decpt)) + "." +
             digits.substr(static_cast<size_t>(decpt));
    } else {
      text = digits + std::string(static_cast<size_t>(decpt - len), '0');
    }
  } else {
    text = digits.substr(0, 1);
    if (len > 1) text += "." + digits.substr(1);
    text += "e" + std::to_string(exp);
  }
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  if (negative) out->push_back('-');
  out->append(text);
}

void AppendBase64(std::string_view in, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(LoadLE(in.data() + i, 1) << 16 |
                                       LoadLE(in.data() + i + 1, 1) << 8 | LoadLE(in.data() + i + 2, 1));
    for (int k = 18; k >= 0; k -= 6) out->push_back(kAlphabet[(v >> k) & 63]);
  }
  size_t rest = in.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(LoadLE(in.data() + i, 1) << 16);
    if (rest == 2) v |= static_cast<uint32_t>(LoadLE(in.data() + i + 1, 1) << 8);
    out->push_back(kAlphabet[(v >> 18) & 63]);
    out->push_back(kAlphabet[(v >> 12) & 63]);
    out->push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

class Parser {
 public:
  explicit Parser(std::string_view data) : data_(data) {}

  // The value of `type` whose bytes start at absolute offset `pos`; `end` is
  // the end of the enclosing container.
  Status Value(uint8_t type, size_t pos, size_t end, int depth, Node* out) {
    if (depth > kMaxDepth) return Error("nesting deeper than 150", pos);
    switch (type) {
      case kSmallObject: return Container(true, false, pos, end, depth, out);
      case kLargeObject: return Container(true, true, pos, end, depth, out);
      case kSmallArray: return Container(false, false, pos, end, depth, out);
      case kLargeArray: return Container(false, true, pos, end, depth, out);
      case kLiteral: return Fixed(type, pos, end, 1, out);
      case kInt16:
      case kUint16: return Fixed(type, pos, end, 2, out);
      case kInt32:
      case kUint32: return Fixed(type, pos, end, 4, out);
      case kInt64:
      case kUint64:
      case kDouble: return Fixed(type, pos, end, 8, out);
      case kString: {
        std::string_view s;
        CDC_RETURN_IF_ERROR(LengthPrefixed(pos, end, &s));
        out->kind = Node::Kind::kScalar;
        out->scalar.clear();
        AppendQuoted(s, &out->scalar);
        return Status::OK();
      }
      case kOpaque: {
        if (pos >= end) return Error("truncated opaque value", pos);
        std::string_view bytes;
        CDC_RETURN_IF_ERROR(LengthPrefixed(pos + 1, end, &bytes));
        return Opaque(static_cast<uint8_t>(data_[pos]), bytes, pos, out);
      }
      default:
        return Error("unknown value type " + std::to_string(type), pos);
    }
  }

  static Status Error(const std::string& what, size_t pos) {
    return Status::Corruption("binary JSON: " + what + " at offset " + std::to_string(pos));
  }

 private:
  // A scalar of `n` bytes, stored at pos, or inlined in a value entry.
  Status Fixed(uint8_t type, size_t pos, size_t end, size_t n, Node* out) {
    if (pos > end || end - pos < n) return Error("truncated scalar", pos);
    uint64_t v = LoadLE(data_.data() + pos, n);
    out->kind = Node::Kind::kScalar;
    out->scalar.clear();
    switch (type) {
      case kLiteral:
        if (v > 2) return Error("unknown literal " + std::to_string(v), pos);
        out->scalar = v == 0 ? "null" : v == 1 ? "true" : "false";
        break;
      case kInt16: out->scalar = std::to_string(static_cast<int16_t>(v)); break;
      case kUint16: out->scalar = std::to_string(static_cast<uint16_t>(v)); break;
      case kInt32: out->scalar = std::to_string(static_cast<int32_t>(v)); break;
      case kUint32: out->scalar = std::to_string(static_cast<uint32_t>(v)); break;
      case kInt64: out->scalar = std::to_string(static_cast<int64_t>(v)); break;
      case kUint64: out->scalar = std::to_string(v); break;
      default: {
        double d;
        std::memcpy(&d, &v, sizeof(d));
        if (!std::isfinite(d)) return Error("non-finite double", pos);
        AppendDouble(d, &out->scalar);
      }
    }
    return Status::OK();
  }

  Status LengthPrefixed(size_t pos, size_t end, std::string_view* out) {
    uint64_t length = 0;
    size_t p = pos;
    for (int shift = 0;; shift += 7) {
      if (p >= end || shift > 28) return Error("bad string length", pos);
      auto b = static_cast<uint8_t>(data_[p++]);
      length |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) break;
    }
    if (end - p < length) return Error("string longer than its container", pos);
    *out = data_.substr(p, length);
    return Status::OK();
  }

  Status Opaque(uint8_t field_type, std::string_view bytes, size_t pos, Node* out) {
    out->kind = Node::Kind::kScalar;
    out->scalar.clear();
    using internal::CivilTime;
    switch (field_type) {
      case kTypeNewDecimal: {
        if (bytes.size() < 2) return Error("truncated opaque DECIMAL", pos);
        int precision = static_cast<uint8_t>(bytes[0]);
        int scale = static_cast<uint8_t>(bytes[1]);
        if (!internal::DecimalToText(bytes.substr(2), precision, scale, &out->scalar)) {
          return Error("bad opaque DECIMAL", pos);
        }
        return Status::OK();
      }
      case kTypeDate:
      case kTypeTime:
      case kTypeDatetime:
      case kTypeTimestamp: {
        if (bytes.size() < 8) return Error("truncated opaque temporal value", pos);
        auto packed = static_cast<int64_t>(LoadLE(bytes.data(), 8));
        std::string text;
        if (field_type == kTypeTime) {
          text = internal::FormatTime(internal::UnpackTime(packed), 6);
        } else if (field_type == kTypeDate) {
          text = internal::FormatDate(internal::UnpackDatetime(packed));
        } else {
          text = internal::FormatDatetime(internal::UnpackDatetime(packed), 6);
        }
        AppendQuoted(text, &out->scalar);
        return Status::OK();
      }
      default: {
        std::string text = "base64:type" + std::to_string(field_type) + ":";
        AppendBase64(bytes, &text);
        AppendQuoted(text, &out->scalar);
        return Status::OK();
      }
    }
  }

  Status Container(bool object, bool large, size_t pos, size_t end, int depth, Node* out) {
    const size_t word = large ? 4 : 2;
    if (pos > end || end - pos < 2 * word) return Error("truncated container header", pos);
    const uint64_t count = LoadLE(data_.data() + pos, word);
    const uint64_t size = LoadLE(data_.data() + pos + word, word);
    if (size > end - pos || size < 2 * word) return Error("container size out of bounds", pos);
    const size_t limit = pos + size;
    const size_t key_entry = word + 2;
    const size_t value_entry = 1 + word;
    const size_t header = 2 * word + count * ((object ? key_entry : 0) + value_entry);
    if (count > size || header > size) return Error("too many entries for the container", pos);
    out->kind = object ? Node::Kind::kObject : Node::Kind::kArray;
    out->members.clear();
    out->elements.clear();
    if (object) {
      out->members.resize(count);
    } else {
      out->elements.resize(count);
    }
    const size_t values_at = pos + 2 * word + (object ? count * key_entry : 0);
    for (size_t i = 0; i < count; ++i) {
      Node* node = object ? &out->members[i].second : &out->elements[i];
      if (object) {
        size_t k = pos + 2 * word + i * key_entry;
        uint64_t key_offset = LoadLE(data_.data() + k, word);
        uint64_t key_length = LoadLE(data_.data() + k + word, 2);
        if (key_offset > size || key_length > size - key_offset) {
          return Error("object key out of bounds", k);
        }
        out->members[i].first.assign(data_.substr(pos + key_offset, key_length));
      }
      size_t v = values_at + i * value_entry;
      auto type = static_cast<uint8_t>(data_[v]);
      bool inlined = type == kLiteral || type == kInt16 || type == kUint16 ||
                     (large && (type == kInt32 || type == kUint32));
      if (inlined) {
        CDC_RETURN_IF_ERROR(Value(type, v + 1, v + 1 + word, depth + 1, node));
        continue;
      }
      uint64_t offset = LoadLE(data_.data() + v + 1, word);
      if (offset < header || offset >= size) return Error("value offset out of bounds", v);
      CDC_RETURN_IF_ERROR(Value(type, pos + offset, limit, depth + 1, node));
    }
    return Status::OK();
  }

  std::string_view data_;
};

void PrintTo(const Node& node, std::string* out) {
  switch (node.kind) {
    case Node::Kind::kScalar:
      out->append(node.scalar);
      return;
    case Node::Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, value] : node.members) {
        if (!first) out->append(", ");
        first = false;
        AppendQuoted(key, out);
        out->append(": ");
        PrintTo(value, out);
      }
      out->push_back('}');
      return;
    }
    case Node::Kind::kArray: {
      out->push_back('[');
      bool first = true;
      for (const auto& element : node.elements) {
        if (!first) out->append(", ");
        first = false;
        PrintTo(element, out);
      }
      out->push_back(']');
      return;
    }
  }
}

}  // namespace

Result<Node> ParseBinary(std::string_view data) {
  if (data.empty()) return Parser::Error("empty document", 0);
  Node node;
  Parser parser(data);
  CDC_RETURN_IF_ERROR(parser.Value(static_cast<uint8_t>(data[0]), 1, data.size(), 0, &node));
  return node;
}

void Print(const Node& node, std::string* out) { PrintTo(node, out); }

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

bool KeyLess(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace json

Result<std::string> BinaryJsonToText(std::string_view data) {
  CDC_ASSIGN_OR_RETURN(json::Node node, json::ParseBinary(data));
  std::string text;
  json::Print(node, &text);
  return text;
}

}  // namespace cdc::binlog
