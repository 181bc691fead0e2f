#include "agent/postgres/replication_protocol.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <variant>

#include "decoders/pgoutput/decoder.h"

namespace cdc::agent::postgres {
namespace {

// Big-endian writers, byte by byte, independent of the code under test.
void AppendU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadU64At(const std::string& bytes, size_t offset) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[offset + i]);
  return v;
}

constexpr uint64_t kStartLsn = 0x0000001600000028ULL;      // 16/28
constexpr uint64_t kEndLsn = 0x00000016B374D848ULL;        // 16/B374D848
constexpr int64_t kSendTime = 0x0002A1B2C3D4E5F6LL;       // microseconds since 2000
constexpr int64_t kNegativeSendTime = -2;                 // before 2000-01-01

std::string XLogDataBytes(const std::string& payload) {
  std::string out = "w";
  AppendU64(&out, kStartLsn);
  AppendU64(&out, kEndLsn);
  AppendU64(&out, static_cast<uint64_t>(kSendTime));
  out += payload;
  return out;
}

std::string KeepaliveBytes(uint8_t reply) {
  std::string out = "k";
  AppendU64(&out, kEndLsn);
  AppendU64(&out, static_cast<uint64_t>(kNegativeSendTime));
  out.push_back(static_cast<char>(reply));
  return out;
}

