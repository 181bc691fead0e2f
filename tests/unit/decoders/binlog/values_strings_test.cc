// Character, binary, ENUM/SET, JSON and GEOMETRY columns, and every charset.
#include <gtest/gtest.h>

#include "decoders/binlog/charset.h"
#include "decoders/binlog/rows.h"
#include "tests/unit/decoders/binlog/rows_test_util.h"

namespace cdc::binlog {
namespace {

using testing::Col;
using testing::DecodeOne;
using testing::LE;

cdc::v1::Value Varchar(uint16_t collation, const std::string& bytes) {
  auto r = DecodeOne(Col(kTypeVarchar, 100, "v", collation), LE(bytes.size(), 1) + bytes);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : cdc::v1::Value();
}

std::string Text(uint16_t collation, const std::string& bytes) {
  auto v = Varchar(collation, bytes);
  EXPECT_EQ(v.kind_case(), cdc::v1::Value::kTextValue) << "collation " << collation;
  return v.text_value();
}

TEST(CharsetTest, EveryListedCharsetConvertsToUtf8) {
  EXPECT_EQ(Text(45, "\xC3\xBCn\xF0\x9F\x98\x80"), "\xC3\xBCn\xF0\x9F\x98\x80");  // utf8mb4
  EXPECT_EQ(Text(255, "\xE2\x82\xAC"), "\xE2\x82\xAC");  // utf8mb4_0900_ai_ci
  EXPECT_EQ(Text(309, "x"), "x");                          // utf8mb4_0900_bin
  EXPECT_EQ(Text(33, "\xC3\xA9"), "\xC3\xA9");            // utf8mb3_general_ci
  EXPECT_EQ(Text(192, "\xC3\xA9"), "\xC3\xA9");           // utf8mb3_unicode_ci
  EXPECT_EQ(Text(224, "\xC3\xA9"), "\xC3\xA9");           // utf8mb4_unicode_ci
  EXPECT_EQ(Text(1069, "\xC3\xA9"), "\xC3\xA9");          // MariaDB utf8mb4_general_nopad_ci
  EXPECT_EQ(Text(2304, "\xC3\xA9"), "\xC3\xA9");          // MariaDB utf8mb4_uca1400_ai_ci
  EXPECT_EQ(Text(8, "caf\xE9"), "caf\xC3\xA9");           // latin1_swedish_ci
  EXPECT_EQ(Text(8, "\x80\x81\x9F"), "\xE2\x82\xAC\xC2\x81\xC5\xB8");  // cp1252 high half
  EXPECT_EQ(Text(11, "plain"), "plain");                   // ascii
  EXPECT_EQ(Text(35, std::string("\x00" "A\x00\xE9", 4)), "A\xC3\xA9");  // ucs2 (big-endian)
  EXPECT_EQ(Text(54, std::string("\xD8\x3D\xDE\x00", 4)), "\xF0\x9F\x98\x80");          // utf16 surrogates
  EXPECT_EQ(Text(56, std::string("A\x00\x3D\xD8\x00\xDE", 6)), "A\xF0\x9F\x98\x80");  // utf16le
  EXPECT_EQ(Text(60, std::string("\x00\x01\xF6\x00", 4)), "\xF0\x9F\x98\x80");       // utf32
  EXPECT_EQ(Text(26, "\x8A"), "\xC5\xA0");        // cp1250: S caron
  EXPECT_EQ(Text(51, "\xC0"), "\xD0\x90");        // cp1251: Cyrillic A
  EXPECT_EQ(Text(28, "\xD6\xD0"), "\xE4\xB8\xAD");  // gbk
  EXPECT_EQ(Text(1, "\xA4\xA4"), "\xE4\xB8\xAD");   // big5
  EXPECT_EQ(Text(13, "\x93\xFA"), "\xE6\x97\xA5");  // sjis
  EXPECT_EQ(Text(19, "\xC7\xD1"), "\xED\x95\x9C");  // euckr
  EXPECT_EQ(Text(95, "\x93\xFA"), "\xE6\x97\xA5");  // cp932
  EXPECT_EQ(Text(248, "\x81\x30\x81\x30"), "\xC2\x80");  // gb18030
  EXPECT_EQ(Text(8, ""), "");
  EXPECT_EQ(Text(28, ""), "");
}

TEST(CharsetTest, AsciiRunsOfAnyLengthAroundOtherCharacters) {
  for (size_t run = 0; run <= 20; ++run) {
    const std::string a(run, 'q');
    EXPECT_EQ(Text(8, a + "\xE9" + a + "\x80" + a), a + "\xC3\xA9" + a + "\xE2\x82\xAC" + a);
    EXPECT_EQ(Text(45, a + "\xC3\xA9" + a + "\xF0\x9F\x98\x80" + a),
              a + "\xC3\xA9" + a + "\xF0\x9F\x98\x80" + a);
    EXPECT_EQ(Text(11, a), a);
    // Not the charset's: kept as the bytes.
    EXPECT_EQ(Varchar(33, a + "\xF0\x9F\x98\x80").bytes_value(), a + "\xF0\x9F\x98\x80");
    EXPECT_EQ(Varchar(45, a + "\xC3" + a).bytes_value(), a + "\xC3" + a);
    EXPECT_EQ(Varchar(11, a + "\xE9").bytes_value(), a + "\xE9");
  }
}

TEST(CharsetTest, CollationNames) {
  EXPECT_STREQ(CharsetOfCollation(63)->name, "binary");
  EXPECT_STREQ(CharsetOfCollation(99)->name, "cp1250");
  EXPECT_STREQ(CharsetOfCollation(255)->name, "utf8mb4");
  EXPECT_STREQ(CharsetOfCollation(323)->name, "utf8mb4");
  EXPECT_STREQ(CharsetOfCollation(83)->name, "utf8mb3");
  EXPECT_STREQ(CharsetOfCollation(47)->name, "latin1");
  EXPECT_STREQ(CharsetOfCollation(2048)->name, "utf8mb3");
  EXPECT_STREQ(CharsetOfCollation(1032)->name, "latin1");
  EXPECT_EQ(CharsetOfCollation(0), nullptr);
  EXPECT_EQ(CharsetOfCollation(17), nullptr);
  EXPECT_EQ(CharsetOfCollation(400), nullptr);
  EXPECT_EQ(CharsetOfCollation(9999), nullptr);
}

TEST(CharsetTest, BinaryUnknownAndInvalidStayBytes) {
  auto bin = Varchar(63, "\xDE\xAD\xBE\xEF");
  EXPECT_EQ(bin.bytes_value(), "\xDE\xAD\xBE\xEF");
  auto unknown = Varchar(9999, "abc");
  EXPECT_EQ(unknown.kind_case(), cdc::v1::Value::kBytesValue);
  EXPECT_EQ(unknown.bytes_value(), "abc");
  EXPECT_EQ(Varchar(0, "abc").kind_case(), cdc::v1::Value::kBytesValue);
  auto bad_utf8 = Varchar(45, "a\xC3");
  EXPECT_EQ(bad_utf8.bytes_value(), "a\xC3");
  EXPECT_EQ(Varchar(45, "\xED\xA0\x80").kind_case(), cdc::v1::Value::kBytesValue);  // surrogate
  EXPECT_EQ(Varchar(33, "\xF0\x9F\x98\x80").kind_case(), cdc::v1::Value::kBytesValue);
  EXPECT_EQ(Varchar(11, "\x80").kind_case(), cdc::v1::Value::kBytesValue);
  EXPECT_EQ(Varchar(19, "\xFF\xFF").kind_case(), cdc::v1::Value::kBytesValue);
}

TEST(StringColumnsTest, LengthPrefixes) {
  auto wide = Col(kTypeVarchar, 1200, "v", 45);
  auto v = DecodeOne(wide, LE(300, 2) + std::string(300, 'x'));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text_value(), std::string(300, 'x'));
  // CHAR(100) utf8mb4: 400 bytes, length bits folded into the type byte.
  auto chr = Col(kTypeString, (0xEE << 8) | 0x90, "c", 45);
  v = DecodeOne(chr, LE(3, 2) + "abc");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->text_value(), "abc");
  auto small = Col(kTypeString, (0xFE << 8) | 40, "c", 45);
  v = DecodeOne(small, LE(2, 1) + "ab");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text_value(), "ab");
  for (int bytes = 1; bytes <= 4; ++bytes) {
    auto blob = Col(kTypeBlob, static_cast<uint16_t>(bytes), "b", 63);
    v = DecodeOne(blob, LE(3, bytes) + std::string("\x00\xFF\x01", 3));
    ASSERT_TRUE(v.ok()) << bytes;
    EXPECT_EQ(v->bytes_value(), std::string("\x00\xFF\x01", 3));
  }
  v = DecodeOne(Col(kTypeBlob, 2, "t", 45), LE(70000 % 65536, 2) + std::string(70000 % 65536, 'm'));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->text_value().size(), 70000u % 65536);
  v = DecodeOne(Col(kTypeMediumBlob, 0, "m", 63), LE(70000, 3) + std::string(70000, '\xCD'));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->bytes_value(), std::string(70000, '\xCD'));
}

