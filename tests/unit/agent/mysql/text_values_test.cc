// Snapshot (text protocol) values against the binlog decoder: for each type,
// the text the server sends for a stored value and the bytes the binlog
// carries for the same value must give the same cdc.v1.Value.
#include "agent/mysql/text_values.h"

#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "agent/mysql/table_schema.h"
#include "tests/unit/decoders/binlog/json_test_util.h"
#include "tests/unit/decoders/binlog/rows_test_util.h"
#include "tests/unit/value_reuse.h"

namespace cdc::agent::mysql {
namespace {

using binlog::ColumnSchema;
using binlog::testing::BE;
using binlog::testing::DecodeOne;
using binlog::testing::EncodeDatetime2;
using binlog::testing::EncodeDecimal;
using binlog::testing::EncodeTime2;
using binlog::testing::LE;

constexpr uint16_t kUtf8mb4GeneralCi = 45;
constexpr uint16_t kUtf8mb4Bin = 46;
constexpr uint16_t kUtf8mb3GeneralCi = 33;
constexpr uint16_t kLatin1SwedishCi = 8;
constexpr uint16_t kUcs2GeneralCi = 35;

// The schema the snapshot has for one column of `column_type`.
ColumnSchema Col(const std::string& data_type, const std::string& column_type,
                 const std::string& charset = "", uint16_t collation_id = 0,
                 bool is_json = false) {
  InfoColumn c;
  c.name = "c_" + data_type;
  c.data_type = data_type;
  c.column_type = column_type;
  c.charset = charset;
  c.collation_id = collation_id;
  c.is_json = is_json;
  InfoTable t;
  t.schema = "db";
  t.table = "t";
  t.columns = {c};
  auto r = SchemaFromInfo(t);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->columns[0] : ColumnSchema();
}

cdc::v1::Value FromText(const ColumnSchema& c, std::string_view text) {
  cdc::v1::Value v;
  Status s = TextToValue(c, text, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (s.ok()) {
    cdc::testing::ExpectRefillsAsNew(
        v, [&](cdc::v1::Value* again) { EXPECT_TRUE(TextToValue(c, text, again).ok()); },
        c.type_name + " text '" + std::string(text) + "'");
  }
  return v;
}

cdc::v1::Value FromBinlog(const ColumnSchema& c, const std::string& bytes) {
  auto r = DecodeOne(c, bytes);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : cdc::v1::Value();
}

// The snapshot's value of `text` equals the decoder's value of `binlog_bytes`.
void ExpectSame(const ColumnSchema& c, std::string_view text, const std::string& binlog_bytes) {
  cdc::v1::Value snapshot = FromText(c, text);
  cdc::v1::Value stream = FromBinlog(c, binlog_bytes);
  EXPECT_NE(stream.kind_case(), cdc::v1::Value::KIND_NOT_SET);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(snapshot, stream))
      << c.type_name << " text '" << text << "'\n  snapshot: " << snapshot.ShortDebugString()
      << "\n  binlog:   " << stream.ShortDebugString();
}

// The error for `text`, which must name the column and show the text.
std::string TextError(const ColumnSchema& c, std::string_view text) {
  cdc::v1::Value v;
  Status s = TextToValue(c, text, &v);
  EXPECT_FALSE(s.ok()) << c.type_name << " accepted '" << text << "': " << v.ShortDebugString();
  if (s.ok()) return "";
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("column `" + c.name + "` (" + c.type_name + ")"), std::string::npos)
      << s.message();
  return s.message();
}

TEST(TextValuesTest, SignedIntegersOverTheirWholeRange) {
  struct Case {
    const char* data_type;
    int bytes;
    int64_t min, max;
  } cases[] = {{"tinyint", 1, -128, 127},
               {"smallint", 2, -32768, 32767},
               {"mediumint", 3, -8388608, 8388607},
               {"int", 4, INT32_MIN, INT32_MAX},
               {"bigint", 8, INT64_MIN, INT64_MAX}};
  for (const auto& k : cases) {
    ColumnSchema c = Col(k.data_type, k.data_type);
    EXPECT_FALSE(c.is_unsigned);
    for (int64_t v : {k.min, k.min + 1, int64_t{-1}, int64_t{0}, int64_t{1}, k.max}) {
      ExpectSame(c, std::to_string(v), LE(static_cast<uint64_t>(v), k.bytes));
    }
    TextError(c, std::to_string(k.min) + "0");
    TextError(c, k.bytes == 8 ? "9223372036854775808" : std::to_string(k.max + 1));
    if (k.bytes < 8) TextError(c, std::to_string(k.min - 1));
  }
}

TEST(TextValuesTest, UnsignedIntegersOverTheirWholeRange) {
  struct Case {
    const char* data_type;
    int bytes;
    uint64_t max;
  } cases[] = {{"tinyint", 1, 255},
               {"smallint", 2, 65535},
               {"mediumint", 3, 16777215},
               {"int", 4, 4294967295u},
               {"bigint", 8, UINT64_MAX}};
  for (const auto& k : cases) {
    ColumnSchema c = Col(k.data_type, std::string(k.data_type) + " unsigned");
    EXPECT_TRUE(c.is_unsigned);
    for (uint64_t v : {uint64_t{0}, uint64_t{1}, k.max - 1, k.max}) {
      ExpectSame(c, std::to_string(v), LE(v, k.bytes));
    }
    TextError(c, "-1");
    TextError(c, k.bytes == 8 ? "18446744073709551616" : std::to_string(k.max + 1));
  }
  // ZEROFILL pads with zeros.
  ExpectSame(Col("int", "int(6) unsigned zerofill"), "000042", LE(42, 4));
}

TEST(TextValuesTest, IntegerErrorsNameTheColumn) {
  ColumnSchema c = Col("int", "int(11)");
  for (const char* bad : {"", "12a", " 1", "1 ", "+1", "1.0", "0x10", "--1"}) TextError(c, bad);
  EXPECT_NE(TextError(c, "12a").find("'12a'"), std::string::npos);
}

TEST(TextValuesTest, DecimalAsTheDecoderPrintsIt) {
  struct Case {
    int p, s;
    const char* text;       // as the server sends it
    const char* canonical;  // the same value in the decoder's form
  } cases[] = {
      {10, 2, "-12345678.90", "-12345678.90"},
      {10, 2, "0.00", "0.00"},
      {10, 2, "-0.50", "-0.50"},
      {10, 2, "12.50", "12.50"},
      {10, 2, "00000012.50", "12.50"},  // ZEROFILL
      {4, 2, "-10.55", "-10.55"},
      {5, 5, "-0.00001", "-0.00001"},
      {5, 5, "0.12345", "0.12345"},
      {3, 3, "0.000", "0.000"},
      {1, 0, "7", "7"},
      {5, 0, "-99999", "-99999"},
      {20, 0, "99999999999999999999", "99999999999999999999"},
      {18, 9, "-123456789.123456789", "-123456789.123456789"},
      {18, 9, "0.000000001", "0.000000001"},
      {30, 25, "0.0123456789012345678912345", "0.0123456789012345678912345"},
      {65, 30, "12345678901234567890.123456789012345678901234567890",
       "12345678901234567890.123456789012345678901234567890"},
      {65, 30, "-99999999999999999999999999999999999.999999999999999999999999999999",
       "-99999999999999999999999999999999999.999999999999999999999999999999"},
      {65, 30, "-0.000000000000000000000000000001", "-0.000000000000000000000000000001"},
      {65, 0, "99999999999999999999999999999999999999999999999999999999999999999",
       "99999999999999999999999999999999999999999999999999999999999999999"},
  };
  for (const auto& k : cases) {
    ColumnSchema c = Col("decimal", "decimal(" + std::to_string(k.p) + "," +
                                        std::to_string(k.s) + ")");
    ExpectSame(c, k.text, EncodeDecimal(k.canonical, k.p, k.s));
    EXPECT_EQ(FromText(c, k.text).decimal_value(), k.canonical);
  }
  // A negative zero, which the server does not send, is still zero.
  EXPECT_EQ(FromText(Col("decimal", "decimal(10,2)"), "-0.00").decimal_value(), "0.00");
}

TEST(TextValuesTest, DecimalErrors) {
  ColumnSchema c = Col("decimal", "decimal(10,2)");
  for (const char* bad : {"", "-", "abc", "1.234", "123456789.00", "1e5", ".5", "1.", "1.2.3",
                          "+1.00", " 1.00", "1,00"}) {
    TextError(c, bad);
  }
  EXPECT_NE(TextError(c, "123456789.00").find("DECIMAL(10,2)"), std::string::npos);
}

// The text the server sends for CAST(float_column AS DOUBLE): the float
// widened to double, printed in its shortest round-trip form.
std::string DoubleText(double d) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, r.ptr);
}

