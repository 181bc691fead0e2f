// DecodeMessage on hand-built messages: each layout, then one test per
// malformation with the exact error.
#include "decoders/pgoutput/decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc::pgoutput {
namespace {

// Builds a message byte by byte, integers big-endian.
class Bytes {
 public:
  explicit Bytes(char tag) { s_.push_back(tag); }
  Bytes& U8(uint8_t v) {
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  Bytes& Be(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) s_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  Bytes& U16(uint16_t v) { return Be(v, 2); }
  Bytes& U32(uint32_t v) { return Be(v, 4); }
  Bytes& U64(uint64_t v) { return Be(v, 8); }
  Bytes& Str(std::string_view v) {
    s_.append(v);
    s_.push_back('\0');
    return *this;
  }
  Bytes& Raw(std::string_view v) {
    s_.append(v);
    return *this;
  }
  Bytes& Text(std::string_view v) { return U8('t').U32(static_cast<uint32_t>(v.size())).Raw(v); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

template <typename T>
T DecodeAs(const std::string& bytes) {
  Result<Message> m = DecodeMessage(bytes);
  EXPECT_TRUE(m.ok()) << m.status().ToString();
  if (!m.ok() || !std::holds_alternative<T>(*m)) {
    ADD_FAILURE() << "wrong message type";
    return T{};
  }
  return std::get<T>(*m);
}

std::string ErrorOf(const std::string& bytes) {
  Result<Message> m = DecodeMessage(bytes);
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "OK";
  EXPECT_TRUE(m.status().IsCorruption());
  return m.status().ToString();
}

constexpr int64_t kTs2024 = 757382400000000;  // 2024-01-01 in PostgreSQL micros

TEST(DecoderTest, BeginConvertsTheCommitTimeToUnixMicros) {
  Begin b = DecodeAs<Begin>(Bytes('B').U64(0x16B3748).U64(kTs2024).U32(734).str());
  EXPECT_EQ(b.final_lsn, 0x16B3748u);
  EXPECT_EQ(b.commit_time_us, 1704067200000000);  // 2024-01-01T00:00:00Z
  EXPECT_EQ(b.xid, 734u);
}

TEST(DecoderTest, Commit) {
  Commit c = DecodeAs<Commit>(Bytes('C').U8(0).U64(10).U64(20).U64(0).str());
  EXPECT_EQ(c.flags, 0);
  EXPECT_EQ(c.commit_lsn, 10u);
  EXPECT_EQ(c.end_lsn, 20u);
  EXPECT_EQ(c.commit_time_us, kPostgresEpochOffsetUs);
}

TEST(DecoderTest, OriginAndType) {
  // Decoded strings point into the input: keep it alive.
  const std::string origin = Bytes('O').U64(0xAB12CD34).Str("upstream").str();
  Origin o = DecodeAs<Origin>(origin);
  EXPECT_EQ(o.commit_lsn, 0xAB12CD34u);
  EXPECT_EQ(o.name, "upstream");
  const std::string type = Bytes('Y').U32(16385).Str("public").Str("mood").str();
  Type t = DecodeAs<Type>(type);
  EXPECT_EQ(t.oid, 16385u);
  EXPECT_EQ(t.schema, "public");
  EXPECT_EQ(t.name, "mood");
}

TEST(DecoderTest, RelationColumnsAndKeys) {
  std::string bytes = Bytes('R').U32(16390).Str("s").Str("t").U8('i').U16(2)
                          .U8(1).Str("id").U32(23).U32(0xffffffff)
                          .U8(0).Str("name").U32(1043).U32(24).str();
  Relation r = DecodeAs<Relation>(bytes);
  EXPECT_EQ(r.oid, 16390u);
  EXPECT_EQ(r.schema, "s");
  EXPECT_EQ(r.name, "t");
  EXPECT_EQ(r.replica_identity, 'i');
  ASSERT_EQ(r.columns.size(), 2u);
  EXPECT_TRUE(r.columns[0].key);
  EXPECT_EQ(r.columns[0].name, "id");
  EXPECT_EQ(r.columns[0].type_oid, 23u);
  EXPECT_EQ(r.columns[0].type_modifier, -1);
  EXPECT_FALSE(r.columns[1].key);
  EXPECT_EQ(r.columns[1].type_modifier, 24);
}

TEST(DecoderTest, InsertWithEveryDatumKind) {
  std::string bytes = Bytes('I').U32(7).U8('N').U16(4).Text("42").U8('n').U8('u')
                          .U8('b').U32(2).Raw(std::string("\0\1", 2)).str();
  Insert i = DecodeAs<Insert>(bytes);
  EXPECT_EQ(i.relation_oid, 7u);
  ASSERT_EQ(i.new_tuple.columns.size(), 4u);
  EXPECT_EQ(i.new_tuple.columns[0].kind, DatumKind::kText);
  EXPECT_EQ(i.new_tuple.columns[0].bytes, "42");
  EXPECT_EQ(i.new_tuple.columns[1].kind, DatumKind::kNull);
  EXPECT_EQ(i.new_tuple.columns[2].kind, DatumKind::kUnchanged);
  EXPECT_EQ(i.new_tuple.columns[3].kind, DatumKind::kBinary);
  EXPECT_EQ(i.new_tuple.columns[3].bytes, std::string("\0\1", 2));
}

TEST(DecoderTest, UpdateWithAndWithoutOldTuple) {
  Update plain = DecodeAs<Update>(Bytes('U').U32(7).U8('N').U16(1).Text("a").str());
  EXPECT_EQ(plain.old_kind, '\0');
  EXPECT_TRUE(plain.old_tuple.columns.empty());
  ASSERT_EQ(plain.new_tuple.columns.size(), 1u);
  const std::string bytes =
      Bytes('U').U32(7).U8('O').U16(1).Text("a").U8('N').U16(1).Text("b").str();
  Update full = DecodeAs<Update>(bytes);
  EXPECT_EQ(full.old_kind, 'O');
  ASSERT_EQ(full.old_tuple.columns.size(), 1u);
  EXPECT_EQ(full.old_tuple.columns[0].bytes, "a");
  EXPECT_EQ(full.new_tuple.columns[0].bytes, "b");
}

TEST(DecoderTest, DeleteTruncateAndMessage) {
  const std::string del = Bytes('D').U32(9).U8('K').U16(1).Text("1").str();
  Delete d = DecodeAs<Delete>(del);
  EXPECT_EQ(d.old_kind, 'K');
  EXPECT_EQ(d.old_tuple.columns[0].bytes, "1");
  Truncate t = DecodeAs<Truncate>(Bytes('T').U32(2).U8(3).U32(5).U32(6).str());
  EXPECT_EQ(t.options, Truncate::kCascade | Truncate::kRestartIdentity);
  EXPECT_EQ(t.relation_oids, (std::vector<uint32_t>{5, 6}));
  const std::string message = Bytes('M').U8(1).U64(99).Str("p").U32(3).Raw("abc").str();
  LogicalMessage m = DecodeAs<LogicalMessage>(message);
  EXPECT_TRUE(m.transactional);
  EXPECT_EQ(m.lsn, 99u);
  EXPECT_EQ(m.prefix, "p");
  EXPECT_EQ(m.content, "abc");
}

TEST(DecoderTest, EmptyInput) {
  EXPECT_EQ(ErrorOf(""), "Corruption: pgoutput: empty message at offset 0");
}

TEST(DecoderTest, UnknownTag) {
  EXPECT_EQ(ErrorOf(Bytes('X').U32(1).str()),
            "Corruption: pgoutput: unknown message tag 'X' (0x58) at offset 0");
  EXPECT_EQ(ErrorOf(Bytes('\x01').str()),
            "Corruption: pgoutput: unknown message tag 0x01 at offset 0");
}

TEST(DecoderTest, TruncatedColumnName) {
  std::string bytes = Bytes('R').U32(1).Str("s").Str("t").U8('d').U16(1).U8(1).Raw("id").str();
  EXPECT_EQ(ErrorOf(bytes), "Corruption: pgoutput Relation: truncated column name at offset 13");
}

TEST(DecoderTest, TrailingBytes) {
  std::string bytes = Bytes('B').U64(1).U64(2).U32(3).Raw("xy").str();
  EXPECT_EQ(ErrorOf(bytes), "Corruption: pgoutput Begin: 2 trailing bytes at offset 21");
}

TEST(DecoderTest, NegativeDatumLength) {
  std::string bytes = Bytes('I').U32(7).U8('N').U16(2).Text("1").U8('t').U32(0xfffffffb).str();
  EXPECT_EQ(ErrorOf(bytes),
            "Corruption: pgoutput Insert: negative length -5 of new tuple column 1 at offset 15");
}

TEST(DecoderTest, DatumLongerThanTheMessage) {
  std::string bytes = Bytes('I').U32(7).U8('N').U16(1).U8('t').U32(100).Raw("abc").str();
  EXPECT_EQ(ErrorOf(bytes),
            "Corruption: pgoutput Insert: truncated new tuple column 0 value at offset 13");
}

TEST(DecoderTest, NegativeCounts) {
  EXPECT_EQ(ErrorOf(Bytes('R').U32(1).Str("s").Str("t").U8('d').U16(0xffff).str()),
            "Corruption: pgoutput Relation: negative column count -1 at offset 10");
  EXPECT_EQ(ErrorOf(Bytes('I').U32(1).U8('N').U16(0x8000).str()),
            "Corruption: pgoutput Insert: negative new tuple column count -32768 at offset 6");
  EXPECT_EQ(ErrorOf(Bytes('M').U8(0).U64(1).Str("p").U32(0x80000000).str()),
            "Corruption: pgoutput Message: negative content length -2147483648 at offset 12");
}

TEST(DecoderTest, ColumnCountMismatch) {
  // Says three columns, carries two.
  std::string short_tuple = Bytes('I').U32(7).U8('N').U16(3).Text("1").Text("2").str();
  EXPECT_EQ(ErrorOf(short_tuple),
            "Corruption: pgoutput Insert: truncated new tuple column 2 kind at offset 20");
  // Says one column, carries two.
  std::string long_tuple = Bytes('I').U32(7).U8('N').U16(1).Text("1").Text("2").str();
  EXPECT_EQ(ErrorOf(long_tuple), "Corruption: pgoutput Insert: 6 trailing bytes at offset 14");
  // Relation with fewer columns than its count.
  std::string relation = Bytes('R').U32(1).Str("s").Str("t").U8('d').U16(2)
                             .U8(0).Str("a").U32(23).U32(0xffffffff).str();
  EXPECT_EQ(ErrorOf(relation),
            "Corruption: pgoutput Relation: truncated column flags at offset 23");
}

TEST(DecoderTest, BadTupleKinds) {
  EXPECT_EQ(ErrorOf(Bytes('U').U32(7).U8('X').U16(0).str()),
            "Corruption: pgoutput Update: bad tuple kind 'X' (0x58) at offset 5");
  EXPECT_EQ(ErrorOf(Bytes('U').U32(7).U8('K').U16(0).U8('K').U16(0).str()),
            "Corruption: pgoutput Update: bad tuple kind 'K' (0x4b), expected 'N' at offset 8");
  EXPECT_EQ(ErrorOf(Bytes('D').U32(7).U8('N').U16(0).str()),
            "Corruption: pgoutput Delete: bad tuple kind 'N' (0x4e) at offset 5");
  EXPECT_EQ(ErrorOf(Bytes('I').U32(7).U8('O').U16(0).str()),
            "Corruption: pgoutput Insert: bad tuple kind 'O' (0x4f), expected 'N' at offset 5");
}

TEST(DecoderTest, BadDatumKindReplicaIdentityAndFlags) {
  EXPECT_EQ(ErrorOf(Bytes('I').U32(7).U8('N').U16(1).U8('x').str()),
            "Corruption: pgoutput Insert: bad datum kind 'x' (0x78) of new tuple column 0 at "
            "offset 8");
  EXPECT_EQ(ErrorOf(Bytes('R').U32(1).Str("s").Str("t").U8('z').U16(0).str()),
            "Corruption: pgoutput Relation: bad replica identity 'z' (0x7a) at offset 9");
  EXPECT_EQ(ErrorOf(Bytes('M').U8(2).U64(1).Str("p").U32(0).str()),
            "Corruption: pgoutput Message: bad flags 0x02 at offset 1");
}

TEST(DecoderTest, TruncateCountLargerThanTheMessage) {
  std::string bytes = Bytes('T').U32(0xffffffff).U8(0).U32(5).str();
  EXPECT_EQ(ErrorOf(bytes), "Corruption: pgoutput Truncate: truncated relation oid 1 at offset 10");
}

TEST(DecoderTest, CommitTimestampOutOfRange) {
  std::string bytes = Bytes('B').U64(1).U64(0x7fffffffffffffff).U32(3).str();
  EXPECT_EQ(ErrorOf(bytes), "Corruption: pgoutput Begin: commit timestamp out of range at offset 9");
}

TEST(DecoderTest, MissingCStringTerminator) {
  EXPECT_EQ(ErrorOf(Bytes('O').U64(1).Raw("name").str()),
            "Corruption: pgoutput Origin: truncated origin name at offset 9");
}

}  // namespace
}  // namespace cdc::pgoutput
