// Streaming from MariaDB's binlog into Kafka, read back with `cdc-agent tail`:
// every column type (and the snapshot's text conversion against the binlog
// decoding of the same values), multi-statement transactions, a 100,000-row
// transaction, ALTER TABLE mid-stream, TRUNCATE, a table without a primary
// key, and which databases are captured.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;
using cdc::v1::Value;
using Columns = google::protobuf::RepeatedPtrField<cdc::v1::Column>;

class MyStreamTest : public MyAgentTest {};

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::vector<std::string> Names(const Columns& row) {
  std::vector<std::string> out;
  for (const auto& c : row) out.push_back(c.name());
  return out;
}

std::string TypeOf(const Columns& row, const std::string& name) {
  for (const auto& c : row) {
    if (c.name() == name) return c.type();
  }
  return "<absent>";
}

// `a` and `b` hold the same columns (names, types, values) in the same
// order, except those in `skip`.
void ExpectSameImage(const Columns& a, const Columns& b, const std::set<std::string>& skip,
                     const std::string& what) {
  ASSERT_EQ(Names(a), Names(b)) << what;
  for (int i = 0; i < a.size(); ++i) {
    if (skip.count(a[i].name()) != 0) continue;
    EXPECT_EQ(a[i].type(), b[i].type()) << what << ": column " << a[i].name();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(a[i].value(), b[i].value()))
        << what << ": column " << a[i].name() << ": " << a[i].value().ShortDebugString()
        << " vs " << b[i].value().ShortDebugString();
  }
}

const std::string kAllTypesDdl =
    "CREATE TABLE all_types (id INT PRIMARY KEY, "
    "c_tinyint TINYINT, c_utinyint TINYINT UNSIGNED, c_smallint SMALLINT, "
    "c_usmallint SMALLINT UNSIGNED, c_mediumint MEDIUMINT, c_umediumint MEDIUMINT UNSIGNED, "
    "c_int INT, c_uint INT UNSIGNED, c_bigint BIGINT, c_ubigint BIGINT UNSIGNED, "
    "c_dec65 DECIMAL(65,30), c_dec10 DECIMAL(10,2), c_float FLOAT, c_double DOUBLE, "
    "c_bit1 BIT(1), c_bit64 BIT(64), c_year YEAR, c_date DATE, c_time TIME(6), "
    "c_datetime DATETIME(6), c_ts TIMESTAMP(3) NULL DEFAULT NULL, "
    "c_char_u CHAR(10) CHARACTER SET utf8mb4, c_varchar_u VARCHAR(50) CHARACTER SET utf8mb4, "
    "c_text_u TEXT CHARACTER SET utf8mb4, c_char_l CHAR(10) CHARACTER SET latin1, "
    "c_varchar_l VARCHAR(50) CHARACTER SET latin1, c_text_l TEXT CHARACTER SET latin1, "
    "c_binary BINARY(4), c_varbinary VARBINARY(10), c_blob BLOB, "
    "c_enum ENUM('small','medium','large'), c_set SET('a','b','c','d'), c_json JSON, "
    "c_geo GEOMETRY, c_point POINT)";

const std::string kColumnList =
    "c_tinyint, c_utinyint, c_smallint, c_usmallint, c_mediumint, c_umediumint, c_int, c_uint, "
    "c_bigint, c_ubigint, c_dec65, c_dec10, c_float, c_double, c_bit1, c_bit64, c_year, c_date, "
    "c_time, c_datetime, c_ts, c_char_u, c_varchar_u, c_text_u, c_char_l, c_varchar_l, "
    "c_text_l, c_binary, c_varbinary, c_blob, c_enum, c_set, c_json, c_geo, c_point";

// Low extremes: signed minimums, unsigned zeros, negative decimals, the zero
// date, a negative TIME.
const std::string kLowValues =
    "-128, 0, -32768, 0, -8388608, 0, -2147483648, 0, -9223372036854775808, 0, "
    "'-12345678901234567890123456789012345.123456789012345678901234567890', '-99999999.99', "
    "-1.5, -1.7976931348623157e308, b'0', "
    "b'1000000000000000000000000000000000000000000000000000000000000001', 1901, '0000-00-00', "
    "'-12:34:56.789012', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01.000', "
    "'h\xC3\xA9llo\xF0\x9F\x98\x80', 'Gr\xC3\xBC\xC3\x9F" "e, \xE4\xB8\x96\xE7\x95\x8C \"q\"', "
    "'multi\\nline \xF0\x9F\x9A\x80', 'caf\xC3\xA9', '\xE2\x82\xAC na\xC3\xAFve \xC2\xBD', "
    "'\xC3\x86r\xC3\xB8 \xC2\xA3" "5', x'DEAD00', x'00FF00', x'DEADBEEF00', 'small', '', "
    "'{\"a\": [1, 2.50, \"x\"], \"b\": null}', ST_GeomFromText('LINESTRING(0 0, 1 1)', 4326), "
    "POINT(1.5, -2.5)";

// High extremes: signed and unsigned maximums, a TIME over 24 hours, the
// largest DATETIME and TIMESTAMP.
const std::string kHighValues =
    "127, 255, 32767, 65535, 8388607, 16777215, 2147483647, 4294967295, 9223372036854775807, "
    "18446744073709551615, '0.000000000000000000000000000001', '-0.05', 0.1, "
    "0.30000000000000004, b'1', x'FFFFFFFFFFFFFFFF', 2155, '9999-12-31', '838:59:59.999999', "
    "'9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999', 'ab', '', "
    "REPEAT('\xC3\xBC', 3000), 'Z', '\xC3\x84', '', x'01020304', x'', x'00', 'large', "
    "'a,b,c,d', '[]', ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))'), POINT(0, 0)";

