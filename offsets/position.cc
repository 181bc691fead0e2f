#include "offsets/position.h"

#include <charconv>
#include <utility>

#include "common/byte_reader.h"

namespace cdc::offsets {
namespace {

// Encoding (all integers big-endian):
//   u8  version (1; 2 inside a transaction; 3 with a snapshot in progress)
//   u8  kind (0 none, 1 postgres, 2 mysql)
//   kNone:     nothing more
//   kPostgres: u64 lsn
//   kMysql:    u32 file length, file bytes, u64 pos, u32 gtid length, gtid bytes
//   version 2: u64 txn_changes, u32 txn_id length, txn_id bytes
//   version 3: as version 2 (txn_changes may be 0), then the snapshot:
//              u64 started_us, u64 rows, u32 table count, per table the
//              schema and the name (u32 length, bytes), u32 cursor column
//              count, the columns, u32 cursor value count, the values (each
//              u32 length, bytes)
//   version 4: as version 3 with the first table's topic marks taken, then
//              u32 count, per partition u32 partition and u64 end offset
// Nothing may follow the last field. A boundary without a snapshot is written
// as version 1, as agents before version 2 wrote it.
constexpr uint8_t kBoundaryVersion = 1;
constexpr uint8_t kInTransactionVersion = 2;
constexpr uint8_t kSnapshotVersion = 3;
constexpr uint8_t kSnapshotMarksVersion = 4;
constexpr std::string_view kTxn = " txn=";
constexpr std::string_view kSnapshot = " snapshot=";

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

Status Truncated(const ByteReader& reader, const char* field) {
  return Status::Corruption("position encoding: truncated at " + std::string(field) +
                            " (offset " + std::to_string(reader.offset()) + ")");
}

bool ReadString(ByteReader* reader, std::string* out) {
  uint32_t len;
  std::string_view bytes;
  if (!reader->ReadU32BE(&len) || !reader->ReadBytes(len, &bytes)) return false;
  out->assign(bytes);
  return true;
}

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

// Parses 1..8 hex digits into a 32-bit half of an LSN.
bool ParseHexHalf(std::string_view text, uint32_t* out) {
  if (text.empty() || text.size() > 8) return false;
  for (char c : text) {
    if (!IsHexDigit(c)) return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, 16);
  return ec == std::errc() && ptr == text.data() + text.size();
}

bool ParseDecimalU64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out, 10);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Upper-case hex digits of `v`, without leading zeros ("0" for 0).
char* PutHex32(uint32_t v, char* p) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  char tmp[8];
  int n = 0;
  do {
    tmp[n++] = kDigits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

}  // namespace

void AppendLsn(uint64_t lsn, std::string* out) {
  char buf[17];
  char* p = PutHex32(static_cast<uint32_t>(lsn >> 32), buf);
  *p++ = '/';
  p = PutHex32(static_cast<uint32_t>(lsn), p);
  out->append(buf, static_cast<size_t>(p - buf));
}

std::string FormatLsn(uint64_t lsn) {
  std::string out;
  AppendLsn(lsn, &out);
  return out;
}

Result<uint64_t> ParseLsn(std::string_view text) {
  size_t slash = text.find('/');
  uint32_t hi = 0;
  uint32_t lo = 0;
  if (slash == std::string_view::npos || !ParseHexHalf(text.substr(0, slash), &hi) ||
      !ParseHexHalf(text.substr(slash + 1), &lo)) {
    return Status::InvalidArgument("bad LSN \"" + std::string(text) +
                                   "\": expected X/Y with 1 to 8 hex digits on each side, "
                                   "e.g. 16/B374D848");
  }
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

Position Position::Postgres(uint64_t lsn) {
  Position p;
  p.kind = Kind::kPostgres;
  p.lsn = lsn;
  return p;
}

Position Position::Mysql(std::string file, uint64_t pos, std::string gtid_set) {
  Position p;
  p.kind = Kind::kMysql;
  p.file = std::move(file);
  p.pos = pos;
  p.gtid_set = std::move(gtid_set);
  return p;
}

Position Position::InTransaction(uint64_t changes, std::string id) const {
  Position p = *this;
  p.txn_changes = changes;
  p.txn_id = changes == 0 ? std::string() : std::move(id);
  return p;
}

std::string Position::Encode() const {
  std::string out;
  const uint8_t version = snapshot && snapshot->topic_marks ? kSnapshotMarksVersion
                          : snapshot                           ? kSnapshotVersion
                          : at_boundary() ? kBoundaryVersion
                                          : kInTransactionVersion;
  out.push_back(static_cast<char>(version));
  out.push_back(static_cast<char>(kind));
  switch (kind) {
    case Kind::kNone:
      break;
    case Kind::kPostgres:
      PutU64(&out, lsn);
      break;
    case Kind::kMysql:
      PutString(&out, file);
      PutU64(&out, pos);
      PutString(&out, gtid_set);
      break;
  }
  if (version != kBoundaryVersion) {
    PutU64(&out, txn_changes);
    PutString(&out, txn_id);
  }
  if (snapshot) {
    PutU64(&out, static_cast<uint64_t>(snapshot->started_us));
    PutU64(&out, snapshot->rows);
    PutU32(&out, static_cast<uint32_t>(snapshot->tables.size()));
    for (const SnapshotProgress::Table& t : snapshot->tables) {
      PutString(&out, t.schema);
      PutString(&out, t.name);
    }
    for (const auto* list : {&snapshot->after_columns, &snapshot->after}) {
      PutU32(&out, static_cast<uint32_t>(list->size()));
      for (const std::string& v : *list) PutString(&out, v);
    }
    if (snapshot->topic_marks) {
      PutU32(&out, static_cast<uint32_t>(snapshot->topic_marks->size()));
      for (const auto& [partition, offset] : *snapshot->topic_marks) {
        PutU32(&out, static_cast<uint32_t>(partition));
        PutU64(&out, static_cast<uint64_t>(offset));
      }
    }
  }
  return out;
}

Result<Position> Position::Decode(std::string_view bytes) {
  ByteReader reader(bytes);
  uint8_t version;
  uint8_t kind;
  if (!reader.ReadU8(&version)) return Truncated(reader, "version");
  if (version != kBoundaryVersion && version != kInTransactionVersion &&
      version != kSnapshotVersion && version != kSnapshotMarksVersion) {
    return Status::Corruption("position encoding: unknown version " + std::to_string(version) +
                              " (this agent reads versions 1 to 4)");
  }
  if (!reader.ReadU8(&kind)) return Truncated(reader, "kind");
  Position p;
  switch (kind) {
    case static_cast<uint8_t>(Kind::kNone):
      break;
    case static_cast<uint8_t>(Kind::kPostgres):
      p.kind = Kind::kPostgres;
      if (!reader.ReadU64BE(&p.lsn)) return Truncated(reader, "lsn");
      break;
    case static_cast<uint8_t>(Kind::kMysql):
      p.kind = Kind::kMysql;
      if (!ReadString(&reader, &p.file)) return Truncated(reader, "file");
      if (!reader.ReadU64BE(&p.pos)) return Truncated(reader, "pos");
      if (!ReadString(&reader, &p.gtid_set)) return Truncated(reader, "gtid_set");
      break;
    default:
      return Status::Corruption("position encoding: unknown kind " + std::to_string(kind) +
                                " at offset 1");
  }
  if (version != kBoundaryVersion) {
    if (p.kind == Kind::kNone) {
      return Status::Corruption("position encoding: a transaction count without a position");
    }
    if (!reader.ReadU64BE(&p.txn_changes)) return Truncated(reader, "txn_changes");
    if (!ReadString(&reader, &p.txn_id)) return Truncated(reader, "txn_id");
    if (version == kInTransactionVersion && p.txn_changes == 0) {
      return Status::Corruption("position encoding: version 2 with a transaction count of 0");
    }
    if (p.txn_changes == 0 && !p.txn_id.empty()) {
      return Status::Corruption("position encoding: a transaction id with a count of 0");
    }
  }
  if (version == kSnapshotVersion || version == kSnapshotMarksVersion) {
    SnapshotProgress snap;
    uint64_t started = 0;
    uint32_t count = 0;
    if (!reader.ReadU64BE(&started)) return Truncated(reader, "snapshot start");
    snap.started_us = static_cast<int64_t>(started);
    if (!reader.ReadU64BE(&snap.rows)) return Truncated(reader, "snapshot rows");
    if (!reader.ReadU32BE(&count)) return Truncated(reader, "snapshot table count");
    // Each table takes at least 8 bytes: a count beyond what is left is damage,
    // not a reason to reserve memory.
    if (count > reader.remaining() / 8) {
      return Status::Corruption("position encoding: snapshot table count " +
                                std::to_string(count) + " exceeds the bytes left");
    }
    for (uint32_t i = 0; i < count; ++i) {
      SnapshotProgress::Table t;
      if (!ReadString(&reader, &t.schema) || !ReadString(&reader, &t.name)) {
        return Truncated(reader, "snapshot table");
      }
      snap.tables.push_back(std::move(t));
    }
    for (auto* list : {&snap.after_columns, &snap.after}) {
      if (!reader.ReadU32BE(&count)) return Truncated(reader, "snapshot cursor count");
      if (count > reader.remaining() / 4) {
        return Status::Corruption("position encoding: snapshot cursor count " +
                                  std::to_string(count) + " exceeds the bytes left");
      }
      for (uint32_t i = 0; i < count; ++i) {
        std::string v;
        if (!ReadString(&reader, &v)) return Truncated(reader, "snapshot cursor");
        list->push_back(std::move(v));
      }
    }
    if (version == kSnapshotMarksVersion) {
      if (!reader.ReadU32BE(&count)) return Truncated(reader, "snapshot topic mark count");
      if (count > reader.remaining() / 12) {
        return Status::Corruption("position encoding: snapshot topic mark count " +
                                  std::to_string(count) + " exceeds the bytes left");
      }
      std::map<int32_t, int64_t> marks;
      for (uint32_t i = 0; i < count; ++i) {
        uint32_t partition = 0;
        uint64_t offset = 0;
        if (!reader.ReadU32BE(&partition) || !reader.ReadU64BE(&offset)) {
          return Truncated(reader, "snapshot topic mark");
        }
        // Partitions ascend, as they are written; Kafka's numbers are int32
        // and offsets int64.
        const bool ascending = marks.empty() || static_cast<int64_t>(partition) >
                                                    static_cast<int64_t>(marks.rbegin()->first);
        if (partition > 0x7fffffffu || offset > 0x7fffffffffffffffull || !ascending) {
          return Status::Corruption("position encoding: snapshot topic mark " +
                                    std::to_string(partition) + "@" + std::to_string(offset) +
                                    " is out of order or range");
        }
        marks[static_cast<int32_t>(partition)] = static_cast<int64_t>(offset);
      }
      snap.topic_marks = std::move(marks);
    }
    if (snap.tables.empty()) {
      return Status::Corruption("position encoding: a snapshot with no table to read");
    }
    p.snapshot = std::move(snap);
  }
  if (!reader.empty()) {
    return Status::Corruption("position encoding: " + std::to_string(reader.remaining()) +
                              " unexpected trailing bytes at offset " +
                              std::to_string(reader.offset()));
  }
  return p;
}

std::string Position::ToString() const {
  std::string out;
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kPostgres:
      out = "pg:" + FormatLsn(lsn);
      break;
    case Kind::kMysql:
      out = "mysql:" + file + ":" + std::to_string(pos);
      if (!gtid_set.empty()) out += " gtid=" + gtid_set;
      break;
  }
  if (!at_boundary()) out += std::string(kTxn) + txn_id + "+" + std::to_string(txn_changes);
  if (snapshot && !snapshot->tables.empty()) {
    const SnapshotProgress::Table& t = snapshot->tables.front();
    out += std::string(kSnapshot) + t.schema + "." + t.name + "+" + std::to_string(snapshot->rows);
    if (snapshot->tables.size() > 1) {
      out += ", " + std::to_string(snapshot->tables.size() - 1) + " more";
    }
  }
  return out;
}

Result<Position> Position::Parse(std::string_view text) {
  if (text == "none") return Position();
  if (text.find(kSnapshot) != std::string_view::npos) {
    return Status::InvalidArgument(
        "bad position \"" + std::string(text) +
        "\": the progress of a snapshot (snapshot=...) is not set by hand; give the stream "
        "position alone (a snapshot in progress is then not finished)");
  }
  uint64_t txn_changes = 0;
  std::string txn_id;
  if (size_t at = text.rfind(kTxn); at != std::string_view::npos) {
    std::string_view txn = text.substr(at + kTxn.size());
    size_t plus = txn.rfind('+');
    if (plus == std::string_view::npos || !ParseDecimalU64(txn.substr(plus + 1), &txn_changes) ||
        txn_changes == 0) {
      return Status::InvalidArgument("bad position \"" + std::string(text) +
                                     "\": expected txn=<transaction id>+<changes, at least 1>, "
                                     "e.g. txn=16/B3750000+120");
    }
    txn_id = std::string(txn.substr(0, plus));
    text = text.substr(0, at);
  }
  CDC_ASSIGN_OR_RETURN(Position p, ParseBoundary(text));
  return p.InTransaction(txn_changes, std::move(txn_id));
}

Result<Position> Position::ParseBoundary(std::string_view text) {
  constexpr std::string_view kPg = "pg:";
  constexpr std::string_view kMysql = "mysql:";
  constexpr std::string_view kGtid = " gtid=";
  if (text.starts_with(kPg)) {
    CDC_ASSIGN_OR_RETURN(uint64_t lsn, ParseLsn(text.substr(kPg.size())));
    return Postgres(lsn);
  }
  if (text.starts_with(kMysql)) {
    std::string_view rest = text.substr(kMysql.size());
    std::string_view gtid;
    size_t gtid_at = rest.find(kGtid);
    if (gtid_at != std::string_view::npos) {
      gtid = rest.substr(gtid_at + kGtid.size());
      rest = rest.substr(0, gtid_at);
      if (gtid.empty()) {
        return Status::InvalidArgument("bad position \"" + std::string(text) +
                                       "\": empty gtid= (leave it out when there is no GTID set)");
      }
    }
    size_t colon = rest.rfind(':');
    uint64_t pos = 0;
    if (colon == std::string_view::npos || colon == 0 ||
        !ParseDecimalU64(rest.substr(colon + 1), &pos)) {
      return Status::InvalidArgument("bad position \"" + std::string(text) +
                                     "\": expected mysql:<file>:<pos> [gtid=<set>], "
                                     "e.g. mysql:binlog.000003:4567");
    }
    return Mysql(std::string(rest.substr(0, colon)), pos, std::string(gtid));
  }
  return Status::InvalidArgument("bad position \"" + std::string(text) +
                                 "\": expected pg:<X/Y> or mysql:<file>:<pos> [gtid=<set>]");
}

}  // namespace cdc::offsets