std::string FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return LE(bits, 4);
}

std::string DoubleBits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return LE(bits, 8);
}

TEST(TextValuesTest, FloatThroughTheDoubleCastIsBitExact) {
  ColumnSchema c = Col("float", "float");
  EXPECT_EQ(SnapshotSelectExpr(c, true), "CAST(`c_float` AS DOUBLE)");
  // Texts MariaDB 10.11 sent for CAST(f AS DOUBLE), with the floats stored.
  struct Case {
    const char* text;
    float stored;
  } seen[] = {{"3.1415927410125732", 3.14159265f},
              {"16777216", 16777217.0f},
              {"1.1754943508222875e-38", 1.17549435e-38f},
              {"1.401298464324817e-45", std::numeric_limits<float>::denorm_min()},
              {"-3.4028234663852886e38", -std::numeric_limits<float>::max()},
              {"3.4028234663852886e38", std::numeric_limits<float>::max()},
              {"-0.00009999999747378752", -0.0001f},
              {"0.10000000149011612", 0.1f},
              {"12.350000381469727", 12.35f},
              {"1234567", 1234567.0f},
              {"0", 0.0f},
              {"-0", -0.0f}};
  for (const auto& k : seen) ExpectSame(c, k.text, FloatBits(k.stored));
  EXPECT_TRUE(std::signbit(FromText(c, "-0").float_value()));
  // What the server prints for the column itself (6 digits) is not exact:
  // hence the cast.
  EXPECT_NE(FromText(c, "3.14159").float_value(), 3.14159265f);

  // Any float, widened and printed as the server prints a DOUBLE.
  std::mt19937 rng(20240229);
  ColumnSchema unsigned_float = Col("float", "float unsigned");
  for (int i = 0; i < 20000; ++i) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, 4);
    if (!std::isfinite(f)) continue;
    ExpectSame(c, DoubleText(static_cast<double>(f)), FloatBits(f));
    if (f >= 0) ExpectSame(unsigned_float, DoubleText(static_cast<double>(f)), FloatBits(f));
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(TextValuesTest, DoubleIsBitExact) {
  ColumnSchema c = Col("double", "double");
  EXPECT_EQ(SnapshotSelectExpr(c, true), "CAST(`c_double` AS DOUBLE)");
  // Texts MariaDB 10.11 sent for DOUBLE values.
  struct Case {
    const char* text;
    double stored;
  } seen[] = {{"0.30000000000000004", 0.1 + 0.2},
              {"1e300", 1e300},
              {"5e-324", std::numeric_limits<double>::denorm_min()},
              {"-2.25e-300", -2.25e-300},
              {"1.7976931348623157e308", std::numeric_limits<double>::max()},
              {"-1.7976931348623157e308", std::numeric_limits<double>::lowest()},
              {"-1.2345678901234568e17", -123456789012345678.0},
              {"123456789.12345679", 123456789.123456789},
              {"2.2250738585072014e-308", std::numeric_limits<double>::min()},
              {"-2.2250738585072014e-308", -std::numeric_limits<double>::min()},
              {"1e15", 1e15},
              {"1e16", 1e16},
              {"12.35", 12.35},
              {"0", 0.0}};
  for (const auto& k : seen) ExpectSame(c, k.text, DoubleBits(k.stored));
  std::mt19937_64 rng(19700101);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, 8);
    if (!std::isfinite(d)) continue;
    ExpectSame(c, DoubleText(d), DoubleBits(d));
    if (::testing::Test::HasFailure()) break;
  }
  for (const char* bad : {"", "abc", "1e", "0x1p3", "1.5 ", "1e400"}) TextError(c, bad);
  TextError(Col("float", "float"), "1e39");
}

