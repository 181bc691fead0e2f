// GTID events of MySQL (GTID, ANONYMOUS_GTID, GTID_TAGGED, PREVIOUS_GTIDS)
// and MariaDB (GTID, GTID_LIST).
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classmysql_1_1binlog_1_1event_1_1Gtid__event.html
// and https://mariadb.com/kb/en/gtid_event/, https://mariadb.com/kb/en/gtid_list_event/
#include <string>

#include "decoders/binlog/event_reader.h"

namespace cdc::binlog::internal {
namespace {

constexpr uint8_t kLogicalTimestampTypeCode = 2;
constexpr uint64_t kCommitTimestampHighBit = uint64_t{1} << 55;
constexpr uint32_t kServerVersionHighBit = uint32_t{1} << 31;

Status ReadSid(BodyReader* r, Sid* sid) {
  std::string_view bytes;
  CDC_RETURN_IF_ERROR(r->Bytes("sid", sid->size(), &bytes));
  for (size_t i = 0; i < sid->size(); ++i) (*sid)[i] = static_cast<uint8_t>(bytes[i]);
  return Status::OK();
}

Status ReadI64(BodyReader* r, std::string_view field, int64_t* out) {
  uint64_t v = 0;
  CDC_RETURN_IF_ERROR(r->U64(field, &v));
  *out = static_cast<int64_t>(v);
  return Status::OK();
}

}  // namespace

// GTID / ANONYMOUS_GTID body; every field after gno is optional by length:
//   flags:u8 sid:byte[16] gno:i64
//   lt_type:u8(=2) last_committed:i64 sequence_number:i64          (5.7+)
//   immediate_commit_ts:u56 [original_commit_ts:u56 if bit 55 set] (8.0.1+)
//   transaction_length:packed                                      (8.0.2+)
//   immediate_server_version:u32 [original_server_version:u32 if bit 31] (8.0.14+)
//   commit_group_ticket:u64                                        (8.0.33+)
Result<MysqlGtid> ParseMysqlGtid(std::string_view body, const EventContext& ctx, bool anonymous) {
  BodyReader r(body, ctx);
  MysqlGtid g;
  g.anonymous = anonymous;
  CDC_RETURN_IF_ERROR(r.U8("flags", &g.flags));
  CDC_RETURN_IF_ERROR(ReadSid(&r, &g.sid));
  CDC_RETURN_IF_ERROR(ReadI64(&r, "gno", &g.gno));
  if (r.empty()) return g;
  size_t at = r.offset();
  uint8_t lt_type = 0;
  CDC_RETURN_IF_ERROR(r.U8("lt_type", &lt_type));
  if (lt_type != kLogicalTimestampTypeCode) {
    return r.Error("unknown logical timestamp type " + std::to_string(lt_type), at);
  }
  CDC_RETURN_IF_ERROR(ReadI64(&r, "last_committed", &g.last_committed));
  CDC_RETURN_IF_ERROR(ReadI64(&r, "sequence_number", &g.sequence_number));
  if (r.empty()) return g;
  uint64_t ts = 0;
  CDC_RETURN_IF_ERROR(r.UInt("immediate_commit_timestamp", 7, &ts));
  g.immediate_commit_timestamp_us = ts & ~kCommitTimestampHighBit;
  g.original_commit_timestamp_us = g.immediate_commit_timestamp_us;
  if ((ts & kCommitTimestampHighBit) != 0) {
    CDC_RETURN_IF_ERROR(r.UInt("original_commit_timestamp", 7, &g.original_commit_timestamp_us));
  }
  if (r.empty()) return g;
  CDC_RETURN_IF_ERROR(r.LengthEncoded("transaction_length", &g.transaction_length));
  if (r.empty()) return g;
  uint32_t server_version = 0;
  CDC_RETURN_IF_ERROR(r.U32("immediate_server_version", &server_version));
  if ((server_version & kServerVersionHighBit) != 0) {
    CDC_RETURN_IF_ERROR(r.Skip("original_server_version", 4));
  }
  if (r.empty()) return g;
  CDC_RETURN_IF_ERROR(r.Skip("commit_group_ticket", 8));
  return g;
}

// GTID_TAGGED body (MySQL 8.3+), in the serialized format:
//   format_version:var(=1) size:var last_non_ignorable_field_id:var
//   then (field_id:var value)* up to `size` bytes from the body start:
//   0 flags:var  1 uuid:var[16]  2 gno:svar  3 tag:var-length bytes
//   4 last_committed:svar  5 sequence_number:svar
//   6 immediate_commit_timestamp:var  7 original_commit_timestamp:var
//   8 transaction_length:var  9 immediate_server_version:var
//   10 original_server_version:var  11 commit_group_ticket:var
// var = unsigned variable-length integer, svar = its signed form.
Result<MysqlGtid> ParseTaggedGtid(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  uint64_t format_version = 0, size = 0, last_non_ignorable = 0;
  CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "format_version", &format_version));
  if (format_version != 1) {
    return Status::NotSupported("GTID_TAGGED format version " + std::to_string(format_version));
  }
  size_t size_at = r.offset();
  CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "size", &size));
  if (size > body.size() || size < r.offset()) {
    return r.Error("size " + std::to_string(size) + " does not match the body of " +
                       std::to_string(body.size()) + " bytes",
                   size_at);
  }
  CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "last_non_ignorable_field_id", &last_non_ignorable));
  MysqlGtid g;
  bool original_ts_seen = false;
  while (r.offset() < size) {
    uint64_t id = 0, u = 0;
    CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "field_id", &id));
    switch (id) {
      case 0:
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "flags", &u));
        g.flags = static_cast<uint8_t>(u);
        break;
      case 1:
        for (uint8_t& b : g.sid) {
          CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "uuid", &u));
          if (u > 0xff) return r.Error("uuid byte out of range");
          b = static_cast<uint8_t>(u);
        }
        break;
      case 2:
        CDC_RETURN_IF_ERROR(ReadVarInt(&r, "gno", &g.gno));
        break;
      case 3: {
        std::string_view tag;
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "tag", &u));
        if (u > r.remaining()) return r.Truncated("tag");
        CDC_RETURN_IF_ERROR(r.Bytes("tag", static_cast<size_t>(u), &tag));
        g.tag = std::string(tag);
        break;
      }
      case 4:
        CDC_RETURN_IF_ERROR(ReadVarInt(&r, "last_committed", &g.last_committed));
        break;
      case 5:
        CDC_RETURN_IF_ERROR(ReadVarInt(&r, "sequence_number", &g.sequence_number));
        break;
      case 6:
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "immediate_commit_timestamp",
                                        &g.immediate_commit_timestamp_us));
        break;
      case 7:
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "original_commit_timestamp",
                                        &g.original_commit_timestamp_us));
        original_ts_seen = true;
        break;
      case 8:
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "transaction_length", &g.transaction_length));
        break;
      case 9:
      case 10:
      case 11:
        CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "server version or ticket", &u));
        break;
      default:
        // Fields after the last non-ignorable one may be skipped: the size
        // says where the message ends.
        if (id > last_non_ignorable) {
          CDC_RETURN_IF_ERROR(r.Skip("ignorable field", static_cast<size_t>(size) - r.offset()));
          break;
        }
        return Status::NotSupported("GTID_TAGGED field " + std::to_string(id));
    }
  }
  if (r.offset() != size) return r.Error("fields overrun the declared size");
  if (!original_ts_seen) g.original_commit_timestamp_us = g.immediate_commit_timestamp_us;
  return g;
}

