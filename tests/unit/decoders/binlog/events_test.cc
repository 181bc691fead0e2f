// EventDecoder on events built byte by byte: each layout, checksums, and the
// exact error for each malformation.
#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::EventBuilder;
using testing::FormatDescriptionEvent;
using testing::Mysql80PostHeaders;

using testing::DecodeAs;
using testing::ErrorOf;
using testing::Mysql80;

TEST(BinlogEvents, TypeNames) {
  EXPECT_EQ(EventTypeName(30), "WRITE_ROWS_EVENT_V2");
  EXPECT_EQ(EventTypeName(23), "WRITE_ROWS_EVENT_V1");
  EXPECT_EQ(EventTypeName(162), "GTID_EVENT");
  EXPECT_EQ(EventTypeName(200), "UNKNOWN_EVENT_200");
}

TEST(BinlogEvents, Header) {
  std::string ev = EventBuilder(EventType::kXid).U64(9).Build(false, 1234, 0x40, 99);
  Result<EventHeader> h = ParseHeader(ev);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->timestamp, 1700000000u);
  EXPECT_EQ(h->type, 16);
  EXPECT_EQ(h->server_id, 99u);
  EXPECT_EQ(h->event_size, 27u);
  EXPECT_EQ(h->log_pos, 1234u);
  EXPECT_EQ(h->flags, 0x40);
  EXPECT_EQ(ParseHeader(ev.substr(0, 18)).status().ToString(),
            "Corruption: binlog event header truncated: 18 of 19 bytes at byte 0");
  ev[9] = 10;
  ev[10] = ev[11] = ev[12] = 0;
  EXPECT_EQ(ParseHeader(ev).status().ToString(),
            "Corruption: binlog XID_EVENT (log_pos 1234): event_size 10 is smaller than the "
            "19-byte header at byte 9");
}

TEST(BinlogEvents, FormatDescriptionMysql80) {
  EventDecoder d;
  // The in-use flag is set on the live file but not covered by its checksum.
  Result<Event> ev = d.Decode(FormatDescriptionEvent("8.0.31", 1, Mysql80PostHeaders(), 1));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  const auto& fd = std::get<FormatDescription>(ev->body);
  EXPECT_EQ(fd.binlog_version, 4);
  EXPECT_EQ(fd.server_version, "8.0.31");
  EXPECT_EQ(fd.header_length, 19);
  EXPECT_EQ(fd.checksum, ChecksumAlg::kCrc32);
  EXPECT_EQ(fd.post_header_lengths, Mysql80PostHeaders());
  EXPECT_FALSE(fd.mariadb());
  EXPECT_EQ(d.format().PostHeaderLength(30, 0), 10);
  EXPECT_EQ(d.format().PostHeaderLength(160, 7), 7);
  EXPECT_EQ(d.format().checksum, ChecksumAlg::kCrc32);
}

TEST(BinlogEvents, FormatDescriptionWithoutChecksumByte) {
  EventDecoder d;
  std::vector<uint8_t> lengths(27, 8);
  Result<Event> ev = d.Decode(FormatDescriptionEvent("5.5.27-log", -1, lengths));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_EQ(d.format().checksum, ChecksumAlg::kOff);
  EXPECT_EQ(d.format().post_header_lengths.size(), 27u);

  EventDecoder maria;
  ev = maria.Decode(FormatDescriptionEvent("10.11.19-MariaDB-log", 0, lengths));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_TRUE(maria.format().mariadb());
  EXPECT_EQ(maria.format().checksum, ChecksumAlg::kOff);
  EXPECT_EQ(maria.format().post_header_lengths.size(), 27u);
}

