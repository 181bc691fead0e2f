// Post-header lengths as the servers write them in their FORMAT_DESCRIPTION
// (index = event type; types not listed are 0).
#include "tests/fuzz/binlog_flavours.h"

#include <initializer_list>
#include <utility>

namespace cdc::fuzz {
namespace {

struct Flavour {
  const char* version;
  bool has_checksum_field;
  size_t type_count;
  std::initializer_list<std::pair<uint8_t, uint8_t>> lengths;
};

const Flavour kFlavours[kFlavourCount] = {
    {"8.0.36", true, 41,
     {{2, 13}, {4, 8}, {9, 4}, {11, 4}, {15, 98}, {17, 4}, {18, 26}, {19, 8}, {23, 8},
      {24, 8}, {25, 8}, {26, 2}, {30, 10}, {31, 10}, {32, 10}, {33, 42}, {34, 42},
      {36, 18}, {37, 52}, {39, 10}, {40, 40}}},
    {"10.11.19-MariaDB-log", true, 171,
     {{1, 56}, {2, 13}, {4, 8}, {6, 18}, {8, 4}, {9, 4}, {10, 4}, {11, 4}, {12, 18},
      {15, 228}, {17, 4}, {18, 26}, {19, 8}, {23, 8}, {24, 8}, {25, 8}, {26, 2}, {30, 10},
      {31, 10}, {32, 10}, {39, 10}, {40, 10}, {41, 10}, {161, 4}, {162, 19}, {163, 4},
      {165, 13}, {166, 8}, {167, 8}, {168, 8}, {169, 10}, {170, 10}, {171, 10}}},
    {"5.7.40-log", true, 38,
     {{1, 56}, {2, 13}, {4, 8}, {6, 18}, {8, 4}, {9, 4}, {10, 4}, {11, 4}, {12, 18},
      {15, 95}, {17, 4}, {18, 26}, {19, 8}, {23, 8}, {24, 8}, {25, 8}, {26, 2}, {30, 10},
      {31, 10}, {32, 10}, {33, 42}, {34, 42}, {36, 18}, {37, 52}}},
    {"5.5.27-log", false, 27,
     {{1, 56}, {2, 13}, {4, 8}, {6, 18}, {8, 4}, {9, 4}, {10, 4}, {11, 4}, {12, 18},
      {15, 84}, {17, 4}, {18, 26}, {19, 8}, {23, 8}, {24, 8}, {25, 8}, {26, 2}}},
};

void PutLE(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

std::string FormatDescriptionEvent(uint8_t selector) {
  const Flavour& f = kFlavours[selector % kFlavourCount];
  std::string body;
  PutLE(&body, 4, 2);  // binlog_version
  std::string version(f.version);
  version.resize(50, '\0');
  body += version;
  PutLE(&body, 0, 4);  // create_timestamp
  body.push_back(static_cast<char>(binlog::kHeaderSize));
  std::string lengths(f.type_count, '\0');
  for (const auto& [type, len] : f.lengths) lengths[type - 1] = static_cast<char>(len);
  body += lengths;
  if (f.has_checksum_field) {
    body.push_back('\0');  // checksum_alg: off
    PutLE(&body, 0, 4);
  }
  std::string event;
  const uint32_t size = static_cast<uint32_t>(binlog::kHeaderSize + body.size());
  PutLE(&event, 0, 4);  // timestamp
  event.push_back(static_cast<char>(binlog::EventType::kFormatDescription));
  PutLE(&event, 1, 4);         // server_id
  PutLE(&event, size, 4);      // event_size
  PutLE(&event, 4 + size, 4);  // log_pos
  PutLE(&event, 0, 2);         // flags
  return event + body;
}

uint8_t FlavourOf(const binlog::FormatDescription& format) {
  if (format.mariadb()) return 1;
  const std::string& v = format.server_version;
  if (v.rfind("5.", 0) != 0) return 0;
  // 5.6.1 and later write the checksum field, and 5.6 the v2 rows events.
  if (v.rfind("5.6", 0) == 0 || v.rfind("5.7", 0) == 0) return 2;
  return 3;
}

void PatchEventSize(std::string* event) {
  const uint32_t size = static_cast<uint32_t>(event->size());
  for (int i = 0; i < 4; ++i) (*event)[9 + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
}

}  // namespace cdc::fuzz
