// FORMAT_DESCRIPTION, ROTATE, QUERY, XID, ROWS_QUERY, ANNOTATE_ROWS,
// BINLOG_CHECKPOINT and HEARTBEAT bodies.
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
// and https://mariadb.com/kb/en/replication-protocol/
#include <cstdlib>
#include <string>

#include "decoders/binlog/event_reader.h"

namespace cdc::binlog::internal {
namespace {

constexpr size_t kServerVersionSize = 50;

struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;
};

Version ParseVersion(std::string_view text) {
  Version v;
  int* parts[] = {&v.major, &v.minor, &v.patch};
  size_t i = 0;
  for (int* part : parts) {
    int n = 0;
    bool any = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < 100000) {
      n = n * 10 + (text[i++] - '0');
      any = true;
    }
    if (!any) break;
    *part = n;
    if (i >= text.size() || text[i] != '.') break;
    ++i;
  }
  return v;
}

// Servers from MySQL 5.6.1 and MariaDB 5.3 end the FORMAT_DESCRIPTION with
// the checksum algorithm byte and a checksum.
bool HasChecksumAlgorithm(const FormatDescription& fd) {
  Version v = ParseVersion(fd.server_version);
  if (fd.mariadb()) return v.major > 5 || (v.major == 5 && v.minor >= 3);
  if (v.major != 5) return v.major > 5;
  return v.minor > 6 || (v.minor == 6 && v.patch >= 1);
}

}  // namespace

// FORMAT_DESCRIPTION body:
//   binlog_version:u16 server_version:char[50] create_timestamp:u32
//   header_length:u8 post_header_lengths:u8[] [checksum_alg:u8 crc32:u32]
Result<FormatDescription> ParseFormatDescription(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  FormatDescription fd;
  CDC_RETURN_IF_ERROR(r.U16("binlog_version", &fd.binlog_version));
  if (fd.binlog_version != 4) {
    return r.Error("binlog_version " + std::to_string(fd.binlog_version) +
                       " is not supported (only 4)",
                   0);
  }
  std::string_view version;
  CDC_RETURN_IF_ERROR(r.Bytes("server_version", kServerVersionSize, &version));
  fd.server_version = std::string(version.substr(0, version.find('\0')));
  CDC_RETURN_IF_ERROR(r.U32("create_timestamp", &fd.create_timestamp));
  size_t at = r.offset();
  CDC_RETURN_IF_ERROR(r.U8("header_length", &fd.header_length));
  if (fd.header_length < kHeaderSize) {
    return r.Error("header_length " + std::to_string(fd.header_length) + " is below 19", at);
  }
  std::string_view rest = r.rest();
  if (HasChecksumAlgorithm(fd)) {
    if (rest.size() < 5) return r.Truncated("checksum_alg");
    uint8_t alg = static_cast<uint8_t>(rest[rest.size() - 5]);
    if (alg == 0) {
      fd.checksum = ChecksumAlg::kOff;
    } else if (alg == 1) {
      fd.checksum = ChecksumAlg::kCrc32;
    } else if (alg == 255) {
      fd.checksum = ChecksumAlg::kUndefined;
    } else {
      return r.Error("unknown checksum_alg " + std::to_string(alg), r.offset() + rest.size() - 5);
    }
    rest.remove_suffix(5);
  } else {
    fd.checksum = ChecksumAlg::kOff;
  }
  fd.post_header_lengths.assign(rest.begin(), rest.end());
  return fd;
}

// ROTATE body: position:u64 next_file:string<EOF>
Result<Rotate> ParseRotate(std::string_view body, const EventContext& ctx, uint8_t post_len) {
  BodyReader r(body, ctx);
  Rotate out;
  CDC_RETURN_IF_ERROR(r.U64("position", &out.position));
  if (post_len > 8) CDC_RETURN_IF_ERROR(r.Skip("post-header", post_len - 8));
  out.next_file = r.rest();
  return out;
}