TEST(TextValuesTest, BitFromItsRawBigEndianBytes) {
  struct Case {
    int n;
    std::string bytes;  // as the server sends them and the binlog stores them
    const char* bits;
  } cases[] = {
      {1, std::string("\x01", 1), "1"},
      {1, std::string("\x00", 1), "0"},
      {5, std::string("\x15", 1), "10101"},
      {8, std::string("\xFF", 1), "11111111"},
      {12, std::string("\x08\x01", 2), "100000000001"},
      {13, std::string("\x00\x00", 2), "0000000000000"},
      {64, std::string(8, '\xFF'),
       "1111111111111111111111111111111111111111111111111111111111111111"},
      {64, std::string("\x80\x00\x00\x00\x00\x00\x00\x01", 8),
       "1000000000000000000000000000000000000000000000000000000000000001"},
  };
  for (const auto& k : cases) {
    ColumnSchema c = Col("bit", "bit(" + std::to_string(k.n) + ")");
    ExpectSame(c, k.bytes, k.bytes);
    EXPECT_EQ(FromText(c, k.bytes).bits_value(), k.bits);
  }
  ColumnSchema b5 = Col("bit", "bit(5)");
  TextError(b5, std::string("\x20", 1));  // bit 5 of a BIT(5)
  TextError(b5, std::string("\x00\x01", 2));
  TextError(b5, "");
  TextError(Col("bit", "bit(12)"), std::string("\x00\x00\x01", 3));
}

