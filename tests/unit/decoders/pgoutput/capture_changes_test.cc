// Decodes the captured stream: updates and deletes under each replica
// identity, the unchanged TOAST datum, truncate, logical messages and origin;
// then every prefix and extension of every captured message.
#include <gtest/gtest.h>

#include <string>

#include "tests/unit/decoders/pgoutput/capture_fixture.h"

namespace cdc::pgoutput {
namespace {

using testing::CaptureTest;

std::string TextOf(const Datum& d) {
  EXPECT_EQ(d.kind, DatumKind::kText);
  return std::string(d.bytes);
}

TEST_F(CaptureTest, UnchangedToastedColumnOnUpdate) {
  std::vector<Insert> inserts = ChangesOf<Insert>("pk_default");
  ASSERT_EQ(inserts.size(), 2u);
  const std::string big = TextOf(inserts[0].new_tuple.columns[2]);
  EXPECT_EQ(big.size(), 32000u);
  EXPECT_EQ(big.substr(0, 32), "c4ca4238a0b923820dcc509a6f75849b");  // md5('1')

  std::vector<Update> updates = ChangesOf<Update>("pk_default");
  ASSERT_EQ(updates.size(), 2u);
  // Key unchanged under REPLICA IDENTITY DEFAULT: no old tuple.
  EXPECT_EQ(updates[0].old_kind, '\0');
  EXPECT_TRUE(updates[0].old_tuple.columns.empty());
  auto after = Values(RelationNamed("pk_default"), updates[0].new_tuple);
  EXPECT_EQ(after["id"].int_value(), 1);
  EXPECT_EQ(after["name"].text_value(), "renamed");
  EXPECT_TRUE(after["big"].unchanged());
}

TEST_F(CaptureTest, KeyChangeCarriesTheOldKey) {
  std::vector<Update> updates = ChangesOf<Update>("pk_default");
  ASSERT_EQ(updates.size(), 2u);
  const Update& u = updates[1];
  EXPECT_EQ(u.old_kind, 'K');
  ASSERT_EQ(u.old_tuple.columns.size(), 3u);
  EXPECT_EQ(TextOf(u.old_tuple.columns[0]), "2");
  EXPECT_EQ(u.old_tuple.columns[1].kind, DatumKind::kNull);
  EXPECT_EQ(u.old_tuple.columns[2].kind, DatumKind::kNull);
  EXPECT_EQ(TextOf(u.new_tuple.columns[0]), "10");
  EXPECT_EQ(TextOf(u.new_tuple.columns[2]), "small");

  std::vector<Delete> deletes = ChangesOf<Delete>("pk_default");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].old_kind, 'K');
  EXPECT_EQ(TextOf(deletes[0].old_tuple.columns[0]), "10");
  EXPECT_EQ(deletes[0].old_tuple.columns[1].kind, DatumKind::kNull);
}

TEST_F(CaptureTest, ReplicaIdentityFullCarriesTheOldRow) {
  std::vector<Update> updates = ChangesOf<Update>("full_ident");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].old_kind, 'O');
  EXPECT_EQ(TextOf(updates[0].old_tuple.columns[1]), "note");
  EXPECT_EQ(TextOf(updates[0].new_tuple.columns[1]), "changed");
  std::vector<Delete> deletes = ChangesOf<Delete>("full_ident");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].old_kind, 'O');
  EXPECT_EQ(TextOf(deletes[0].old_tuple.columns[0]), "1");
  EXPECT_EQ(TextOf(deletes[0].old_tuple.columns[1]), "changed");
}

TEST_F(CaptureTest, ReplicaIdentityIndexCarriesTheIndexColumns) {
  std::vector<Update> updates = ChangesOf<Update>("ident_index");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].old_kind, 'K');
  EXPECT_EQ(TextOf(updates[0].old_tuple.columns[0]), "1");
  EXPECT_EQ(TextOf(updates[0].old_tuple.columns[1]), "2");
  EXPECT_EQ(updates[0].old_tuple.columns[2].kind, DatumKind::kNull);
  EXPECT_EQ(TextOf(updates[0].new_tuple.columns[0]), "5");
}