// PREVIOUS_GTIDS body:
//   n_sids:u64 (tagged format: 0x01 in the low and high byte, count in
//   bits 8..55) then per sid: sid:byte[16] [tag: var-length bytes, tagged
//   format only] n_intervals:u64 (start:i64 end:i64)[n_intervals]
Result<PreviousGtids> ParsePreviousGtids(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  PreviousGtids out;
  uint64_t n_sids = 0;
  CDC_RETURN_IF_ERROR(r.U64("n_sids", &n_sids));
  const bool tagged = (n_sids >> 56) == 1;
  if (tagged) n_sids = (n_sids >> 8) & 0xffffffffffffULL;
  CDC_RETURN_IF_ERROR(r.CheckCount("n_sids", n_sids, 16 + 8));
  out.sets.reserve(static_cast<size_t>(n_sids));
  for (uint64_t i = 0; i < n_sids; ++i) {
    GtidSetEntry entry;
    CDC_RETURN_IF_ERROR(ReadSid(&r, &entry.sid));
    if (tagged) {
      uint64_t len = 0;
      std::string_view tag;
      CDC_RETURN_IF_ERROR(ReadVarUInt(&r, "tag", &len));
      if (len > r.remaining()) return r.Truncated("tag");
      CDC_RETURN_IF_ERROR(r.Bytes("tag", static_cast<size_t>(len), &tag));
      entry.tag = std::string(tag);
    }
    uint64_t n_intervals = 0;
    CDC_RETURN_IF_ERROR(r.U64("n_intervals", &n_intervals));
    CDC_RETURN_IF_ERROR(r.CheckCount("n_intervals", n_intervals, 16));
    entry.intervals.resize(static_cast<size_t>(n_intervals));
    for (GtidInterval& interval : entry.intervals) {
      CDC_RETURN_IF_ERROR(ReadI64(&r, "interval start", &interval.start));
      CDC_RETURN_IF_ERROR(ReadI64(&r, "interval end", &interval.end));
    }
    out.sets.push_back(std::move(entry));
  }
  return out;
}

