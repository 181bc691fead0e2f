// Decodes the captured stream and checks the messages, relations and every
// value of the all_types rows against what workload.sql wrote.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "tests/unit/decoders/pgoutput/capture_fixture.h"

namespace cdc::pgoutput {
namespace {

using testing::CaptureTest;

TEST_F(CaptureTest, LabelsMatchTheDecodedMessages) {
  ASSERT_EQ(captured_->size(), 75u);
  const char* names[] = {"begin",  "commit", "origin",   "relation", "type",
                         "insert", "update", "delete", "truncate", "message"};
  for (size_t i = 0; i < captured_->size(); ++i) {
    std::string label = (*captured_)[i].label;
    EXPECT_EQ(label.substr(0, label.find(':')), names[(*messages_)[i].index()]) << i;
  }
}

TEST_F(CaptureTest, TransactionsAreBracketedAndConsistent) {
  const Begin* open = nullptr;
  uint32_t last_xid = 0;
  for (const Message& m : *messages_) {
    if (const Begin* b = std::get_if<Begin>(&m)) {
      ASSERT_EQ(open, nullptr);
      EXPECT_GT(b->xid, last_xid);
      last_xid = b->xid;
      open = b;
    } else if (const Commit* c = std::get_if<Commit>(&m)) {
      ASSERT_NE(open, nullptr);
      EXPECT_EQ(c->commit_lsn, open->final_lsn);
      EXPECT_GT(c->end_lsn, c->commit_lsn);
      EXPECT_EQ(c->commit_time_us, open->commit_time_us);
      EXPECT_GT(c->commit_time_us, 1700000000000000);  // after 2023: a Unix epoch time
      open = nullptr;
    } else if (const LogicalMessage* lm = std::get_if<LogicalMessage>(&m)) {
      EXPECT_EQ(lm->transactional, open != nullptr);
    } else {
      EXPECT_NE(open, nullptr) << "change outside a transaction";
    }
  }
  EXPECT_EQ(open, nullptr);
  EXPECT_EQ(All<Begin>().size(), 19u);
}

TEST_F(CaptureTest, RelationsCarryReplicaIdentityAndKeys) {
  const Relation& types = RelationNamed("all_types");
  EXPECT_EQ(types.schema, "public");
  EXPECT_EQ(types.replica_identity, 'd');
  ASSERT_EQ(types.columns.size(), 55u);
  TypeRegistry registry = Registry();
  std::map<std::string, std::string> type_of;
  for (const RelationColumn& c : types.columns) {
    EXPECT_EQ(c.key, c.name == "id") << c.name;
    type_of[std::string(c.name)] = TypeName(registry, c.type_oid);
  }
  EXPECT_EQ(type_of["c_int8"], "int8");
  EXPECT_EQ(type_of["c_bpchar"], "bpchar");
  EXPECT_EQ(type_of["c_tstz"], "timestamptz");
  EXPECT_EQ(type_of["c_mood"], "mood");
  EXPECT_EQ(type_of["c_posint"], "posint");
  EXPECT_EQ(type_of["c_mood_arr"], "_mood");
  EXPECT_EQ(type_of["c_int_arr"], "_int4");
  EXPECT_EQ(types.columns[8].name, "c_numeric_p");
  EXPECT_EQ(types.columns[8].type_modifier, (12 << 16 | 4) + 4);  // numeric(12,4)
  EXPECT_EQ(types.columns[13].name, "c_varchar");
  EXPECT_EQ(types.columns[13].type_modifier, 20 + 4);

  const Relation& full = RelationNamed("full_ident");
  EXPECT_EQ(full.replica_identity, 'f');
  EXPECT_TRUE(full.columns[0].key && full.columns[1].key);
  const Relation& no_pk = RelationNamed("no_pk");
  EXPECT_EQ(no_pk.replica_identity, 'd');
  EXPECT_FALSE(no_pk.columns[0].key || no_pk.columns[1].key);
  const Relation& index = RelationNamed("ident_index");
  EXPECT_EQ(index.replica_identity, 'i');
  EXPECT_TRUE(index.columns[0].key && index.columns[1].key);
  EXPECT_FALSE(index.columns[2].key);
}

TEST_F(CaptureTest, TypeMessagesPrecedeTheirFirstUse) {
  std::vector<Type> types = All<Type>();
  ASSERT_EQ(types.size(), 4u);
  EXPECT_EQ(types[0].schema, "public");
  EXPECT_EQ(types[0].name, "mood");
  // The domain posint is announced under its base type, in pg_catalog (empty).
  EXPECT_EQ(types[1].schema, "");
  EXPECT_EQ(types[1].name, "int4");
  EXPECT_GE(types[1].oid, 16384u);
  EXPECT_EQ(types[2].name, "_mood");
  EXPECT_EQ(types[3].name, "_posint");
  EXPECT_TRUE(std::holds_alternative<Type>((*messages_)[1]));
}

TEST_F(CaptureTest, EveryTypeOfTheFirstRow) {
  std::vector<Insert> inserts = ChangesOf<Insert>("all_types");
  ASSERT_EQ(inserts.size(), 3u);
  auto v = Values(RelationNamed("all_types"), inserts[0].new_tuple);
  EXPECT_EQ(v["id"].int_value(), 1);
  EXPECT_EQ(v["c_int2"].int_value(), -32768);
  EXPECT_EQ(v["c_int4"].int_value(), 2147483647);
  EXPECT_EQ(v["c_int8"].int_value(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(v["c_oid"].uint_value(), 4294967295u);
  EXPECT_EQ(v["c_float4"].float_value(), 1.5f);
  EXPECT_EQ(v["c_float8"].double_value(), -2.25e-300);
  EXPECT_EQ(v["c_numeric"].decimal_value(), "12345678901234567890.12345678901234567890");
  EXPECT_EQ(v["c_numeric_p"].decimal_value(), "3.1416");
  EXPECT_EQ(v["c_numeric_nan"].decimal_value(), "NaN");
  EXPECT_EQ(v["c_numeric_inf"].decimal_value(), "-Infinity");
  EXPECT_TRUE(v["c_bool"].bool_value());
  EXPECT_EQ(v["c_text"].text_value(), "line1\nline2 \"quoted\", \xc3\xbcnic\xc3\xb6" "de");
  EXPECT_EQ(v["c_varchar"].text_value(), "varchar");
  EXPECT_EQ(v["c_bpchar"].text_value(), "ab   ");
  EXPECT_EQ(v["c_char"].text_value(), "x");
  EXPECT_EQ(v["c_name"].text_value(), "a_name");
  EXPECT_EQ(v["c_bytea"].bytes_value(), std::string("\x00\xff\x10", 3));
  EXPECT_EQ(v["c_uuid"].uuid_value(), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(v["c_json"].json_value(), "{\"b\": 1,  \"a\": [true, null]}");
  EXPECT_EQ(v["c_jsonb"].json_value(), "{\"a\": [true, null], \"b\": 1}");
  EXPECT_EQ(v["c_date"].date_value().day(), 29u);
  EXPECT_EQ(v["c_date_bc"].date_value().year(), -43);
  EXPECT_EQ(v["c_date_inf"].date_value().infinity(), cdc::v1::INFINITY_POSITIVE);
  EXPECT_EQ(v["c_time"].time_value().micros(), 86400000000 - 1);
  EXPECT_EQ(v["c_time3"].time_value().precision(), 3u);
  EXPECT_EQ(v["c_time3"].time_value().micros(), 45296789000);
  EXPECT_EQ(v["c_timetz"].time_value().utc_offset_seconds(), 19800);
  EXPECT_EQ(v["c_timetz"].time_value().micros(), 43200500000);
  EXPECT_EQ(v["c_ts"].timestamp_value().epoch_micros(), 1710074096123456);
  EXPECT_EQ(v["c_ts_bc"].timestamp_value().epoch_micros(), -719528LL * 86400000000);
  // Written as 12:34:56.789+05:30, sent by the walsender in UTC.
  EXPECT_EQ(v["c_tstz"].timestamp_value().epoch_micros(), 1710054296789000);
  EXPECT_TRUE(v["c_tstz"].timestamp_value().with_time_zone());
  EXPECT_EQ(v["c_tstz_inf"].timestamp_value().infinity(), cdc::v1::INFINITY_NEGATIVE);
  EXPECT_EQ(v["c_tstz0"].timestamp_value().epoch_micros(), 946684800000000);  // rounded up
  EXPECT_EQ(v["c_tstz0"].timestamp_value().precision(), 0u);
  EXPECT_EQ(v["c_interval"].interval_value().months(), 14);
  EXPECT_EQ(v["c_interval"].interval_value().micros(), 14706789000);
  EXPECT_EQ(v["c_interval_neg"].interval_value().months(), -14);
  EXPECT_EQ(v["c_interval_neg"].interval_value().days(), 3);
  EXPECT_EQ(v["c_interval_neg"].interval_value().micros(), -14706500000);
  EXPECT_EQ(v["c_inet"].inet_value(), "192.168.1.5/24");
  EXPECT_EQ(v["c_cidr"].inet_value(), "10.1.0.0/16");
  EXPECT_EQ(v["c_inet6"].inet_value(), "2001:db8::1");
  EXPECT_EQ(v["c_macaddr"].macaddr_value(), "08:00:2b:01:02:03");
  EXPECT_EQ(v["c_macaddr8"].macaddr_value(), "08:00:2b:01:02:03:04:05");
  EXPECT_EQ(v["c_money"].decimal_value(), "1234.56");
  EXPECT_EQ(v["c_money_neg"].decimal_value(), "-1234567.89");
  EXPECT_EQ(v["c_bit"].bits_value(), "1010");
  EXPECT_EQ(v["c_varbit"].bits_value(), "110");
  EXPECT_EQ(v["c_mood"].enum_value(), "happy");
  EXPECT_EQ(v["c_posint"].int_value(), 42);
  EXPECT_EQ(v["c_int_arr"].array_value().elements(2).int_value(), -3);
  EXPECT_TRUE(v["c_int_arr"].array_value().elements(1).null());
  const cdc::v1::Array& texts = v["c_text_arr"].array_value();
  ASSERT_EQ(texts.elements_size(), 6);
  EXPECT_EQ(texts.elements(2).text_value(), "q\"u,o\\te");
  EXPECT_EQ(texts.elements(3).text_value(), "NULL");
  EXPECT_EQ(v["c_int_2d"].array_value().elements(1).array_value().elements(0).int_value(), 3);
  EXPECT_EQ(v["c_mood_arr"].array_value().elements(1).enum_value(), "happy");
  EXPECT_EQ(v["c_posint_arr"].array_value().elements(1).int_value(), 2);
  EXPECT_EQ(v["c_tstz_arr"].array_value().elements(0).timestamp_value().epoch_micros(),
            1704067200000000);
  EXPECT_EQ(v["c_numeric_arr"].array_value().elements(1).decimal_value(), "NaN");
  EXPECT_EQ(v["c_box_arr"].array_value().elements(1).raw_value().text(), "(3,3),(2,2)");
  EXPECT_EQ(v["c_point"].raw_value().text(), "(1.5,2)");
  EXPECT_EQ(v["c_int4range"].raw_value().text(), "[1,10)");
}

TEST_F(CaptureTest, NullRowAndExtremes) {
  std::vector<Insert> inserts = ChangesOf<Insert>("all_types");
  ASSERT_EQ(inserts.size(), 3u);
  for (auto& [name, value] : Values(RelationNamed("all_types"), inserts[1].new_tuple)) {
    EXPECT_EQ(value.null(), name != "id") << name;
  }
  auto v = Values(RelationNamed("all_types"), inserts[2].new_tuple);
  EXPECT_EQ(v["c_int8"].int_value(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(v["c_oid"].has_uint_value());
  EXPECT_TRUE(std::isnan(v["c_float4"].float_value()));
  EXPECT_EQ(v["c_numeric"].decimal_value(), "Infinity");
  EXPECT_TRUE(v["c_bool"].has_bool_value() && !v["c_bool"].bool_value());
  EXPECT_TRUE(v["c_bytea"].has_bytes_value() && v["c_bytea"].bytes_value().empty());
  EXPECT_EQ(v["c_date"].date_value().infinity(), cdc::v1::INFINITY_NEGATIVE);
  EXPECT_EQ(v["c_time"].time_value().micros(), 86400000000);
  EXPECT_EQ(v["c_timetz"].time_value().utc_offset_seconds(), -50400);
  EXPECT_EQ(v["c_ts"].timestamp_value().infinity(), cdc::v1::INFINITY_POSITIVE);
  EXPECT_EQ(v["c_tstz"].timestamp_value().epoch_micros(), -210866803200000000);
  EXPECT_EQ(v["c_interval"].interval_value().micros(), -1000000);
  EXPECT_EQ(v["c_money"].decimal_value(), "-92233720368547758.08");
  EXPECT_EQ(v["c_int_arr"].array_value().elements_size(), 0);
  EXPECT_EQ(v["c_int_2d"].array_value().elements(1).array_value().elements(0).array_value()
                .elements(0).int_value(), 2);
}

TEST_F(CaptureTest, EveryPrefixOfEveryCapturedValueConvertsOrFails) {
  // Cut values must never crash the converters; each gives a value or a
  // Corruption that names the text.
  TypeRegistry registry = Registry();
  const Relation& relation = RelationNamed("all_types");
  size_t failures = 0;
  for (const Insert& insert : ChangesOf<Insert>("all_types")) {
    for (size_t i = 0; i < insert.new_tuple.columns.size(); ++i) {
      std::string_view text = insert.new_tuple.columns[i].bytes;
      for (size_t len = 0; len < text.size(); ++len) {
        std::string prefix(text.substr(0, len));
        cdc::v1::Value value;
        Status s = TextToValue(registry, relation.columns[i].type_oid,
                               relation.columns[i].type_modifier, prefix, &value);
        if (!s.ok()) {
          ++failures;
          ASSERT_TRUE(s.IsCorruption());
          ASSERT_NE(s.message().find("malformed"), std::string::npos) << s.ToString();
        }
      }
    }
  }
  EXPECT_GT(failures, 300u);
}

}  // namespace
}  // namespace cdc::pgoutput
