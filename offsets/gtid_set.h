// GTID sets of MySQL and MariaDB: values that parse, update, print and encode.
//
// A MySQL/MariaDB source keeps the set of transactions it has delivered as
// text in Position::gtid_set. After each committed transaction it adds that
// transaction's GTID, and when it resumes it sends the set to the server so
// that replication starts after it. MariaDB and MySQL use different GTIDs:
//
//   MariaDB  "domain-server-seq" per replication domain, e.g. "0-1-100,1-2-7"
//            (the form of @@gtid_binlog_pos and @@gtid_slave_pos).
//   MySQL    "uuid:1-5:7-9,uuid2:1-3", and since 8.4 tagged GTIDs,
//            "uuid:1-5:batch:1-3" (the form of @@gtid_executed).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace cdc::offsets {

// Which kind of GTID set a text holds, judged by its form alone.
enum class GtidSetFlavor : uint8_t {
  kEmpty,    // nothing but whitespace
  kMariaDb,  // every entry is "digits-digits-digits"
  kMysql,    // every entry starts with a server UUID
  kUnknown,  // neither; parse it as the expected kind to learn what is wrong
};
GtidSetFlavor DetectGtidSetFlavor(std::string_view text);

// MariaDB GTID position: one "domain-server-seq" per replication domain,
// ordered by domain.
class MariaGtidSet {
 public:
  struct Entry {
    uint32_t domain = 0;
    uint32_t server_id = 0;
    uint64_t seq = 0;
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  // "" (or only whitespace) is the empty set. Entries are separated by
  // commas; whitespace around an entry is ignored. InvalidArgument naming the
  // entry when one is not three decimal numbers in range (domain and server
  // id 32-bit, seq 64-bit) or when a domain appears twice.
  static Result<MariaGtidSet> Parse(std::string_view text);

  // Sets the domain's GTID to server_id-seq, replacing what it held.
  void Update(uint32_t domain, uint32_t server_id, uint64_t seq);

  // The domain's entry, if the set has one.
  std::optional<Entry> Find(uint32_t domain) const;
  // All entries, by domain.
  std::vector<Entry> entries() const;

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

  // "0-1-100,1-2-7": sorted by domain, no spaces; "" when empty.
  std::string ToString() const;

  friend bool operator==(const MariaGtidSet&, const MariaGtidSet&) = default;

 private:
  std::map<uint32_t, Entry> entries_;  // by domain
};

// A MySQL server UUID (source id) as its 16 bytes, in text order.
using MysqlUuid = std::array<uint8_t, 16>;

// "3e11fa47-71ca-11e1-9e33-c80aa9429562" (lowercase).
std::string FormatMysqlUuid(const MysqlUuid& uuid);
// Parses the 8-4-4-4-12 hex form, upper- or lowercase. InvalidArgument
// naming the text otherwise.
Result<MysqlUuid> ParseMysqlUuid(std::string_view text);

// MySQL executed GTID set: for each (uuid, tag) a set of transaction numbers
// (GNOs), kept as sorted, disjoint, non-adjacent inclusive intervals.
class MysqlGtidSet {
 public:
  // GNOs are 1 .. kMaxGno (MySQL reserves INT64_MAX as "end").
  static constexpr uint64_t kMaxGno = 0x7ffffffffffffffeull;

  struct Interval {
    uint64_t first = 0;  // inclusive
    uint64_t last = 0;   // inclusive
    friend bool operator==(const Interval&, const Interval&) = default;
  };

  // Parses what SHOW MASTER STATUS / @@gtid_executed print:
  // "uuid:1-5:7-9,uuid2:1-3", tagged "uuid:1-5:tag:1-3:tag2:4". Hex may be
  // upper- or lowercase, tags are case-insensitive, whitespace (newlines
  // too) around entries and around each ':'-separated part is ignored.
  // A uuid may appear in several entries and intervals may overlap or come
  // in any order: the result is their union. "" (or whitespace) is the empty
  // set. InvalidArgument naming the bad part for: an empty entry, a bad
  // uuid, a bad tag, a uuid or tag with no interval after it, a bad number,
  // GNO 0 or above kMaxGno, an interval whose start is above its end.
  static Result<MysqlGtidSet> Parse(std::string_view text);

  // Adds uuid[:tag]:gno. `tag` is "" for untagged GTIDs; tags are stored in
  // lowercase. InvalidArgument for gno 0 or above kMaxGno, or a tag that is
  // not 1 to 32 letters, digits or underscores starting with a letter or
  // underscore; the set is unchanged then.
  Status Add(const MysqlUuid& uuid, std::string_view tag, uint64_t gno);
  // Adds the interval first..last (inclusive), with the same checks as Add
  // and first <= last.
  Status AddInterval(const MysqlUuid& uuid, std::string_view tag, uint64_t first,
                     uint64_t last);

  // Whether uuid[:tag]:gno is in the set (tag compared case-insensitively).
  bool Contains(const MysqlUuid& uuid, std::string_view tag, uint64_t gno) const;

  // The intervals of uuid[:tag], sorted; empty if the set has none.
  std::vector<Interval> Intervals(const MysqlUuid& uuid, std::string_view tag) const;

  bool empty() const { return sets_.empty(); }
  // Whether any GTID in the set carries a tag.
  bool HasTags() const;

  // Canonical text: uuids lowercase and sorted, per uuid its untagged
  // intervals then each tag (sorted) with its intervals; intervals sorted and
  // merged, printed "a-b" or "a". "uuid1:1-5:7,uuid2:1-3:tag:4"; "" when
  // empty.
  std::string ToString() const;

  // The data field of COM_BINLOG_DUMP_GTID for untagged sets, all integers
  // little-endian: n_sids (8 bytes), then per uuid in sorted order: the 16
  // uuid bytes, n_intervals (8 bytes), and per interval start (8 bytes) and
  // end (8 bytes, exclusive). NotSupported for a set with tagged GTIDs, which
  // needs the newer tagged format.
  Result<std::string> EncodeForDump() const;

  friend bool operator==(const MysqlGtidSet&, const MysqlGtidSet&) = default;

 private:
  using Key = std::pair<MysqlUuid, std::string>;  // uuid, lowercase tag ("" = none)

  void AddUnchecked(const Key& key, uint64_t first, uint64_t last);

  // Ordered by uuid bytes (the same order as the lowercase text), then tag
  // with "" first. Every vector is non-empty.
  std::map<Key, std::vector<Interval>> sets_;
};

}  // namespace cdc::offsets