TEST(BinlogEvents, FormatDescriptionErrors) {
  EventDecoder d;
  std::string fde = FormatDescriptionEvent("8.0.31", 1, Mysql80PostHeaders());
  std::string bad = fde;
  bad[30] ^= 0x01;  // inside the server version
  std::string err = ErrorOf(d, bad);
  EXPECT_NE(err.find("binlog FORMAT_DESCRIPTION_EVENT (log_pos 0): CRC32 mismatch (stored 0x"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("at byte " + std::to_string(fde.size() - 4)), std::string::npos) << err;

  std::string v3 = fde;
  v3[19] = 3;
  testing::Reframe(&v3, true);
  EXPECT_EQ(ErrorOf(d, v3),
            "Corruption: binlog FORMAT_DESCRIPTION_EVENT (log_pos 0): binlog_version 3 is not "
            "supported (only 4) at byte 19");
  EXPECT_EQ(ErrorOf(d, fde.substr(0, 60)),
            "Corruption: binlog FORMAT_DESCRIPTION_EVENT (log_pos 0): event_size " +
                std::to_string(fde.size()) + " but 60 bytes given at byte 9");
}

TEST(BinlogEvents, ChecksumVerifiedOnEveryEvent) {
  EventDecoder d = Mysql80();
  std::string ev = EventBuilder(EventType::kXid).U64(77).Build(true, 500);
  EXPECT_EQ(DecodeAs<Xid>(d, ev).xid, 77u);
  std::string bad = ev;
  bad[20] ^= 0x10;
  std::string err = ErrorOf(d, bad);
  EXPECT_EQ(err.rfind("Corruption: binlog XID_EVENT (log_pos 500): CRC32 mismatch (stored 0x", 0),
            0u)
      << err;
  EXPECT_NE(err.find(") at byte 27"), std::string::npos) << err;

  // Without checksums the same bytes are the body.
  EventDecoder off = Mysql80(0);
  EXPECT_EQ(DecodeAs<Xid>(off, EventBuilder(EventType::kXid).U64(78).Build(false)).xid, 78u);
  // The live stream may set the algorithm before any FORMAT_DESCRIPTION.
  EventDecoder live;
  live.SetChecksum(ChecksumAlg::kCrc32);
  EXPECT_EQ(DecodeAs<Xid>(live, ev).xid, 77u);
}

TEST(BinlogEvents, Rotate) {
  EventDecoder d = Mysql80();
  Rotate r = DecodeAs<Rotate>(
      d, EventBuilder(EventType::kRotate).U64(4).Raw("binlog.000002").Build(true));
  EXPECT_EQ(r.position, 4u);
  EXPECT_EQ(r.next_file, "binlog.000002");
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kRotate).U32(4).Build(true, 9)),
            "Corruption: binlog ROTATE_EVENT (log_pos 9): truncated position at byte 19");
}

// A QUERY with `status` as its status variable block.
std::string QueryEvent(const std::string& status, uint32_t log_pos = 700) {
  return EventBuilder(EventType::kQuery)
      .U32(42)   // thread_id
      .U32(3)    // exec_time
      .U8(2)     // schema length
      .U16(0)    // error code
      .U16(status.size())
      .Raw(status)
      .Raw(std::string("db\0", 3))
      .Raw("BEGIN")
      .Build(true, log_pos);
}

TEST(BinlogEvents, QueryStatusVariables) {
  EventBuilder s(0);
  s.U8(0).U32(0x00004000)                     // Q_FLAGS2_CODE
      .U8(1).U64(0x1122334455667788ULL)       // Q_SQL_MODE_CODE
      .U8(6).U8(3).Raw("std")                 // Q_CATALOG_NZ_CODE
      .U8(3).U16(1).U16(1)                    // Q_AUTO_INCREMENT
      .U8(4).U16(33).U16(45).U16(8)           // Q_CHARSET_CODE
      .U8(5).U8(6).Raw("+02:00")              // Q_TIME_ZONE_CODE
      .U8(7).U16(0)                           // Q_LC_TIME_NAMES_CODE
      .U8(8).U16(45)                          // Q_CHARSET_DATABASE_CODE
      .U8(9).U64(1)                           // Q_TABLE_MAP_FOR_UPDATE_CODE
      .U8(10).U32(99)                         // Q_MASTER_DATA_WRITTEN_CODE
      .U8(11).U8(4).Raw("root").U8(9).Raw("localhost")  // Q_INVOKER
      .U8(12).U8(2).Raw(std::string("a\0bb\0", 5))      // Q_UPDATED_DB_NAMES
      .U8(13).Le(123456, 3)                   // Q_MICROSECONDS
      .U8(16).U8(1)                           // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP
      .U8(17).U64(5)                          // Q_DDL_LOGGED_WITH_XID
      .U8(18).U16(255)                        // Q_DEFAULT_COLLATION_FOR_UTF8MB4
      .U8(19).U8(0)                           // Q_SQL_REQUIRE_PRIMARY_KEY
      .U8(20).U8(0)                           // Q_DEFAULT_TABLE_ENCRYPTION
      .U8(128).Le(999, 3)                     // MariaDB Q_HRNOW
      .U8(129).U64(17)                        // MariaDB Q_XID
      .U8(130).U8(0x04).U64(3)                // MariaDB Q_GTID_FLAGS3, commit alter
      .U8(131).U8(1).U16(45).U16(224);        // MariaDB Q_CHARACTER_SET_COLLATIONS
  EventDecoder d = Mysql80();
  Query q = DecodeAs<Query>(d, QueryEvent(s.body()));
  EXPECT_EQ(q.thread_id, 42u);
  EXPECT_EQ(q.exec_time, 3u);
  EXPECT_EQ(q.error_code, 0);
  EXPECT_EQ(q.schema, "db");
  EXPECT_EQ(q.sql, "BEGIN");
  EXPECT_EQ(q.sql_mode_flags2, 0x4000u);
  EXPECT_EQ(q.sql_mode, 0x1122334455667788ULL);
  EXPECT_EQ(q.charset_client, 33);
  EXPECT_EQ(q.collation_connection, 45);
  EXPECT_EQ(q.collation_server, 8);
  EXPECT_EQ(q.time_zone, "+02:00");
}

