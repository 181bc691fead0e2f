// MySQL binary JSON printed as MySQL prints it.
#include <gtest/gtest.h>

#include "decoders/binlog/rows.h"
#include "tests/unit/decoders/binlog/json_test_util.h"

namespace cdc::binlog {
namespace {

using namespace testing;  // NOLINT: the JSON builders

std::string Text(const Enc& e) {
  auto r = BinaryJsonToText(JDoc(e));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "<error>";
}

std::string Error(const std::string& doc) {
  auto r = BinaryJsonToText(doc);
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

int64_t PackedDatetime(int y, int mo, int d, int h, int mi, int s, int micros) {
  int64_t ymd = ((static_cast<int64_t>(y) * 13 + mo) << 5) | d;
  int64_t hms = (h << 12) | (mi << 6) | s;
  return (((ymd << 17) | hms) << 24) + micros;
}

TEST(JsonBinaryTest, Literals) {
  EXPECT_EQ(Text(JNull()), "null");
  EXPECT_EQ(Text(JBool(true)), "true");
  EXPECT_EQ(Text(JBool(false)), "false");
}

TEST(JsonBinaryTest, IntegersOfEveryWidth) {
  EXPECT_EQ(Text(JInt16(-32768)), "-32768");
  EXPECT_EQ(Text(JUint16(65535)), "65535");
  EXPECT_EQ(Text(JInt32(INT32_MIN)), "-2147483648");
  EXPECT_EQ(Text(JUint32(UINT32_MAX)), "4294967295");
  EXPECT_EQ(Text(JInt64(INT64_MIN)), "-9223372036854775808");
  EXPECT_EQ(Text(JUint64(UINT64_MAX)), "18446744073709551615");
}

TEST(JsonBinaryTest, DoublesShortestExact) {
  EXPECT_EQ(Text(JDouble(2.5)), "2.5");
  EXPECT_EQ(Text(JDouble(0.1)), "0.1");
  EXPECT_EQ(Text(JDouble(1.0)), "1.0");
  EXPECT_EQ(Text(JDouble(0.0)), "0.0");
  EXPECT_EQ(Text(JDouble(-3.0)), "-3.0");
  EXPECT_EQ(Text(JDouble(1e300)), "1e300");
  EXPECT_EQ(Text(JDouble(-1.5e-300)), "-1.5e-300");
  EXPECT_EQ(Text(JDouble(1e15)), "1e15");
  EXPECT_EQ(Text(JDouble(1e14)), "100000000000000.0");
  EXPECT_EQ(Text(JDouble(123456789012345678.0)), "1.2345678901234568e17");
  EXPECT_EQ(Text(JDouble(0.00001)), "0.00001");
  EXPECT_EQ(Text(JDouble(1e-16)), "1e-16");
  EXPECT_EQ(Text(JDouble(0.30000000000000004)), "0.30000000000000004");
  EXPECT_EQ(Text(JDouble(1.7976931348623157e308)), "1.7976931348623157e308");
}

TEST(JsonBinaryTest, StringsAreEscaped) {
  EXPECT_EQ(Text(JString("a\"b\\c\n\t\r\b\f/")), "\"a\\\"b\\\\c\\n\\t\\r\\b\\f/\"");
  EXPECT_EQ(Text(JString(std::string("\x01\x1f\x00", 3))), "\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(Text(JString("\xC3\xBC\xF0\x9F\x98\x80")), "\"\xC3\xBC\xF0\x9F\x98\x80\"");
  EXPECT_EQ(Text(JString("")), "\"\"");
  std::string long_text(300, 'q');  // two-byte length
  EXPECT_EQ(Text(JString(long_text)), "\"" + long_text + "\"");
}

TEST(JsonBinaryTest, NestedSmallContainers) {
  Enc doc = JObject({{"k", JArray({JInt16(1), JDouble(2.5), JString("s"), JNull(), JBool(true)})},
                     {"n", JObject({{"x", JInt16(-1)}})}});
  EXPECT_EQ(Text(doc), "{\"k\": [1, 2.5, \"s\", null, true], \"n\": {\"x\": -1}}");
  EXPECT_EQ(Text(JObject({})), "{}");
  EXPECT_EQ(Text(JArray({})), "[]");
  EXPECT_EQ(Text(JArray({JArray({JArray({})})})), "[[[]]]");
  EXPECT_EQ(Text(JObject({{"a\"q", JUint32(7)}})), "{\"a\\\"q\": 7}");
}

TEST(JsonBinaryTest, LargeContainers) {
  std::string big(70000, 'm');
  Enc doc = JObject({{"a", JInt32(-5)}, {"b", JString(big)}, {"c", JUint32(9)}}, true);
  EXPECT_EQ(Text(doc), "{\"a\": -5, \"b\": \"" + big + "\", \"c\": 9}");
  std::vector<Enc> many;
  std::string expected = "[";
  for (int i = 0; i < 5000; ++i) {
    many.push_back(JInt64(i * 1000003LL));
    expected += (i ? ", " : "") + std::to_string(i * 1000003LL);
  }
  EXPECT_EQ(Text(JArray(many, true)), expected + "]");
  EXPECT_EQ(Text(JArray({JInt32(-7), JNull()}, true)), "[-7, null]");
}

TEST(JsonBinaryTest, OpaqueValuesAsMysqlPrintsThem) {
  auto packed = [](int64_t v) { return LE(static_cast<uint64_t>(v), 8); };
  EXPECT_EQ(Text(JObject({{"d", JOpaque(246, std::string("\x06\x03", 2) +
                                                EncodeDecimal("123.456", 6, 3))}})),
            "{\"d\": 123.456}");
  EXPECT_EQ(Text(JOpaque(246, std::string("\x03\x02", 2) + EncodeDecimal("-9.00", 3, 2))), "-9.00");
  EXPECT_EQ(Text(JOpaque(10, packed(PackedDatetime(2012, 3, 18, 0, 0, 0, 0)))), "\"2012-03-18\"");
  EXPECT_EQ(Text(JOpaque(12, packed(PackedDatetime(2012, 3, 18, 11, 30, 45, 0)))),
            "\"2012-03-18 11:30:45.000000\"");
  EXPECT_EQ(Text(JOpaque(7, packed(PackedDatetime(2038, 1, 19, 3, 14, 7, 999900)))),
            "\"2038-01-19 03:14:07.999900\"");
  int64_t time = ((87LL << 12 | 31 << 6 | 46) << 24) + 654321;
  EXPECT_EQ(Text(JOpaque(11, packed(time))), "\"87:31:46.654321\"");
  EXPECT_EQ(Text(JOpaque(11, packed(-time))), "\"-87:31:46.654321\"");
  EXPECT_EQ(Text(JOpaque(15, "U")), "\"base64:type15:VQ==\"");
  EXPECT_EQ(Text(JOpaque(252, "abcd")), "\"base64:type252:YWJjZA==\"");
  EXPECT_EQ(Text(JOpaque(13, "")), "\"base64:type13:\"");
}

TEST(JsonBinaryTest, MalformedDocuments) {
  EXPECT_EQ(Error(""), "binary JSON: empty document at offset 0");
  EXPECT_EQ(Error(std::string("\x0d\x00", 2)), "binary JSON: unknown value type 13 at offset 1");
  EXPECT_EQ(Error(std::string("\x05\x01", 2)), "binary JSON: truncated scalar at offset 1");
  EXPECT_EQ(Error(std::string("\x0c\x05" "ab", 4)),
            "binary JSON: string longer than its container at offset 1");
  std::string obj = JDoc(JObject({{"a", JString("xyz")}}));
  EXPECT_EQ(Error(obj.substr(0, obj.size() - 2)),
            "binary JSON: container size out of bounds at offset 1");
  std::string bad_offset = obj;
  bad_offset[10] = '\x7f';  // the value entry's offset
  EXPECT_EQ(Error(bad_offset), "binary JSON: value offset out of bounds at offset 9");
  std::string bad_key = obj;
  bad_key[5] = '\x7f';  // the key entry's offset
  EXPECT_EQ(Error(bad_key), "binary JSON: object key out of bounds at offset 5");
  std::string count = obj;
  count[1] = '\x60';
  EXPECT_EQ(Error(count), "binary JSON: too many entries for the container at offset 1");
  Enc deep = JNull();
  for (int i = 0; i < 200; ++i) deep = JArray({deep});
  EXPECT_NE(Error(JDoc(deep)).find("nesting deeper than 150"), std::string::npos);
}

}  // namespace
}  // namespace cdc::binlog
