#include "offsets/position.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/offsets/test_util.h"

namespace cdc::offsets {
namespace {

using namespace std::string_literals;

TEST(LsnTest, FormatsLikePostgres) {
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_EQ(FormatLsn(0x16B374D848ull), "16/B374D848");
  EXPECT_EQ(FormatLsn(0x100000000ull), "1/0");
  EXPECT_EQ(FormatLsn(0xFFFFFFFFull), "0/FFFFFFFF");
  EXPECT_EQ(FormatLsn(~0ull), "FFFFFFFF/FFFFFFFF");
  EXPECT_EQ(FormatLsn(0xA0000000Full), "A/F");
  std::string out = "lsn=";
  AppendLsn(0x16B374D848ull, &out);
  EXPECT_EQ(out, "lsn=16/B374D848");
  // Every digit in every place: the same text as printf's "%X/%X".
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; ++i) {
    const uint64_t lsn = rng() >> (rng() % 64);
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%X/%X", static_cast<unsigned>(lsn >> 32),
                  static_cast<unsigned>(lsn & 0xffffffffu));
    ASSERT_EQ(FormatLsn(lsn), expected) << lsn;
  }
}

TEST(LsnTest, ParsesValidForms) {
  struct Case {
    const char* text;
    uint64_t lsn;
  };
  for (const Case& c : {Case{"16/B374D848", 0x16B374D848ull}, Case{"16/b374d848", 0x16B374D848ull},
                        Case{"0/0", 0}, Case{"00000000/00000001", 1},
                        Case{"FFFFFFFF/FFFFFFFF", ~0ull}, Case{"1/0", 0x100000000ull}}) {
    Result<uint64_t> lsn = ParseLsn(c.text);
    ASSERT_TRUE(lsn.ok()) << c.text << ": " << lsn.status().ToString();
    EXPECT_EQ(*lsn, c.lsn) << c.text;
  }
}

TEST(LsnTest, RejectsBadForms) {
  for (const char* text :
       {"", "/", "16/", "/B374D848", "16B374D848", "16/B374D848/0", "1FFFFFFFF/0", "0/1FFFFFFFF",
        "G/0", "0/xyz", " 16/0", "16/0 ", "16 /0", "-1/0", "+1/0", "0x1/0", "1//0", "1\0/0"}) {
    Result<uint64_t> lsn = ParseLsn(text);
    ASSERT_FALSE(lsn.ok()) << text;
    EXPECT_TRUE(lsn.status().IsInvalidArgument()) << text;
  }
  EXPECT_EQ(ParseLsn("16-B374D848").status().message(),
            "bad LSN \"16-B374D848\": expected X/Y with 1 to 8 hex digits on each side, "
            "e.g. 16/B374D848");
}

TEST(LsnTest, FormatParseRoundTrip) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000; ++i) {
    uint64_t lsn = rng() >> (i % 64);
    Result<uint64_t> parsed = ParseLsn(FormatLsn(lsn));
    ASSERT_TRUE(parsed.ok()) << FormatLsn(lsn);
    EXPECT_EQ(*parsed, lsn);
  }
}

std::vector<Position> SamplePositions() {
  return {
      Position(),
      Position::Postgres(0),
      Position::Postgres(0x16B374D848ull),
      Position::Postgres(~0ull),
      Position::Mysql("binlog.000003", 4567, ""),
      Position::Mysql("mysql-bin.000001", 4,
                      "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,"
                      "4E11FA47-71CA-11E1-9E33-C80AA9429562:1-3:7-9"),
      Position::Mysql("mariadb-bin.000012", ~0ull, "0-1-100,1-2-7"),
      Position::Mysql("dir:with:colons.000001", 120, ""),
  };
}

TEST(PositionTest, ToStringForms) {
  EXPECT_EQ(Position::Postgres(0x16B374D848ull).ToString(), "pg:16/B374D848");
  EXPECT_EQ(Position::Mysql("binlog.000003", 4567, "").ToString(), "mysql:binlog.000003:4567");
  EXPECT_EQ(Position::Mysql("binlog.000003", 4567, "0-1-100").ToString(),
            "mysql:binlog.000003:4567 gtid=0-1-100");
  EXPECT_EQ(Position().ToString(), "none");
}

TEST(PositionTest, ParseToStringRoundTrip) {
  for (const Position& p : SamplePositions()) {
    Result<Position> parsed = Position::Parse(p.ToString());
    ASSERT_TRUE(parsed.ok()) << p.ToString() << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, p) << p.ToString();
    EXPECT_EQ(parsed->ToString(), p.ToString());
  }
}

