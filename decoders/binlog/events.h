// Binary log events of MySQL (5.1 to 9.x) and MariaDB (10.x, 11.x): framing
// and the events a change-data-capture reader needs.
//
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
// and https://mariadb.com/kb/en/replication-protocol/ (MariaDB events).
//
// Every event is   header (19 bytes in binlog v4)   body   [CRC32 (4 bytes)]
//   header: timestamp:u32 type:u8 server_id:u32 event_size:u32 log_pos:u32 flags:u16
// All integers are little-endian. A body's layout depends on the
// FORMAT_DESCRIPTION event that opens each file (post-header lengths,
// checksum algorithm), so decoding is a small state machine: EventDecoder.
//
// Pure code: no I/O, no logging, no globals. Every string_view in a decoded
// event points into the bytes given to Decode() (or, for events unpacked
// from a TRANSACTION_PAYLOAD, into a buffer the decoder owns until the next
// Decode call) and is valid as long as those bytes are.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace cdc::binlog {

inline constexpr std::string_view kBinlogMagic{"\xfe" "bin", 4};
inline constexpr size_t kHeaderSize = 19;

enum class EventType : uint8_t {
  kUnknown = 0,
  kStartV3 = 1,
  kQuery = 2,
  kStop = 3,
  kRotate = 4,
  kIntvar = 5,
  kRand = 13,
  kUserVar = 14,
  kFormatDescription = 15,
  kXid = 16,
  kBeginLoadQuery = 17,
  kExecuteLoadQuery = 18,
  kTableMap = 19,
  kWriteRowsV0 = 20,
  kUpdateRowsV0 = 21,
  kDeleteRowsV0 = 22,
  kWriteRowsV1 = 23,
  kUpdateRowsV1 = 24,
  kDeleteRowsV1 = 25,
  kIncident = 26,
  kHeartbeat = 27,
  kIgnorable = 28,
  kRowsQuery = 29,
  kWriteRowsV2 = 30,
  kUpdateRowsV2 = 31,
  kDeleteRowsV2 = 32,
  kGtid = 33,
  kAnonymousGtid = 34,
  kPreviousGtids = 35,
  kTransactionContext = 36,
  kViewChange = 37,
  kXaPrepare = 38,
  kPartialUpdateRows = 39,
  kTransactionPayload = 40,
  kHeartbeatV2 = 41,
  kGtidTagged = 42,
  // MariaDB
  kMariaAnnotateRows = 160,
  kMariaBinlogCheckpoint = 161,
  kMariaGtid = 162,
  kMariaGtidList = 163,
  kMariaStartEncryption = 164,
  kMariaQueryCompressed = 165,
  kMariaWriteRowsCompressedV1 = 166,
  kMariaUpdateRowsCompressedV1 = 167,
  kMariaDeleteRowsCompressedV1 = 168,
  kMariaWriteRowsCompressed = 169,
  kMariaUpdateRowsCompressed = 170,
  kMariaDeleteRowsCompressed = 171,
};

// "WRITE_ROWS_EVENT_V1" style name, or "UNKNOWN_EVENT_<n>".
std::string EventTypeName(uint8_t type);

struct EventHeader {
  uint32_t timestamp = 0;
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_size = 0;
  uint32_t log_pos = 0;  // position just after this event in its file
  uint16_t flags = 0;
};

// Parses the 19-byte header at the start of `event`. Corruption if short or
// if event_size is smaller than the header.
Result<EventHeader> ParseHeader(std::string_view event);

enum class ChecksumAlg : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };

struct FormatDescription {
  uint16_t binlog_version = 4;
  std::string server_version;  // "10.11.19-MariaDB-log", "8.0.31"
  uint32_t create_timestamp = 0;
  uint8_t header_length = 19;
  std::vector<uint8_t> post_header_lengths;  // index = event type - 1
  ChecksumAlg checksum = ChecksumAlg::kUndefined;
  bool mariadb() const;
  // Post-header length for `type`, or `fallback` when the table is short.
  uint8_t PostHeaderLength(uint8_t type, uint8_t fallback) const;
};

struct Rotate {
  uint64_t position = 4;
  std::string_view next_file;
};

struct Query {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string_view schema;
  std::string_view sql;
  // Status variables, decoded where known.
  std::optional<uint32_t> sql_mode_flags2;
  std::optional<uint64_t> sql_mode;
  std::optional<uint16_t> charset_client;
  std::optional<uint16_t> collation_connection;
  std::optional<uint16_t> collation_server;
  std::optional<std::string> time_zone;
};

