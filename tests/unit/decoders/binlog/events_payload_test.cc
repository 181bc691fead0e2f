// TRANSACTION_PAYLOAD: a transaction compressed with zstd here, its inner
// events handed out one by one, and the exact error for each malformation.
#include <gtest/gtest.h>
#include <zstd.h>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::EventBuilder;
using testing::FormatDescriptionEvent;
using testing::Mysql80PostHeaders;

// BEGIN, TABLE_MAP, WRITE_ROWS v2, XID: inner events carry no checksum.
std::string InnerEvents() {
  std::string out;
  out += EventBuilder(EventType::kQuery)
             .U32(1).U32(0).U8(4).U16(0).U16(0).Raw(std::string("test\0", 5)).Raw("BEGIN")
             .Build(false, 0);
  out += EventBuilder(EventType::kTableMap)
             .U48(91).U16(1).U8(4).Raw(std::string("test\0", 5)).U8(3)
             .Raw(std::string("tb1\0", 4)).U8(1).U8(3).U8(0).U8(1)
             .Build(false, 0);
  out += EventBuilder(EventType::kWriteRowsV2)
             .U48(91).U16(1).U16(2).U8(1).U8(1).U8(0).U32(7)
             .Build(false, 0);
  out += EventBuilder(EventType::kXid).U64(31).Build(false, 0);
  return out;
}

std::string Zstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// The payload event's fields: (type, length, packed value) then the end mark.
std::string PayloadEvent(const std::string& payload, uint64_t compression,
                         uint64_t uncompressed, uint32_t log_pos = 900) {
  EventBuilder b(EventType::kTransactionPayload);
  auto field = [&b](uint8_t type, uint64_t v) {
    std::string packed = EventBuilder(0).Packed(v).body();
    b.U8(type).U8(packed.size()).Raw(packed);
  };
  field(2, compression);
  field(3, uncompressed);
  field(1, payload.size());
  b.U8(0).Raw(payload);
  return b.Build(true, log_pos);
}

EventDecoder Decoder() {
  EventDecoder d;
  EXPECT_TRUE(d.Decode(FormatDescriptionEvent("8.0.31", 1, Mysql80PostHeaders())).ok());
  return d;
}

std::vector<Event> Drain(EventDecoder& d, Status* status) {
  std::vector<Event> out;
  while (true) {
    Result<std::optional<Event>> next = d.NextPayloadEvent();
    if (!next.ok()) {
      *status = next.status();
      return out;
    }
    if (!next->has_value()) return out;
    out.push_back(**next);
  }
}