TEST(PositionTest, ParseReadsFields) {
  Result<Position> p = Position::Parse("mysql:binlog.000007:154 gtid=uuid:1-5,uuid2:1-3");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->kind, Position::Kind::kMysql);
  EXPECT_EQ(p->file, "binlog.000007");
  EXPECT_EQ(p->pos, 154u);
  EXPECT_EQ(p->gtid_set, "uuid:1-5,uuid2:1-3");

  Result<Position> pg = Position::Parse("pg:0/16B3748");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->kind, Position::Kind::kPostgres);
  EXPECT_EQ(pg->lsn, 0x16B3748u);
}

TEST(PositionTest, ParseRejectsBadForms) {
  for (const char* text :
       {"", "pg:", "pg:xyz", "pg:16/B374D848 ", "PG:0/0", "postgres:0/0", "mysql:",
        "mysql:binlog.000001", "mysql:binlog.000001:", "mysql::4", "mysql:binlog.000001:-1",
        "mysql:binlog.000001:4x", "mysql:binlog.000001:18446744073709551616",
        "mysql:binlog.000001:4 gtid=", "mysql:binlog.000001 gtid=0-1-1", "none ", "4"}) {
    Result<Position> p = Position::Parse(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_TRUE(p.status().IsInvalidArgument()) << text;
  }
  EXPECT_EQ(Position::Parse("mysql:binlog.000001").status().message(),
            "bad position \"mysql:binlog.000001\": expected mysql:<file>:<pos> [gtid=<set>], "
            "e.g. mysql:binlog.000003:4567");
  EXPECT_EQ(Position::Parse("kafka:1").status().message(),
            "bad position \"kafka:1\": expected pg:<X/Y> or mysql:<file>:<pos> [gtid=<set>]");
  EXPECT_EQ(Position::Parse("pg:1").status().message(),
            "bad LSN \"1\": expected X/Y with 1 to 8 hex digits on each side, e.g. 16/B374D848");
}

TEST(PositionTest, EncodeDecodeRoundTrip) {
  std::vector<Position> positions = SamplePositions();
  positions.push_back(Position::Mysql("bin\0ary\xff"s, 9, "\n\t"));
  positions.push_back(Position::Mysql("", 0, ""));
  positions.push_back(Position::Mysql(std::string(100000, 'f'), 1, std::string(70000, 'g')));
  for (const Position& p : positions) {
    Result<Position> decoded = Position::Decode(p.Encode());
    ASSERT_TRUE(decoded.ok()) << p.ToString() << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, p);
  }
}

// The encoding is stored on disk, so its layout is part of the contract.
TEST(PositionTest, EncodingLayoutIsStable) {
  EXPECT_EQ(Position::Postgres(0x16B374D848ull).Encode(),
            "\x01\x01\x00\x00\x00\x16\xB3\x74\xD8\x48"s);
  EXPECT_EQ(Position::Mysql("ab", 0x0102, "x").Encode(),
            "\x01\x02"
            "\x00\x00\x00\x02"
            "ab"
            "\x00\x00\x00\x00\x00\x00\x01\x02"
            "\x00\x00\x00\x01"
            "x"s);
  EXPECT_EQ(Position().Encode(), "\x01\x00"s);
}

TEST(PositionTest, DecodeRejectsEveryTruncation) {
  for (const Position& p : SamplePositions()) {
    std::string bytes = p.Encode();
    for (size_t len = 0; len < bytes.size(); ++len) {
      Result<Position> decoded = Position::Decode(std::string_view(bytes).substr(0, len));
      ASSERT_FALSE(decoded.ok()) << p.ToString() << " cut to " << len;
      EXPECT_TRUE(decoded.status().IsCorruption()) << decoded.status().ToString();
      EXPECT_NE(decoded.status().message().find("truncated"), std::string::npos)
          << decoded.status().message();
    }
  }
}

TEST(PositionTest, DecodeRejectsCorruptHeaders) {
  std::string pg = Position::Postgres(5).Encode();

  EXPECT_EQ(Position::Decode("").status().message(),
            "position encoding: truncated at version (offset 0)");
  EXPECT_EQ(Position::Decode("\x01"s).status().message(),
            "position encoding: truncated at kind (offset 1)");

  std::string bad_version = pg;
  bad_version[0] = 5;
  EXPECT_EQ(Position::Decode(bad_version).status().ToString(),
            "Corruption: position encoding: unknown version 5 (this agent reads versions 1 to 4)");
  bad_version[0] = 0;
  EXPECT_TRUE(Position::Decode(bad_version).status().IsCorruption());

  std::string bad_kind = pg;
  bad_kind[1] = 3;
  EXPECT_EQ(Position::Decode(bad_kind).status().message(),
            "position encoding: unknown kind 3 at offset 1");

  EXPECT_EQ(Position::Decode(pg + "x").status().message(),
            "position encoding: 1 unexpected trailing bytes at offset 10");
  EXPECT_TRUE(Position::Decode(Position().Encode() + "\0"s).status().IsCorruption());
}

