// TextToValue for the numeric, character, binary and network types, and the
// type registry.
#include "decoders/pgoutput/types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tests/unit/decoders/pgoutput/types_test_util.h"

namespace cdc::pgoutput {
namespace {

using namespace testing;  // NOLINT: the OID constants and helpers

TEST(TypeRegistryTest, KnowsBuiltinTypesAndTheirArrays) {
  TypeRegistry registry;
  EXPECT_EQ(TypeName(registry, kInt4), "int4");
  EXPECT_EQ(TypeName(registry, kInt4Array), "_int4");
  EXPECT_EQ(TypeName(registry, kBpchar), "bpchar");
  EXPECT_EQ(TypeName(registry, kTimestamptz), "timestamptz");
  EXPECT_EQ(TypeName(registry, kInt4Range), "int4range");
  EXPECT_EQ(TypeName(registry, 16384), "oid:16384");
  const PgType* array = registry.Find(kBoxArray);
  ASSERT_NE(array, nullptr);
  EXPECT_EQ(array->kind, PgType::Kind::kArray);
  EXPECT_EQ(array->element_oid, kBox);
  EXPECT_EQ(array->delimiter, ';');
  EXPECT_EQ(registry.Find(99999), nullptr);
}

TEST(TypeRegistryTest, AddReplacesAndNamesUserTypes) {
  TypeRegistry registry;
  registry.Add(PgType{16400, "mood", PgType::Kind::kEnum});
  EXPECT_EQ(TypeName(registry, 16400), "mood");
  registry.Add(PgType{16400, "feeling", PgType::Kind::kEnum});
  EXPECT_EQ(TypeName(registry, 16400), "feeling");
}

TEST(ScalarTest, Integers) {
  EXPECT_EQ(Convert(kInt2, "-32768").int_value(), -32768);
  EXPECT_EQ(Convert(kInt2, "32767").int_value(), 32767);
  EXPECT_EQ(Convert(kInt4, "-2147483648").int_value(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(Convert(kInt4, "0").int_value(), 0);
  EXPECT_EQ(Convert(kInt8, "-9223372036854775808").int_value(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Convert(kInt8, "9223372036854775807").int_value(),
            std::numeric_limits<int64_t>::max());
  cdc::v1::Value oid = Convert(kOid, "4294967295");
  ASSERT_TRUE(oid.has_uint_value());
  EXPECT_EQ(oid.uint_value(), 4294967295u);
}

TEST(ScalarTest, IntegerErrors) {
  EXPECT_EQ(ErrorOf(kInt2, "32768"),
            "Corruption: pgoutput: malformed int2 value \"32768\": out of range");
  EXPECT_EQ(ErrorOf(kInt8, "9223372036854775808"),
            "Corruption: pgoutput: malformed int8 value \"9223372036854775808\": out of range");
  EXPECT_EQ(ErrorOf(kInt4, "12a"), "Corruption: pgoutput: malformed int4 value \"12a\"");
  EXPECT_EQ(ErrorOf(kInt4, ""), "Corruption: pgoutput: malformed int4 value \"\"");
  EXPECT_EQ(ErrorOf(kInt4, "-"), "Corruption: pgoutput: malformed int4 value \"-\"");
  EXPECT_EQ(ErrorOf(kInt4, "+1"), "Corruption: pgoutput: malformed int4 value \"+1\"");
  EXPECT_EQ(ErrorOf(kOid, "4294967296"),
            "Corruption: pgoutput: malformed oid value \"4294967296\": out of range");
  EXPECT_EQ(ErrorOf(kOid, "-1"), "Corruption: pgoutput: malformed oid value \"-1\"");
}

TEST(ScalarTest, Floats) {
  EXPECT_EQ(Convert(kFloat4, "1.5").float_value(), 1.5f);
  EXPECT_EQ(Convert(kFloat4, "3.4028235e+38").float_value(), std::numeric_limits<float>::max());
  EXPECT_EQ(Convert(kFloat4, "1e-45").float_value(), std::numeric_limits<float>::denorm_min());
  EXPECT_TRUE(std::isnan(Convert(kFloat4, "NaN").float_value()));
  EXPECT_EQ(Convert(kFloat8, "-2.25e-300").double_value(), -2.25e-300);
  EXPECT_EQ(Convert(kFloat8, "5e-324").double_value(), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(Convert(kFloat8, "Infinity").double_value(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(Convert(kFloat8, "-Infinity").double_value(),
            -std::numeric_limits<double>::infinity());
  cdc::v1::Value negative_zero = Convert(kFloat8, "-0");
  EXPECT_TRUE(std::signbit(negative_zero.double_value()));
  EXPECT_EQ(ErrorOf(kFloat8, "inf"), "Corruption: pgoutput: malformed float8 value \"inf\"");
  EXPECT_EQ(ErrorOf(kFloat4, "1e39"), "Corruption: pgoutput: malformed float4 value \"1e39\"");
  EXPECT_EQ(ErrorOf(kFloat8, "1.5x"), "Corruption: pgoutput: malformed float8 value \"1.5x\"");
}

TEST(ScalarTest, NumericKeepsTheExactText) {
  const std::string forty_digits = "12345678901234567890.12345678901234567890";
  EXPECT_EQ(Convert(kNumeric, forty_digits).decimal_value(), forty_digits);
  EXPECT_EQ(Convert(kNumeric, "-0.00000000000000000001").decimal_value(),
            "-0.00000000000000000001");
  EXPECT_EQ(Convert(kNumeric, "3.1400", 786436).decimal_value(), "3.1400");
  EXPECT_EQ(Convert(kNumeric, "NaN").decimal_value(), "NaN");
  EXPECT_EQ(Convert(kNumeric, "Infinity").decimal_value(), "Infinity");
  EXPECT_EQ(Convert(kNumeric, "-Infinity").decimal_value(), "-Infinity");
  EXPECT_EQ(ErrorOf(kNumeric, "1e5"), "Corruption: pgoutput: malformed numeric value \"1e5\"");
  EXPECT_EQ(ErrorOf(kNumeric, "1."), "Corruption: pgoutput: malformed numeric value \"1.\"");
  EXPECT_EQ(ErrorOf(kNumeric, ".5"), "Corruption: pgoutput: malformed numeric value \".5\"");
}

TEST(ScalarTest, Money) {
  EXPECT_EQ(Convert(kMoney, "$1,234.56").decimal_value(), "1234.56");
  EXPECT_EQ(Convert(kMoney, "-$1,234,567.89").decimal_value(), "-1234567.89");
  EXPECT_EQ(Convert(kMoney, "$0.00").decimal_value(), "0.00");
  EXPECT_EQ(Convert(kMoney, "-$92,233,720,368,547,758.08").decimal_value(),
            "-92233720368547758.08");
  EXPECT_EQ(ErrorOf(kMoney, "$1,23.45"), "Corruption: pgoutput: malformed money value \"$1,23.45\"");
  EXPECT_EQ(ErrorOf(kMoney, "$1234,567.00"),
            "Corruption: pgoutput: malformed money value \"$1234,567.00\"");
  EXPECT_EQ(ErrorOf(kMoney, "$,123.00"), "Corruption: pgoutput: malformed money value \"$,123.00\"");
  EXPECT_EQ(ErrorOf(kMoney, "EUR 5"), "Corruption: pgoutput: malformed money value \"EUR 5\"");
}

TEST(ScalarTest, BooleansAndText) {
  EXPECT_TRUE(Convert(kBool, "t").bool_value());
  cdc::v1::Value f = Convert(kBool, "f");
  ASSERT_TRUE(f.has_bool_value());
  EXPECT_FALSE(f.bool_value());
  EXPECT_EQ(ErrorOf(kBool, "true"), "Corruption: pgoutput: malformed bool value \"true\"");
  EXPECT_EQ(Convert(kText, "line1\nline2 \xc3\xbc").text_value(), "line1\nline2 \xc3\xbc");
  EXPECT_EQ(Convert(kVarchar, "").text_value(), "");
  EXPECT_EQ(Convert(kBpchar, "ab   ", 9).text_value(), "ab   ");
  EXPECT_EQ(Convert(kChar, "x").text_value(), "x");
  EXPECT_EQ(Convert(kName, "a_name").text_value(), "a_name");
  EXPECT_EQ(ErrorOf(kText, "bad \xff byte"),
            "Corruption: pgoutput: malformed text value \"bad \xff byte\": not UTF-8");
  EXPECT_EQ(ErrorOf(kText, "\xed\xa0\x80"),  // a UTF-16 surrogate
            "Corruption: pgoutput: malformed text value \"\xed\xa0\x80\": not UTF-8");
  EXPECT_EQ(ErrorOf(kText, "\xc0\xaf"),  // overlong '/'
            "Corruption: pgoutput: malformed text value \"\xc0\xaf\": not UTF-8");
}

TEST(ScalarTest, ErrorsCutLongTextAndEscapeControlCharacters) {
  std::string long_text(100, '9');
  long_text += "x";
  EXPECT_EQ(ErrorOf(kInt8, long_text),
            "Corruption: pgoutput: malformed int8 value \"" + std::string(64, '9') +
                "\"... (101 bytes)");
  EXPECT_EQ(ErrorOf(kBool, "a\"b\\\n\x01"),
            "Corruption: pgoutput: malformed bool value \"a\\\"b\\\\\\n\\x01\"");
}

TEST(ScalarTest, Bytea) {
  EXPECT_EQ(Convert(kBytea, "\\x00ff10").bytes_value(), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(Convert(kBytea, "\\xABcd").bytes_value(), "\xab\xcd");
  EXPECT_EQ(Convert(kBytea, "\\x").bytes_value(), "");
  EXPECT_EQ(Convert(kBytea, "a\\000b\\\\c\\377").bytes_value(),
            std::string("a\0b\\c\xff", 6));
  EXPECT_EQ(Convert(kBytea, "plain").bytes_value(), "plain");
  EXPECT_EQ(ErrorOf(kBytea, "\\x0"),
            "Corruption: pgoutput: malformed bytea value \"\\\\x0\": odd number of hex digits");
  EXPECT_EQ(ErrorOf(kBytea, "\\xzz"),
            "Corruption: pgoutput: malformed bytea value \"\\\\xzz\": bad hex digit");
  EXPECT_EQ(ErrorOf(kBytea, "a\\400"),
            "Corruption: pgoutput: malformed bytea value \"a\\\\400\": bad escape");
  EXPECT_EQ(ErrorOf(kBytea, "a\\"),
            "Corruption: pgoutput: malformed bytea value \"a\\\\\": bad escape");
}

TEST(ScalarTest, UuidIsLowercased) {
  EXPECT_EQ(Convert(kUuid, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11").uuid_value(),
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(ErrorOf(kUuid, "a0eebc999c0b4ef8bb6d6bb9bd380a11"),
            "Corruption: pgoutput: malformed uuid value \"a0eebc999c0b4ef8bb6d6bb9bd380a11\"");
  EXPECT_EQ(ErrorOf(kUuid, "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            "Corruption: pgoutput: malformed uuid value \"g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
}

TEST(ScalarTest, JsonKeepsTheText) {
  EXPECT_EQ(Convert(kJson, "{\"b\": 1,  \"a\": [true, null]}").json_value(),
            "{\"b\": 1,  \"a\": [true, null]}");
  EXPECT_EQ(Convert(kJsonb, "[]").json_value(), "[]");
}

TEST(ScalarTest, NetworkTypes) {
  EXPECT_EQ(Convert(kInet, "192.168.1.5/24").inet_value(), "192.168.1.5/24");
  EXPECT_EQ(Convert(kInet, "2001:db8::1").inet_value(), "2001:db8::1");
  EXPECT_EQ(Convert(kInet, "::ffff:1.2.3.4").inet_value(), "::ffff:1.2.3.4");
  EXPECT_EQ(Convert(kCidr, "10.1.0.0/16").inet_value(), "10.1.0.0/16");
  EXPECT_EQ(Convert(kCidr, "2001:db8::/128").inet_value(), "2001:db8::/128");
  EXPECT_EQ(ErrorOf(kInet, "10.1/8"),
            "Corruption: pgoutput: malformed inet value \"10.1/8\": bad address");
  EXPECT_EQ(ErrorOf(kInet, "10.0.0.1/33"),
            "Corruption: pgoutput: malformed inet value \"10.0.0.1/33\": bad prefix length");
  EXPECT_EQ(ErrorOf(kCidr, "10.0.0.0/"),
            "Corruption: pgoutput: malformed cidr value \"10.0.0.0/\": bad prefix length");
  EXPECT_EQ(Convert(kMacaddr, "08:00:2b:01:02:03").macaddr_value(), "08:00:2b:01:02:03");
  EXPECT_EQ(Convert(kMacaddr8, "08:00:2b:01:02:03:04:05").macaddr_value(),
            "08:00:2b:01:02:03:04:05");
  EXPECT_EQ(ErrorOf(kMacaddr, "08:00:2b:01:02:03:04:05"),
            "Corruption: pgoutput: malformed macaddr value \"08:00:2b:01:02:03:04:05\"");
  EXPECT_EQ(ErrorOf(kMacaddr, "08-00-2b-01-02-03"),
            "Corruption: pgoutput: malformed macaddr value \"08-00-2b-01-02-03\"");
}

TEST(ScalarTest, BitStrings) {
  EXPECT_EQ(Convert(kBit, "1010", 4).bits_value(), "1010");
  EXPECT_EQ(Convert(kVarbit, "").bits_value(), "");
  EXPECT_EQ(ErrorOf(kVarbit, "102"), "Corruption: pgoutput: malformed varbit value \"102\"");
}

TEST(ScalarTest, UnknownAndUndecodedTypesAreRaw) {
  cdc::v1::Value unknown = Convert(123456, "(1,2)");
  ASSERT_TRUE(unknown.has_raw_value());
  EXPECT_EQ(unknown.raw_value().text(), "(1,2)");
  EXPECT_EQ(Convert(kPoint, "(1.5,2)").raw_value().text(), "(1.5,2)");
  EXPECT_EQ(Convert(kInt4Range, "[1,10)").raw_value().text(), "[1,10)");
}

TEST(UserTypeTest, EnumsAndDomains) {
  TypeRegistry registry;
  registry.Add(PgType{16400, "mood", PgType::Kind::kEnum});
  registry.Add(PgType{16401, "posint", PgType::Kind::kDomain, 0, kInt4});
  registry.Add(PgType{16402, "small_posint", PgType::Kind::kDomain, 0, 16401});
  registry.Add(PgType{16403, "ts_domain", PgType::Kind::kDomain, 0, kTimestamptz});
  EXPECT_EQ(Convert(registry, 16400, "happy").enum_value(), "happy");
  EXPECT_EQ(Convert(registry, 16401, "42").int_value(), 42);
  EXPECT_EQ(Convert(registry, 16402, "7").int_value(), 7);
  EXPECT_TRUE(Convert(registry, 16403, "2024-01-01 00:00:00+00").has_timestamp_value());
  EXPECT_EQ(ErrorOf(registry, 16402, "x"), "Corruption: pgoutput: malformed int4 value \"x\"");
  // A domain over an unknown type converts like that type: raw.
  registry.Add(PgType{16404, "d", PgType::Kind::kDomain, 0, 99999});
  EXPECT_EQ(Convert(registry, 16404, "zz").raw_value().text(), "zz");
}

TEST(UserTypeTest, DomainKeepsItsNameAndConvertsWithItsBaseModifier) {
  TypeRegistry registry;
  PgType ts3{16410, "ts3", PgType::Kind::kDomain, 0, kTimestamptz};
  ts3.base_typmod = 3;  // CREATE DOMAIN ts3 AS timestamptz(3)
  registry.Add(ts3);
  registry.Add(PgType{16411, "posint", PgType::Kind::kDomain, 0, kInt4});
  // Column.type names the domain; the value is converted as the base type.
  EXPECT_EQ(TypeName(registry, 16411), "posint");
  EXPECT_EQ(Convert(registry, 16411, "5").int_value(), 5);
  EXPECT_EQ(TypeName(registry, 16410), "ts3");
  // A domain column has atttypmod -1: the domain's own modifier applies.
  EXPECT_EQ(Convert(registry, 16410, "2024-01-01 00:00:00.123+00").timestamp_value().precision(), 3u);
  // A modifier the column does have wins.
  EXPECT_EQ(Convert(registry, 16410, "2024-01-01 00:00:00+00", 0).timestamp_value().precision(), 0u);
  // Without a modifier anywhere, the default precision.
  registry.Add(PgType{16412, "tsd", PgType::Kind::kDomain, 0, kTimestamptz});
  EXPECT_EQ(Convert(registry, 16412, "2024-01-01 00:00:00+00").timestamp_value().precision(), 6u);
}

TEST(UserTypeTest, DomainCycleIsAnErrorNotACrash) {
  TypeRegistry registry;
  registry.Add(PgType{16500, "a", PgType::Kind::kDomain, 0, 16501});
  registry.Add(PgType{16501, "b", PgType::Kind::kDomain, 0, 16500});
  EXPECT_EQ(ErrorOf(registry, 16500, "1"),
            "Corruption: pgoutput: type oid 16501 nests domains or arrays more than 32 deep");
}

}  // namespace
}  // namespace cdc::pgoutput