TEST(BinlogPayload, ZstdTransaction) {
  std::string inner = InnerEvents();
  EventDecoder d = Decoder();
  Result<Event> outer = d.Decode(PayloadEvent(Zstd(inner), 0, inner.size()));
  ASSERT_TRUE(outer.ok()) << outer.status().ToString();
  EXPECT_EQ(outer->header.type, 40);
  EXPECT_TRUE(std::holds_alternative<Skipped>(outer->body));
  EXPECT_TRUE(d.skipped().empty());  // interpreted, not skipped

  Status status;
  std::vector<Event> events = Drain(d, &status);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(std::get<Query>(events[0].body).sql, "BEGIN");
  const TableMap& map = std::get<TableMap>(events[1].body);
  EXPECT_EQ(map.schema + "." + map.table, "test.tb1");
  const RowsEvent& rows = std::get<RowsEvent>(events[2].body);
  EXPECT_EQ(rows.table_id, 91u);
  EXPECT_EQ(rows.rows, std::string("\0\x07\0\0\0", 5));
  EXPECT_EQ(std::get<Xid>(events[3].body).xid, 31u);
  // Exhausted stays exhausted.
  Result<std::optional<Event>> again = d.NextPayloadEvent();
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

TEST(BinlogPayload, UncompressedTransaction) {
  std::string inner = InnerEvents();
  EventDecoder d = Decoder();
  ASSERT_TRUE(d.Decode(PayloadEvent(inner, 255, inner.size())).ok());
  Status status;
  EXPECT_EQ(Drain(d, &status).size(), 4u);
  EXPECT_TRUE(status.ok()) << status.ToString();
}

TEST(BinlogPayload, TheNextOuterEventDropsUnreadInnerEvents) {
  std::string inner = InnerEvents();
  EventDecoder d = Decoder();
  ASSERT_TRUE(d.Decode(PayloadEvent(Zstd(inner), 0, inner.size())).ok());
  ASSERT_TRUE(d.Decode(EventBuilder(EventType::kXid).U64(1).Build(true)).ok());
  Result<std::optional<Event>> next = d.NextPayloadEvent();
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
}

std::string DecodeError(const std::string& event) {
  EventDecoder d = Decoder();
  Result<Event> ev = d.Decode(event);
  if (!ev.ok()) return ev.status().ToString();
  Status status;
  Drain(d, &status);
  return status.ok() ? "OK" : status.ToString();
}

TEST(BinlogPayload, Errors) {
  std::string inner = InnerEvents();
  std::string z = Zstd(inner);
  std::string err = DecodeError(PayloadEvent(z, 0, inner.size() + 1));
  EXPECT_EQ(err.rfind("Corruption: binlog TRANSACTION_PAYLOAD_EVENT (log_pos 900): payload "
                      "decompresses to " + std::to_string(inner.size()) +
                          " bytes, uncompressed_size says " + std::to_string(inner.size() + 1),
                      0),
            0u)
      << err;
  EXPECT_NE(DecodeError(PayloadEvent(z, 0, inner.size() - 1)).find("decompresses to more than"),
            std::string::npos);

  std::string broken = z;
  broken[broken.size() / 2] ^= 0x5a;
  broken[broken.size() / 2 + 1] ^= 0xa5;
  err = DecodeError(PayloadEvent(broken, 0, inner.size()));
  // zstd frames carry no checksum here: the damage shows in zstd or in the
  // inner events.
  EXPECT_EQ(err.rfind("Corruption: binlog TRANSACTION_PAYLOAD_EVENT", 0), 0u) << err;

  err = DecodeError(PayloadEvent(z.substr(0, z.size() - 3), 0, inner.size()));
  EXPECT_NE(err.find("binlog TRANSACTION_PAYLOAD_EVENT (log_pos 900): zstd"), std::string::npos)
      << err;

  EXPECT_EQ(DecodeError(PayloadEvent(inner, 1, inner.size())),
            "Corruption: binlog TRANSACTION_PAYLOAD_EVENT (log_pos 900): unknown compression_type "
            "1 at byte 29");

  // An inner event cut short.
  std::string cut = inner.substr(0, inner.size() - 2);
  EXPECT_EQ(DecodeError(PayloadEvent(cut, 255, cut.size())),
            "Corruption: binlog TRANSACTION_PAYLOAD_EVENT: inner event at payload byte " +
                std::to_string(inner.size() - 27) +
                ": XID_EVENT event_size 27 but 25 bytes remain");

  // Payloads do not nest, and carry no FORMAT_DESCRIPTION.
  std::string nested = PayloadEvent(inner, 255, inner.size());
  EXPECT_EQ(DecodeError(PayloadEvent(nested, 255, nested.size())),
            "Corruption: binlog TRANSACTION_PAYLOAD_EVENT: inner event at payload byte 0: binlog "
            "TRANSACTION_PAYLOAD_EVENT (log_pos 900): TRANSACTION_PAYLOAD_EVENT inside a "
            "transaction payload at byte 4");

  EventBuilder no_size(EventType::kTransactionPayload);
  no_size.U8(2).U8(1).U8(0).U8(0).Raw(z);
  EXPECT_EQ(DecodeError(no_size.Build(true, 5)),
            "Corruption: binlog TRANSACTION_PAYLOAD_EVENT (log_pos 5): missing payload_size field "
            "at byte 23");
}

}  // namespace
}  // namespace cdc::binlog