std::string InsertRow(int id, const std::string& values) {
  return "INSERT INTO all_types (id, " + kColumnList + ") VALUES (" + std::to_string(id) + ", " +
         values + ")";
}

std::string InsertNulls(int id) {
  return "INSERT INTO all_types (id) VALUES (" + std::to_string(id) + ")";
}

class AllTypesChecker {
 public:
  AllTypesChecker(MysqlClient& db, int low_id, int high_id) {
    auto geo = db.Rows("SELECT id, HEX(ST_AsBinary(c_geo)), ST_SRID(c_geo), "
                       "HEX(ST_AsBinary(c_point)), ST_SRID(c_point) FROM all_types WHERE id IN (" +
                       std::to_string(low_id) + ", " + std::to_string(high_id) + ")");
    for (const auto& row : geo) {
      Geo& g = std::stoi(*row[0]) == low_id ? low_geo_ : high_geo_;
      g.wkb = Unhex(row[1].value_or(""));
      g.srid = static_cast<uint32_t>(std::stoul(row[2].value_or("0")));
      g.point_wkb = Unhex(row[3].value_or(""));
    }
    auto micros = [&](const std::string& literal) {
      return std::stoll(db.Scalar("SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', '" +
                                  literal + "')")
                            .value_or("0"));
    };
    low_datetime_ = micros("1000-01-01 00:00:00.000001");
    high_datetime_ = micros("9999-12-31 23:59:59.999999");
  }