TEST(PositionTest, DecodeRejectsLengthsPastTheEnd) {
  std::string bytes = Position::Mysql("binlog.000001", 4, "0-1-1").Encode();
  // File length claims far more bytes than exist.
  std::string huge = bytes;
  huge[2] = '\xff';
  Result<Position> decoded = Position::Decode(huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(), "position encoding: truncated at file (offset 6)");

  // GTID length one byte longer than the rest of the buffer.
  std::string longer = bytes;
  size_t gtid_len_at = 2 + 4 + 13 + 8;
  longer[gtid_len_at + 3] = 6;
  decoded = Position::Decode(longer);
  ASSERT_FALSE(decoded.ok());
  EXPECT_TRUE(decoded.status().IsCorruption());

  // GTID length one byte shorter leaves a trailing byte.
  std::string shorter = bytes;
  shorter[gtid_len_at + 3] = 4;
  decoded = Position::Decode(shorter);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().message(),
            "position encoding: 1 unexpected trailing bytes at offset 35");
}

TEST(PositionTest, InsideATransactionRoundTrips) {
  const Position pg = Position::Postgres(0x16B374D848ull).InTransaction(120, "16/B3750000");
  const Position my =
      Position::Mysql("binlog.000003", 4567, "0-1-100").InTransaction(7, "0-1-101");
  const Position no_gtid = Position::Mysql("binlog.000003", 4567, "").InTransaction(3, "");
  EXPECT_EQ(pg.ToString(), "pg:16/B374D848 txn=16/B3750000+120");
  EXPECT_EQ(my.ToString(), "mysql:binlog.000003:4567 gtid=0-1-100 txn=0-1-101+7");
  EXPECT_EQ(no_gtid.ToString(), "mysql:binlog.000003:4567 txn=+3");
  for (const Position& p : {pg, my, no_gtid}) {
    EXPECT_FALSE(p.at_boundary());
    Result<Position> parsed = Position::Parse(p.ToString());
    ASSERT_TRUE(parsed.ok()) << p.ToString() << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, p);
    Result<Position> decoded = Position::Decode(p.Encode());
    ASSERT_TRUE(decoded.ok()) << p.ToString() << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, p);
  }
  // 0 changes is the boundary itself, and forgets the id.
  EXPECT_EQ(Position::Postgres(5).InTransaction(0, "x"), Position::Postgres(5));
}

TEST(PositionTest, InsideATransactionLayoutIsStable) {
  EXPECT_EQ(Position::Postgres(0x10).InTransaction(3, "ab").Encode(),
            "\x02\x01"
            "\x00\x00\x00\x00\x00\x00\x00\x10"
            "\x00\x00\x00\x00\x00\x00\x00\x03"
            "\x00\x00\x00\x02"
            "ab"s);
  // A boundary is still written as version 1, which older agents read.
  EXPECT_EQ(Position::Postgres(0x10).Encode()[0], '\x01');
}

TEST(PositionTest, InsideATransactionRejectsBadForms) {
  for (const char* text : {"pg:1/2 txn=1/3", "pg:1/2 txn=1/3+", "pg:1/2 txn=1/3+0",
                           "pg:1/2 txn=1/3+-1", "pg:1/2 txn=1/3+x", "none txn=+1"}) {
    EXPECT_FALSE(Position::Parse(text).ok()) << text;
  }
  EXPECT_EQ(Position::Parse("pg:1/2 txn=1/3+0").status().message(),
            "bad position \"pg:1/2 txn=1/3+0\": expected txn=<transaction id>+<changes, at least "
            "1>, e.g. txn=16/B3750000+120");
  // Version 2 needs a position and a count of at least 1.
  std::string zero = Position::Postgres(1).InTransaction(1, "").Encode();
  zero[17] = 0;
  EXPECT_EQ(Position::Decode(zero).status().message(),
            "position encoding: version 2 with a transaction count of 0");
  EXPECT_EQ(Position::Decode("\x02\x00"s).status().message(),
            "position encoding: a transaction count without a position");
}

SnapshotProgress TwoTables() {
  SnapshotProgress snap;
  snap.tables = {{"public", "orders"}, {"sales", "lines"}};
  snap.after_columns = {"region", "id"};
  snap.after = {"eu", "1200"};
  snap.rows = 30000;
  snap.started_us = 1764806400123456;
  return snap;
}

