#include "offsets/gtid_set.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>

namespace cdc::offsets {
namespace {

// Longest part of a set's text that an error message quotes; a server's
// @@gtid_executed can run to many kilobytes.
constexpr size_t kMaxQuoted = 100;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  while (true) {
    size_t at = text.find(sep);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return parts;
}

// `text` in double quotes on one line: control characters escaped, cut
// after kMaxQuoted characters.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  size_t n = std::min(text.size(), kMaxQuoted);
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (n < text.size()) out += "...";
  out.push_back('"');
  return out;
}

Status SetError(std::string_view set, const std::string& what) {
  return Status::InvalidArgument("GTID set " + Quote(set) + ": " + what);
}

Status EntryError(std::string_view set, std::string_view entry, const std::string& what) {
  return SetError(set, "entry " + Quote(entry) + ": " + what);
}

// Calls `on_entry` with each comma-separated entry of `text`, trimmed; an
// empty entry is an error that names `form`, the shape entries should have.
// Nothing for an empty (or all-space) text.
template <typename OnEntry>
Status ForEachEntry(std::string_view text, const char* form, OnEntry on_entry) {
  if (Trim(text).empty()) return Status::OK();
  std::vector<std::string_view> entries = Split(text, ',');
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string_view entry = Trim(entries[i]);
    if (entry.empty()) {
      return SetError(text, "entry " + std::to_string(i + 1) + " is empty; separate " + form +
                                " entries by single commas");
    }
    CDC_RETURN_IF_ERROR(on_entry(entry));
  }
  return Status::OK();
}

bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

// Parses a string of decimal digits (checked by the caller) into *out;
// false when it does not fit in T.
template <typename T>
bool ParseDigits(std::string_view digits, T* out) {
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out, 10);
  return ec == std::errc() && ptr == digits.data() + digits.size();
}

