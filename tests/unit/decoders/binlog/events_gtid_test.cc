// GTID events of MySQL (GTID, ANONYMOUS_GTID, GTID_TAGGED, PREVIOUS_GTIDS)
// and MariaDB (GTID, GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS).
#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::DecodeAs;
using testing::ErrorOf;
using testing::EventBuilder;
using testing::FormatDescriptionEvent;
using testing::Mysql80;

const Sid kSid = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                  0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
const char* const kSidText = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

std::string SidBytes() { return std::string(kSid.begin(), kSid.end()); }

TEST(BinlogEvents, MysqlGtidAllForms) {
  EventDecoder d = Mysql80();
  // 5.6: flags, sid, gno only.
  MysqlGtid g = DecodeAs<MysqlGtid>(
      d, EventBuilder(EventType::kGtid).U8(1).Raw(SidBytes()).U64(23).Build(true));
  EXPECT_EQ(g.ToString(), std::string(kSidText) + ":23");
  EXPECT_EQ(g.flags, 1);
  EXPECT_FALSE(g.anonymous);
  EXPECT_EQ(g.last_committed, 0);

  // 8.0 with every optional field: original timestamp and server versions.
  uint64_t immediate = 1700000000123456ULL, original = 1690000000000001ULL;
  std::string full = EventBuilder(EventType::kGtid)
                         .U8(0).Raw(SidBytes()).U64(24)
                         .U8(2).U64(7).U64(8)
                         .Le(immediate | (uint64_t{1} << 55), 7).Le(original, 7)
                         .U8(0xfc).U16(1234)
                         .U32(80031 | (1u << 31)).U32(80030)
                         .U64(5)
                         .Build(true);
  g = DecodeAs<MysqlGtid>(d, full);
  EXPECT_EQ(g.gno, 24);
  EXPECT_EQ(g.last_committed, 7);
  EXPECT_EQ(g.sequence_number, 8);
  EXPECT_EQ(g.immediate_commit_timestamp_us, immediate);
  EXPECT_EQ(g.original_commit_timestamp_us, original);
  EXPECT_EQ(g.transaction_length, 1234u);

  // 8.0 anonymous, original timestamp equal to the immediate one.
  g = DecodeAs<MysqlGtid>(d, EventBuilder(EventType::kAnonymousGtid)
                                 .U8(1).Zeros(16).U64(0).U8(2).U64(1).U64(2)
                                 .Le(immediate, 7).U8(200).U32(80031)
                                 .Build(true));
  EXPECT_TRUE(g.anonymous);
  EXPECT_EQ(g.original_commit_timestamp_us, immediate);
  EXPECT_EQ(g.transaction_length, 200u);

  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kGtid)
                           .U8(0).Raw(SidBytes()).U64(1).U8(3).U64(0).U64(0).Build(true, 3)),
            "Corruption: binlog GTID_LOG_EVENT (log_pos 3): unknown logical timestamp type 3 at "
            "byte 44");
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kGtid)
                           .U8(0).Raw(SidBytes()).U64(1).U8(2).U64(0).U64(0).Le(5, 3)
                           .Build(true, 3)),
            "Corruption: binlog GTID_LOG_EVENT (log_pos 3): truncated immediate_commit_timestamp "
            "at byte 61");
}

TEST(BinlogEvents, TaggedGtid) {
  EventDecoder d = Mysql80();
  EventBuilder fields(0);
  fields.Var(0).Var(1);                         // flags
  fields.Var(1);                                // uuid
  for (uint8_t b : kSid) fields.Var(b);
  fields.Var(2).SVar(3);                        // gno
  fields.Var(3).Var(5).Raw("mytag");            // tag
  fields.Var(4).SVar(0).Var(5).SVar(1);         // last_committed, sequence_number
  fields.Var(6).Var(1700000000000000ULL);       // immediate_commit_timestamp
  fields.Var(8).Var(296).Var(9).Var(90600);     // transaction_length, server version
  std::string head = EventBuilder(0).Var(1).Var(60).Var(0).body();
  // The size counts the whole message, itself included.
  size_t size = fields.body().size() + head.size();
  EventBuilder msg(EventType::kGtidTagged);
  msg.Var(1).Var(size).Var(0).Raw(fields.body());
  MysqlGtid g = DecodeAs<MysqlGtid>(d, msg.Build(true));
  EXPECT_EQ(g.ToString(), std::string(kSidText) + ":mytag:3");
  EXPECT_EQ(g.flags, 1);
  EXPECT_EQ(g.sequence_number, 1);
  EXPECT_EQ(g.transaction_length, 296u);
  EXPECT_EQ(g.original_commit_timestamp_us, 1700000000000000ULL);

  // A format this decoder does not know is skipped and counted.
  Result<Event> ev =
      d.Decode(EventBuilder(EventType::kGtidTagged).Var(2).Var(3).Var(0).Build(true));
  ASSERT_TRUE(ev.ok()) << ev.status().ToString();
  EXPECT_TRUE(std::holds_alternative<Skipped>(ev->body));
  EXPECT_EQ(d.skipped().at(42), 1u);
}