TEST(ParseCopyDataTest, XLogDataFieldsAndPayload) {
  const std::string payload("B\x00\x01\xff", 4);
  const std::string bytes = XLogDataBytes(payload);
  ASSERT_EQ(bytes.size(), 25u + payload.size());
  Result<CopyMessage> parsed = ParseCopyData(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(std::holds_alternative<XLogData>(*parsed));
  const XLogData& x = std::get<XLogData>(*parsed);
  EXPECT_EQ(x.start_lsn, kStartLsn);
  EXPECT_EQ(x.end_lsn, kEndLsn);
  EXPECT_EQ(x.send_time, kSendTime);
  EXPECT_EQ(x.payload, payload);
  // The payload is a view into the caller's buffer, not a copy.
  EXPECT_EQ(x.payload.data(), bytes.data() + 25);
}

TEST(ParseCopyDataTest, XLogDataWithEmptyPayload) {
  const std::string bytes = XLogDataBytes("");
  Result<CopyMessage> parsed = ParseCopyData(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(std::holds_alternative<XLogData>(*parsed));
  EXPECT_TRUE(std::get<XLogData>(*parsed).payload.empty());
  EXPECT_EQ(std::get<XLogData>(*parsed).end_lsn, kEndLsn);
}

TEST(ParseCopyDataTest, XLogDataHighBitsAreUnsigned) {
  std::string bytes = "w";
  AppendU64(&bytes, 0xFFFFFFFFFFFFFFFEULL);
  AppendU64(&bytes, 0x8000000000000001ULL);
  AppendU64(&bytes, 0xFFFFFFFFFFFFFFFFULL);
  Result<CopyMessage> parsed = ParseCopyData(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const XLogData& x = std::get<XLogData>(*parsed);
  EXPECT_EQ(x.start_lsn, 0xFFFFFFFFFFFFFFFEULL);
  EXPECT_EQ(x.end_lsn, 0x8000000000000001ULL);
  EXPECT_EQ(x.send_time, -1);
}

// The offset in the message is where the field that did not fit starts.
size_t XLogFieldStart(size_t length) {
  if (length < 9) return 1;
  if (length < 17) return 9;
  return 17;
}

TEST(ParseCopyDataTest, EveryTruncatedXLogDataHeaderIsCorruption) {
  const std::string full = XLogDataBytes("payload");
  for (size_t length = 1; length < 25; ++length) {
    SCOPED_TRACE("length " + std::to_string(length));
    // A copy of exactly `length` bytes, so a read past the end is caught by
    // sanitizers.
    const std::string cut = full.substr(0, length);
    Result<CopyMessage> parsed = ParseCopyData(cut);
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(parsed.status().IsCorruption()) << parsed.status().ToString();
    EXPECT_EQ(parsed.status().message(),
              "replication stream: XLogData header truncated at offset " +
                  std::to_string(XLogFieldStart(length)));
  }
}

TEST(ParseCopyDataTest, KeepaliveFields) {
  for (uint8_t reply : {0, 1, 2, 0xff}) {
    SCOPED_TRACE("reply byte " + std::to_string(reply));
    const std::string bytes = KeepaliveBytes(reply);
    ASSERT_EQ(bytes.size(), 18u);
    Result<CopyMessage> parsed = ParseCopyData(bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ASSERT_TRUE(std::holds_alternative<Keepalive>(*parsed));
    const Keepalive& k = std::get<Keepalive>(*parsed);
    EXPECT_EQ(k.wal_end, kEndLsn);
    EXPECT_EQ(k.send_time, kNegativeSendTime);
    EXPECT_EQ(k.reply_requested, reply != 0);
  }
}

TEST(ParseCopyDataTest, EveryTruncatedKeepaliveIsCorruption) {
  const std::string full = KeepaliveBytes(1);
  for (size_t length = 1; length < full.size(); ++length) {
    SCOPED_TRACE("length " + std::to_string(length));
    const std::string cut = full.substr(0, length);
    Result<CopyMessage> parsed = ParseCopyData(cut);
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(parsed.status().IsCorruption()) << parsed.status().ToString();
    size_t field_start = length < 9 ? 1 : (length < 17 ? 9 : 17);
    EXPECT_EQ(parsed.status().message(),
              "replication stream: keepalive truncated at offset " + std::to_string(field_start));
  }
}

TEST(ParseCopyDataTest, EmptyMessageIsCorruption) {
  Result<CopyMessage> parsed = ParseCopyData(std::string_view());
  ASSERT_FALSE(parsed.ok());
  EXPECT_TRUE(parsed.status().IsCorruption());
  EXPECT_EQ(parsed.status().message(), "replication stream: empty CopyData message");
}

TEST(ParseCopyDataTest, UnknownTagNamesTheTagInHex) {
  struct Case {
    std::string bytes;
    std::string expected;
  };
  const Case cases[] = {
      {"r", "replication stream: unknown CopyData tag 0x72 at offset 0"},
      {std::string("\x00", 1), "replication stream: unknown CopyData tag 0x00 at offset 0"},
      {"\xff\x01\x02", "replication stream: unknown CopyData tag 0xff at offset 0"},
      {"W" + XLogDataBytes("x").substr(1),
       "replication stream: unknown CopyData tag 0x57 at offset 0"},
  };
  for (const Case& c : cases) {
    Result<CopyMessage> parsed = ParseCopyData(c.bytes);
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(parsed.status().IsCorruption());
    EXPECT_EQ(parsed.status().message(), c.expected);
  }
}

TEST(EncodeStandbyStatusTest, ExactBytes) {
  const uint64_t write_lsn = 0x0102030405060708ULL;
  const uint64_t flush_lsn = 0x1112131415161718ULL;
  const uint64_t apply_lsn = 0xF1F2F3F4F5F6F7F8ULL;
  // 2024-01-01T00:00:00.123456Z in microseconds since the Unix epoch.
  const int64_t now_us = 1704067200LL * 1000000LL + 123456;

  const std::string bytes =
      EncodeStandbyStatus(write_lsn, flush_lsn, apply_lsn, now_us, /*reply_requested=*/true);

  std::string expected = "r";
  AppendU64(&expected, write_lsn);
  AppendU64(&expected, flush_lsn);
  AppendU64(&expected, apply_lsn);
  // 2000-01-01 is 946684800 s after the Unix epoch.
  AppendU64(&expected, static_cast<uint64_t>(now_us - 946684800LL * 1000000LL));
  expected.push_back('\x01');
  ASSERT_EQ(bytes.size(), 34u);
  EXPECT_EQ(bytes, expected);

  EXPECT_EQ(bytes[0], 'r');
  EXPECT_EQ(ReadU64At(bytes, 1), write_lsn);
  EXPECT_EQ(ReadU64At(bytes, 9), flush_lsn);
  EXPECT_EQ(ReadU64At(bytes, 17), apply_lsn);
  EXPECT_EQ(ReadU64At(bytes, 25), 757382400ULL * 1000000ULL + 123456ULL);
  EXPECT_EQ(bytes[33], '\x01');
}

TEST(EncodeStandbyStatusTest, NoReplyFlagAndTimesAroundThePostgresEpoch) {
  const int64_t pg_epoch_us = 946684800LL * 1000000LL;
  ASSERT_EQ(pg_epoch_us, pgoutput::kPostgresEpochOffsetUs);

  std::string at_epoch = EncodeStandbyStatus(1, 2, 3, pg_epoch_us, /*reply_requested=*/false);
  ASSERT_EQ(at_epoch.size(), 34u);
  EXPECT_EQ(ReadU64At(at_epoch, 1), 1u);
  EXPECT_EQ(ReadU64At(at_epoch, 9), 2u);
  EXPECT_EQ(ReadU64At(at_epoch, 17), 3u);
  EXPECT_EQ(ReadU64At(at_epoch, 25), 0u);
  EXPECT_EQ(at_epoch[33], '\0');

  // One microsecond before 2000-01-01 is -1 in two's complement.
  std::string before = EncodeStandbyStatus(0, 0, 0, pg_epoch_us - 1, false);
  ASSERT_EQ(before.size(), 34u);
  EXPECT_EQ(before.substr(25, 8), std::string(8, '\xff'));
  EXPECT_EQ(before[33], '\0');
}

TEST(EncodeStandbyStatusTest, StatusUpdateIsNotAServerMessage) {
  // 'r' goes from client to server only; the server-side parser rejects it.
  std::string status = EncodeStandbyStatus(10, 20, 30, 0, true);
  Result<CopyMessage> parsed = ParseCopyData(status);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(), "replication stream: unknown CopyData tag 0x72 at offset 0");
}

}  // namespace
}  // namespace cdc::agent::postgres