// "digits-digits-digits", the shape of a MariaDB GTID.
bool LooksLikeMariaGtid(std::string_view entry) {
  std::vector<std::string_view> parts = Split(entry, '-');
  return parts.size() == 3 && AllDigits(parts[0]) && AllDigits(parts[1]) && AllDigits(parts[2]);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseUuidBytes(std::string_view text, MysqlUuid* uuid) {
  if (text.size() != 36) return false;
  size_t byte = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return false;
      ++i;
      continue;
    }
    int hi = HexValue(text[i]);
    int lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    (*uuid)[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return true;
}

// A tag in lowercase, or why it is not one. "" stays "" (no tag).
Result<std::string> NormalizeTag(std::string_view tag) {
  bool valid = tag.size() <= 32 &&
               (tag.empty() || IsLetter(tag.front()) || tag.front() == '_') &&
               std::all_of(tag.begin(), tag.end(),
                           [](char c) { return IsLetter(c) || IsDigit(c) || c == '_'; });
  if (!valid) {
    return Status::InvalidArgument("tag " + Quote(tag) +
                                   " is not valid: a tag is 1 to 32 letters, digits or "
                                   "underscores and starts with a letter or underscore");
  }
  std::string out(tag);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status CheckInterval(uint64_t first, uint64_t last) {
  if (first == 0) {
    return Status::InvalidArgument("GNO 0 is not valid: GNOs start at 1");
  }
  if (last > MysqlGtidSet::kMaxGno) {
    return Status::InvalidArgument("GNO " + std::to_string(last) + " is above the maximum " +
                                   std::to_string(MysqlGtidSet::kMaxGno));
  }
  if (first > last) {
    return Status::InvalidArgument("interval " + std::to_string(first) + "-" +
                                   std::to_string(last) + " starts after it ends");
  }
  return Status::OK();
}

// Parses "N" or "N-M" (whitespace around each number allowed) into a checked
// inclusive interval; the message names the interval.
Status ParseInterval(std::string_view part, uint64_t* first, uint64_t* last) {
  size_t dash = part.find('-');
  std::string_view a = Trim(part.substr(0, dash));
  std::string_view b = dash == std::string_view::npos ? a : Trim(part.substr(dash + 1));
  if (!AllDigits(a) || !AllDigits(b)) {
    return Status::InvalidArgument("interval " + Quote(part) +
                                   " is not N or N-M with decimal numbers N <= M");
  }
  if (!ParseDigits(a, first) || !ParseDigits(b, last)) {
    return Status::InvalidArgument("interval " + Quote(part) + ": GNO above the maximum " +
                                   std::to_string(MysqlGtidSet::kMaxGno));
  }
  Status s = CheckInterval(*first, *last);
  if (!s.ok()) return Status::InvalidArgument("interval " + Quote(part) + ": " + s.message());
  return Status::OK();
}

void PutU64LE(std::string* out, uint64_t v) {
  for (int shift = 0; shift < 64; shift += 8) out->push_back(static_cast<char>(v >> shift));
}

}  // namespace

GtidSetFlavor DetectGtidSetFlavor(std::string_view text) {
  if (Trim(text).empty()) return GtidSetFlavor::kEmpty;
  bool all_maria = true;
  bool all_mysql = true;
  bool any = false;
  for (std::string_view raw : Split(text, ',')) {
    std::string_view entry = Trim(raw);
    if (entry.empty()) continue;  // Parse reports it
    any = true;
    if (!LooksLikeMariaGtid(entry)) all_maria = false;
    MysqlUuid uuid;
    if (!ParseUuidBytes(Trim(entry.substr(0, entry.find(':'))), &uuid)) all_mysql = false;
  }
  if (!any) return GtidSetFlavor::kUnknown;
  if (all_maria) return GtidSetFlavor::kMariaDb;
  if (all_mysql) return GtidSetFlavor::kMysql;
  return GtidSetFlavor::kUnknown;
}

// ---------------------------------------------------------------- MariaDB

Result<MariaGtidSet> MariaGtidSet::Parse(std::string_view text) {
  MariaGtidSet set;
  CDC_RETURN_IF_ERROR(ForEachEntry(text, "domain-server-seq", [&](std::string_view entry) {
    if (!LooksLikeMariaGtid(entry)) {
      return SetError(text, "entry " + Quote(entry) +
                                " is not domain-server-seq (three decimal numbers, e.g. 0-1-100)");
    }
    std::vector<std::string_view> parts = Split(entry, '-');
    Entry e;
    if (!ParseDigits(parts[0], &e.domain)) {
      return EntryError(text, entry,
                        "domain " + std::string(parts[0]) + " is above the maximum 4294967295");
    }
    if (!ParseDigits(parts[1], &e.server_id)) {
      return EntryError(text, entry,
                        "server id " + std::string(parts[1]) + " is above the maximum 4294967295");
    }
    if (!ParseDigits(parts[2], &e.seq)) {
      return EntryError(text, entry,
                        "seq " + std::string(parts[2]) + " is above the maximum " +
                            std::to_string(std::numeric_limits<uint64_t>::max()));
    }
    auto [it, inserted] = set.entries_.emplace(e.domain, e);
    if (!inserted) {
      const Entry& prev = it->second;
      return SetError(text, "domain " + std::to_string(e.domain) + " appears twice (" +
                                std::to_string(prev.domain) + "-" +
                                std::to_string(prev.server_id) + "-" + std::to_string(prev.seq) +
                                " and " + std::string(entry) +
                                "); a GTID position holds one GTID per domain");
    }
    return Status::OK();
  }));
  return set;
}

void MariaGtidSet::Update(uint32_t domain, uint32_t server_id, uint64_t seq) {
  entries_[domain] = Entry{domain, server_id, seq};
}

std::optional<MariaGtidSet::Entry> MariaGtidSet::Find(uint32_t domain) const {
  auto it = entries_.find(domain);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<MariaGtidSet::Entry> MariaGtidSet::entries() const {
  std::vector<Entry> out;
  out.reserve(entries_.size());
  for (const auto& [domain, e] : entries_) out.push_back(e);
  return out;
}

std::string MariaGtidSet::ToString() const {
  std::string out;
  for (const auto& [domain, e] : entries_) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(e.domain) + "-" + std::to_string(e.server_id) + "-" +
           std::to_string(e.seq);
  }
  return out;
}

// ---------------------------------------------------------------- MySQL

std::string FormatMysqlUuid(const MysqlUuid& uuid) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[uuid[i] >> 4]);
    out.push_back(kHex[uuid[i] & 0x0f]);
  }
  return out;
}

Result<MysqlUuid> ParseMysqlUuid(std::string_view text) {
  MysqlUuid uuid{};
  if (!ParseUuidBytes(text, &uuid)) {
    return Status::InvalidArgument(Quote(text) +
                                   " is not a server UUID (8-4-4-4-12 hex digits, e.g. "
                                   "3e11fa47-71ca-11e1-9e33-c80aa9429562)");
  }
  return uuid;
}

Result<MysqlGtidSet> MysqlGtidSet::Parse(std::string_view text) {
  MysqlGtidSet set;
  CDC_RETURN_IF_ERROR(ForEachEntry(text, "uuid:interval", [&](std::string_view entry) -> Status {
    std::vector<std::string_view> parts = Split(entry, ':');
    Result<MysqlUuid> uuid = ParseMysqlUuid(Trim(parts[0]));
    if (!uuid.ok()) return EntryError(text, entry, uuid.status().message());

    // Each part after the uuid is an interval of the current tag, or a tag
    // (starting with a letter or '_') that applies to the intervals after it.
    std::string tag;
    bool has_interval = false;
    for (size_t p = 1; p < parts.size(); ++p) {
      std::string_view part = Trim(parts[p]);
      if (part.empty()) {
        return EntryError(text, entry, "empty part after ':'; expected an interval or a tag");
      }
      if (IsLetter(part.front()) || part.front() == '_') {
        if (!tag.empty() && !has_interval) {
          return EntryError(text, entry, "tag \"" + tag + "\" has no interval after it");
        }
        Result<std::string> normalized = NormalizeTag(part);
        if (!normalized.ok()) return EntryError(text, entry, normalized.status().message());
        tag = std::move(*normalized);
        has_interval = false;
        continue;
      }
      uint64_t first = 0;
      uint64_t last = 0;
      Status s = ParseInterval(part, &first, &last);
      if (!s.ok()) return EntryError(text, entry, s.message());
      set.AddUnchecked(Key(*uuid, tag), first, last);
      has_interval = true;
    }
    if (!has_interval) {
      return EntryError(text, entry,
                        (tag.empty() ? "uuid" : "tag \"" + tag + "\"") +
                            std::string(" has no interval after it"));
    }
    return Status::OK();
  }));
  return set;
}