TEST(BinlogEvents, QueryStopsAtAnUnknownStatusVariable) {
  // Code 99 has no known length: the rest of the block is skipped, as the
  // servers do, and the schema and statement are still found.
  EventBuilder s(0);
  s.U8(99).U8(1).U8(2).U8(4).U16(1).U16(2).U16(3);
  EventDecoder d = Mysql80();
  Query q = DecodeAs<Query>(d, QueryEvent(s.body()));
  EXPECT_EQ(q.schema, "db");
  EXPECT_FALSE(q.charset_client.has_value());
}

TEST(BinlogEvents, QueryErrors) {
  EventDecoder d = Mysql80();
  EventBuilder s(0);
  s.U8(1).U32(7);  // Q_SQL_MODE_CODE needs 8 bytes
  EXPECT_EQ(ErrorOf(d, QueryEvent(s.body())),
            "Corruption: binlog QUERY_EVENT (log_pos 700): truncated Q_SQL_MODE_CODE at byte 33");
  std::string no_nul = EventBuilder(EventType::kQuery)
                           .U32(1).U32(0).U8(2).U16(0).U16(0).Raw("dbXBEGIN").Build(true, 5);
  EXPECT_EQ(ErrorOf(d, no_nul),
            "Corruption: binlog QUERY_EVENT (log_pos 5): schema not NUL-terminated at byte 34");
  std::string long_status =
      EventBuilder(EventType::kQuery).U32(1).U32(0).U8(0).U16(0).U16(500).U8(0).Build(true, 6);
  EXPECT_EQ(ErrorOf(d, long_status),
            "Corruption: binlog QUERY_EVENT (log_pos 6): truncated status_vars at byte 32");
}

TEST(BinlogEvents, RowsQueryAndHeartbeats) {
  EventDecoder d = Mysql80();
  // The length byte is one byte however long the statement is.
  RowsQuery q = DecodeAs<RowsQuery>(
      d, EventBuilder(EventType::kRowsQuery).U8(1).Raw("DELETE FROM t").Build(true));
  EXPECT_EQ(q.sql, "DELETE FROM t");
  Heartbeat h = DecodeAs<Heartbeat>(
      d, EventBuilder(EventType::kHeartbeat).Raw("binlog.000003").Build(true, 4242));
  EXPECT_EQ(h.log_file, "binlog.000003");
  EXPECT_EQ(h.position, 4242u);
  h = DecodeAs<Heartbeat>(d, EventBuilder(EventType::kHeartbeatV2)
                                 .U8(1).U8(13).Raw("binlog.000004")
                                 .U8(2).U8(3).U8(0xfc).U16(5000)
                                 .U8(0)
                                 .Build(true, 0));
  EXPECT_EQ(h.log_file, "binlog.000004");
  EXPECT_EQ(h.position, 5000u);
}

TEST(BinlogEvents, UninterpretedEventsAreSkippedAndCounted) {
  EventDecoder d = Mysql80();
  for (uint8_t type : {5, 5, 14, 164, 165, 169, 250}) {
    Result<Event> ev = d.Decode(EventBuilder(type).U64(1).Build(true));
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    ASSERT_TRUE(std::holds_alternative<Skipped>(ev->body));
    EXPECT_EQ(std::get<Skipped>(ev->body).type, type);
  }
  EXPECT_EQ(d.skipped(), (std::map<uint8_t, uint64_t>{
                             {5, 2}, {14, 1}, {164, 1}, {165, 1}, {169, 1}, {250, 1}}));
}

}  // namespace
}  // namespace cdc::binlog
