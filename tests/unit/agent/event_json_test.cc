#include "tests/unit/fixtures_absent.h"
#include "agent/event_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/agent/event_samples.h"
#include "tests/unit/decoders/binlog/binlog_test_util.h"

namespace cdc::agent {

namespace internal {
// Defined in event_json.cc (not in the header): each of its two printers
// alone (the one specialised to cdc.v1, or the one over reflection), false
// where it leaves the message to protobuf's printer; and whether the
// specialised one matches the .proto, which EventToJson requires to use it.
bool DirectJson(const google::protobuf::Message& message, bool reflection, std::string* out);
bool SpecialisedJsonSchemaMatches();
}  // namespace internal

namespace {

using cdc::v1::Value;
using testing::FixtureRows;
using testing::RandomEvents;
using testing::Utf8;

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


// ---------------------------------------------------------------------------
// Differential tests: EventToJson and RowKeyToJson against protobuf's own
// printer with the options they promise, and the direct printer (not the
// fallback to protobuf's) taking every message it should.

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string ProtobufJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  // What EventToJson has always printed for a message protobuf refuses.
  if (!status.ok()) return "{\"json_error\":" + JsonQuote(status.ToString()) + "}";
  return json;
}

std::string OurJson(const cdc::v1::ChangeEvent& event) { return EventToJson(event); }
std::string OurJson(const cdc::v1::RowKey& key) { return RowKeyToJson(key); }

enum class Path { kDirect, kFallback, kEither };

// Mismatches are reported for the first few messages only: a broken printer
// would otherwise fill the log with thousands of near-identical lines.
class Differ {
 public:
  // The public function and each printer on its own against protobuf's
  // printer; `path` says whether the printers must take the message or leave
  // it to protobuf's.
  template <typename M>
  void Check(const M& message, Path path, const std::string& label) {
    ++checked_;
    const std::string theirs = ProtobufJson(message);
    const std::string ours = OurJson(message);
    if (ours != theirs) Fail(label, "printed\n  " + ours + "\nprotobuf printed\n  " + theirs);
    bool direct = true;
    for (bool reflection : {false, true}) {
      const std::string printer = reflection ? "reflection printer" : "specialised printer";
      std::string out;
      const bool took = internal::DirectJson(message, reflection, &out);
      direct = direct && took;
      if (took && out != theirs) {
        Fail(label, printer + " printed\n  " + out + "\nprotobuf printed\n  " + theirs);
      }
      if (path == Path::kDirect && !took) Fail(label, printer + " left it to protobuf's: " + ours);
      if (path == Path::kFallback && took) Fail(label, printer + " took it: " + out);
    }
    if (direct) ++direct_;
  }

  size_t checked() const { return checked_; }
  size_t direct() const { return direct_; }
  size_t failures() const { return failures_; }

 private:
  void Fail(const std::string& label, const std::string& what) {
    if (++failures_ <= 5) ADD_FAILURE() << label << ": " << what;
  }

