// The key contract: a row's key bytes stay the same while its key values do,
// whatever type changes the key columns go through.
#include "agent/row_key.h"

#include <gtest/gtest.h>

namespace cdc::agent {
namespace {

cdc::v1::Column Col(const std::string& type, const cdc::v1::Value& value) {
  cdc::v1::Column c;
  c.set_name("id");
  c.set_type(type);
  *c.mutable_value() = value;
  return c;
}

std::string KeyBytes(const cdc::v1::Column& column) {
  cdc::v1::RowKey key;
  AddKeyColumn(column, &key);
  return key.SerializeAsString();
}

TEST(RowKeyTest, TheSameValueUnderAnotherTypeGivesTheSameBytes) {
  cdc::v1::Value i, u;
  i.set_int_value(42);
  u.set_uint_value(42);
  // int4 -> int8 (PostgreSQL), INT -> BIGINT UNSIGNED (MySQL).
  EXPECT_EQ(KeyBytes(Col("int4", i)), KeyBytes(Col("int8", i)));
  EXPECT_EQ(KeyBytes(Col("int", i)), KeyBytes(Col("bigint unsigned", u)));
  cdc::v1::Value d2, d4;
  d2.set_decimal_value("12.30");
  d4.set_decimal_value("12.3000");
  EXPECT_EQ(KeyBytes(Col("numeric", d2)), KeyBytes(Col("numeric", d4)));
  cdc::v1::Value f, d;
  f.set_float_value(1.5f);
  d.set_double_value(1.5);
  EXPECT_EQ(KeyBytes(Col("float", f)), KeyBytes(Col("double", d)));
  cdc::v1::Value t3, t6;
  t3.mutable_timestamp_value()->set_epoch_micros(1000);
  t3.mutable_timestamp_value()->set_precision(3);
  t6.mutable_timestamp_value()->set_epoch_micros(1000);
  t6.mutable_timestamp_value()->set_precision(6);
  EXPECT_EQ(KeyBytes(Col("datetime", t3)), KeyBytes(Col("datetime", t6)));
  cdc::v1::Value s;
  s.set_text_value("abc");
  EXPECT_EQ(KeyBytes(Col("varchar", s)), KeyBytes(Col("text", s)));
  cdc::v1::RowKey key;
  AddKeyColumn(Col("int4", i), &key);
  EXPECT_EQ(key.columns(0).name(), "id");
  EXPECT_EQ(key.columns(0).type(), "");
}

TEST(RowKeyTest, DifferentValuesStayDifferent) {
  cdc::v1::Value big, neg;
  big.set_uint_value(18446744073709551615ull);  // past int64: stays unsigned
  neg.set_int_value(-1);
  EXPECT_NE(KeyBytes(Col("bigint unsigned", big)), KeyBytes(Col("bigint", neg)));
  cdc::v1::Value a, b;
  a.set_decimal_value("10");
  b.set_decimal_value("1");
  EXPECT_NE(KeyBytes(Col("numeric", a)), KeyBytes(Col("numeric", b)));
}

TEST(RowKeyTest, CanonicalDecimals) {
  auto canonical = [](const std::string& text) {
    cdc::v1::Value v;
    v.set_decimal_value(text);
    CanonicalKeyValue(&v);
    return v.decimal_value();
  };
  EXPECT_EQ(canonical("12.3400"), "12.34");
  EXPECT_EQ(canonical("5.000"), "5");
  EXPECT_EQ(canonical("-0.00"), "0");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("100"), "100");
  EXPECT_EQ(canonical("100.0"), "100");
  EXPECT_EQ(canonical("-7.50"), "-7.5");
  EXPECT_EQ(canonical("NaN"), "NaN");
  EXPECT_EQ(canonical("Infinity"), "Infinity");
  // No digit before the point.
  EXPECT_EQ(canonical(".0"), "0");
  EXPECT_EQ(canonical("-.00"), "0");
  EXPECT_EQ(canonical(".50"), ".5");
  EXPECT_EQ(canonical("+0.0"), "0");
}

}  // namespace
}  // namespace cdc::agent