TEST(TextValuesTest, Year) {
  ColumnSchema c = Col("year", "year(4)");
  ExpectSame(c, "2155", LE(255, 1));
  ExpectSame(c, "1901", LE(1, 1));
  ExpectSame(c, "2024", LE(124, 1));
  ExpectSame(c, "0000", LE(0, 1));
  EXPECT_EQ(FromText(c, "0000").int_value(), 0);
  for (const char* bad : {"1900", "2156", "", "abc", "-1"}) TextError(c, bad);
}

std::string DateBytes(uint32_t y, uint32_t m, uint32_t d) { return LE(y << 9 | m << 5 | d, 3); }

TEST(TextValuesTest, DateKeepsZeroParts) {
  ColumnSchema c = Col("date", "date");
  ExpectSame(c, "2024-02-29", DateBytes(2024, 2, 29));
  ExpectSame(c, "0000-00-00", DateBytes(0, 0, 0));
  ExpectSame(c, "2024-00-15", DateBytes(2024, 0, 15));
  ExpectSame(c, "2024-02-00", DateBytes(2024, 2, 0));
  ExpectSame(c, "2024-02-30", DateBytes(2024, 2, 30));  // ALLOW_INVALID_DATES
  ExpectSame(c, "9999-12-31", DateBytes(9999, 12, 31));
  ExpectSame(c, "1000-01-01", DateBytes(1000, 1, 1));
  for (const char* bad : {"", "2024-13-01", "2024-01-32", "2024-1-01", "20240101", "2024-01-01 ",
                          "2024-01-01 00:00:00", "abcd-01-01"}) {
    TextError(c, bad);
  }
}

TEST(TextValuesTest, TimeSignedFractionalAndBeyondADay) {
  struct Case {
    int fsp;
    const char* text;
    bool neg;
    int h, m, s, micros;
  } cases[] = {
      {0, "-838:59:59", true, 838, 59, 59, 0},
      {0, "838:59:59", false, 838, 59, 59, 0},
      {0, "00:00:00", false, 0, 0, 0, 0},
      {0, "-00:00:01", true, 0, 0, 1, 0},
      {0, "23:59:59", false, 23, 59, 59, 0},
      {0, "100:00:00", false, 100, 0, 0, 0},
      {1, "-00:00:00.1", true, 0, 0, 0, 100000},
      {2, "-00:00:00.01", true, 0, 0, 0, 10000},
      {2, "12:34:56.78", false, 12, 34, 56, 780000},
      {3, "-00:00:00.001", true, 0, 0, 0, 1000},
      {3, "100:00:00.500", false, 100, 0, 0, 500000},
      {3, "-01:02:03.400", true, 1, 2, 3, 400000},
      {3, "-838:59:59.000", true, 838, 59, 59, 0},
      {4, "-12:00:00.0001", true, 12, 0, 0, 100},
      {5, "12:34:56.12345", false, 12, 34, 56, 123450},
      {6, "838:59:59.999999", false, 838, 59, 59, 999999},
      {6, "-00:00:00.000001", true, 0, 0, 0, 1},
      {6, "-838:59:59.000000", true, 838, 59, 59, 0},
  };
  for (const auto& k : cases) {
    ColumnSchema c = Col("time", k.fsp == 0 ? "time" : "time(" + std::to_string(k.fsp) + ")");
    ExpectSame(c, k.text, EncodeTime2(k.neg, k.h, k.m, k.s, k.micros, k.fsp));
  }
  ColumnSchema t0 = Col("time", "time");
  ColumnSchema t3 = Col("time", "time(3)");
  for (const char* bad : {"", "12:60:00", "12:00:60", "12:00", "1:02:03", "00:00:00.5", "abc",
                          "12:00:00 ", "+12:00:00", "--12:00:00", "12345:00:00"}) {
    TextError(t0, bad);
  }
  EXPECT_NE(TextError(t3, "00:00:00.1234").find("at most 3 fraction digits"), std::string::npos);
}