  size_t checked_ = 0;
  size_t direct_ = 0;
  size_t failures_ = 0;
};

cdc::v1::ChangeEvent EventWithValue(const std::function<void(cdc::v1::Value*)>& fill) {
  cdc::v1::ChangeEvent event;
  auto* column = event.add_after();
  column->set_name("c");
  column->set_type("t");
  fill(column->mutable_value());
  return event;
}


// An event whose every string field, in every message of the schema, holds
// `text`: one column per string member of Value's oneof, plus the strings of
// Source, MysqlPosition, Column, SetValue, Timestamp, RawText and ValueError.
cdc::v1::ChangeEvent EventWithEveryString(const std::string& text) {
  cdc::v1::ChangeEvent event;
  auto* source = event.mutable_source();
  source->set_server_name(text);
  source->set_database(text);
  source->set_schema(text);
  source->set_table(text);
  source->mutable_mysql()->set_file(text);
  source->mutable_mysql()->set_gtid(text);
  event.add_key_columns(text);
  event.add_key_columns(text);
  const auto* value_type = cdc::v1::Value::descriptor();
  for (int i = 0; i < value_type->field_count(); ++i) {
    const FieldDescriptor* field = value_type->field(i);
    if (field->type() != FieldDescriptor::TYPE_STRING) continue;
    auto* column = event.add_before();
    column->set_name(text);
    column->set_type(field->name());
    column->mutable_value()->GetReflection()->SetString(column->mutable_value(), field, text);
  }
  auto add = [&](const std::function<void(cdc::v1::Value*)>& fill) {
    auto* column = event.add_after();
    column->set_name("n");
    column->set_type(text);
    fill(column->mutable_value());
  };
  add([&](cdc::v1::Value* v) {
    v->mutable_set_value()->add_labels(text);
    v->mutable_set_value()->add_labels(text);
  });
  add([&](cdc::v1::Value* v) { v->mutable_timestamp_value()->set_invalid_text(text); });
  add([&](cdc::v1::Value* v) { v->mutable_raw_value()->set_text(text); });
  add([&](cdc::v1::Value* v) { v->mutable_error_value()->set_message(text); });
  return event;
}

// EventToJson and RowKeyToJson use the specialised printer only while the
// .proto declares exactly the fields it knows; otherwise the reflection
// printer prints the same, slower.
TEST(EventJsonDifferentialTest, SpecialisedPrinterKnowsTheSchema) {
  EXPECT_TRUE(internal::SpecialisedJsonSchemaMatches())
      << "proto/cdc/v1/change_event.proto changed: teach EventWriter in agent/event_json.cc the "
         "new fields and list them in kKnownFields";
}

TEST(EventJsonDifferentialTest, EveryValueKindMatchesProtobuf) {
  Differ differ;
  for (const ValueCase& c : ValueCases()) {
    differ.Check(EventWithValue(c.fill), Path::kDirect, c.name);
  }
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, StringEdgeCases) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  controls += '\x7f';
  const std::vector<std::string> valid = {
      "",
      controls,
      std::string("\0", 1),
      "\"",
      "\\",
      "\\\"\\\\\"",
      "/ <script> & = ' ` ~ </script>",
      "<>&='",
      "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",  // é, two CJK, an emoji
      Utf8(0x80) + Utf8(0x85) + Utf8(0x9f) + Utf8(0xa0) + Utf8(0xad) + Utf8(0xff),
      Utf8(0x600) + Utf8(0x603) + Utf8(0x604) + Utf8(0x6dd) + Utf8(0x70f) + Utf8(0x17b4) +
          Utf8(0x17b5) + Utf8(0x17b6),
      Utf8(0x200a) + Utf8(0x200b) + Utf8(0x200f) + Utf8(0x2010) + Utf8(0x2027) + Utf8(0x2028) +
          Utf8(0x2029) + Utf8(0x202e) + Utf8(0x202f),
      Utf8(0x205f) + Utf8(0x2060) + Utf8(0x2064) + Utf8(0x2065) + Utf8(0x2069) + Utf8(0x206a) +
          Utf8(0x206f) + Utf8(0x2070),
      Utf8(0xfeff) + Utf8(0xfff8) + Utf8(0xfff9) + Utf8(0xfffb) + Utf8(0xfffc) + Utf8(0xfffd) +
          Utf8(0xffff),
      Utf8(0x10000) + Utf8(0x1d172) + Utf8(0x1d173) + Utf8(0x1d17a) + Utf8(0x1d17b) +
          Utf8(0xe0000) + Utf8(0xe0001) + Utf8(0xe0002) + Utf8(0xe001f) + Utf8(0xe0020) +
          Utf8(0xe007f) + Utf8(0xe0080) + Utf8(0x10ffff),
  };
  Differ differ;
  for (size_t i = 0; i < valid.size(); ++i) {
    differ.Check(EventWithEveryString(valid[i]), Path::kDirect,
                 "valid string #" + std::to_string(i));
  }
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "ab\"\xce\xb1<\n";
  differ.Check(EventWithEveryString(long_text), Path::kDirect, "long string");

