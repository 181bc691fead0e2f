#include "agent/event_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace cdc::agent {
namespace {

using cdc::v1::Value;

struct ValueCase {
  std::string name;
  std::function<void(Value*)> fill;
  std::string json;  // the value's JSON per protobuf's canonical mapping
};

std::vector<ValueCase> ValueCases() {
  return {
      {"null", [](Value* v) { v->set_null(true); }, R"({"null":true})"},
      {"unchanged", [](Value* v) { v->set_unchanged(true); }, R"({"unchanged":true})"},
      // A oneof member is printed even when it holds its type's default.
      {"bool", [](Value* v) { v->set_bool_value(false); }, R"({"bool_value":false})"},
      // 64-bit integers are strings in JSON, so no reader loses precision.
      {"int", [](Value* v) { v->set_int_value(std::numeric_limits<int64_t>::min()); },
       R"({"int_value":"-9223372036854775808"})"},
      {"uint", [](Value* v) { v->set_uint_value(std::numeric_limits<uint64_t>::max()); },
       R"({"uint_value":"18446744073709551615"})"},
      {"float", [](Value* v) { v->set_float_value(1.5f); }, R"({"float_value":1.5})"},
      {"double", [](Value* v) { v->set_double_value(-0.25); }, R"({"double_value":-0.25})"},
      {"decimal", [](Value* v) { v->set_decimal_value("-12.3400"); },
       R"({"decimal_value":"-12.3400"})"},
      {"text", [](Value* v) { v->set_text_value("say \"hi\"\n\\"); },
       R"({"text_value":"say \"hi\"\n\\"})"},
      // Base64 of the bytes 00 01 FF.
      {"bytes", [](Value* v) { v->set_bytes_value(std::string("\x00\x01\xff", 3)); },
       R"({"bytes_value":"AAH/"})"},
      {"json", [](Value* v) { v->set_json_value(R"({"a":[1,2]})"); },
       R"({"json_value":"{\"a\":[1,2]}"})"},
      {"date",
       [](Value* v) {
         v->mutable_date_value()->set_year(2024);
         v->mutable_date_value()->set_month(2);
         v->mutable_date_value()->set_day(29);
       },
       R"({"date_value":{"year":2024,"month":2,"day":29}})"},
      {"zero_date", [](Value* v) { v->mutable_date_value(); }, R"({"date_value":{}})"},
      {"infinite_date",
       [](Value* v) { v->mutable_date_value()->set_infinity(cdc::v1::INFINITY_NEGATIVE); },
       R"({"date_value":{"infinity":"INFINITY_NEGATIVE"}})"},
      {"time",
       [](Value* v) {
         v->mutable_time_value()->set_micros(-3020399000000);
         v->mutable_time_value()->set_precision(6);
         v->mutable_time_value()->set_has_zone(true);
         v->mutable_time_value()->set_utc_offset_seconds(-19800);
       },
       R"({"time_value":{"micros":"-3020399000000","precision":6,"has_zone":true,)"
       R"("utc_offset_seconds":-19800}})"},
      {"timestamp",
       [](Value* v) {
         v->mutable_timestamp_value()->set_epoch_micros(1700000000123456);
         v->mutable_timestamp_value()->set_precision(3);
         v->mutable_timestamp_value()->set_with_time_zone(true);
       },
       R"({"timestamp_value":{"epoch_micros":"1700000000123456","precision":3,)"
       R"("with_time_zone":true}})"},
      {"zero_timestamp",
       [](Value* v) {
         v->mutable_timestamp_value()->set_zero(true);
         v->mutable_timestamp_value()->set_invalid_text("2020-00-00 00:00:00");
       },
       R"({"timestamp_value":{"zero":true,"invalid_text":"2020-00-00 00:00:00"}})"},
      {"interval",
       [](Value* v) {
         v->mutable_interval_value()->set_months(14);
         v->mutable_interval_value()->set_days(-3);
         v->mutable_interval_value()->set_micros(5);
       },
       R"({"interval_value":{"months":14,"days":-3,"micros":"5"}})"},
      {"uuid", [](Value* v) { v->set_uuid_value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"); },
       R"({"uuid_value":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"})"},
      {"inet", [](Value* v) { v->set_inet_value("10.0.0.1/8"); },
       R"({"inet_value":"10.0.0.1/8"})"},
      {"macaddr", [](Value* v) { v->set_macaddr_value("08:00:2b:01:02:03"); },
       R"({"macaddr_value":"08:00:2b:01:02:03"})"},
      {"bits", [](Value* v) { v->set_bits_value("1010"); }, R"({"bits_value":"1010"})"},
      {"enum", [](Value* v) { v->set_enum_value("happy"); }, R"({"enum_value":"happy"})"},
      {"set",
       [](Value* v) {
         v->mutable_set_value()->add_labels("a");
         v->mutable_set_value()->add_labels("c");
       },
       R"({"set_value":{"labels":["a","c"]}})"},
      {"array",
       [](Value* v) {
         auto* outer = v->mutable_array_value();
         outer->add_elements()->set_int_value(1);
         outer->add_elements()->set_null(true);
         outer->add_elements()->mutable_array_value()->add_elements()->set_text_value("x");
       },
       R"({"array_value":{"elements":[{"int_value":"1"},{"null":true},)"
       R"({"array_value":{"elements":[{"text_value":"x"}]}}]}})"},
      {"empty_array", [](Value* v) { v->mutable_array_value(); }, R"({"array_value":{}})"},
      {"geometry",
       [](Value* v) {
         v->mutable_geometry_value()->set_srid(4326);
         v->mutable_geometry_value()->set_wkb(std::string("\x01\x01", 2));
       },
       R"({"geometry_value":{"srid":4326,"wkb":"AQE="}})"},
      {"raw", [](Value* v) { v->mutable_raw_value()->set_text("(1,2)"); },
       R"j({"raw_value":{"text":"(1,2)"}})j"},
      {"error",
       [](Value* v) {
         v->mutable_error_value()->set_message("cannot be applied");
         v->mutable_error_value()->set_raw(std::string("\x00\x01\xff", 3));
       },
       R"({"error_value":{"message":"cannot be applied","raw":"AAH/"}})"},
  };
}