TEST(TextValuesTest, DatetimeZeroInvalidAndFractional) {
  struct Case {
    int fsp;
    const char* text;
    int y, mo, d, h, mi, s, micros;
  } cases[] = {
      {0, "0000-00-00 00:00:00", 0, 0, 0, 0, 0, 0, 0},
      {2, "0000-00-00 00:00:00.00", 0, 0, 0, 0, 0, 0, 0},
      {0, "2024-02-29 23:59:59", 2024, 2, 29, 23, 59, 59, 0},
      {2, "2024-02-30 10:11:12.34", 2024, 2, 30, 10, 11, 12, 340000},
      {2, "2024-00-15 10:00:00.12", 2024, 0, 15, 10, 0, 0, 120000},
      {0, "2024-02-00 00:00:00", 2024, 2, 0, 0, 0, 0, 0},
      {0, "0000-00-00 00:00:01", 0, 0, 0, 0, 0, 1, 0},
      {6, "9999-12-31 23:59:59.999999", 9999, 12, 31, 23, 59, 59, 999999},
      {6, "1000-01-01 00:00:00.000000", 1000, 1, 1, 0, 0, 0, 0},
      {3, "0001-01-01 00:00:00.001", 1, 1, 1, 0, 0, 0, 1000},
      {1, "1970-01-01 00:00:00.5", 1970, 1, 1, 0, 0, 0, 500000},
      {4, "1969-12-31 23:59:59.9999", 1969, 12, 31, 23, 59, 59, 999900},
      {5, "2000-02-29 12:00:00.00001", 2000, 2, 29, 12, 0, 0, 10},
  };
  for (const auto& k : cases) {
    ColumnSchema c =
        Col("datetime", k.fsp == 0 ? "datetime" : "datetime(" + std::to_string(k.fsp) + ")");
    ExpectSame(c, k.text, EncodeDatetime2(k.y, k.mo, k.d, k.h, k.mi, k.s, k.micros, k.fsp));
  }
  ColumnSchema c2 = Col("datetime", "datetime(2)");
  EXPECT_TRUE(FromText(c2, "0000-00-00 00:00:00.00").timestamp_value().zero());
  EXPECT_EQ(FromText(c2, "2024-02-30 10:11:12.34").timestamp_value().invalid_text(),
            "2024-02-30 10:11:12.34");
  ColumnSchema c0 = Col("datetime", "datetime");
  for (const char* bad : {"", "2024-02-29 24:00:00", "2024-02-29T10:00:00", "2024-02-29",
                          "2024-02-29 10:00", "2024-02-29 10:00:00.5", "2024-13-01 00:00:00",
                          "2024-02-29 010:00:00", "2024-02-29  10:00:00"}) {
    TextError(c0, bad);
  }
  TextError(Col("datetime", "datetime(3)"), "2024-02-29 10:00:00.1234");
}

std::string Timestamp2(uint32_t seconds, int micros, int fsp) {
  std::string out = BE(seconds, 4);
  if (fsp == 1 || fsp == 2) out += BE(static_cast<uint64_t>(micros / 10000), 1);
  if (fsp == 3 || fsp == 4) out += BE(static_cast<uint64_t>(micros / 100), 2);
  if (fsp == 5 || fsp == 6) out += BE(static_cast<uint64_t>(micros), 3);
  return out;
}

TEST(TextValuesTest, TimestampInUtc) {
  struct Case {
    int fsp;
    const char* text;
    uint32_t seconds;
    int micros;
  } cases[] = {
      {0, "0000-00-00 00:00:00", 0, 0},
      {6, "0000-00-00 00:00:00.000000", 0, 0},
      {0, "1970-01-01 00:00:01", 1, 0},
      {0, "2038-01-19 03:14:07", 2147483647, 0},
      {3, "2038-01-19 03:14:07.999", 2147483647, 999000},
      {3, "2024-02-29 12:00:00.000", 1709208000, 0},
      {6, "2001-02-03 04:05:06.000007", 981173106, 7},
      {2, "2001-02-03 04:05:06.50", 981173106, 500000},
      {0, "2106-02-07 06:28:15", 4294967295u, 0},
  };
  for (const auto& k : cases) {
    ColumnSchema c =
        Col("timestamp", k.fsp == 0 ? "timestamp" : "timestamp(" + std::to_string(k.fsp) + ")");
    ExpectSame(c, k.text, Timestamp2(k.seconds, k.micros, k.fsp));
  }
  ColumnSchema c = Col("timestamp", "timestamp");
  EXPECT_TRUE(FromText(c, "0000-00-00 00:00:00").timestamp_value().zero());
  EXPECT_TRUE(FromText(c, "2024-02-29 12:00:00").timestamp_value().with_time_zone());
  // Epoch 0 is what the server stores for the zero TIMESTAMP.
  ExpectSame(c, "1970-01-01 00:00:00", Timestamp2(0, 0, 0));
  EXPECT_NE(TextError(c, "1969-12-31 23:59:59").find("time_zone must be '+00:00'"),
            std::string::npos);
  TextError(c, "2106-02-07 06:28:16");
  TextError(c, "2024-02-30 00:00:00");
  TextError(c, "2024-00-01 00:00:00");
  TextError(c, "2024-02-29 12:00:00.5");
}