namespace {
constexpr uint8_t kMariaPreparedXa = 0x40;
constexpr uint8_t kMariaCompletedXa = 0x80;
}  // namespace

// MariaDB GTID body:
//   seq_no:u64 domain_id:u32 flags2:u8 [commit_id:u64 if flags2 & 0x02]
//   [xid: format_id:u32 gtrid_len:u8 bqual_len:u8 data, if flags2 & 0xc0]
//   then padding or extra flags, not needed here.
Result<MariaGtid> ParseMariaGtid(std::string_view body, const EventContext& ctx,
                                 uint32_t server_id) {
  BodyReader r(body, ctx);
  MariaGtid g;
  g.server_id = server_id;
  CDC_RETURN_IF_ERROR(r.U64("seq_no", &g.seq_no));
  CDC_RETURN_IF_ERROR(r.U32("domain_id", &g.domain_id));
  CDC_RETURN_IF_ERROR(r.U8("flags2", &g.flags2));
  if ((g.flags2 & MariaGtid::kGroupCommitId) != 0) {
    CDC_RETURN_IF_ERROR(r.U64("commit_id", &g.commit_id));
  }
  if ((g.flags2 & (kMariaPreparedXa | kMariaCompletedXa)) != 0) {
    uint8_t gtrid_len = 0, bqual_len = 0;
    CDC_RETURN_IF_ERROR(r.Skip("xid format_id", 4));
    CDC_RETURN_IF_ERROR(r.U8("xid gtrid_length", &gtrid_len));
    CDC_RETURN_IF_ERROR(r.U8("xid bqual_length", &bqual_len));
    CDC_RETURN_IF_ERROR(r.Skip("xid data", size_t{gtrid_len} + bqual_len));
  }
  return g;
}

// MariaDB GTID_LIST body:
//   count:u32 (low 28 bits; high 4 bits are flags)
//   (domain_id:u32 server_id:u32 seq_no:u64)[count]
Result<MariaGtidList> ParseMariaGtidList(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  MariaGtidList out;
  uint32_t count = 0;
  CDC_RETURN_IF_ERROR(r.U32("count", &count));
  out.flags = static_cast<uint8_t>(count >> 28);
  count &= 0x0fffffff;
  CDC_RETURN_IF_ERROR(r.CheckCount("count", count, 16));
  out.gtids.resize(count);
  for (MariaGtidTriple& t : out.gtids) {
    CDC_RETURN_IF_ERROR(r.U32("domain_id", &t.domain_id));
    CDC_RETURN_IF_ERROR(r.U32("server_id", &t.server_id));
    CDC_RETURN_IF_ERROR(r.U64("seq_no", &t.seq_no));
  }
  return out;
}

}  // namespace cdc::binlog::internal