  void ExpectLow(const Columns& row) const {
    ASSERT_EQ(row.size(), 36);
    EXPECT_EQ(Get(row, "c_tinyint").int_value(), -128);
    EXPECT_EQ(Get(row, "c_utinyint").uint_value(), 0u);
    EXPECT_EQ(Get(row, "c_utinyint").kind_case(), Value::kUintValue);
    EXPECT_EQ(Get(row, "c_smallint").int_value(), -32768);
    EXPECT_EQ(Get(row, "c_usmallint").kind_case(), Value::kUintValue);
    EXPECT_EQ(Get(row, "c_mediumint").int_value(), -8388608);
    EXPECT_EQ(Get(row, "c_umediumint").kind_case(), Value::kUintValue);
    EXPECT_EQ(Get(row, "c_int").int_value(), -2147483648LL);
    EXPECT_EQ(Get(row, "c_uint").kind_case(), Value::kUintValue);
    EXPECT_EQ(Get(row, "c_bigint").int_value(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(Get(row, "c_ubigint").uint_value(), 0u);
    EXPECT_EQ(Get(row, "c_ubigint").kind_case(), Value::kUintValue);
    EXPECT_EQ(Get(row, "c_dec65").decimal_value(),
              "-12345678901234567890123456789012345.123456789012345678901234567890");
    EXPECT_EQ(Get(row, "c_dec10").decimal_value(), "-99999999.99");
    EXPECT_EQ(Get(row, "c_float").float_value(), -1.5f);
    EXPECT_EQ(Get(row, "c_double").double_value(), -1.7976931348623157e308);
    EXPECT_EQ(Get(row, "c_bit1").bits_value(), "0");
    EXPECT_EQ(Get(row, "c_bit64").bits_value(), "1" + std::string(62, '0') + "1");
    EXPECT_EQ(Get(row, "c_year").int_value(), 1901);
    const auto& date = Get(row, "c_date");
    EXPECT_EQ(date.kind_case(), Value::kDateValue);
    EXPECT_EQ(date.date_value().year(), 0);
    EXPECT_EQ(date.date_value().month(), 0u);
    EXPECT_EQ(date.date_value().day(), 0u);
    EXPECT_EQ(Get(row, "c_time").time_value().micros(), -45296789012LL);
    EXPECT_EQ(Get(row, "c_time").time_value().precision(), 6u);
    const auto& dt = Get(row, "c_datetime").timestamp_value();
    EXPECT_EQ(dt.epoch_micros(), low_datetime_);
    EXPECT_EQ(dt.epoch_micros(), -30610223999999999LL);
    EXPECT_EQ(dt.precision(), 6u);
    EXPECT_FALSE(dt.with_time_zone());
    EXPECT_FALSE(dt.zero());
    const auto& ts = Get(row, "c_ts").timestamp_value();
    EXPECT_EQ(ts.epoch_micros(), 1000000);
    EXPECT_EQ(ts.precision(), 3u);
    EXPECT_TRUE(ts.with_time_zone());
    EXPECT_EQ(Get(row, "c_char_u").text_value(), "h\xC3\xA9llo\xF0\x9F\x98\x80");
    EXPECT_EQ(Get(row, "c_varchar_u").text_value(),
              "Gr\xC3\xBC\xC3\x9F" "e, \xE4\xB8\x96\xE7\x95\x8C \"q\"");
    EXPECT_EQ(Get(row, "c_text_u").text_value(), "multi\nline \xF0\x9F\x9A\x80");
    EXPECT_EQ(Get(row, "c_char_l").text_value(), "caf\xC3\xA9");
    EXPECT_EQ(Get(row, "c_varchar_l").text_value(), "\xE2\x82\xAC na\xC3\xAFve \xC2\xBD");
    EXPECT_EQ(Get(row, "c_text_l").text_value(), "\xC3\x86r\xC3\xB8 \xC2\xA3" "5");
    EXPECT_EQ(Get(row, "c_binary").bytes_value(), std::string("\xDE\xAD\x00\x00", 4));
    EXPECT_EQ(Get(row, "c_varbinary").bytes_value(), std::string("\x00\xFF\x00", 3));
    EXPECT_EQ(Get(row, "c_blob").bytes_value(), std::string("\xDE\xAD\xBE\xEF\x00", 5));
    EXPECT_EQ(Get(row, "c_enum").enum_value(), "small");
    EXPECT_EQ(Get(row, "c_set").kind_case(), Value::kSetValue);
    EXPECT_EQ(Get(row, "c_set").set_value().labels_size(), 0);
    EXPECT_EQ(Get(row, "c_json").json_value(), "{\"a\": [1, 2.50, \"x\"], \"b\": null}");
    EXPECT_EQ(Get(row, "c_geo").geometry_value().srid(), 4326u);
    EXPECT_EQ(Get(row, "c_geo").geometry_value().wkb(), low_geo_.wkb);
    EXPECT_EQ(Get(row, "c_point").geometry_value().srid(), 0u);
    EXPECT_EQ(Get(row, "c_point").geometry_value().wkb(), low_geo_.point_wkb);
    EXPECT_EQ(Unhex("0101000000000000000000F83F00000000000004C0"), low_geo_.point_wkb);
    // Type names of a few columns.
    EXPECT_EQ(TypeOf(row, "c_ubigint"), "bigint unsigned");
    EXPECT_EQ(TypeOf(row, "c_dec65"), "decimal(65,30)");
    EXPECT_EQ(TypeOf(row, "c_bit64"), "bit(64)");
    EXPECT_EQ(TypeOf(row, "c_time"), "time(6)");
    EXPECT_EQ(TypeOf(row, "c_ts"), "timestamp(3)");
  }

  void ExpectHigh(const Columns& row) const {
    ASSERT_EQ(row.size(), 36);
    EXPECT_EQ(Get(row, "c_tinyint").int_value(), 127);
    EXPECT_EQ(Get(row, "c_utinyint").uint_value(), 255u);
    EXPECT_EQ(Get(row, "c_smallint").int_value(), 32767);
    EXPECT_EQ(Get(row, "c_usmallint").uint_value(), 65535u);
    EXPECT_EQ(Get(row, "c_mediumint").int_value(), 8388607);
    EXPECT_EQ(Get(row, "c_umediumint").uint_value(), 16777215u);
    EXPECT_EQ(Get(row, "c_int").int_value(), 2147483647);
    EXPECT_EQ(Get(row, "c_uint").uint_value(), 4294967295u);
    EXPECT_EQ(Get(row, "c_bigint").int_value(), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(Get(row, "c_ubigint").uint_value(), std::numeric_limits<uint64_t>::max());
    EXPECT_EQ(Get(row, "c_dec65").decimal_value(), "0.000000000000000000000000000001");
    EXPECT_EQ(Get(row, "c_dec10").decimal_value(), "-0.05");
    EXPECT_EQ(Get(row, "c_float").float_value(), 0.1f);
    EXPECT_EQ(Get(row, "c_double").double_value(), 0.30000000000000004);
    EXPECT_EQ(Get(row, "c_bit1").bits_value(), "1");
    EXPECT_EQ(Get(row, "c_bit64").bits_value(), std::string(64, '1'));
    EXPECT_EQ(Get(row, "c_year").int_value(), 2155);
    const auto& date = Get(row, "c_date").date_value();
    EXPECT_EQ(date.year(), 9999);
    EXPECT_EQ(date.month(), 12u);
    EXPECT_EQ(date.day(), 31u);
    EXPECT_EQ(Get(row, "c_time").time_value().micros(), 3020399999999LL);
    const auto& dt = Get(row, "c_datetime").timestamp_value();
    EXPECT_EQ(dt.epoch_micros(), high_datetime_);
    EXPECT_EQ(dt.epoch_micros(), 253402300799999999LL);
    const auto& ts = Get(row, "c_ts").timestamp_value();
    EXPECT_EQ(ts.epoch_micros(), 2147483647999000LL);
    EXPECT_TRUE(ts.with_time_zone());
    EXPECT_EQ(Get(row, "c_char_u").text_value(), "ab");
    EXPECT_EQ(Get(row, "c_varchar_u").kind_case(), Value::kTextValue);
    EXPECT_EQ(Get(row, "c_varchar_u").text_value(), "");
    std::string umlauts;
    for (int i = 0; i < 3000; ++i) umlauts += "\xC3\xBC";
    EXPECT_EQ(Get(row, "c_text_u").text_value(), umlauts);
    EXPECT_EQ(Get(row, "c_char_l").text_value(), "Z");
    EXPECT_EQ(Get(row, "c_varchar_l").text_value(), "\xC3\x84");
    EXPECT_EQ(Get(row, "c_text_l").kind_case(), Value::kTextValue);
    EXPECT_EQ(Get(row, "c_text_l").text_value(), "");
    EXPECT_EQ(Get(row, "c_binary").bytes_value(), std::string("\x01\x02\x03\x04", 4));
    EXPECT_EQ(Get(row, "c_varbinary").kind_case(), Value::kBytesValue);
    EXPECT_EQ(Get(row, "c_varbinary").bytes_value(), "");
    EXPECT_EQ(Get(row, "c_blob").bytes_value(), std::string("\x00", 1));
    EXPECT_EQ(Get(row, "c_enum").enum_value(), "large");
    const auto& set = Get(row, "c_set").set_value();
    ASSERT_EQ(set.labels_size(), 4);
    EXPECT_EQ(set.labels(0), "a");
    EXPECT_EQ(set.labels(3), "d");
    EXPECT_EQ(Get(row, "c_json").json_value(), "[]");
    EXPECT_EQ(Get(row, "c_geo").geometry_value().srid(), 0u);
    EXPECT_EQ(Get(row, "c_geo").geometry_value().wkb(), high_geo_.wkb);
    EXPECT_EQ(Get(row, "c_point").geometry_value().wkb(), high_geo_.point_wkb);
  }

  static void ExpectNulls(const Columns& row) {
    ASSERT_EQ(row.size(), 36);
    for (const auto& c : row) {
      if (c.name() == "id") continue;
      EXPECT_EQ(c.value().kind_case(), Value::kNull) << c.name();
    }
  }

 private:
  struct Geo {
    std::string wkb;
    uint32_t srid = 0;
    std::string point_wkb;
  };

  static const Value& Get(const Columns& row, const std::string& name) {
    static const Value kAbsent;
    const Value* v = FindValue(row, name);
    EXPECT_NE(v, nullptr) << "column " << name << " is missing";
    return v == nullptr ? kAbsent : *v;
  }

  Geo low_geo_;
  Geo high_geo_;
  int64_t low_datetime_ = 0;
  int64_t high_datetime_ = 0;
};

// With the server's default binlog_row_metadata (minimal TABLE_MAPs: the
// schema history names the columns) and with FULL (the TABLE_MAP does; the
// history still marks MariaDB's JSON, a LONGTEXT to the binlog).
class MyAllTypesTest : public MyAgentTest, public ::testing::WithParamInterface<bool> {
 protected:
  void TearDown() override {
    if (GetParam() && admin_ != nullptr) admin_->Exec("SET GLOBAL binlog_row_metadata = DEFAULT");
    MyAgentTest::TearDown();
  }
};

TEST_P(MyAllTypesTest, EveryTypeArrivesExactAndSnapshotEqualsBinlog) {
  if (GetParam()) {
    SqlOn(*admin_, "SET GLOBAL binlog_row_metadata = FULL");
    db_ = Connect(db_name_);
  }
  Sql(kAllTypesDdl);
  // Read by the snapshot.
  Sql(InsertRow(100, kHighValues));
  Sql(InsertRow(101, kLowValues));
  Sql(InsertNulls(102));
  StartAgent();
  // Streamed: the same values under other ids, then an update and a delete.
  std::vector<std::string> gtids;
  Sql(InsertRow(1, kLowValues));
  gtids.push_back(LastGtid());
  Sql(InsertRow(2, kHighValues));
  gtids.push_back(LastGtid());
  Sql(InsertNulls(3));
  gtids.push_back(LastGtid());
  Sql("UPDATE all_types SET c_varchar_u = 'updated', c_int = 0 WHERE id = 1");
  gtids.push_back(LastGtid());
  Sql("DELETE FROM all_types WHERE id = 2");
  gtids.push_back(LastGtid());
  for (const auto& g : gtids) ASSERT_EQ(g.rfind("0-1-", 0), 0u) << g;
  AllTypesChecker check(*db_, 1, 100);

  // 3 READ, 3 INSERT, UPDATE, DELETE, tombstone.
  auto lines = TailTopic(env_, Topic("all_types"), 9);
  ASSERT_EQ(lines.size(), 9u);
  std::map<int64_t, const ChangeEvent*> read;
  for (int i = 0; i < 3; ++i) {
    const ChangeEvent& e = lines[i].value();
    ASSERT_EQ(e.op(), cdc::v1::OP_READ) << e.ShortDebugString();
    EXPECT_TRUE(e.source().snapshot());
    EXPECT_EQ(e.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);
    EXPECT_EQ(e.source().database(), db_name_);
    EXPECT_EQ(e.source().table(), "all_types");
    EXPECT_FALSE(e.source().mysql().file().empty());
    EXPECT_GT(e.source().mysql().pos(), 0u);
    read[FindValue(e.after(), "id")->int_value()] = &e;
  }
  ASSERT_EQ(read.size(), 3u);
  ASSERT_TRUE(read.count(100) && read.count(101) && read.count(102));

  const std::vector<cdc::v1::Op> ops = {cdc::v1::OP_INSERT, cdc::v1::OP_INSERT,
                                        cdc::v1::OP_INSERT, cdc::v1::OP_UPDATE,
                                        cdc::v1::OP_DELETE};
  const std::vector<int64_t> ids = {1, 2, 3, 1, 2};
  for (size_t i = 0; i < ops.size(); ++i) {
    const TailLine& line = lines[3 + i];
    const ChangeEvent& e = line.value();
    SCOPED_TRACE("streamed event " + std::to_string(i));
    EXPECT_EQ(e.op(), ops[i]);
    EXPECT_FALSE(e.source().snapshot());
    EXPECT_EQ(e.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);
    EXPECT_EQ(e.source().server_name(), settings_.name);
    EXPECT_EQ(e.source().database(), db_name_);
    EXPECT_EQ(e.source().schema(), db_name_);
    EXPECT_EQ(e.source().table(), "all_types");
    EXPECT_EQ(e.source().mysql().file().rfind("binlog.", 0), 0u) << e.source().mysql().file();
    EXPECT_GT(e.source().mysql().pos(), 0u);
    EXPECT_EQ(e.source().mysql().gtid(), gtids[i]);
    EXPECT_EQ(e.source().event_index(), 0u);
    EXPECT_GT(e.source().commit_time_us(), 0);
    ASSERT_EQ(e.key_columns_size(), 1);
    EXPECT_EQ(e.key_columns(0), "id");
    ASSERT_EQ(line.key().columns_size(), 1);
    EXPECT_EQ(line.key().columns(0).name(), "id");
    EXPECT_EQ(line.key().columns(0).value().int_value(), ids[i]);
  }
  const ChangeEvent& ins_low = lines[3].value();
  const ChangeEvent& ins_high = lines[4].value();
  const ChangeEvent& ins_nulls = lines[5].value();
  const ChangeEvent& upd = lines[6].value();
  const ChangeEvent& del = lines[7].value();

  {
    SCOPED_TRACE("INSERT low");
    EXPECT_EQ(ins_low.before_size(), 0);
    check.ExpectLow(ins_low.after());
  }
  {
    SCOPED_TRACE("INSERT high");
    check.ExpectHigh(ins_high.after());
  }
  {
    SCOPED_TRACE("INSERT nulls");
    AllTypesChecker::ExpectNulls(ins_nulls.after());
  }
  {
    SCOPED_TRACE("READ high");
    check.ExpectHigh(read[100]->after());
  }
  {
    SCOPED_TRACE("READ low");
    check.ExpectLow(read[101]->after());
  }
  // The snapshot's text conversion gives what the binlog decoding gives.
  ExpectSameImage(read[100]->after(), ins_high.after(), {"id"}, "READ 100 vs INSERT 2");
  ExpectSameImage(read[101]->after(), ins_low.after(), {"id"}, "READ 101 vs INSERT 1");
  ExpectSameImage(read[102]->after(), ins_nulls.after(), {"id"}, "READ 102 vs INSERT 3");

  // UPDATE: the full before image is the inserted row; the after image
  // differs in the two columns set.
  ExpectSameImage(upd.before(), ins_low.after(), {}, "UPDATE before vs INSERT 1");
  ExpectSameImage(upd.after(), ins_low.after(), {"c_varchar_u", "c_int"},
                  "UPDATE after vs INSERT 1");
  EXPECT_EQ(FindValue(upd.after(), "c_varchar_u")->text_value(), "updated");
  EXPECT_EQ(FindValue(upd.after(), "c_int")->int_value(), 0);
  EXPECT_EQ(FindValue(upd.before(), "c_int")->int_value(), -2147483648LL);

  // DELETE: the full before image, no after image; then a tombstone.
  EXPECT_EQ(del.after_size(), 0);
  ExpectSameImage(del.before(), ins_high.after(), {}, "DELETE before vs INSERT 2");
  EXPECT_FALSE(lines[8].has_value());
  ASSERT_EQ(lines[8].key().columns_size(), 1);
  EXPECT_EQ(lines[8].key().columns(0).value().int_value(), 2);

  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

INSTANTIATE_TEST_SUITE_P(Metadata, MyAllTypesTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Full" : "Minimal";
                         });

TEST_F(MyStreamTest, MultiStatementTransactionKeepsOrderAndGtid) {
  Sql("CREATE TABLE t1 (id INT PRIMARY KEY, v VARCHAR(10))");
  Sql("CREATE TABLE t2 (id INT PRIMARY KEY, n INT)");
  StartAgent();
  Sql("BEGIN");
  Sql("INSERT INTO t1 VALUES (1, 'a')");
  Sql("INSERT INTO t2 VALUES (10, 100)");
  Sql("UPDATE t1 SET v = 'b' WHERE id = 1");
  Sql("INSERT INTO t1 VALUES (2, 'c')");
  Sql("DELETE FROM t2 WHERE id = 10");
  Sql("INSERT INTO t2 VALUES (11, 1), (12, 2)");
  Sql("UPDATE t2 SET n = n + 1 ORDER BY id");
  Sql("COMMIT");
  const std::string gtid = LastGtid();
  Sql("INSERT INTO t1 VALUES (3, 'd')");
  const std::string next_gtid = LastGtid();
  ASSERT_NE(gtid, next_gtid);

  // t1: I1 U1 I2 I3; t2: I10 D10 tombstone I11 I12 U11 U12.
  auto l1 = TailTopic(env_, Topic("t1"), 4);
  auto l2 = TailTopic(env_, Topic("t2"), 7);
  ASSERT_EQ(l1.size(), 4u);
  ASSERT_EQ(l2.size(), 7u);

  struct Step {
    std::string table;
    cdc::v1::Op op;
    int64_t id;
  };
  const std::vector<Step> expected = {
      {"t1", cdc::v1::OP_INSERT, 1},  {"t2", cdc::v1::OP_INSERT, 10},
      {"t1", cdc::v1::OP_UPDATE, 1},  {"t1", cdc::v1::OP_INSERT, 2},
      {"t2", cdc::v1::OP_DELETE, 10}, {"t2", cdc::v1::OP_INSERT, 11},
      {"t2", cdc::v1::OP_INSERT, 12}, {"t2", cdc::v1::OP_UPDATE, 11},
      {"t2", cdc::v1::OP_UPDATE, 12}};
  std::vector<const ChangeEvent*> txn(expected.size(), nullptr);
  const ChangeEvent* after_txn = nullptr;
  for (const auto* lines : {&l1, &l2}) {
    uint64_t last_index = 0;
    bool first = true;
    for (const auto& l : *lines) {
      if (!l.has_value()) continue;
      const ChangeEvent& e = l.value();
      if (e.source().mysql().gtid() == next_gtid) {
        after_txn = &e;
        continue;
      }
      EXPECT_EQ(e.source().mysql().gtid(), gtid) << e.ShortDebugString();
      // Per topic (one partition each here), Kafka keeps the order.
      if (!first) {
        EXPECT_GT(e.source().event_index(), last_index);
      }
      first = false;
      last_index = e.source().event_index();
      ASSERT_LT(e.source().event_index(), expected.size()) << e.ShortDebugString();
      EXPECT_EQ(txn[e.source().event_index()], nullptr) << "event_index used twice";
      txn[e.source().event_index()] = &e;
    }
  }
  uint64_t last_pos = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NE(txn[i], nullptr) << "no event with event_index " << i;
    const ChangeEvent& e = *txn[i];
    EXPECT_EQ(e.source().table(), expected[i].table) << i;
    EXPECT_EQ(e.op(), expected[i].op) << i;
    const auto& image = e.op() == cdc::v1::OP_DELETE ? e.before() : e.after();
    EXPECT_EQ(FindValue(image, "id")->int_value(), expected[i].id) << i;
    EXPECT_GE(e.source().mysql().pos(), last_pos) << i;
    last_pos = e.source().mysql().pos();
    EXPECT_EQ(e.source().commit_time_us(), txn[0]->source().commit_time_us()) << i;
    EXPECT_EQ(e.source().mysql().file(), txn[0]->source().mysql().file()) << i;
  }
  EXPECT_EQ(FindValue(txn[2]->before(), "v")->text_value(), "a");
  EXPECT_EQ(FindValue(txn[2]->after(), "v")->text_value(), "b");
  EXPECT_EQ(FindValue(txn[7]->after(), "n")->int_value(), 2);
  EXPECT_EQ(FindValue(txn[8]->after(), "n")->int_value(), 3);
  // The next transaction starts its own numbering.
  ASSERT_NE(after_txn, nullptr);
  EXPECT_EQ(after_txn->source().event_index(), 0u);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, HundredThousandRowTransactionArrivesExactlyOnce) {
  constexpr int kRows = 100000;
  Sql("CREATE TABLE big (id BIGINT PRIMARY KEY, v VARCHAR(32))");
  StartAgent();
  Sql("INSERT INTO big SELECT seq, CONCAT('row-', seq) FROM seq_1_to_" + std::to_string(kRows));
  const auto committed = std::chrono::steady_clock::now();
  const std::string gtid = LastGtid();
  auto lines = TailTopic(env_, Topic("big"), kRows, std::chrono::milliseconds(20000));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - committed).count();
  ASSERT_EQ(lines.size(), static_cast<size_t>(kRows));
  std::vector<bool> seen(kRows + 1, false);
  int distinct = 0;
  int bad = 0;
  for (const auto& l : lines) {
    const ChangeEvent& e = l.value();
    const Value* id = FindValue(e.after(), "id");
    if (id == nullptr || e.op() != cdc::v1::OP_INSERT || e.source().mysql().gtid() != gtid ||
        id->int_value() < 1 || id->int_value() > kRows) {
      if (bad++ < 5) ADD_FAILURE() << "unexpected event: " << e.ShortDebugString();
      continue;
    }
    const int64_t n = id->int_value();
    if (!seen[static_cast<size_t>(n)]) ++distinct;
    seen[static_cast<size_t>(n)] = true;
    if (FindValue(e.after(), "v")->text_value() != "row-" + std::to_string(n) && bad++ < 5) {
      ADD_FAILURE() << "wrong value: " << e.ShortDebugString();
    }
  }
  EXPECT_EQ(distinct, kRows);
  EXPECT_EQ(bad, 0);
  EXPECT_EQ(lines.front().value().source().event_index(), 0u);
  EXPECT_EQ(lines.back().value().source().event_index(), static_cast<uint64_t>(kRows - 1));
  std::printf("MYSQL THROUGHPUT: %d events in one transaction, %.2f s from commit until the last "
              "was read back: %.0f events/s\n",
              kRows, seconds, kRows / seconds);
  std::fflush(stdout);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, AlterTableMidStreamThenRestart) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y')");
  Sql("ALTER TABLE t ADD COLUMN c VARCHAR(10) NOT NULL DEFAULT 'dflt' AFTER a");
  Sql("INSERT INTO t (id, a, c, b) VALUES (3, 30, 'c3', 'z')");
  Sql("UPDATE t SET b = 'x2' WHERE id = 1");
  auto before_drop = TailTopic(env_, Topic("t"), 4);
  ASSERT_EQ(before_drop.size(), 4u);
  Sql("ALTER TABLE t DROP COLUMN b");
  Sql("INSERT INTO t VALUES (4, 40, 'c4')");
  Sql("DELETE FROM t WHERE id = 2");
  auto first_run = TailTopic(env_, Topic("t"), 7);
  ASSERT_EQ(first_run.size(), 7u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();

  // Restart from the stored position, then more changes and another ALTER.
  StartAgent();
  Sql("INSERT INTO t VALUES (5, 50, 'c5')");
  Sql("ALTER TABLE t ADD COLUMN d INT NOT NULL DEFAULT 7");
  Sql("INSERT INTO t VALUES (6, 60, 'c6', 8)");
  // Exactly 9 messages: one more would be a duplicate.
  auto lines = TailTopic(env_, Topic("t"), 10, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 9u);
  using Cols = std::vector<std::string>;
  const Cols old_cols = {"id", "a", "b"};
  const Cols added = {"id", "a", "c", "b"};
  const Cols dropped = {"id", "a", "c"};
  const Cols added_d = {"id", "a", "c", "d"};
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(Names(lines[0].value().after()), old_cols);
  EXPECT_EQ(Names(lines[1].value().after()), old_cols);
  EXPECT_EQ(FindValue(lines[1].value().after(), "b")->text_value(), "y");
  EXPECT_EQ(Names(lines[2].value().after()), added);
  EXPECT_EQ(FindValue(lines[2].value().after(), "c")->text_value(), "c3");
  EXPECT_EQ(FindValue(lines[2].value().after(), "b")->text_value(), "z");
  const ChangeEvent& upd = lines[3].value();
  EXPECT_EQ(upd.op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(Names(upd.before()), added);
  EXPECT_EQ(Names(upd.after()), added);
  EXPECT_EQ(FindValue(upd.before(), "c")->text_value(), "dflt");
  EXPECT_EQ(FindValue(upd.before(), "b")->text_value(), "x");
  EXPECT_EQ(FindValue(upd.after(), "b")->text_value(), "x2");
  EXPECT_EQ(Names(lines[4].value().after()), dropped);
  EXPECT_EQ(FindValue(lines[4].value().after(), "c")->text_value(), "c4");
  const ChangeEvent& del = lines[5].value();
  EXPECT_EQ(del.op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(Names(del.before()), dropped);
  EXPECT_EQ(FindValue(del.before(), "a")->int_value(), 20);
  EXPECT_EQ(FindValue(del.before(), "c")->text_value(), "dflt");
  EXPECT_FALSE(lines[6].has_value());
  EXPECT_EQ(Names(lines[7].value().after()), dropped);
  EXPECT_EQ(FindValue(lines[7].value().after(), "id")->int_value(), 5);
  EXPECT_EQ(Names(lines[8].value().after()), added_d);
  EXPECT_EQ(FindValue(lines[8].value().after(), "d")->int_value(), 8);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, TruncateIsAnEventOnTheTablesTopic) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  Sql("CREATE TABLE other (id INT PRIMARY KEY)");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 1), (2, 2)");
  Sql("TRUNCATE TABLE t");
  const std::string truncate_gtid = LastGtid();
  Sql("INSERT INTO t VALUES (3, 3)");
  Sql("TRUNCATE `" + db_name_ + "`.`other`");
  auto lines = TailTopic(env_, Topic("t"), 4);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(lines[1].value().op(), cdc::v1::OP_INSERT);
  const ChangeEvent& tr = lines[2].value();
  EXPECT_EQ(tr.op(), cdc::v1::OP_TRUNCATE);
  EXPECT_EQ(tr.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);
  EXPECT_EQ(tr.source().database(), db_name_);
  EXPECT_EQ(tr.source().table(), "t");
  EXPECT_EQ(tr.source().mysql().gtid(), truncate_gtid);
  EXPECT_GT(tr.source().mysql().pos(), 0u);
  EXPECT_EQ(tr.before_size(), 0);
  EXPECT_EQ(tr.after_size(), 0);
  EXPECT_EQ(lines[3].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(lines[3].value().after(), "id")->int_value(), 3);
  auto other = TailTopic(env_, Topic("other"), 1);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].value().op(), cdc::v1::OP_TRUNCATE);
  EXPECT_EQ(other[0].value().source().table(), "other");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, TruncateCarriesItsOwnCommitTime) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  StartAgent();
  // A TRUNCATE as the first change the agent sees.
  const int64_t before_s = std::stoll(db_->Scalar("SELECT UNIX_TIMESTAMP()").value_or("0"));
  Sql("TRUNCATE TABLE t");
  const int64_t after_s = std::stoll(db_->Scalar("SELECT UNIX_TIMESTAMP()").value_or("0"));
  auto lines = TailTopic(env_, Topic("t"), 1);
  ASSERT_EQ(lines.size(), 1u);
  const ChangeEvent& tr = lines[0].value();
  EXPECT_EQ(tr.op(), cdc::v1::OP_TRUNCATE);
  EXPECT_GE(tr.source().commit_time_us(), before_s * 1000000) << tr.ShortDebugString();
  EXPECT_LE(tr.source().commit_time_us(), (after_s + 1) * 1000000) << tr.ShortDebugString();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, TableWithoutPrimaryKeyHasNullKeyAndFullBeforeImages) {
  Sql("CREATE TABLE nopk (a INT, b VARCHAR(10))");
  StartAgent();
  Sql("INSERT INTO nopk VALUES (1, 'x'), (1, 'x')");
  Sql("UPDATE nopk SET b = 'y' LIMIT 1");
  Sql("DELETE FROM nopk WHERE b = 'x'");
  // insert, insert, update, delete; no tombstone without a key.
  auto lines = TailTopic(env_, Topic("nopk"), 5, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& l : lines) {
    ASSERT_TRUE(l.has_value());
    EXPECT_FALSE(l.has_key()) << l.key().ShortDebugString();
    EXPECT_EQ(l.value().key_columns_size(), 0);
  }
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(lines[1].value().op(), cdc::v1::OP_INSERT);
  const ChangeEvent& upd = lines[2].value();
  EXPECT_EQ(upd.op(), cdc::v1::OP_UPDATE);
  ASSERT_EQ(upd.before_size(), 2);
  EXPECT_EQ(FindValue(upd.before(), "a")->int_value(), 1);
  EXPECT_EQ(FindValue(upd.before(), "b")->text_value(), "x");
  EXPECT_EQ(FindValue(upd.after(), "b")->text_value(), "y");
  const ChangeEvent& del = lines[3].value();
  EXPECT_EQ(del.op(), cdc::v1::OP_DELETE);
  ASSERT_EQ(del.before_size(), 2);
  EXPECT_EQ(FindValue(del.before(), "a")->int_value(), 1);
  EXPECT_EQ(FindValue(del.before(), "b")->text_value(), "x");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, OnlyConfiguredDatabasesAndTablesAreCaptured) {
  const std::string db_a = db_name_;
  const std::string db_b = NewDatabase("b");
  const std::string db_c = NewDatabase("c");
  auto b = Connect(db_b);
  auto c = Connect(db_c);
  ASSERT_TRUE(b->ok() && c->ok());
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
  SqlOn(*b, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
  SqlOn(*c, "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(10))");
  SqlOn(*c, "CREATE TABLE listed (id INT PRIMARY KEY)");
  settings_.databases = {db_a, db_b};
  settings_.tables = {db_c + ".listed"};
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 'a')");
  SqlOn(*b, "INSERT INTO t VALUES (2, 'b')");
  SqlOn(*c, "INSERT INTO t VALUES (3, 'c')");
  SqlOn(*c, "INSERT INTO listed VALUES (4)");
  // A statement in one database that writes another.
  SqlOn(*c, "INSERT INTO `" + db_a + "`.t VALUES (5, 'from c')");
  SqlOn(*b, "INSERT INTO `" + db_c + "`.t VALUES (6, 'from b')");

  auto la = TailTopic(env_, Topic(db_a, "t"), 3, std::chrono::milliseconds(5000));
  ASSERT_EQ(la.size(), 2u);
  EXPECT_EQ(la[0].value().source().database(), db_a);
  EXPECT_EQ(FindValue(la[0].value().after(), "id")->int_value(), 1);
  EXPECT_EQ(FindValue(la[1].value().after(), "id")->int_value(), 5);
  auto lb = TailTopic(env_, Topic(db_b, "t"), 2, std::chrono::milliseconds(3000));
  ASSERT_EQ(lb.size(), 1u);
  EXPECT_EQ(lb[0].value().source().database(), db_b);
  EXPECT_EQ(FindValue(lb[0].value().after(), "v")->text_value(), "b");
  auto listed = TailTopic(env_, Topic(db_c, "listed"), 1);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value().source().database(), db_c);
  EXPECT_EQ(listed[0].value().source().table(), "listed");
  auto lc = TailTopic(env_, Topic(db_c, "t"), 1, std::chrono::milliseconds(3000));
  EXPECT_EQ(lc.size(), 0u) << "events of the uncaptured " << db_c << ".t were published";
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyStreamTest, PrimaryKeyChangeIsDeleteTombstoneInsert) {
  Sql("CREATE TABLE t (id INT, k2 INT, v VARCHAR(5), PRIMARY KEY (id, k2))");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 1, 'a'), (2, 2, 'b')");
  Sql("UPDATE t SET k2 = 10 WHERE id = 1");        // key moves
  Sql("UPDATE t SET v = 'c' WHERE id = 2");        // key stays
  auto lines = TailTopic(env_, Topic("t"), 7, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 6u) << agent_->Stderr();
  ASSERT_TRUE(lines[2].has_value());
  const ChangeEvent& del = lines[2].value();
  EXPECT_EQ(del.op(), cdc::v1::OP_DELETE);
  EXPECT_EQ(FindValue(del.before(), "k2")->int_value(), 1);
  ASSERT_EQ(lines[2].key().columns_size(), 2);
  EXPECT_EQ(lines[2].key().columns(1).value().int_value(), 1);
  // The tombstone of the old key, then the row under its new key.
  EXPECT_FALSE(lines[3].has_value());
  EXPECT_EQ(lines[3].key().SerializeAsString(), lines[2].key().SerializeAsString());
  const ChangeEvent& ins = lines[4].value();
  EXPECT_EQ(ins.op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(ins.after(), "k2")->int_value(), 10);
  EXPECT_EQ(FindValue(ins.after(), "v")->text_value(), "a");
  EXPECT_EQ(lines[4].key().columns(1).value().int_value(), 10);
  EXPECT_EQ(ins.source().event_index(), del.source().event_index() + 1);
  EXPECT_EQ(ins.source().mysql().gtid(), del.source().mysql().gtid());
  EXPECT_EQ(lines[5].value().op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