TEST(EventJsonTest, EveryValueKind) {
  const auto cases = ValueCases();
  // Every member of Value's oneof has a case above.
  EXPECT_GE(cases.size(), static_cast<size_t>(Value::descriptor()->oneof_decl(0)->field_count()));
  for (const ValueCase& c : cases) {
    cdc::v1::ChangeEvent event;
    cdc::v1::Column* column = event.add_after();
    column->set_name("c");
    column->set_type("t");
    c.fill(column->mutable_value());
    EXPECT_EQ(EventToJson(event), R"({"after":[{"name":"c","type":"t","value":)" + c.json + "}]}")
        << c.name;
  }
}

TEST(EventJsonTest, CoversEveryOneofMember) {
  std::vector<bool> seen(Value::descriptor()->field_count(), false);
  for (const ValueCase& c : ValueCases()) {
    Value v;
    c.fill(&v);
    const auto* field =
        v.GetReflection()->GetOneofFieldDescriptor(v, Value::descriptor()->oneof_decl(0));
    ASSERT_NE(field, nullptr) << c.name;
    seen[field->index()] = true;
  }
  for (int i = 0; i < Value::descriptor()->field_count(); ++i) {
    EXPECT_TRUE(seen[i]) << Value::descriptor()->field(i)->name();
  }
}

TEST(EventJsonTest, WholeEventUsesProtoFieldNamesOnOneLine) {
  cdc::v1::ChangeEvent event;
  auto* source = event.mutable_source();
  source->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  source->set_server_name("inventory");
  source->set_database("shop");
  source->set_schema("public");
  source->set_table("orders");
  source->mutable_postgres()->set_lsn(0x16B374D848);
  source->mutable_postgres()->set_commit_lsn(0x16B374D900);
  source->set_transaction_id(771);
  source->set_commit_time_us(1700000000000001);
  source->set_event_index(2);
  event.set_op(cdc::v1::OP_UPDATE);
  auto* before = event.add_before();
  before->set_name("id");
  before->set_type("int4");
  before->mutable_value()->set_int_value(7);
  auto* after = event.add_after();
  after->set_name("id");
  after->set_type("int4");
  after->mutable_value()->set_int_value(8);
  event.add_key_columns("id");

  const std::string json = EventToJson(event);
  EXPECT_EQ(json,
            R"({"source":{"kind":"SOURCE_KIND_POSTGRES","server_name":"inventory",)"
            R"("database":"shop","schema":"public","table":"orders",)"
            R"("postgres":{"lsn":"97500059720","commit_lsn":"97500059904"},)"
            R"("transaction_id":"771","commit_time_us":"1700000000000001","event_index":"2"},)"
            R"("op":"OP_UPDATE",)"
            R"("before":[{"name":"id","type":"int4","value":{"int_value":"7"}}],)"
            R"("after":[{"name":"id","type":"int4","value":{"int_value":"8"}}],)"
            R"("key_columns":["id"]})");
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(EventJsonTest, MysqlPositionAndSnapshotFlag) {
  cdc::v1::ChangeEvent event;
  event.set_op(cdc::v1::OP_READ);
  auto* mysql = event.mutable_source()->mutable_mysql();
  mysql->set_file("binlog.000003");
  mysql->set_pos(4567);
  mysql->set_gtid("3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
  event.mutable_source()->set_snapshot(true);
  EXPECT_EQ(EventToJson(event),
            R"({"source":{"mysql":{"file":"binlog.000003","pos":"4567",)"
            R"("gtid":"3e11fa47-71ca-11e1-9e33-c80aa9429562:23"},"snapshot":true},)"
            R"("op":"OP_READ"})");
}

TEST(EventJsonTest, EmptyMessagesPrintAsEmptyObjects) {
  EXPECT_EQ(EventToJson(cdc::v1::ChangeEvent()), "{}");
  EXPECT_EQ(RowKeyToJson(cdc::v1::RowKey()), "{}");
}

TEST(EventJsonTest, RowKey) {
  cdc::v1::RowKey key;
  auto* a = key.add_columns();
  a->set_name("tenant");
  a->set_type("text");
  a->mutable_value()->set_text_value("acme");
  auto* b = key.add_columns();
  b->set_name("id");
  b->set_type("bigint unsigned");
  b->mutable_value()->set_uint_value(5);
  EXPECT_EQ(RowKeyToJson(key),
            R"({"columns":[{"name":"tenant","type":"text","value":{"text_value":"acme"}},)"
            R"({"name":"id","type":"bigint unsigned","value":{"uint_value":"5"}}]})");
}

TEST(EventJsonTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("plain"), R"("plain")");
  EXPECT_EQ(JsonQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(JsonQuote("l1\nl2\t\r"), R"("l1\nl2\t\r")");
  EXPECT_EQ(JsonQuote(std::string("\x01\x1f", 2)), R"("\u0001\u001f")");
  EXPECT_EQ(JsonQuote("h\xc3\xa9"), "\"h\xc3\xa9\"");
}

}  // namespace
}  // namespace cdc::agent