TEST(StringColumnsTest, BinaryIsPaddedToItsDeclaredLength) {
  // BINARY(4): the server writes x'AB000000' as one byte; its value is four.
  auto bin4 = Col(kTypeString, (kTypeString << 8) | 4, "bin", 63);
  auto v = DecodeOne(bin4, LE(1, 1) + "\xAB");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->bytes_value(), std::string("\xAB\x00\x00\x00", 4));
  v = DecodeOne(bin4, LE(0, 1));  // x'00000000'
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->bytes_value(), std::string(4, '\x00'));
  v = DecodeOne(bin4, LE(4, 1) + std::string("\x00\x01\x02\x03", 4));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->bytes_value(), std::string("\x00\x01\x02\x03", 4));
  // BINARY(255), the widest: one length byte.
  v = DecodeOne(Col(kTypeString, (kTypeString << 8) | 255, "wide", 63), LE(2, 1) + "ab");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->bytes_value(), "ab" + std::string(253, '\x00'));
  // Not padded: CHAR with a text charset (trailing spaces stay stripped, as the
  // server returns them), VARBINARY, a CHAR whose charset is unknown.
  v = DecodeOne(Col(kTypeString, (kTypeString << 8) | 4, "c", 45), LE(1, 1) + "a");
  EXPECT_EQ(v->text_value(), "a");
  v = DecodeOne(Col(kTypeVarchar, 4, "vb", 63), LE(1, 1) + "\xAB");
  EXPECT_EQ(v->bytes_value(), "\xAB");
  v = DecodeOne(Col(kTypeString, (kTypeString << 8) | 4, "unknown", 0), LE(1, 1) + "\xAB");
  EXPECT_EQ(v->bytes_value(), "\xAB");
  // A truncated value is still an error, not a padded one.
  EXPECT_EQ(DecodeOne(bin4, LE(3, 1) + "\xAB").status().message(),
            "column `bin` (type 254): truncated CHAR value at offset 0");
}

