// TextToValue for arrays: quoting, escapes, NULL, nesting, bounds, and arrays
// of enums and domains.
#include <gtest/gtest.h>

#include <string>

#include "decoders/pgoutput/types.h"
#include "tests/unit/decoders/pgoutput/types_test_util.h"

namespace cdc::pgoutput {
namespace {

using namespace testing;  // NOLINT: the OID constants and helpers

constexpr uint32_t kMood = 16400, kMoodArray = 16399, kPosint = 16401, kPosintArray = 16402;

TypeRegistry UserTypes() {
  TypeRegistry registry;
  registry.Add(PgType{kMood, "mood", PgType::Kind::kEnum});
  registry.Add(PgType{kMoodArray, "_mood", PgType::Kind::kArray, kMood});
  registry.Add(PgType{kPosint, "posint", PgType::Kind::kDomain, 0, kInt4});
  registry.Add(PgType{kPosintArray, "_posint", PgType::Kind::kArray, kPosint});
  return registry;
}

TEST(ArrayTest, IntegersWithNull) {
  cdc::v1::Array a = Convert(kInt4Array, "{1,NULL,-3}").array_value();
  ASSERT_EQ(a.elements_size(), 3);
  EXPECT_EQ(a.elements(0).int_value(), 1);
  EXPECT_TRUE(a.elements(1).null());
  EXPECT_EQ(a.elements(2).int_value(), -3);
}

TEST(ArrayTest, QuotedTextWithEscapes) {
  cdc::v1::Array a =
      Convert(kTextArray, R"({"a b",NULL,"q\"u,o\\te","NULL","","x{y}",null,plain})")
          .array_value();
  ASSERT_EQ(a.elements_size(), 8);
  EXPECT_EQ(a.elements(0).text_value(), "a b");
  EXPECT_TRUE(a.elements(1).null());
  EXPECT_EQ(a.elements(2).text_value(), "q\"u,o\\te");
  EXPECT_EQ(a.elements(3).text_value(), "NULL");  // quoted: the string, not a null
  EXPECT_EQ(a.elements(4).text_value(), "");
  EXPECT_EQ(a.elements(5).text_value(), "x{y}");
  EXPECT_TRUE(a.elements(6).null());
  EXPECT_EQ(a.elements(7).text_value(), "plain");
}

TEST(ArrayTest, UnquotedEscapesAndSpaces) {
  cdc::v1::Array a = Convert(kTextArray, R"({ a\,b , N\ULL ,c\ })").array_value();
  ASSERT_EQ(a.elements_size(), 3);
  EXPECT_EQ(a.elements(0).text_value(), "a,b");
  EXPECT_EQ(a.elements(1).text_value(), "NULL");  // escaped: not a null
  EXPECT_EQ(a.elements(2).text_value(), "c ");
}

TEST(ArrayTest, EmptyAndMultiDimensional) {
  cdc::v1::Value empty = Convert(kInt4Array, "{}");
  ASSERT_TRUE(empty.has_array_value());
  EXPECT_EQ(empty.array_value().elements_size(), 0);
  cdc::v1::Array two = Convert(kInt4Array, "{{1,2},{3,NULL}}").array_value();
  ASSERT_EQ(two.elements_size(), 2);
  ASSERT_EQ(two.elements(1).array_value().elements_size(), 2);
  EXPECT_EQ(two.elements(0).array_value().elements(1).int_value(), 2);
  EXPECT_EQ(two.elements(1).array_value().elements(0).int_value(), 3);
  EXPECT_TRUE(two.elements(1).array_value().elements(1).null());
  cdc::v1::Array three = Convert(kInt4Array, "{{{1}},{{2}}}").array_value();
  EXPECT_EQ(three.elements(1).array_value().elements(0).array_value().elements(0).int_value(), 2);
}

TEST(ArrayTest, LowerBoundDecorationIsDropped) {
  cdc::v1::Array a = Convert(kInt4Array, "[0:1]={1,2}").array_value();
  ASSERT_EQ(a.elements_size(), 2);
  EXPECT_EQ(a.elements(1).int_value(), 2);
  cdc::v1::Array b = Convert(kInt4Array, "[-2:-1][1:1]={{5},{6}}").array_value();
  EXPECT_EQ(b.elements(0).array_value().elements(0).int_value(), 5);
}

TEST(ArrayTest, ElementsAreConvertedAsTheirType) {
  cdc::v1::Array n = Convert(kNumericArray, "{1.5,NaN,-Infinity}").array_value();
  EXPECT_EQ(n.elements(0).decimal_value(), "1.5");
  EXPECT_EQ(n.elements(1).decimal_value(), "NaN");
  EXPECT_EQ(n.elements(2).decimal_value(), "-Infinity");
  cdc::v1::Array ts =
      Convert(kTimestamptz + 1, R"({"2024-01-01 00:00:00+00",infinity})").array_value();
  EXPECT_EQ(ts.elements(0).timestamp_value().epoch_micros(), 1704067200000000);
  EXPECT_EQ(ts.elements(1).timestamp_value().infinity(), cdc::v1::INFINITY_POSITIVE);
}

TEST(ArrayTest, BoxArraysUseTheSemicolonDelimiter) {
  cdc::v1::Array a = Convert(kBoxArray, "{(1,1),(0,0);(3,3),(2,2)}").array_value();
  ASSERT_EQ(a.elements_size(), 2);
  EXPECT_EQ(a.elements(0).raw_value().text(), "(1,1),(0,0)");
  EXPECT_EQ(a.elements(1).raw_value().text(), "(3,3),(2,2)");
}

TEST(ArrayTest, EnumAndDomainArrays) {
  TypeRegistry registry = UserTypes();
  cdc::v1::Array moods = Convert(registry, kMoodArray, "{sad,happy,NULL}").array_value();
  ASSERT_EQ(moods.elements_size(), 3);
  EXPECT_EQ(moods.elements(0).enum_value(), "sad");
  EXPECT_EQ(moods.elements(1).enum_value(), "happy");
  EXPECT_TRUE(moods.elements(2).null());
  cdc::v1::Array ints = Convert(registry, kPosintArray, "{{1,2},{3,4}}").array_value();
  EXPECT_EQ(ints.elements(1).array_value().elements(1).int_value(), 4);
  EXPECT_EQ(ErrorOf(registry, kPosintArray, "{1,x}"),
            "Corruption: pgoutput: malformed int4 value \"x\"");
}

TEST(ArrayTest, UnknownElementTypeGivesRawElements) {
  TypeRegistry registry;
  registry.Add(PgType{17000, "_thing", PgType::Kind::kArray, 17001});
  cdc::v1::Array a = Convert(registry, 17000, R"a({"(1,\"x\")",NULL})a").array_value();
  ASSERT_EQ(a.elements_size(), 2);
  EXPECT_EQ(a.elements(0).raw_value().text(), "(1,\"x\")");
  EXPECT_TRUE(a.elements(1).null());
}

// The text as error messages show it: quotes and backslashes escaped.
std::string Escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

TEST(ArrayTest, Malformed) {
  struct Case {
    const char* text;
    const char* why;
  };
  const Case cases[] = {
      {"", "expected '{'"},
      {"1,2", "expected '{'"},
      {"{1,2", "expected a delimiter or '}'"},
      {"{1,2}x", "text after the closing '}'"},
      {"{1,,2}", "empty unquoted element"},
      {"{\"a}", "unterminated quoted element"},
      {"{\"a\"b}", "expected a delimiter or '}'"},
      {"{a\"b}", "unexpected character in an unquoted element"},
      {"{1,{2}}", "mixed elements and sub-arrays"},
      {"{{1},2}", "mixed elements and sub-arrays"},
      {"{{{{{{{1}}}}}}}", "more than 6 dimensions"},
      {"[0:1={1}", "bad dimensions"},
      {"[a:1]={1}", "bad dimensions"},
      {"{1\\", "backslash at the end"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ErrorOf(kTextArray, c.text),
              std::string("Corruption: pgoutput: malformed _text value \"") + Escaped(c.text) +
                  "\": " + c.why)
        << c.text;
  }
}

TEST(ArrayTest, DeepNestingDoesNotOverflowTheStack) {
  std::string deep(100000, '{');
  EXPECT_EQ(ErrorOf(kInt4Array, deep),
            "Corruption: pgoutput: malformed _int4 value \"" + std::string(64, '{') +
                "\"... (100000 bytes): more than 6 dimensions");
}

}  // namespace
}  // namespace cdc::pgoutput