  // Not UTF-8: protobuf's printer drops such bytes (and logs an error when
  // it serializes the message); the direct printer leaves these to it.
  const std::vector<std::string> invalid = {
      "\x80",          "a\xbf",          "\xff",         "\xfe",         "\xc3",
      "\xc3(",         "x\xc3\xa9\xc3",  "\xe2\x82",     "\xe2\x82x",    "\xc0\xaf",
      "\xc1\xbf",      "\xe0\x80\xaf",   "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
      "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80",
      "ok \xf0\x9f\x98",
  };
  google::protobuf::LogSilencer silence;
  for (size_t i = 0; i < invalid.size(); ++i) {
    differ.Check(EventWithEveryString(invalid[i]), Path::kFallback,
                 "invalid string #" + std::to_string(i));
    // Only the string field holding it matters, wherever it is.
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_text_value(invalid[i]); }),
                 Path::kFallback, "invalid text_value #" + std::to_string(i));
    cdc::v1::RowKey key;
    key.add_columns()->set_name(invalid[i]);
    differ.Check(key, Path::kFallback, "invalid key column name #" + std::to_string(i));
  }
  EXPECT_EQ(differ.failures(), 0u);
}

// Every Unicode scalar value, 4096 to a string.
TEST(EventJsonDifferentialTest, EveryCodePoint) {
  Differ differ;
  for (uint32_t start = 0; start < 0x110000; start += 0x1000) {
    std::string text;
    for (uint32_t cp = start; cp < start + 0x1000; ++cp) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      text += Utf8(cp);
    }
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_text_value(text); }), Path::kDirect,
                 "code points from " + std::to_string(start));
  }
  EXPECT_EQ(differ.checked(), 272u);
  EXPECT_EQ(differ.failures(), 0u);
}

