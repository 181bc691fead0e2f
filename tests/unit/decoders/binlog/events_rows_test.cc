// Rows events up to their row images: post-header forms, extra data, column
// bitmaps, and the exact error for each malformation.
#include <gtest/gtest.h>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::EventBuilder;
using testing::FormatDescriptionEvent;
using testing::Mysql80PostHeaders;

EventDecoder WithPostHeaders(std::vector<uint8_t> lengths) {
  EventDecoder d;
  EXPECT_TRUE(d.Decode(FormatDescriptionEvent("8.0.31", 1, lengths)).ok());
  return d;
}

RowsEvent DecodeRows(EventDecoder& d, const std::string& event) {
  Result<Event> ev = d.Decode(testing::Keep(event));
  EXPECT_TRUE(ev.ok()) << ev.status().ToString();
  if (!ev.ok() || !std::holds_alternative<RowsEvent>(ev->body)) {
    ADD_FAILURE() << "not a rows event";
    return RowsEvent{};
  }
  return std::get<RowsEvent>(ev->body);
}

std::string ErrorOf(EventDecoder& d, const std::string& event) {
  Result<Event> ev = d.Decode(event);
  EXPECT_FALSE(ev.ok());
  return ev.ok() ? "OK" : ev.status().ToString();
}

TEST(BinlogRowsEvents, WriteRowsV2WithExtraData) {
  EventDecoder d = WithPostHeaders(Mysql80PostHeaders());
  std::string ev = EventBuilder(EventType::kWriteRowsV2)
                       .U48(0x0000123456789aULL).U16(1)
                       .U16(5).Raw(std::string("\x00\x01\x02", 3))  // extra data (+2)
                       .U8(10).U16(0x02ff)             // 10 columns, all but 9 present
                       .Raw("ROWBYTES")
                       .Build(true);
  RowsEvent r = DecodeRows(d, ev);
  EXPECT_EQ(r.type, 30);
  EXPECT_EQ(r.kind, RowsKind::kWrite);
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(r.table_id, 0x0000123456789aULL);
  EXPECT_TRUE(r.statement_end());
  EXPECT_EQ(r.extra_data, std::string_view("\x00\x01\x02", 3));
  EXPECT_EQ(r.column_count, 10u);
  std::vector<bool> want(10, true);
  want[8] = false;
  EXPECT_EQ(r.columns_before, want);
  EXPECT_TRUE(r.columns_after.empty());
  EXPECT_EQ(r.rows, "ROWBYTES");  // the checksum is not part of the rows
}

TEST(BinlogRowsEvents, UpdateRowsHaveTwoBitmaps) {
  EventDecoder d = WithPostHeaders(Mysql80PostHeaders());
  RowsEvent r = DecodeRows(d, EventBuilder(EventType::kUpdateRowsV1)
                                  .U48(7).U16(0).U8(3).U8(0b101).U8(0b010).Raw("R")
                                  .Build(true));
  EXPECT_EQ(r.version, 1);
  EXPECT_EQ(r.kind, RowsKind::kUpdate);
  EXPECT_FALSE(r.statement_end());
  EXPECT_EQ(r.columns_before, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(r.columns_after, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(r.rows, "R");

  r = DecodeRows(d, EventBuilder(EventType::kPartialUpdateRows)
                        .U48(7).U16(1).U16(2).U8(2).U8(0b01).U8(0b11).Raw("P")
                        .Build(true));
  EXPECT_EQ(r.kind, RowsKind::kPartialUpdate);
  EXPECT_EQ(r.columns_before, (std::vector<bool>{true, false}));
  EXPECT_EQ(r.columns_after, (std::vector<bool>{true, true}));

  r = DecodeRows(d, EventBuilder(EventType::kDeleteRowsV2)
                        .U48(7).U16(1).U16(2).U8(2).U8(0b11).Raw("D").Build(true));
  EXPECT_EQ(r.kind, RowsKind::kDelete);
  EXPECT_EQ(r.rows, "D");
}

TEST(BinlogRowsEvents, OldPostHeaderForms) {
  // A 6-byte post-header: 4-byte table id (early 5.1 servers).
  std::vector<uint8_t> lengths = Mysql80PostHeaders();
  lengths[19 - 1] = 6;  // TABLE_MAP
  lengths[23 - 1] = 6;  // WRITE_ROWS v1
  lengths[21 - 1] = 6;  // UPDATE_ROWS v0
  EventDecoder d = WithPostHeaders(lengths);
  RowsEvent r = DecodeRows(d, EventBuilder(EventType::kWriteRowsV1)
                                  .U32(0xdeadbeef).U16(1).U8(1).U8(1).Raw("W").Build(true));
  EXPECT_EQ(r.table_id, 0xdeadbeefu);
  EXPECT_EQ(r.rows, "W");
  // A v0 update carries one bitmap for both images.
  r = DecodeRows(d, EventBuilder(EventType::kUpdateRowsV0)
                        .U32(5).U16(1).U8(2).U8(0b10).Raw("U").Build(true));
  EXPECT_EQ(r.version, 0);
  EXPECT_EQ(r.columns_before, (std::vector<bool>{false, true}));
  EXPECT_EQ(r.columns_after, r.columns_before);
  EXPECT_EQ(r.rows, "U");
  Result<Event> map = d.Decode(EventBuilder(EventType::kTableMap)
                                   .U32(5).U16(0).U8(1).Raw(std::string("d\0", 2))
                                   .U8(1).Raw(std::string("t\0", 2)).U8(1).U8(3).U8(0).U8(0)
                                   .Build(true));
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(std::get<TableMap>(map->body).table_id, 5u);
}

TEST(BinlogRowsEvents, Errors) {
  EventDecoder d = WithPostHeaders(Mysql80PostHeaders());
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kWriteRowsV2).U48(1).U16(0).U16(1).U8(1).U8(1)
                           .Build(true, 77)),
            "Corruption: binlog WRITE_ROWS_EVENT_V2 (log_pos 77): extra_data_length 1 is below 2 "
            "at byte 27");
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kWriteRowsV2).U48(1).U16(0).U16(9).U8(1)
                           .Build(true, 77)),
            "Corruption: binlog WRITE_ROWS_EVENT_V2 (log_pos 77): truncated extra_data at byte 29");
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kUpdateRowsV2).U48(1).U16(0).U16(2).U8(9).U8(0xff)
                           .U8(1).U8(0).Build(true, 77)),
            "Corruption: binlog UPDATE_ROWS_EVENT_V2 (log_pos 77): truncated columns_after at "
            "byte 32");
  EXPECT_EQ(ErrorOf(d, EventBuilder(EventType::kDeleteRowsV1).U48(1).U16(0).U8(0xfe)
                           .U64(~0ULL).Build(true, 77)),
            "Corruption: binlog DELETE_ROWS_EVENT_V1 (log_pos 77): column_count "
            "18446744073709551615 does not fit in the 0 bytes left at byte 36");
}

}  // namespace
}  // namespace cdc::binlog