Status MysqlGtidSet::Add(const MysqlUuid& uuid, std::string_view tag, uint64_t gno) {
  return AddInterval(uuid, tag, gno, gno);
}

Status MysqlGtidSet::AddInterval(const MysqlUuid& uuid, std::string_view tag, uint64_t first,
                                 uint64_t last) {
  std::string gtids = FormatMysqlUuid(uuid);
  if (!tag.empty()) gtids += ":" + std::string(tag);
  gtids += ":" + std::to_string(first);
  if (last != first) gtids += "-" + std::to_string(last);
  std::string where = "adding " + Quote(gtids) + " to a GTID set";
  Result<std::string> normalized = NormalizeTag(tag);
  if (!normalized.ok()) return normalized.status().WithContext(where);
  Status s = CheckInterval(first, last);
  if (!s.ok()) return s.WithContext(where);
  AddUnchecked(Key(uuid, std::move(*normalized)), first, last);
  return Status::OK();
}

void MysqlGtidSet::AddUnchecked(const Key& key, uint64_t first, uint64_t last) {
  std::vector<Interval>& v = sets_[key];
  // [lo, hi) are the intervals that overlap first..last or touch it; GNOs are
  // at most kMaxGno, so the +1s cannot overflow.
  auto lo = std::partition_point(v.begin(), v.end(),
                                 [&](const Interval& iv) { return iv.last + 1 < first; });
  auto hi = std::partition_point(lo, v.end(),
                                 [&](const Interval& iv) { return iv.first <= last + 1; });
  if (lo == hi) {
    v.insert(lo, Interval{first, last});
    return;
  }
  lo->first = std::min(first, lo->first);
  lo->last = std::max(last, (hi - 1)->last);
  v.erase(lo + 1, hi);
}

bool MysqlGtidSet::Contains(const MysqlUuid& uuid, std::string_view tag, uint64_t gno) const {
  std::string lower(tag);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  auto it = sets_.find(Key(uuid, lower));
  if (it == sets_.end()) return false;
  const std::vector<Interval>& v = it->second;
  auto after = std::upper_bound(v.begin(), v.end(), gno,
                                [](uint64_t g, const Interval& iv) { return g < iv.first; });
  return after != v.begin() && (after - 1)->last >= gno;
}

std::vector<MysqlGtidSet::Interval> MysqlGtidSet::Intervals(const MysqlUuid& uuid,
                                                            std::string_view tag) const {
  Result<std::string> normalized = NormalizeTag(tag);
  if (!normalized.ok()) return {};
  auto it = sets_.find(Key(uuid, *normalized));
  if (it == sets_.end()) return {};
  return it->second;
}

bool MysqlGtidSet::HasTags() const {
  return std::any_of(sets_.begin(), sets_.end(),
                     [](const auto& kv) { return !kv.first.second.empty(); });
}

std::string MysqlGtidSet::ToString() const {
  std::string out;
  const MysqlUuid* prev = nullptr;
  for (const auto& [key, intervals] : sets_) {
    if (prev == nullptr || *prev != key.first) {
      if (prev != nullptr) out.push_back(',');
      out += FormatMysqlUuid(key.first);
      prev = &key.first;
    }
    if (!key.second.empty()) out += ":" + key.second;
    for (const Interval& iv : intervals) {
      out += ":" + std::to_string(iv.first);
      if (iv.last != iv.first) out += "-" + std::to_string(iv.last);
    }
  }
  return out;
}

Result<std::string> MysqlGtidSet::EncodeForDump() const {
  for (const auto& [key, intervals] : sets_) {
    if (!key.second.empty()) {
      return Status::NotSupported(
          "GTID set has tagged GTIDs (" + FormatMysqlUuid(key.first) + ":" + key.second +
          "); resuming from tagged GTIDs needs the tagged COM_BINLOG_DUMP_GTID format, "
          "which is not implemented");
    }
  }
  std::string out;
  out.reserve(8 + sets_.size() * 24);
  PutU64LE(&out, sets_.size());
  for (const auto& [key, intervals] : sets_) {
    out.append(reinterpret_cast<const char*>(key.first.data()), key.first.size());
    PutU64LE(&out, intervals.size());
    for (const Interval& iv : intervals) {
      PutU64LE(&out, iv.first);
      PutU64LE(&out, iv.last + 1);
    }
  }
  return out;
}

}  // namespace cdc::offsets