std::string LengthPrefixed(const std::string& bytes, int length_bytes) {
  return LE(bytes.size(), length_bytes) + bytes;
}

TEST(TextValuesTest, Utf8TextAsSent) {
  const std::string text = "h\xC3\xA9llo \xF0\x9F\x98\x80 tab\there\nnl";
  ColumnSchema v = Col("varchar", "varchar(50)", "utf8mb4", kUtf8mb4GeneralCi);
  EXPECT_EQ(SnapshotSelectExpr(v, true), "`c_varchar`");
  ExpectSame(v, text, LengthPrefixed(text, 1));  // 200 bytes: 1-byte length
  ExpectSame(v, "", LengthPrefixed("", 1));
  EXPECT_EQ(FromText(v, text).text_value(), text);
  ColumnSchema v300 = Col("varchar", "varchar(300)", "utf8mb4", kUtf8mb4GeneralCi);
  ExpectSame(v300, text, LengthPrefixed(text, 2));
  ColumnSchema c = Col("char", "char(10)", "utf8mb4", kUtf8mb4GeneralCi);
  ExpectSame(c, "h\xC3\xA9llo", LengthPrefixed("h\xC3\xA9llo", 1));
  ColumnSchema wide = Col("char", "char(100)", "utf8mb4", kUtf8mb4Bin);  // 400 bytes
  ExpectSame(wide, text, LengthPrefixed(text, 2));
  ColumnSchema mb3 = Col("varchar", "varchar(10)", "utf8mb3", kUtf8mb3GeneralCi);
  EXPECT_EQ(SnapshotSelectExpr(mb3, true), "`c_varchar`");
  ExpectSame(mb3, "mb3 \xC3\xBC", LengthPrefixed("mb3 \xC3\xBC", 1));
  struct Blob {
    const char* data_type;
    int length_bytes;
  } blobs[] = {{"tinytext", 1}, {"text", 2}, {"mediumtext", 3}, {"longtext", 4}};
  for (const auto& b : blobs) {
    ColumnSchema t = Col(b.data_type, b.data_type, "utf8mb4", kUtf8mb4GeneralCi);
    ExpectSame(t, text, LengthPrefixed(text, b.length_bytes));
  }
}

TEST(TextValuesTest, OtherCharsetsAsStoredBytesConvertedLikeTheDecoder) {
  ColumnSchema latin1 = Col("varchar", "varchar(20)", "latin1", kLatin1SwedishCi);
  EXPECT_EQ(SnapshotSelectExpr(latin1, true), "CAST(`c_varchar` AS BINARY)");
  ExpectSame(latin1, "x\x80y \xFF", LengthPrefixed("x\x80y \xFF", 1));
  EXPECT_EQ(FromText(latin1, "x\x80y").text_value(), "x\xE2\x82\xACy");  // x€y
  ColumnSchema latin1_text = Col("longtext", "longtext", "latin1", kLatin1SwedishCi);
  ExpectSame(latin1_text, "caf\xE9", LengthPrefixed("caf\xE9", 4));
  ColumnSchema ucs2 = Col("varchar", "varchar(10)", "ucs2", kUcs2GeneralCi);
  EXPECT_EQ(SnapshotSelectExpr(ucs2, false), "CAST(`c_varchar` AS BINARY)");
  const std::string omega("\x00" "A\x03\xA9", 4);
  ExpectSame(ucs2, omega, LengthPrefixed(omega, 1));
  EXPECT_EQ(FromText(ucs2, omega).text_value(), "A\xCE\xA9");
  // A charset the schema does not know: bytes, in both.
  ColumnSchema unknown = Col("varchar", "varchar(10)");
  EXPECT_EQ(unknown.collation, 0);
  EXPECT_EQ(SnapshotSelectExpr(unknown, true), "CAST(`c_varchar` AS BINARY)");
  ExpectSame(unknown, "ab\xFF", LengthPrefixed("ab\xFF", 1));
  EXPECT_TRUE(FromText(unknown, "ab").has_bytes_value());
}

