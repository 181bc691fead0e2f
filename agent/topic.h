// Kafka topic names of captured tables, shared by every source.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace cdc::agent {

// `name` with every character outside [A-Za-z0-9._-] (Kafka's legal topic
// characters) replaced by one '_': a table "Shop Ü" gives "Shop__". A byte
// that is not part of well-formed UTF-8 counts as one character.
inline std::string SanitizeTopic(std::string_view name) {
  std::string topic;
  topic.reserve(name.size());
  std::string_view rest = name;
  while (!rest.empty()) {
    char c = rest.front();
    bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
    topic += legal ? c : '_';
    uint32_t cp = 0;
    size_t len = DecodeUtf8(rest, &cp);
    rest.remove_prefix(len == 0 ? 1 : len);
  }
  return topic;
}

// "<prefix>.<schema>.<table>" (MySQL: the database as schema), sanitized.
inline std::string TopicName(const std::string& prefix, const std::string& schema,
                             const std::string& table) {
  return SanitizeTopic(prefix + "." + schema + "." + table);
}

}  // namespace cdc::agent