TEST(StringColumnsTest, EnumLabelsAndIndexes) {
  auto e = Col(kTypeEnum, (kTypeEnum << 8) | 1, "e", 45);
  e.enum_values = {"red", "green", "blue"};
  EXPECT_EQ(DecodeOne(e, LE(3, 1))->enum_value(), "blue");
  auto empty = DecodeOne(e, LE(0, 1));
  EXPECT_EQ(empty->kind_case(), cdc::v1::Value::kEnumValue);
  EXPECT_EQ(empty->enum_value(), "");
  EXPECT_EQ(DecodeOne(e, LE(4, 1))->uint_value(), 4u);  // no such label
  auto as_string = Col(kTypeString, (kTypeEnum << 8) | 2, "e2");
  EXPECT_EQ(DecodeOne(as_string, LE(300, 2))->uint_value(), 300u);
  EXPECT_NE(DecodeOne(Col(kTypeEnum, (kTypeEnum << 8) | 3), "abc").status().message().find(
                "ENUM pack length 3"),
            std::string::npos);
}

TEST(StringColumnsTest, SetLabelsAndMasks) {
  auto s = Col(kTypeSet, (kTypeSet << 8) | 1, "st", 45);
  s.set_values = {"a", "b", "c", "d"};
  auto v = DecodeOne(s, LE(0x0D, 1));
  ASSERT_TRUE(v->has_set_value());
  ASSERT_EQ(v->set_value().labels_size(), 3);
  EXPECT_EQ(v->set_value().labels(0), "a");
  EXPECT_EQ(v->set_value().labels(1), "c");
  EXPECT_EQ(v->set_value().labels(2), "d");
  EXPECT_EQ(DecodeOne(s, LE(0, 1))->set_value().labels_size(), 0);
  EXPECT_TRUE(DecodeOne(s, LE(0, 1))->has_set_value());
  EXPECT_EQ(DecodeOne(s, LE(0x10, 1))->uint_value(), 16u);  // bit beyond the labels
  auto wide = Col(kTypeString, (kTypeSet << 8) | 8, "s64");
  EXPECT_EQ(DecodeOne(wide, LE(UINT64_MAX, 8))->uint_value(), UINT64_MAX);
}

TEST(StringColumnsTest, MariaJsonGeometryAndVector) {
  auto j = Col(kTypeBlob, 4, "j", 46);
  j.is_json = true;
  EXPECT_EQ(DecodeOne(j, LE(7, 4) + "{\"a\":1}")->json_value(), "{\"a\":1}");
  auto g = DecodeOne(Col(kTypeGeometry, 4, "g"), LE(25, 4) + LE(4326, 4) + std::string("\x01\x01\x00\x00\x00", 5) +
                                                     std::string(16, '\x00'));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->geometry_value().srid(), 4326u);
  EXPECT_EQ(g->geometry_value().wkb().size(), 21u);
  EXPECT_EQ(g->geometry_value().wkb()[0], '\x01');
  EXPECT_EQ(DecodeOne(Col(kTypeGeometry, 4, "g"), LE(2, 4) + "ab").status().message(),
            "column `g` (type 255): GEOMETRY shorter than its SRID at offset 0");
  auto vec = DecodeOne(Col(kTypeVector, 4, "vec"), LE(4, 4) + std::string("\x00\x00\x80\x3F", 4));
  EXPECT_EQ(vec->bytes_value(), std::string("\x00\x00\x80\x3F", 4));
  EXPECT_EQ(DecodeOne(Col(kTypeJson, 4, "mj"), LE(0, 4))->json_value(), "null");
  EXPECT_EQ(DecodeOne(Col(kTypeJson, 4, "mj"), LE(2, 4) + std::string("\x04\x01", 2))->json_value(),
            "true");
  EXPECT_EQ(DecodeOne(Col(kTypeJson, 4, "mj"), LE(2, 4) + std::string("\x04\x07", 2)).status().message(),
            "column `mj` (type 245): binary JSON: unknown literal 7 at offset 1 at offset 0");
}

}  // namespace
}  // namespace cdc::binlog