TEST(TextValuesTest, MariadbJsonIsText) {
  ColumnSchema j = Col("longtext", "longtext", "utf8mb4", kUtf8mb4Bin, true);
  EXPECT_EQ(j.type_name, "longtext");
  EXPECT_EQ(SnapshotSelectExpr(j, true), "`c_longtext`");
  const std::string doc = "{\"a\": 1,  \"b\":[1 , 2.50], \"s\": \"\xC3\xA9\"}";
  ExpectSame(j, doc, LengthPrefixed(doc, 4));
  EXPECT_EQ(FromText(j, doc).json_value(), doc);
}

TEST(TextValuesTest, MysqlJsonAsTheServerPrintsIt) {
  using namespace binlog::testing;  // NOLINT: the binary JSON builders
  ColumnSchema j = Col("json", "json", "", 0, true);
  EXPECT_EQ(j.type, binlog::kTypeJson);
  EXPECT_EQ(SnapshotSelectExpr(j, false), "`c_json`");
  struct Case {
    const char* text;  // MySQL's printing of the document
    Enc doc;
  } cases[] = {
      {"{\"a\": 1, \"b\": [true, null]}",
       JObject({{"a", JInt16(1)}, {"b", JArray({JBool(true), JNull()})}})},
      {"[1.5, 2.0, -3, \"x\\\"y\\n\"]",
       JArray({JDouble(1.5), JDouble(2.0), JInt32(-3), JString("x\"y\n")})},
      {"18446744073709551615", JUint64(UINT64_MAX)},
      {"\"caf\xC3\xA9\"", JString("caf\xC3\xA9")},
      {"{}", JObject({})},
  };
  for (const auto& k : cases) {
    ExpectSame(j, k.text, LengthPrefixed(JDoc(k.doc), 4));
  }
  // An empty binary value is JSON null.
  ExpectSame(j, "null", LengthPrefixed("", 4));
}

TEST(TextValuesTest, BinaryStringsAsBytes) {
  ColumnSchema bin = Col("binary", "binary(4)");
  EXPECT_EQ(bin.type_name, "binary");
  EXPECT_EQ(SnapshotSelectExpr(bin, true), "`c_binary`");
  // The server sends BINARY(n) padded; the binlog strips trailing zeros.
  ExpectSame(bin, std::string("a\0\0\0", 4), LengthPrefixed("a", 1));
  ExpectSame(bin, std::string("\0\0\0\0", 4), LengthPrefixed("", 1));
  ExpectSame(bin, std::string("\x01\x00\x02\x00", 4),
             LengthPrefixed(std::string("\x01\x00\x02", 3), 1));
  EXPECT_EQ(FromText(bin, "a").bytes_value(), std::string("a\0\0\0", 4));
  ColumnSchema vb = Col("varbinary", "varbinary(10)");
  ExpectSame(vb, std::string("\x00\xFF\x00", 3),
             LengthPrefixed(std::string("\x00\xFF\x00", 3), 1));
  struct Blob {
    const char* data_type;
    int length_bytes;
  } blobs[] = {{"tinyblob", 1}, {"blob", 2}, {"mediumblob", 3}, {"longblob", 4}};
  for (const auto& b : blobs) {
    ColumnSchema c = Col(b.data_type, b.data_type);
    EXPECT_EQ(SnapshotSelectExpr(c, true), std::string("`c_") + b.data_type + "`");
    ExpectSame(c, "\xDE\xAD\xBE\xEF", LengthPrefixed("\xDE\xAD\xBE\xEF", b.length_bytes));
    ExpectSame(c, "", LengthPrefixed("", b.length_bytes));
  }
}

