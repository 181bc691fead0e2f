// Kafka topic names of captured tables, shared by every source.
#pragma once

#include <string>

namespace cdc::agent {

// "<prefix>.<schema>.<table>" (MySQL: the database as schema), every
// character outside [A-Za-z0-9._-] replaced by '_' (Kafka's legal topic
// characters).
inline std::string TopicName(const std::string& prefix, const std::string& schema,
                             const std::string& table) {
  std::string topic = prefix + "." + schema + "." + table;
  for (char& c : topic) {
    bool legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-';
    if (!legal) c = '_';
  }
  return topic;
}

}  // namespace cdc::agent