struct Xid {
  uint64_t xid = 0;
};

// MySQL server UUID (16 bytes) printed "3e11fa47-71ca-11e1-9e33-c80aa9429562".
using Sid = std::array<uint8_t, 16>;
std::string FormatSid(const Sid& sid);

// MySQL GTID and ANONYMOUS_GTID (and the tagged GTID of 8.4+).
struct MysqlGtid {
  bool anonymous = false;
  uint8_t flags = 0;  // bit 0: may have been committed before (commit_flag)
  Sid sid{};
  std::string tag;   // 8.4 tagged GTIDs; empty otherwise
  int64_t gno = 0;
  int64_t last_committed = 0;
  int64_t sequence_number = 0;
  uint64_t immediate_commit_timestamp_us = 0;  // 0 when absent
  uint64_t original_commit_timestamp_us = 0;
  uint64_t transaction_length = 0;
  std::string ToString() const;  // "uuid:gno" or "uuid:tag:gno"
};

struct GtidInterval {
  int64_t start = 0;  // inclusive
  int64_t end = 0;    // exclusive, as stored in the binlog
};

struct GtidSetEntry {
  Sid sid{};
  std::string tag;
  std::vector<GtidInterval> intervals;
};

struct PreviousGtids {
  std::vector<GtidSetEntry> sets;
  // "uuid:1-5:7,uuid2:1-3" in MySQL's text form (end printed inclusive).
  std::string ToString() const;
};

// MariaDB GTID event: starts a transaction (or a standalone DDL).
struct MariaGtid {
  static constexpr uint8_t kStandalone = 0x01;
  static constexpr uint8_t kGroupCommitId = 0x02;
  uint64_t seq_no = 0;
  uint32_t domain_id = 0;
  uint32_t server_id = 0;  // from the event header
  uint8_t flags2 = 0;
  uint64_t commit_id = 0;
  bool standalone() const { return (flags2 & kStandalone) != 0; }
  std::string ToString() const;  // "domain-server-seq"
};

struct MariaGtidTriple {
  uint32_t domain_id = 0;
  uint32_t server_id = 0;
  uint64_t seq_no = 0;
};

struct MariaGtidList {
  std::vector<MariaGtidTriple> gtids;
  uint8_t flags = 0;
};

struct BinlogCheckpoint {
  std::string_view file;
};

// MariaDB ANNOTATE_ROWS and MySQL ROWS_QUERY: the statement behind row events.
struct RowsQuery {
  std::string_view sql;
};

struct Heartbeat {
  std::string_view log_file;
  uint64_t position = 0;  // from the header (v1) or the body (v2)
};

// TABLE_MAP optional metadata (binlog_row_metadata), per column where noted.
struct TableMetadata {
  std::vector<bool> is_unsigned;            // per numeric column, in order of numeric columns
  std::optional<uint16_t> default_charset;  // with per-column exceptions below
  std::map<uint32_t, uint16_t> charset_exceptions;  // column index -> collation id
  std::vector<uint16_t> column_charsets;    // per character column, when given per column
  std::vector<std::string> column_names;
  std::vector<std::vector<std::string>> set_values;   // per SET column
  std::vector<std::vector<std::string>> enum_values;  // per ENUM column
  std::vector<uint32_t> geometry_types;     // per GEOMETRY column
  std::vector<uint32_t> primary_key;        // column indexes
  std::vector<uint32_t> primary_key_prefix; // prefix lengths (0 = whole column)
  std::optional<uint16_t> enum_set_default_charset;
  std::map<uint32_t, uint16_t> enum_set_charset_exceptions;
  std::vector<uint16_t> enum_set_column_charsets;
  std::vector<bool> column_visibility;      // per column (MySQL 8.0.23+)

  bool operator==(const TableMetadata&) const = default;
};

// MYSQL_TYPE_* as written in TABLE_MAP.
enum ColumnType : uint8_t {
  kTypeDecimal = 0,
  kTypeTiny = 1,
  kTypeShort = 2,
  kTypeLong = 3,
  kTypeFloat = 4,
  kTypeDouble = 5,
  kTypeNull = 6,
  kTypeTimestamp = 7,
  kTypeLongLong = 8,
  kTypeInt24 = 9,
  kTypeDate = 10,
  kTypeTime = 11,
  kTypeDatetime = 12,
  kTypeYear = 13,
  kTypeNewDate = 14,
  kTypeVarchar = 15,
  kTypeBit = 16,
  kTypeTimestamp2 = 17,
  kTypeDatetime2 = 18,
  kTypeTime2 = 19,
  kTypeTypedArray = 20,
  kTypeVector = 242,
  kTypeJson = 245,
  kTypeNewDecimal = 246,
  kTypeEnum = 247,
  kTypeSet = 248,
  kTypeTinyBlob = 249,
  kTypeMediumBlob = 250,
  kTypeLongBlob = 251,
  kTypeBlob = 252,
  kTypeVarString = 253,
  kTypeString = 254,
  kTypeGeometry = 255,
};

