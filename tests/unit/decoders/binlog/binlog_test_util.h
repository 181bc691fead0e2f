// Helpers for the binlog event tests: an event builder (little-endian, with
// an optional CRC32 computed by zlib) and fixture file access.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/unit/fixtures_absent.h"
#include "decoders/binlog/events.h"

namespace cdc::binlog::testing {

// Post-header lengths a MySQL 8.0.31 server writes (types 1..41).
inline std::vector<uint8_t> Mysql80PostHeaders() {
  return {0,  13, 0, 8,  0,  0,  0,  0,  4,  0,  4,  0,  0,  0,  98, 0,  4,  26, 8,  0,  0,
          0,  8,  8, 8,  2,  0,  0,  0,  10, 10, 10, 42, 42, 0,  18, 52, 0,  10, 40, 0};
}

// Builds an event body, then the whole event with its header.
class EventBuilder {
 public:
  explicit EventBuilder(uint8_t type) : type_(type) {}
  explicit EventBuilder(EventType type) : type_(static_cast<uint8_t>(type)) {}

  EventBuilder& U8(uint64_t v) { return Le(v, 1); }
  EventBuilder& U16(uint64_t v) { return Le(v, 2); }
  EventBuilder& U32(uint64_t v) { return Le(v, 4); }
  EventBuilder& U48(uint64_t v) { return Le(v, 6); }
  EventBuilder& U64(uint64_t v) { return Le(v, 8); }
  EventBuilder& Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) body_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  EventBuilder& Raw(std::string_view v) {
    body_.append(v);
    return *this;
  }
  EventBuilder& Zeros(size_t n) {
    body_.append(n, '\0');
    return *this;
  }
  // MySQL length-encoded integer.
  EventBuilder& Packed(uint64_t v) {
    if (v < 251) return U8(v);
    if (v < (1u << 16)) return U8(0xfc).U16(v);
    if (v < (1u << 24)) return U8(0xfd).Le(v, 3);
    return U8(0xfe).U64(v);
  }
  EventBuilder& PackedStr(std::string_view v) { return Packed(v.size()).Raw(v); }
  // Serialized-format unsigned variable-length integer.
  EventBuilder& Var(uint64_t v) {
    int extra = 0;
    while (extra < 8 && v >= (uint64_t{1} << (7 * (extra + 1)))) ++extra;
    if (extra == 8) return U8(0xff).U64(v);
    uint64_t raw = (v << (extra + 1)) | ((uint64_t{1} << extra) - 1);
    return Le(raw, extra + 1);
  }
  EventBuilder& SVar(int64_t v) {
    return Var((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }

  const std::string& body() const { return body_; }

  // header + body [+ CRC32 of both].
  std::string Build(bool crc, uint32_t log_pos = 1000, uint16_t flags = 0,
                    uint32_t server_id = 7) const {
    std::string out;
    uint32_t size = static_cast<uint32_t>(kHeaderSize + body_.size() + (crc ? 4 : 0));
    auto le = [&out](uint64_t v, int n) {
      for (int i = 0; i < n; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    le(1700000000, 4);
    le(type_, 1);
    le(server_id, 4);
    le(size, 4);
    le(log_pos, 4);
    le(flags, 2);
    out += body_;
    if (crc) AppendCrc(&out);
    return out;
  }

  static void AppendCrc(std::string* event) {
    uint32_t c = static_cast<uint32_t>(
        crc32_z(0, reinterpret_cast<const Bytef*>(event->data()), event->size()));
    for (int i = 0; i < 4; ++i) event->push_back(static_cast<char>((c >> (8 * i)) & 0xff));
  }

 private:
  uint8_t type_;
  std::string body_;
};

// A FORMAT_DESCRIPTION event. `alg` < 0 writes no checksum algorithm byte
// (servers before MySQL 5.6.1).
inline std::string FormatDescriptionEvent(std::string_view version, int alg,
                                          const std::vector<uint8_t>& post_headers,
                                          uint16_t flags = 0) {
  EventBuilder b(EventType::kFormatDescription);
  b.U16(4);
  std::string v(version);
  v.resize(50, '\0');
  b.Raw(v).U32(1700000000).U8(19);
  for (uint8_t len : post_headers) b.U8(len);
  if (alg < 0) return b.Build(false, 0, flags);
  b.U8(static_cast<uint8_t>(alg));
  // The server computes the checksum with the in-use flag cleared.
  std::string event = b.Build(false, 0, static_cast<uint16_t>(flags & ~1));
  // The event_size must count the 4 checksum bytes.
  uint32_t size = static_cast<uint32_t>(event.size() + 4);
  for (int i = 0; i < 4; ++i) event[9 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
  if (alg == 1) {
    EventBuilder::AppendCrc(&event);
  } else {
    event.append(4, '\0');
  }
  event[17] = static_cast<char>(flags & 0xff);
  return event;
}

// Rewrites the event_size field and, when `crc`, recomputes the checksum
// over the (possibly modified) event.
inline void Reframe(std::string* event, bool crc) {
  if (crc) {
    if (event->size() < 4) return;
    event->resize(event->size() - 4);
    uint32_t size = static_cast<uint32_t>(event->size() + 4);
    for (int i = 0; i < 4 && event->size() >= 13; ++i) {
      (*event)[9 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    }
    EventBuilder::AppendCrc(event);
  } else {
    uint32_t size = static_cast<uint32_t>(event->size());
    for (int i = 0; i < 4 && event->size() >= 13; ++i) {
      (*event)[9 + i] = static_cast<char>((size >> (8 * i)) & 0xff);
    }
  }
}

// Decoded events borrow their bytes: helpers that decode an event built on
// the fly keep those bytes here for the rest of the test program.
inline const std::string& Keep(std::string event) {
  static std::deque<std::string> kept;
  kept.push_back(std::move(event));
  return kept.back();
}

// A decoder that has seen a MySQL 8.0 FORMAT_DESCRIPTION with `alg`.
inline EventDecoder Mysql80(int alg = 1) {
  EventDecoder d;
  Result<Event> fde = d.Decode(FormatDescriptionEvent("8.0.31", alg, Mysql80PostHeaders()));
  EXPECT_TRUE(fde.ok()) << fde.status().ToString();
  return d;
}

template <typename T>
T DecodeAs(EventDecoder& d, const std::string& event) {
  Result<Event> ev = d.Decode(testing::Keep(event));
  EXPECT_TRUE(ev.ok()) << ev.status().ToString();
  if (!ev.ok() || !std::holds_alternative<T>(ev->body)) {
    ADD_FAILURE() << "wrong body type";
    return T{};
  }
  return std::get<T>(ev->body);
}

inline std::string ErrorOf(EventDecoder& d, const std::string& event) {
  Result<Event> ev = d.Decode(event);
  EXPECT_FALSE(ev.ok());
  if (ev.ok()) return "OK";
  EXPECT_TRUE(ev.status().IsCorruption());
  return ev.status().ToString();
}

inline std::string FixtureRoot() { return std::string(CDC_SOURCE_DIR) + "/../shared/fixtures"; }
inline const std::string kMariaDir = FixtureRoot() + "/binlog";
inline const std::string kMysqlDir = FixtureRoot() + "/binlog-mysql";

inline std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The *.binlog files of a fixture folder, sorted; empty when it is absent.
inline std::vector<std::string> BinlogFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".binlog") out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The *.binlog files of both fixture folders, MariaDB's first.
inline std::vector<std::string> AllBinlogFiles() {
  std::vector<std::string> out = BinlogFiles(kMariaDir);
  for (std::string& f : BinlogFiles(kMysqlDir)) out.push_back(std::move(f));
  return out;
}

inline bool IsRowsType(uint8_t t) {
  return (t >= 20 && t <= 25) || (t >= 30 && t <= 32) || t == 39 || (t >= 166 && t <= 171);
}

// Small text helpers for reading the fixture documentation (std::regex
// trips g++ 12's -Wmaybe-uninitialized under the sanitizers).
// The word of [A-Za-z0-9_] starting at `pos` of `text`.
inline std::string WordAt(const std::string& text, size_t pos) {
  size_t end = pos;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (end < text.size() && word(text[end])) ++end;
  return text.substr(pos, end - pos);
}

// The word after the first `marker` in `line`, or "".
inline std::string WordAfter(const std::string& line, const std::string& marker) {
  size_t at = line.find(marker);
  return at == std::string::npos ? "" : WordAt(line, at + marker.size());
}

// The leading decimal number of `text` (commas ignored), or -1.
inline long long NumberAt(const std::string& text, size_t pos = 0) {
  long long v = -1;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c == ',' && v >= 0) continue;
    if (c < '0' || c > '9') break;
    v = (v < 0 ? 0 : v * 10) + (c - '0');
  }
  return v;
}

// What one pass of FileReader + EventDecoder over a file saw.
struct Walk {
  struct Rows {
    uint8_t type = 0;
    uint64_t table_id = 0;
    uint16_t flags = 0;
    uint64_t column_count = 0;
    bool inner = false;
  };
  Status status;
  std::map<uint8_t, uint64_t> top;    // outer events by type
  std::map<uint8_t, uint64_t> inner;  // events inside TRANSACTION_PAYLOADs
  std::map<uint8_t, uint64_t> skipped;
  std::vector<TableMap> table_maps;
  std::vector<Rows> rows;
  std::vector<MysqlGtid> gtids;
  std::vector<PreviousGtids> previous_gtids;
  std::vector<std::vector<uint8_t>> payload_types;  // inner types per payload
  FormatDescription format;
};

inline void Record(const Event& ev, bool inner, Walk* w) {
  (inner ? w->inner : w->top)[ev.header.type]++;
  if (const auto* map = std::get_if<TableMap>(&ev.body)) w->table_maps.push_back(*map);
  if (const auto* rows = std::get_if<RowsEvent>(&ev.body)) {
    w->rows.push_back({rows->type, rows->table_id, rows->flags, rows->column_count, inner});
  }
  if (const auto* gtid = std::get_if<MysqlGtid>(&ev.body)) w->gtids.push_back(*gtid);
  if (const auto* prev = std::get_if<PreviousGtids>(&ev.body)) w->previous_gtids.push_back(*prev);
}

inline Walk WalkFile(std::string_view bytes) {
  Walk w;
  FileReader reader(bytes);
  EventDecoder decoder;
  w.status = reader.Open();
  while (w.status.ok()) {
    Result<std::optional<std::string_view>> next = reader.Next();
    if (!next.ok()) {
      w.status = next.status();
      break;
    }
    if (!next->has_value()) break;
    Result<Event> ev = decoder.Decode(**next);
    if (!ev.ok()) {
      w.status = ev.status();
      break;
    }
    Record(*ev, false, &w);
    if (ev->header.type != static_cast<uint8_t>(EventType::kTransactionPayload)) continue;
    std::vector<uint8_t>& types = w.payload_types.emplace_back();
    while (true) {
      Result<std::optional<Event>> inner = decoder.NextPayloadEvent();
      if (!inner.ok()) {
        w.status = inner.status();
        break;
      }
      if (!inner->has_value()) break;
      types.push_back((*inner)->header.type);
      Record(**inner, true, &w);
    }
  }
  w.skipped = decoder.skipped();
  w.format = decoder.format();
  return w;
}

}  // namespace cdc::binlog::testing

// Skips the test when a fixture folder is absent (a clone without ../shared).
#define SKIP_WITHOUT(dir)                                                                \
  if (::cdc::binlog::testing::BinlogFiles(dir).empty()) {                                \
    CDC_FIXTURES_ABSENT("fixture folder " << (dir) << " is absent");                      \
  }