TEST(BinlogEvents, PreviousGtids) {
  EventDecoder d = Mysql80();
  Sid other = kSid;
  other[15] = 0x63;
  std::string ev = EventBuilder(EventType::kPreviousGtids)
                       .U64(2)
                       .Raw(SidBytes()).U64(2).U64(1).U64(6).U64(7).U64(8)
                       .Raw(std::string(other.begin(), other.end())).U64(1).U64(1).U64(4)
                       .Build(true);
  PreviousGtids p = DecodeAs<PreviousGtids>(d, ev);
  EXPECT_EQ(p.ToString(),
            std::string(kSidText) + ":1-5:7,3e11fa47-71ca-11e1-9e33-c80aa9429563:1-3");

  // The tagged format of 8.3+.
  std::string tagged = EventBuilder(EventType::kPreviousGtids)
                           .U64((uint64_t{1} << 56) | (1u << 8) | 1)
                           .Raw(SidBytes()).Var(3).Raw("abc").U64(1).U64(10).U64(11)
                           .Build(true);
  p = DecodeAs<PreviousGtids>(d, tagged);
  EXPECT_EQ(p.ToString(), std::string(kSidText) + ":abc:10");

  // Intervals come from the wire: extreme values print without overflow.
  p = DecodeAs<PreviousGtids>(d, EventBuilder(EventType::kPreviousGtids)
                                     .U64(1).Raw(SidBytes()).U64(2)
                                     .U64(uint64_t{1} << 63).U64(~0ULL >> 1).U64(9).U64(1)
                                     .Build(true));
  EXPECT_EQ(p.ToString(), std::string(kSidText) +
                              ":-9223372036854775808-9223372036854775806:9");

  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kPreviousGtids).U64(1000000).Build(true, 4)),
            "Corruption: binlog PREVIOUS_GTIDS_LOG_EVENT (log_pos 4): n_sids 1000000 does not fit "
            "in the 0 bytes left at byte 27");
}

TEST(BinlogEvents, MariadbGtidAndGtidList) {
  EventDecoder d;
  ASSERT_TRUE(d.Decode(FormatDescriptionEvent("10.11.19-MariaDB-log", 1,
                                              std::vector<uint8_t>(171, 0)))
                  .ok());
  MariaGtid g = DecodeAs<MariaGtid>(
      d, EventBuilder(EventType::kMariaGtid).U64(42).U32(0).U8(1).Zeros(6).Build(true, 1, 0, 7));
  EXPECT_EQ(g.ToString(), "0-7-42");
  EXPECT_TRUE(g.standalone());
  // Group commit id, then XA extras, then extra flags.
  g = DecodeAs<MariaGtid>(d, EventBuilder(EventType::kMariaGtid)
                                 .U64(43).U32(2).U8(0x02 | 0x40).U64(99)
                                 .U32(1).U8(3).U8(2).Raw("abcde").U8(0)
                                 .Build(true, 1, 0, 8));
  EXPECT_EQ(g.ToString(), "2-8-43");
  EXPECT_EQ(g.commit_id, 99u);
  EXPECT_FALSE(g.standalone());
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kMariaGtid).U64(1).U32(0).U8(0x80).U32(1).U8(9).U8(9)
                           .Raw("short").Build(true, 2)),
            "Corruption: binlog GTID_EVENT (log_pos 2): truncated xid data at byte 38");

  MariaGtidList l = DecodeAs<MariaGtidList>(
      d, EventBuilder(EventType::kMariaGtidList)
             .U32(2 | (1u << 28)).U32(0).U32(7).U64(100).U32(1).U32(8).U64(5)
             .Build(true));
  ASSERT_EQ(l.gtids.size(), 2u);
  EXPECT_EQ(l.flags, 1);
  EXPECT_EQ(l.gtids[0].seq_no, 100u);
  EXPECT_EQ(l.gtids[1].domain_id, 1u);
  EXPECT_EQ(l.gtids[1].server_id, 8u);

  BinlogCheckpoint c = DecodeAs<BinlogCheckpoint>(
      d, EventBuilder(EventType::kMariaBinlogCheckpoint).U32(10).Raw("bin.000007").Build(true));
  EXPECT_EQ(c.file, "bin.000007");
  RowsQuery a = DecodeAs<RowsQuery>(
      d, EventBuilder(EventType::kMariaAnnotateRows).Raw("INSERT INTO t VALUES (1)").Build(true));
  EXPECT_EQ(a.sql, "INSERT INTO t VALUES (1)");
}

}  // namespace
}  // namespace cdc::binlog