// Every string of one and two bytes and a wide sample of three- and
// four-byte ones: whatever the direct printer accepts, it prints as protobuf
// does. (What it declines goes to protobuf's printer, so is right anyway.)
TEST(EventJsonDifferentialTest, ShortByteStrings) {
  std::vector<std::string> strings;
  for (int a = 0; a < 256; ++a) {
    strings.push_back(std::string(1, static_cast<char>(a)));
    for (int b = 0; b < 256; ++b) strings.push_back({static_cast<char>(a), static_cast<char>(b)});
  }
  const std::vector<int> tails = {0x00, 0x22, 0x3c, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90,
                                  0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff};
  for (int a = 0x80; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      for (int c : tails) {
        strings.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
      }
    }
  }
  for (int a = 0xf0; a < 0xf8; ++a) {
    for (int b = 0x80; b < 0xc0; ++b) {
      for (int c : {0x80, 0xbf}) {
        for (int d : {0x41, 0x80, 0xbf, 0xc0}) {
          strings.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                             static_cast<char>(d)});
        }
      }
    }
  }
  Differ differ;
  size_t accepted = 0;
  cdc::v1::ChangeEvent batch;
  auto flush = [&] {
    if (batch.key_columns_size() == 0) return;
    differ.Check(batch, Path::kDirect, "batch of accepted byte strings");
    batch.Clear();
  };
  for (const std::string& s : strings) {
    cdc::v1::ChangeEvent one;
    one.add_key_columns(s);
    std::string out;
    if (!internal::DirectJson(one, /*reflection=*/false, &out)) continue;
    ++accepted;
    batch.add_key_columns(s);
    if (batch.key_columns_size() == 1024) flush();
  }
  flush();
  // The well-formed ones: 256 + 128 * 256 ASCII starts, 1920 two-byte
  // characters, and those the sample of longer ones contains.
  EXPECT_GT(accepted, 256u + 128u * 256u + 1920u);
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, NumberEdgeCases) {
  const std::vector<double> doubles = {
      0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 0.5, 1.5, 100, 1e15, 1e16, 1e17,
      1e20, 1e21, 1e22, 1e-4, 1e-5, 1e-7, 123456789012345678.0, 9007199254740993.0,
      1.7976931348623157e308, -1.7976931348623157e308, 1.7976931348623155e308,
      2.2250738585072014e-308, 2.2250738585072009e-308, 4.9406564584124654e-324,
      -4.9406564584124654e-324, 1e-310, 3.141592653589793, 2.718281828459045, 0.1 + 0.2,
      std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
      std::numeric_limits<double>::signaling_NaN(), std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity()};
  const std::vector<float> floats = {
      0.0f, -0.0f, 1.0f, -1.5f, 0.1f, 0.2f, 1.0f / 3, 16777216.0f, 16777217.0f, 1e6f, 1e7f,
      123456789.0f, 1e20f, 1e-5f, 3.4028235e38f, -3.4028235e38f, 1.17549435e-38f,
      1.1754942e-38f, 1.4e-45f, 1e-40f, 3.14159265f,
      std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN(),
      std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
  Differ differ;
  for (double d : doubles) {
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_double_value(d); }), Path::kDirect,
                 "double " + std::to_string(d));
  }
  for (float f : floats) {
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_float_value(f); }), Path::kDirect,
                 "float " + std::to_string(f));
  }
  // Random bit patterns: every exponent, denormals and NaN payloads included.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    const uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    const uint32_t bits32 = static_cast<uint32_t>(bits >> 17);
    float f;
    std::memcpy(&f, &bits32, sizeof(f));
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_double_value(d); }), Path::kDirect,
                 "double bits " + std::to_string(bits));
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_float_value(f); }), Path::kDirect,
                 "float bits " + std::to_string(bits32));
  }
  for (int64_t i : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                    int64_t{0}, int64_t{-1}, int64_t{1}}) {
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_int_value(i); }), Path::kDirect,
                 "int " + std::to_string(i));
    differ.Check(EventWithValue([&](cdc::v1::Value* v) {
                   v->mutable_time_value()->set_micros(i);
                   v->mutable_time_value()->set_utc_offset_seconds(static_cast<int32_t>(i));
                   v->mutable_time_value()->set_precision(static_cast<uint32_t>(i));
                 }),
                 Path::kDirect, "time " + std::to_string(i));
  }
  for (uint64_t u : {std::numeric_limits<uint64_t>::max(), uint64_t{0}, uint64_t{1} << 63}) {
    differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_uint_value(u); }), Path::kDirect,
                 "uint " + std::to_string(u));
  }
  differ.Check(EventWithValue([](cdc::v1::Value* v) {
                 v->mutable_date_value()->set_year(std::numeric_limits<int32_t>::min());
                 v->mutable_date_value()->set_month(std::numeric_limits<uint32_t>::max());
                 v->mutable_date_value()->set_day(1);
               }),
               Path::kDirect, "date extremes");
  differ.Check(EventWithValue([](cdc::v1::Value* v) {
                 v->mutable_interval_value()->set_months(std::numeric_limits<int32_t>::max());
                 v->mutable_interval_value()->set_days(std::numeric_limits<int32_t>::min());
                 v->mutable_interval_value()->set_micros(std::numeric_limits<int64_t>::min());
               }),
               Path::kDirect, "interval extremes");
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, BytesOfEveryLengthModThree) {
  Differ differ;
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  for (size_t n = 0; n <= 12; ++n) {
    for (size_t offset : {size_t{0}, size_t{61}, size_t{250} - n}) {
      const std::string bytes = all.substr(offset, n);
      differ.Check(EventWithValue([&](cdc::v1::Value* v) { v->set_bytes_value(bytes); }),
                   Path::kDirect, "bytes of length " + std::to_string(n));
    }
  }
  for (size_t n : {size_t{255}, size_t{256}, size_t{257}}) {
    const std::string bytes = (all + all).substr(3, n);
    differ.Check(EventWithValue([&](cdc::v1::Value* v) {
                   v->mutable_geometry_value()->set_wkb(bytes);
                   v->mutable_geometry_value()->set_srid(std::numeric_limits<uint32_t>::max());
                 }),
                 Path::kDirect, "wkb of length " + std::to_string(n));
    differ.Check(EventWithValue([&](cdc::v1::Value* v) {
                   v->mutable_error_value()->set_raw(bytes);
                 }),
                 Path::kDirect, "raw of length " + std::to_string(n));
  }
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, EnumsNamedAndUnnamed) {
  Differ differ;
  for (int op : {0, 1, 5, 7, 8, 99, -1, std::numeric_limits<int32_t>::min()}) {
    cdc::v1::ChangeEvent event;
    event.set_op(static_cast<cdc::v1::Op>(op));
    event.mutable_source()->set_kind(static_cast<cdc::v1::SourceKind>(op));
    differ.Check(event, Path::kDirect, "op " + std::to_string(op));
    differ.Check(EventWithValue([&](cdc::v1::Value* v) {
                   v->mutable_date_value()->set_infinity(static_cast<cdc::v1::Infinity>(op));
                   v->mutable_date_value()->set_year(op);
                 }),
                 Path::kDirect, "infinity " + std::to_string(op));
  }
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, EmptyAndNestedMessages) {
  Differ differ;
  cdc::v1::ChangeEvent event;
  event.mutable_source()->mutable_postgres();
  event.add_before();
  event.add_after()->mutable_value();
  event.add_key_columns("");
  differ.Check(event, Path::kDirect, "empty sub-messages");
  // An event whose deepest message is `depth` levels down: the ChangeEvent
  // is level 1, the Column 2, its Value 3, then Arrays and Values alternate.
  auto nested = [](int depth) {
    return EventWithValue([&](cdc::v1::Value* v) {
      int level = 3;
      for (; level + 2 <= depth; level += 2) {
        v->mutable_array_value()->add_elements()->set_text_value("level " + std::to_string(level));
        v = v->mutable_array_value()->add_elements();
      }
      if (level + 1 == depth) {
        v->mutable_array_value();
      } else {
        v->set_null(true);
      }
    });
  };
  differ.Check(nested(31), Path::kDirect, "31 levels");
  differ.Check(nested(32), Path::kDirect, "32 levels");
  // Past the direct printers' depth, and then past protobuf's limit, which
  // makes it print an error object.
  differ.Check(nested(33), Path::kFallback, "33 levels");
  differ.Check(nested(34), Path::kFallback, "34 levels");
  google::protobuf::LogSilencer silence;  // protobuf warns of the object it left open
  differ.Check(nested(90), Path::kFallback, "90 levels");
  EXPECT_NE(EventToJson(nested(90)).find("json_error"), std::string::npos);
  cdc::v1::RowKey key;
  key.add_columns();
  key.add_columns()->mutable_value()->set_unchanged(false);
  differ.Check(key, Path::kDirect, "key with empty columns");
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, TenThousandRandomEvents) {
  google::protobuf::LogSilencer silence;  // protobuf logs each non-UTF-8 string it serializes
  RandomEvents random(20240229);
  Differ differ;
  size_t invalid_events = 0;
  for (int i = 0; i < 10000; ++i) {
    bool invalid = false;
    const cdc::v1::ChangeEvent event = random.Event(&invalid);
    if (invalid) ++invalid_events;
    differ.Check(event, invalid ? Path::kFallback : Path::kDirect,
                 "random event #" + std::to_string(i));
    bool key_invalid = false;
    const cdc::v1::RowKey key = random.Key(&key_invalid);
    differ.Check(key, key_invalid ? Path::kFallback : Path::kDirect,
                 "random key #" + std::to_string(i));
  }
  EXPECT_EQ(differ.checked(), 20000u);
  // Both paths were exercised, the direct one nearly always.
  EXPECT_GT(invalid_events, 20u);
  EXPECT_GT(differ.direct(), 19000u);
  EXPECT_EQ(differ.failures(), 0u);
}

TEST(EventJsonDifferentialTest, EveryRowOfTheBinlogFixtures) {
  const std::vector<std::string> files = binlog::testing::AllBinlogFiles();
  if (files.empty()) {
    CDC_FIXTURES_ABSENT("fixture folders " << binlog::testing::kMariaDir << " and "
                                           << binlog::testing::kMysqlDir << " are absent");
  }
  Differ differ;
  FixtureRows rows([&](const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key,
                       const std::string& label) {
    differ.Check(event, Path::kEither, label);
    differ.Check(key, Path::kEither, label + " key");
  });
  for (const std::string& path : files) {
    const Status s = rows.File(path);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  }
  std::cout << "[ fixtures ] " << files.size() << " files, " << rows.rows() << " rows, "
            << differ.checked() << " messages, " << differ.direct() << " printed directly\n";
  // mysql-8.0-workload-a alone has 10,099 rows, mariadb-10.11-types 36,682.
  EXPECT_GT(rows.rows(), 46000u);
  EXPECT_EQ(differ.failures(), 0u);
}

}  // namespace
}  // namespace cdc::agent