TEST_F(CaptureTest, Truncates) {
  std::vector<Truncate> truncates = All<Truncate>();
  ASSERT_EQ(truncates.size(), 2u);
  EXPECT_EQ(truncates[0].options, Truncate::kCascade | Truncate::kRestartIdentity);
  EXPECT_EQ(truncates[0].relation_oids,
            (std::vector<uint32_t>{RelationNamed("trunc_parent").oid,
                                   RelationNamed("trunc_child").oid}));
  EXPECT_EQ(truncates[1].options, 0);
  EXPECT_EQ(truncates[1].relation_oids, std::vector<uint32_t>{RelationNamed("no_pk").oid});
}

TEST_F(CaptureTest, LogicalMessages) {
  std::vector<LogicalMessage> messages = All<LogicalMessage>();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_TRUE(messages[0].transactional);
  EXPECT_EQ(messages[0].prefix, "capture_tx");
  EXPECT_EQ(messages[0].content, "transactional payload");
  EXPECT_FALSE(messages[1].transactional);
  EXPECT_EQ(messages[1].prefix, "capture_notx");
  EXPECT_EQ(messages[1].content, std::string("\x00\xff", 2));
  EXPECT_GT(messages[1].lsn, messages[0].lsn);
}

TEST_F(CaptureTest, OriginFollowsBeginOfTheReplayedTransaction) {
  size_t origins = 0;
  for (size_t i = 0; i < messages_->size(); ++i) {
    const Origin* o = std::get_if<Origin>(&(*messages_)[i]);
    if (o == nullptr) continue;
    ++origins;
    EXPECT_EQ(o->name, "capture_origin");
    EXPECT_EQ(o->commit_lsn, 0xAB12CD34u);
    ASSERT_GT(i, 0u);
    const Begin* b = std::get_if<Begin>(&(*messages_)[i - 1]);
    ASSERT_NE(b, nullptr);
    // pg_replication_origin_xact_setup's timestamp becomes the commit time.
    EXPECT_EQ(b->commit_time_us, 1704164645000000);  // 2024-01-02 03:04:05 UTC
    const Insert* insert = std::get_if<Insert>(&(*messages_)[i + 2]);
    ASSERT_NE(insert, nullptr);
    EXPECT_EQ(TextOf(insert->new_tuple.columns[1]), "from origin");
  }
  EXPECT_EQ(origins, 1u);
}

TEST_F(CaptureTest, EveryPrefixOfEveryMessageIsAnError) {
  size_t checked = 0;
  for (const testing::Captured& c : *captured_) {
    for (size_t len = 0; len < c.bytes.size(); ++len) {
      // A copy of exactly `len` bytes, so that reading past it is caught by
      // the sanitizers.
      std::string prefix = c.bytes.substr(0, len);
      Result<Message> m = DecodeMessage(prefix);
      ASSERT_FALSE(m.ok()) << c.label << " cut to " << len << " bytes decoded";
      ASSERT_TRUE(m.status().IsCorruption()) << m.status().ToString();
      const std::string& msg = m.status().message();
      ASSERT_TRUE(msg.find("truncated") != std::string::npos ||
                  msg.find("empty message") != std::string::npos)
          << c.label << " cut to " << len << ": " << msg;
      ++checked;
    }
  }
  EXPECT_GT(checked, 32000u);
}

TEST_F(CaptureTest, AnExtraByteIsAnError) {
  for (const testing::Captured& c : *captured_) {
    Result<Message> m = DecodeMessage(c.bytes + "x");
    ASSERT_FALSE(m.ok()) << c.label;
    EXPECT_NE(m.status().message().find("1 trailing bytes at offset " +
                                        std::to_string(c.bytes.size())),
              std::string::npos)
        << m.status().ToString();
  }
}

TEST_F(CaptureTest, FlippingAnyByteNeverCrashes) {
  // Every single-byte corruption either decodes or is a Corruption; under the
  // sanitizers this also shows that no read leaves the buffer.
  for (const testing::Captured& c : *captured_) {
    if (c.bytes.size() > 2000) continue;
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      for (uint8_t x : {0x01, 0x80, 0xff}) {
        std::string bad = c.bytes;
        bad[i] = static_cast<char>(static_cast<uint8_t>(bad[i]) ^ x);
        Result<Message> m = DecodeMessage(bad);
        if (!m.ok()) {
          ASSERT_TRUE(m.status().IsCorruption()) << m.status().ToString();
        }
      }
    }
  }
}

}  // namespace
}  // namespace cdc::pgoutput