// TINYINT..BIGINT, DECIMAL (new), FLOAT, DOUBLE: the columns TABLE_MAP
// signedness metadata covers.
bool IsNumericType(uint8_t type);
// CHAR, VARCHAR and the BLOB/TEXT family (by real type: ENUM and SET are
// not), the columns that carry a charset.
bool IsStringType(uint8_t real_type);

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<uint8_t> column_types;  // MYSQL_TYPE_* per column
  std::vector<uint16_t> column_meta;  // type metadata per column (0 when none)
  std::vector<bool> nullable;
  TableMetadata metadata;

  bool operator==(const TableMap&) const = default;
};

enum class RowsKind : uint8_t { kWrite, kUpdate, kDelete, kPartialUpdate };

// A rows event before its rows are decoded: decoding the rows needs the
// table's TableMap (and for MySQL 5.x the schema from elsewhere), see rows.h.
struct RowsEvent {
  uint8_t type = 0;
  RowsKind kind = RowsKind::kWrite;
  uint8_t version = 2;   // 0, 1 or 2
  uint64_t table_id = 0;
  uint16_t flags = 0;    // bit 0: statement end (STMT_END_F)
  uint64_t column_count = 0;
  std::vector<bool> columns_before;  // columns present in the before image
  std::vector<bool> columns_after;   // (update) columns present in the after image
  std::string_view extra_data;
  std::string_view rows;             // the row images, decoded by rows.h
  bool statement_end() const { return (flags & 0x0001) != 0; }
};

// An event this decoder does not interpret: skipped by its length.
struct Skipped {
  uint8_t type = 0;
};

using EventBody = std::variant<Skipped, FormatDescription, Rotate, Query, Xid, MysqlGtid,
                               PreviousGtids, MariaGtid, MariaGtidList, BinlogCheckpoint,
                               RowsQuery, Heartbeat, TableMap, RowsEvent>;

struct Event {
  EventHeader header;
  EventBody body;
};

// Decodes a sequence of events. Holds the state that later events depend on:
// the current FORMAT_DESCRIPTION (checksum algorithm, post-header lengths)
// and the events unpacked from a TRANSACTION_PAYLOAD.
//
// Not thread-safe; one per stream (the live reader, or one file).
class EventDecoder {
 public:
  EventDecoder();

  // Decodes one whole event (header, body and checksum, exactly event_size
  // bytes). Verifies the CRC32 when the format says so (Corruption naming the
  // event type and position on a mismatch). A TRANSACTION_PAYLOAD event is
  // decompressed (zstd) and its inner events are then returned one by one by
  // NextPayloadEvent() before the caller decodes the next outer event.
  // Unknown or uninteresting types decode to Skipped and are counted.
  Result<Event> Decode(std::string_view event);

  // After Decode returned a TRANSACTION_PAYLOAD event: the next inner event,
  // or nullopt when they are exhausted.
  Result<std::optional<Event>> NextPayloadEvent();

  const FormatDescription& format() const { return format_; }
  // Skipped events by type.
  const std::map<uint8_t, uint64_t>& skipped() const { return skipped_; }

  // Checksums: by default the FORMAT_DESCRIPTION decides; the live stream may
  // already know (binlog_checksum) before it sees one.
  void SetChecksum(ChecksumAlg alg) { format_.checksum = alg; }

 private:
  FormatDescription format_;
  std::map<uint8_t, uint64_t> skipped_;
  std::string payload_;       // decompressed TRANSACTION_PAYLOAD
  size_t payload_offset_ = 0;
};

// Splits a binlog file into events: checks the magic, then walks
// event_size by event_size. Pure: takes the file's bytes.
class FileReader {
 public:
  explicit FileReader(std::string_view file) : file_(file) {}
  // Corruption unless the file starts with the 4-byte magic.
  Status Open();
  // The next event's bytes (header included), or nullopt at the end.
  // Corruption (with the offset) for a truncated last event.
  Result<std::optional<std::string_view>> Next();
  size_t offset() const { return offset_; }

 private:
  std::string_view file_;
  size_t offset_ = 0;
};

}  // namespace cdc::binlog