TEST(PositionTest, SnapshotProgressRoundTrips) {
  Position boundary = Position::Postgres(0x16B374D848ull);
  boundary.snapshot = TwoTables();
  Position inside = Position::Mysql("binlog.000003", 4567, "0-1-100").InTransaction(7, "0-1-101");
  inside.snapshot = TwoTables();
  inside.snapshot->after.clear();
  for (const Position& p : {boundary, inside}) {
    Result<Position> decoded = Position::Decode(p.Encode());
    ASSERT_TRUE(decoded.ok()) << p.ToString() << ": " << decoded.status().ToString();
    EXPECT_EQ(*decoded, p);
    EXPECT_EQ(p.Encode()[0], '\x03');
  }
  EXPECT_EQ(boundary.ToString(), "pg:16/B374D848 snapshot=public.orders+30000, 1 more");
  EXPECT_EQ(inside.ToString(),
            "mysql:binlog.000003:4567 gtid=0-1-100 txn=0-1-101+7 snapshot=public.orders+30000, 1 "
            "more");
  // Progress differs: the positions differ (reconciliation compares them whole).
  Position other = boundary;
  other.snapshot->rows += 1;
  EXPECT_NE(other, boundary);
  // With the first table's topic marks: version 4.
  Position marked = boundary;
  marked.snapshot->topic_marks = std::map<int32_t, int64_t>{{0, 120}, {2, 7}};
  Result<Position> with_marks = Position::Decode(marked.Encode());
  ASSERT_TRUE(with_marks.ok()) << with_marks.status().ToString();
  EXPECT_EQ(*with_marks, marked);
  EXPECT_EQ(marked.Encode()[0], '\x04');
  marked.snapshot->topic_marks = std::map<int32_t, int64_t>{};  // an absent topic
  with_marks = Position::Decode(marked.Encode());
  ASSERT_TRUE(with_marks.ok()) << with_marks.status().ToString();
  EXPECT_EQ(*with_marks, marked);
  EXPECT_NE(marked, boundary) << "marks taken differ from none";
  // Without a snapshot the encoding stays version 1 or 2.
  boundary.snapshot.reset();
  EXPECT_EQ(boundary.Encode()[0], '\x01');
}

TEST(PositionTest, SnapshotProgressIsNotSetByHand) {
  Result<Position> parsed = Position::Parse("pg:16/B374D848 snapshot=public.orders+30000");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("is not set by hand"), std::string::npos)
      << parsed.status().message();
}

TEST(PositionTest, SnapshotProgressRejectsDamage) {
  Position p = Position::Postgres(0x10);
  p.snapshot = TwoTables();
  const std::string bytes = p.Encode();
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(Position::Decode(bytes.substr(0, n)).ok()) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(Position::Decode(bytes + "x").ok());
  // A table count far beyond the bytes is refused before anything is reserved.
  std::string huge = bytes;
  const size_t count_at = 1 + 1 + 8 + 8 + 4 + 8 + 8;
  huge[count_at] = '\x7f';
  Result<Position> decoded = Position::Decode(huge);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("snapshot table count"), std::string::npos)
      << decoded.status().message();
  // Marks out of order are damage (they are written ascending).
  Position marked = p;
  marked.snapshot->topic_marks = std::map<int32_t, int64_t>{{1, 5}, {3, 9}};
  std::string swapped = marked.Encode();
  const size_t marks_at = swapped.size() - 24;  // two marks of 12 bytes
  std::swap_ranges(swapped.begin() + marks_at, swapped.begin() + marks_at + 12,
                   swapped.begin() + marks_at + 12);
  decoded = Position::Decode(swapped);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find("out of order"), std::string::npos)
      << decoded.status().message();
  // A snapshot with no table left is not a snapshot.
  Position empty = Position::Postgres(0x10);
  empty.snapshot = SnapshotProgress{};
  EXPECT_FALSE(Position::Decode(empty.Encode()).ok());
}

TEST(PositionTest, DecodeNeverAcceptsRandomGarbageSilently) {
  // Every random buffer either fails with Corruption or re-encodes to itself:
  // the decoder never reads past the end or returns a value it could not write.
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? rng() : rng() % 3);
    Result<Position> decoded = Position::Decode(bytes);
    if (decoded.ok()) {
      EXPECT_EQ(decoded->Encode(), bytes);
    } else {
      EXPECT_TRUE(decoded.status().IsCorruption());
    }
  }
}

}  // namespace
}  // namespace cdc::offsets