namespace {

// Status variable codes (MySQL 0..20, MariaDB 128..131).
enum : uint8_t {
  kQFlags2 = 0,
  kQSqlMode = 1,
  kQCatalog = 2,
  kQAutoIncrement = 3,
  kQCharset = 4,
  kQTimeZone = 5,
  kQCatalogNz = 6,
  kQLcTimeNames = 7,
  kQCharsetDatabase = 8,
  kQTableMapForUpdate = 9,
  kQMasterDataWritten = 10,
  kQInvoker = 11,
  kQUpdatedDbNames = 12,
  kQMicroseconds = 13,
  kQExplicitDefaultsForTimestamp = 16,
  kQDdlLoggedWithXid = 17,
  kQDefaultCollationForUtf8mb4 = 18,
  kQSqlRequirePrimaryKey = 19,
  kQDefaultTableEncryption = 20,
  kQMariaHrNow = 128,
  kQMariaXid = 129,
  kQMariaGtidFlags3 = 130,
  kQMariaCharacterSetCollations = 131,
};

constexpr uint8_t kOverMaxDbsInEventMts = 254;
// MariaDB Q_GTID_FLAGS3 bits that carry an 8-byte start-alter sequence number.
constexpr uint8_t kMariaCommitAlter = 0x04;
constexpr uint8_t kMariaRollbackAlter = 0x08;

Status SkipShortString(BodyReader* r, std::string_view field) {
  uint8_t len = 0;
  CDC_RETURN_IF_ERROR(r->U8(field, &len));
  return r->Skip(field, len);
}

// Decodes the known status variables into `q`. A code this decoder does not
// know has no length, so the servers themselves stop there; so does this.
Status ParseStatusVars(BodyReader* r, Query* q) {
  while (!r->empty()) {
    uint8_t code = 0;
    CDC_RETURN_IF_ERROR(r->U8("status variable code", &code));
    switch (code) {
      case kQFlags2: {
        uint32_t v = 0;
        CDC_RETURN_IF_ERROR(r->U32("Q_FLAGS2_CODE", &v));
        q->sql_mode_flags2 = v;
        break;
      }
      case kQSqlMode: {
        uint64_t v = 0;
        CDC_RETURN_IF_ERROR(r->U64("Q_SQL_MODE_CODE", &v));
        q->sql_mode = v;
        break;
      }
      case kQCatalog: {
        uint8_t len = 0;
        CDC_RETURN_IF_ERROR(r->U8("Q_CATALOG_CODE", &len));
        CDC_RETURN_IF_ERROR(r->Skip("Q_CATALOG_CODE", size_t{len} + 1));
        break;
      }
      case kQAutoIncrement:
        CDC_RETURN_IF_ERROR(r->Skip("Q_AUTO_INCREMENT", 4));
        break;
      case kQCharset: {
        uint16_t client = 0, connection = 0, server = 0;
        CDC_RETURN_IF_ERROR(r->U16("Q_CHARSET_CODE", &client));
        CDC_RETURN_IF_ERROR(r->U16("Q_CHARSET_CODE", &connection));
        CDC_RETURN_IF_ERROR(r->U16("Q_CHARSET_CODE", &server));
        q->charset_client = client;
        q->collation_connection = connection;
        q->collation_server = server;
        break;
      }
      case kQTimeZone: {
        uint8_t len = 0;
        std::string_view zone;
        CDC_RETURN_IF_ERROR(r->U8("Q_TIME_ZONE_CODE", &len));
        CDC_RETURN_IF_ERROR(r->Bytes("Q_TIME_ZONE_CODE", len, &zone));
        q->time_zone = std::string(zone);
        break;
      }
      case kQCatalogNz:
        CDC_RETURN_IF_ERROR(SkipShortString(r, "Q_CATALOG_NZ_CODE"));
        break;
      case kQLcTimeNames:
      case kQCharsetDatabase:
      case kQDefaultCollationForUtf8mb4:
        CDC_RETURN_IF_ERROR(r->Skip("status variable " + std::to_string(code), 2));
        break;
      case kQTableMapForUpdate:
      case kQDdlLoggedWithXid:
      case kQMariaXid:
        CDC_RETURN_IF_ERROR(r->Skip("status variable " + std::to_string(code), 8));
        break;
      case kQMasterDataWritten:
        CDC_RETURN_IF_ERROR(r->Skip("Q_MASTER_DATA_WRITTEN_CODE", 4));
        break;
      case kQInvoker:
        CDC_RETURN_IF_ERROR(SkipShortString(r, "Q_INVOKER user"));
        CDC_RETURN_IF_ERROR(SkipShortString(r, "Q_INVOKER host"));
        break;
      case kQUpdatedDbNames: {
        uint8_t count = 0;
        CDC_RETURN_IF_ERROR(r->U8("Q_UPDATED_DB_NAMES", &count));
        if (count == kOverMaxDbsInEventMts) break;
        for (uint8_t i = 0; i < count; ++i) {
          std::string_view rest = r->rest();
          size_t nul = rest.find('\0');
          if (nul == std::string_view::npos) return r->Truncated("Q_UPDATED_DB_NAMES");
          CDC_RETURN_IF_ERROR(r->Skip("Q_UPDATED_DB_NAMES", nul + 1));
        }
        break;
      }
      case kQMicroseconds:
      case kQMariaHrNow:
        CDC_RETURN_IF_ERROR(r->Skip("status variable " + std::to_string(code), 3));
        break;
      case kQExplicitDefaultsForTimestamp:
      case kQSqlRequirePrimaryKey:
      case kQDefaultTableEncryption:
        CDC_RETURN_IF_ERROR(r->Skip("status variable " + std::to_string(code), 1));
        break;
      case kQMariaGtidFlags3: {
        uint8_t flags3 = 0;
        CDC_RETURN_IF_ERROR(r->U8("Q_GTID_FLAGS3", &flags3));
        if ((flags3 & (kMariaCommitAlter | kMariaRollbackAlter)) != 0) {
          CDC_RETURN_IF_ERROR(r->Skip("Q_GTID_FLAGS3 sa_seq_no", 8));
        }
        break;
      }
      case kQMariaCharacterSetCollations: {
        uint8_t count = 0;
        CDC_RETURN_IF_ERROR(r->U8("Q_CHARACTER_SET_COLLATIONS", &count));
        CDC_RETURN_IF_ERROR(r->Skip("Q_CHARACTER_SET_COLLATIONS", size_t{count} * 4));
        break;
      }
      default:
        return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace

// QUERY body:
//   thread_id:u32 exec_time:u32 schema_len:u8 error_code:u16 status_vars_len:u16
//   (post-header, post_len bytes) status_vars:byte[status_vars_len]
//   schema:byte[schema_len] NUL sql:string<EOF>
Result<Query> ParseQuery(std::string_view body, const EventContext& ctx, uint8_t post_len) {
  BodyReader r(body, ctx);
  if (post_len < 13) {
    return r.Error("post-header length " + std::to_string(post_len) + " is below 13", 0);
  }
  Query q;
  uint8_t schema_len = 0;
  uint16_t status_len = 0;
  CDC_RETURN_IF_ERROR(r.U32("thread_id", &q.thread_id));
  CDC_RETURN_IF_ERROR(r.U32("exec_time", &q.exec_time));
  CDC_RETURN_IF_ERROR(r.U8("schema_length", &schema_len));
  CDC_RETURN_IF_ERROR(r.U16("error_code", &q.error_code));
  CDC_RETURN_IF_ERROR(r.U16("status_vars_length", &status_len));
  CDC_RETURN_IF_ERROR(r.Skip("post-header", post_len - 13));
  size_t status_at = r.offset();
  std::string_view status;
  CDC_RETURN_IF_ERROR(r.Bytes("status_vars", status_len, &status));
  EventContext status_ctx = ctx;
  status_ctx.body_offset += status_at;
  BodyReader sr(status, status_ctx);
  CDC_RETURN_IF_ERROR(ParseStatusVars(&sr, &q));
  CDC_RETURN_IF_ERROR(r.Bytes("schema", schema_len, &q.schema));
  uint8_t nul = 0;
  size_t nul_at = r.offset();
  CDC_RETURN_IF_ERROR(r.U8("schema terminator", &nul));
  if (nul != 0) return r.Error("schema not NUL-terminated", nul_at);
  q.sql = r.rest();
  return q;
}

// XID body: xid:u64
Result<Xid> ParseXid(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  Xid x;
  CDC_RETURN_IF_ERROR(r.U64("xid", &x.xid));
  return x;
}

// ROWS_QUERY body: length:u8 (ignored: the text may be longer) sql:string<EOF>
Result<RowsQuery> ParseRowsQuery(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  CDC_RETURN_IF_ERROR(r.Skip("length", 1));
  return RowsQuery{r.rest()};
}

// ANNOTATE_ROWS body: sql:string<EOF>
Result<RowsQuery> ParseAnnotateRows(std::string_view body, const EventContext&) {
  return RowsQuery{body};
}

// BINLOG_CHECKPOINT body: file_length:u32 file:byte[file_length]
Result<BinlogCheckpoint> ParseBinlogCheckpoint(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  uint32_t len = 0;
  BinlogCheckpoint out;
  CDC_RETURN_IF_ERROR(r.U32("file_length", &len));
  CDC_RETURN_IF_ERROR(r.Bytes("file", len, &out.file));
  return out;
}

// HEARTBEAT body: log_file:string<EOF>; the position is the header's log_pos.
Result<Heartbeat> ParseHeartbeat(std::string_view body, const EventContext&, uint32_t log_pos) {
  return Heartbeat{body, log_pos};
}

// HEARTBEAT_V2 body: fields (type:packed length:packed value) up to type 0:
//   1 = log file name (bytes), 2 = log position (packed integer).
Result<Heartbeat> ParseHeartbeatV2(std::string_view body, const EventContext& ctx) {
  BodyReader r(body, ctx);
  Heartbeat out;
  while (!r.empty()) {
    uint64_t type = 0, length = 0;
    CDC_RETURN_IF_ERROR(r.LengthEncoded("field type", &type));
    if (type == 0) break;
    CDC_RETURN_IF_ERROR(r.LengthEncoded("field length", &length));
    size_t at = r.offset();
    std::string_view value;
    if (length > r.remaining()) return r.Truncated("field value");
    CDC_RETURN_IF_ERROR(r.Bytes("field value", static_cast<size_t>(length), &value));
    if (type == 1) {
      out.log_file = value;
    } else if (type == 2) {
      EventContext value_ctx = ctx;
      value_ctx.body_offset += at;
      BodyReader vr(value, value_ctx);
      CDC_RETURN_IF_ERROR(vr.LengthEncoded("log position", &out.position));
    }
  }
  return out;
}

}  // namespace cdc::binlog::internal
