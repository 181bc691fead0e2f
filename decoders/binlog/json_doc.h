// A small JSON document model for MySQL binary JSON: parsed from the binary
// form, changed by PARTIAL_UPDATE_ROWS diffs, printed as MySQL prints JSON.
//
// Binary JSON spec: https://dev.mysql.com/doc/dev/mysql-server/latest/json__binary_8h.html
//   doc     := type:u8 value
//   object  := count size key-entry* value-entry* key* value*
//              (small: count/size/offsets u16; large: u32)
//   key-entry   := offset length:u16
//   value-entry := type:u8 offset-or-inlined (literals and 16-bit ints are
//                  inlined; 32-bit ints too in the large form)
//   array   := count size value-entry* value*
//   string  := varlen-length bytes; opaque := field-type:u8 varlen-length bytes
// Offsets are relative to the start of the enclosing object or array.
//
// Diff spec (PARTIAL_UPDATE_ROWS, MySQL 8.0.3+): a sequence of
//   operation:u8 (0 REPLACE, 1 INSERT, 2 REMOVE) path-length:packed path
//   [value-length:packed binary-JSON-value]   (absent for REMOVE)
//
// Pure code; the model owns its strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cdc::binlog::json {

struct Node {
  Node() = default;  // lets clang accept the recursive members
  enum class Kind : uint8_t { kScalar, kObject, kArray };
  Kind kind = Kind::kScalar;
  std::string scalar;  // kScalar: the value as JSON text ("1", "\"s\"", "null", "1.5")
  std::vector<std::pair<std::string, Node>> members;  // kObject, MySQL key order
  std::vector<Node> elements;                         // kArray
};

// Parses a whole binary JSON document (type byte first).
Result<Node> ParseBinary(std::string_view data);

// Appends `node` as MySQL prints JSON: {"a": 1, "b": [true, null]}.
void Print(const Node& node, std::string* out);

// Appends `s` as a JSON string literal (quoted, escaped).
void AppendQuoted(std::string_view s, std::string* out);

// Applies the diffs in `diffs` (the whole diff sequence of one column) to
// `doc`. Corruption naming the diff and path when one is malformed or does
// not apply to the document.
Status ApplyDiffs(std::string_view diffs, Node* doc);

// MySQL's order of object keys: shorter first, then bytewise.
bool KeyLess(std::string_view a, std::string_view b);

}  // namespace cdc::binlog::json
