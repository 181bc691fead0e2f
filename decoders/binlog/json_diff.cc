#include <algorithm>
#include <cstdlib>

#include "common/byte_reader.h"
#include "decoders/binlog/charset.h"
#include "decoders/binlog/json_doc.h"

namespace cdc::binlog::json {
namespace {

enum Operation : uint8_t { kReplace = 0, kInsert = 1, kRemove = 2 };

struct Leg {
  bool member = false;
  std::string key;        // member leg
  uint64_t index = 0;     // array leg
  bool from_last = false; // [last] or [last-N]: index counts back from the end
};

bool ParseHex4(std::string_view s, size_t at, uint32_t* out) {
  if (at + 4 > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return false;
    v = v * 16 + static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

// A double-quoted key starting at s[*i] == '"'.
bool ParseQuotedKey(std::string_view s, size_t* i, std::string* key) {
  size_t p = *i + 1;
  while (p < s.size() && s[p] != '"') {
    if (s[p] != '\\') {
      key->push_back(s[p++]);
      continue;
    }
    if (++p >= s.size()) return false;
    char c = s[p++];
    switch (c) {
      case '"': case '\\': case '/': key->push_back(c); break;
      case 'b': key->push_back('\b'); break;
      case 'f': key->push_back('\f'); break;
      case 'n': key->push_back('\n'); break;
      case 'r': key->push_back('\r'); break;
      case 't': key->push_back('\t'); break;
      case 'u': {
        uint32_t cp;
        if (!ParseHex4(s, p, &cp)) return false;
        p += 4;
        uint32_t low;
        if (cp >= 0xD800 && cp < 0xDC00 && p + 1 < s.size() && s[p] == '\\' && s[p + 1] == 'u' &&
            ParseHex4(s, p + 2, &low) && low >= 0xDC00 && low < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p += 6;
        }
        AppendUtf8(cp, key);
        break;
      }
      default: return false;
    }
  }
  if (p >= s.size()) return false;
  *i = p + 1;
  return true;
}

bool ParsePath(std::string_view s, std::vector<Leg>* legs) {
  size_t i = 0;
  auto skip_space = [&] { while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i; };
  skip_space();
  if (i >= s.size() || s[i] != '$') return false;
  ++i;
  for (skip_space(); i < s.size(); skip_space()) {
    Leg leg;
    if (s[i] == '.') {
      ++i;
      skip_space();
      leg.member = true;
      if (i < s.size() && s[i] == '"') {
        if (!ParseQuotedKey(s, &i, &leg.key)) return false;
      } else {
        size_t start = i;
        while (i < s.size() && s[i] != '.' && s[i] != '[' && s[i] != ' ') ++i;
        leg.key.assign(s.substr(start, i - start));
        if (leg.key.empty() || leg.key == "*") return false;
      }
    } else if (s[i] == '[') {
      size_t close = s.find(']', i);
      if (close == std::string_view::npos) return false;
      std::string inner(s.substr(i + 1, close - i - 1));
      inner.erase(std::remove(inner.begin(), inner.end(), ' '), inner.end());
      i = close + 1;
      if (inner.rfind("last", 0) == 0) {
        leg.from_last = true;
        inner.erase(0, 4);
        if (inner.empty()) {
          inner = "0";
        } else if (inner[0] == '-') {
          inner.erase(0, 1);
        } else {
          return false;
        }
      }
      if (inner.empty() || inner.find_first_not_of("0123456789") != std::string::npos ||
          inner.size() > 18) {
        return false;
      }
      leg.index = std::strtoull(inner.c_str(), nullptr, 10);
    } else {
      return false;
    }
    legs->push_back(std::move(leg));
  }
  return true;
}

// Array position of `leg` in an array of `size`; false when [last-N] is before the start.
bool ResolveIndex(const Leg& leg, size_t size, uint64_t* index) {
  if (!leg.from_last) {
    *index = leg.index;
    return true;
  }
  if (size == 0 || leg.index > size - 1) return false;
  *index = size - 1 - leg.index;
  return true;
}

Node* Step(Node* node, const Leg& leg) {
  if (leg.member) {
    if (node->kind != Node::Kind::kObject) return nullptr;
    for (auto& member : node->members) {
      if (member.first == leg.key) return &member.second;
    }
    return nullptr;
  }
  if (node->kind != Node::Kind::kArray) return nullptr;
  uint64_t index;
  if (!ResolveIndex(leg, node->elements.size(), &index) || index >= node->elements.size()) {
    return nullptr;
  }
  return &node->elements[index];
}

Status Apply(uint8_t op, const std::vector<Leg>& legs, Node value, Node* doc) {
  if (legs.empty()) {
    if (op != kReplace) return Status::Corruption("only REPLACE can change the whole document");
    *doc = std::move(value);
    return Status::OK();
  }
  Node* parent = doc;
  for (size_t i = 0; i + 1 < legs.size(); ++i) {
    parent = Step(parent, legs[i]);
    if (parent == nullptr) return Status::Corruption("the path's parent is not in the document");
  }
  const Leg& last = legs.back();
  if (last.member) {
    if (parent->kind != Node::Kind::kObject) return Status::Corruption("the parent is not an object");
    auto& members = parent->members;
    auto it = std::find_if(members.begin(), members.end(),
                           [&](const auto& m) { return m.first == last.key; });
    if (op == kRemove) {
      if (it == members.end()) return Status::Corruption("no such member to remove");
      members.erase(it);
    } else if (it != members.end()) {
      it->second = std::move(value);
    } else if (op == kReplace) {
      return Status::Corruption("no such member to replace");
    } else {
      auto pos = std::find_if(members.begin(), members.end(),
                              [&](const auto& m) { return KeyLess(last.key, m.first); });
      members.emplace(pos, last.key, std::move(value));
    }
    return Status::OK();
  }
  if (parent->kind != Node::Kind::kArray) return Status::Corruption("the parent is not an array");
  auto& elements = parent->elements;
  uint64_t index;
  if (!ResolveIndex(last, elements.size(), &index)) {
    return Status::Corruption("array position before the first element");
  }
  if (op == kInsert) {
    index = std::min<uint64_t>(index, elements.size());
    elements.insert(elements.begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
    return Status::OK();
  }
  if (index >= elements.size()) return Status::Corruption("array position past the end");
  if (op == kRemove) {
    elements.erase(elements.begin() + static_cast<std::ptrdiff_t>(index));
  } else {
    elements[index] = std::move(value);
  }
  return Status::OK();
}

}  // namespace

Status ApplyDiffs(std::string_view diffs, Node* doc) {
  ByteReader reader(diffs);
  for (int n = 0; !reader.empty(); ++n) {
    const size_t start = reader.offset();
    auto fail = [&](const std::string& what) {
      return Status::Corruption("JSON diff " + std::to_string(n) + " at offset " +
                                std::to_string(start) + ": " + what);
    };
    uint8_t op;
    uint64_t path_length;
    std::string_view path;
    if (!reader.ReadU8(&op) || !reader.ReadLengthEncoded(&path_length) ||
        !reader.ReadBytes(path_length, &path)) {
      return fail("truncated operation or path");
    }
    if (op > kRemove) return fail("unknown operation " + std::to_string(op));
    std::vector<Leg> legs;
    if (!ParsePath(path, &legs)) return fail("bad path '" + std::string(path) + "'");
    Node value;
    if (op != kRemove) {
      uint64_t value_length;
      std::string_view bytes;
      if (!reader.ReadLengthEncoded(&value_length) || !reader.ReadBytes(value_length, &bytes)) {
        return fail("truncated value for path " + std::string(path));
      }
      Result<Node> parsed = ParseBinary(bytes);
      if (!parsed.ok()) return fail(parsed.status().message());
      value = std::move(parsed).value();
    }
    Status s = Apply(op, legs, std::move(value), doc);
    if (!s.ok()) return fail(s.message() + " (path " + std::string(path) + ")");
  }
  return Status::OK();
}

}  // namespace cdc::binlog::json