TEST(TextValuesTest, EnumLabels) {
  ColumnSchema e = Col("enum", "enum('a','b''c','d\\\\e')", "utf8mb4", kUtf8mb4GeneralCi);
  EXPECT_EQ(SnapshotSelectExpr(e, true), "`c_enum`");
  ExpectSame(e, "a", LE(1, 1));
  ExpectSame(e, "b'c", LE(2, 1));
  ExpectSame(e, "d\\e", LE(3, 1));
  ExpectSame(e, "", LE(0, 1));  // the empty string of a bad value
  EXPECT_EQ(FromText(e, "b'c").enum_value(), "b'c");
  std::string labels = "enum(";
  for (int i = 1; i <= 300; ++i) labels += (i > 1 ? ",'v" : "'v") + std::to_string(i) + "'";
  ColumnSchema e300 = Col("enum", labels + ")", "utf8mb4", kUtf8mb4GeneralCi);
  ExpectSame(e300, "v300", LE(300, 2));
  ExpectSame(e300, "v1", LE(1, 2));
  EXPECT_NE(TextError(e, "zz").find("not one of the ENUM's labels"), std::string::npos);
  TextError(e, "A");
  // Without labels the decoder gives the index: select it.
  ColumnSchema bare = e;
  bare.enum_values.clear();
  EXPECT_EQ(SnapshotSelectExpr(bare, true), "`c_enum`+0");
  ExpectSame(bare, "2", LE(2, 1));
  ExpectSame(bare, "0", LE(0, 1));
  TextError(bare, "b'c");
}

TEST(TextValuesTest, SetLabels) {
  ColumnSchema s = Col("set", "set('x','y','z')", "latin1", kLatin1SwedishCi);
  EXPECT_EQ(SnapshotSelectExpr(s, true), "`c_set`");
  ExpectSame(s, "x,z", LE(0b101, 1));
  ExpectSame(s, "y", LE(0b010, 1));
  ExpectSame(s, "x,y,z", LE(0b111, 1));
  cdc::v1::Value empty = FromText(s, "");
  EXPECT_EQ(empty.kind_case(), cdc::v1::Value::kSetValue);
  ExpectSame(s, "", LE(0, 1));
  ColumnSchema s9 = Col("set", "set('m1','m2','m3','m4','m5','m6','m7','m8','m9')");
  ExpectSame(s9, "m1,m9", LE(0x101, 2));
  ExpectSame(s9, "m1,m2,m3,m4,m5,m6,m7,m8,m9", LE(0x1FF, 2));
  std::string labels = "set(";
  for (int i = 0; i < 64; ++i) labels += (i ? ",'b" : "'b") + std::to_string(i) + "'";
  ColumnSchema s64 = Col("set", labels + ")");
  ExpectSame(s64, "b0,b63", LE(0x8000000000000001ULL, 8));
  for (const char* bad : {"x,w", "x,", ",x", "X", "x,,y"}) TextError(s, bad);
  ColumnSchema bare = s;
  bare.set_values.clear();
  EXPECT_EQ(SnapshotSelectExpr(bare, true), "`c_set`+0");
  ExpectSame(bare, "5", LE(5, 1));
  TextError(bare, "x,z");
}

TEST(TextValuesTest, GeometryIsSridAndWkb) {
  ColumnSchema p = Col("point", "point");
  EXPECT_EQ(p.type_name, "point");
  EXPECT_EQ(SnapshotSelectExpr(p, true), "`c_point`");
  std::string wkb = std::string("\x01\x01\x00\x00\x00", 5) + LE(0x3FF8000000000000ULL, 8) +
                    LE(0xC004000000000000ULL, 8);  // POINT(1.5 -2.5)
  std::string value = LE(4326, 4) + wkb;
  ExpectSame(p, value, LengthPrefixed(value, 4));
  cdc::v1::Value v = FromText(p, value);
  EXPECT_EQ(v.geometry_value().srid(), 4326u);
  EXPECT_EQ(v.geometry_value().wkb(), wkb);
  ExpectSame(Col("geometry", "geometry"), LE(0, 4), LengthPrefixed(LE(0, 4), 4));
  TextError(p, std::string("\x01\x02\x03", 3));
}

TEST(TextValuesTest, NamesAreQuoted) {
  ColumnSchema c = Col("int", "int(11)");
  c.name = "we`ird";
  EXPECT_EQ(SnapshotSelectExpr(c, true), "`we``ird`");
  c.type = binlog::kTypeFloat;
  EXPECT_EQ(SnapshotSelectExpr(c, false), "CAST(`we``ird` AS DOUBLE)");
}

TEST(TextValuesTest, ErrorsShowTheTextSafely) {
  ColumnSchema c = Col("int", "int(11)");
  std::string message = TextError(c, std::string("1\x00\xFF\\", 4));
  EXPECT_NE(message.find("'1\\x00\\xFF\\x5C'"), std::string::npos) << message;
  message = TextError(c, std::string(100, '9'));
  EXPECT_NE(message.find(std::string(64, '9') + "...'"), std::string::npos) << message;
  EXPECT_EQ(message.find(std::string(65, '9')), std::string::npos) << message;
}

}  // namespace
}  // namespace cdc::agent::mysql
