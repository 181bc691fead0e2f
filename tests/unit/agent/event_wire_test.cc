// The one-pass Protobuf writer (agent/event_wire.h) against protobuf's own
// serializer: the same bytes for every message, whatever its values.
#include "agent/event_wire.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "tests/unit/agent/event_samples.h"
#include "tests/unit/fixtures_absent.h"

namespace cdc::agent {
namespace {

using testing::FixtureRows;
using testing::RandomEvents;

// Counts the messages whose bytes differ from protobuf's, and reports the
// first few.
class WireCheck {
 public:
  template <typename M>
  void Check(const M& message, const std::string& label) {
    ++checked_;
    // Appended after bytes already there, as the encoder does.
    std::string ours = "prefix";
    Append(message, &ours);
    const std::string expected = "prefix" + message.SerializeAsString();
    if (ours == expected) return;
    if (++failures_ <= 5) {
      ADD_FAILURE() << label << ": " << ours.size() - 6 << " bytes where protobuf writes "
                    << expected.size() - 6 << "; the message:\n"
                    << message.DebugString();
    }
  }

  size_t checked() const { return checked_; }
  size_t failures() const { return failures_; }

 private:
  static void Append(const cdc::v1::ChangeEvent& m, std::string* out) { AppendEventWire(m, out); }
  static void Append(const cdc::v1::RowKey& m, std::string* out) { AppendRowKeyWire(m, out); }
  static void Append(const cdc::v1::Row& m, std::string* out) { AppendRowWire(m, out); }

  size_t checked_ = 0;
  size_t failures_ = 0;
};

cdc::v1::ChangeEvent OneColumn(const cdc::v1::Value& value) {
  cdc::v1::ChangeEvent event;
  event.set_op(cdc::v1::OP_INSERT);
  cdc::v1::Column* column = event.add_after();
  column->set_name("c");
  column->set_type("t");
  *column->mutable_value() = value;
  return event;
}

TEST(EventWireTest, EmptyMessagesAndDefaults) {
  WireCheck check;
  check.Check(cdc::v1::ChangeEvent(), "empty event");
  check.Check(cdc::v1::RowKey(), "empty key");
  check.Check(cdc::v1::Row(), "empty row");
  // Present but empty sub-messages are written (a tag and a zero length);
  // zero scalars and empty strings outside a oneof are not.
  cdc::v1::ChangeEvent event;
  event.mutable_source()->mutable_mysql();
  event.add_before();
  event.add_after()->mutable_value();
  event.add_key_columns("");
  event.mutable_transaction();
  check.Check(event, "empty parts");
  cdc::v1::ChangeEvent pg;
  pg.mutable_source()->mutable_postgres();
  check.Check(pg, "empty PostgreSQL position");
  EXPECT_EQ(check.failures(), 0u);
}

TEST(EventWireTest, EveryValueKindAtItsEdges) {
  WireCheck check;
  std::vector<cdc::v1::Value> values;
  auto add = [&](auto set) {
    cdc::v1::Value v;
    set(&v);
    values.push_back(v);
  };
  // Oneof members are written even when zero or empty.
  add([](cdc::v1::Value* v) { v->set_null(true); });
  add([](cdc::v1::Value* v) { v->set_null(false); });
  add([](cdc::v1::Value* v) { v->set_unchanged(true); });
  add([](cdc::v1::Value* v) { v->set_bool_value(false); });
  add([](cdc::v1::Value* v) { v->set_bool_value(true); });
  for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    add([i](cdc::v1::Value* v) { v->set_int_value(i); });
  }
  for (uint64_t u : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384},
                     std::numeric_limits<uint64_t>::max()}) {
    add([u](cdc::v1::Value* v) { v->set_uint_value(u); });
  }
  for (double d : {0.0, -0.0, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
    add([d](cdc::v1::Value* v) { v->set_double_value(d); });
    add([d](cdc::v1::Value* v) { v->set_float_value(static_cast<float>(d)); });
  }
  for (size_t size : {size_t{0}, size_t{1}, size_t{100}, size_t{127}, size_t{128}, size_t{200},
                      size_t{16383}, size_t{16384}, size_t{3000000}}) {
    const std::string s(size, 'x');
    add([&](cdc::v1::Value* v) { v->set_text_value(s); });
    add([&](cdc::v1::Value* v) { v->set_bytes_value(s); });
    add([&](cdc::v1::Value* v) { v->set_json_value(s); });
  }
  add([](cdc::v1::Value* v) { v->set_decimal_value("-12.3400"); });
  add([](cdc::v1::Value* v) { v->set_uuid_value("8c6c6e54-6a1e-4a5b-9b9e-0d1c0d6e1b2a"); });
  add([](cdc::v1::Value* v) { v->set_inet_value("10.0.0.1/8"); });
  add([](cdc::v1::Value* v) { v->set_macaddr_value("08:00:2b:01:02:03"); });
  add([](cdc::v1::Value* v) { v->set_bits_value("1010"); });
  add([](cdc::v1::Value* v) { v->set_enum_value(""); });
  add([](cdc::v1::Value* v) { v->mutable_date_value(); });
  add([](cdc::v1::Value* v) {
    v->mutable_date_value()->set_year(-4712);  // negative int32: ten bytes
    v->mutable_date_value()->set_month(1);
    v->mutable_date_value()->set_day(31);
    v->mutable_date_value()->set_infinity(cdc::v1::INFINITY_NEGATIVE);
  });
  add([](cdc::v1::Value* v) { v->mutable_time_value(); });
  add([](cdc::v1::Value* v) {
    v->mutable_time_value()->set_micros(86399999999);
    v->mutable_time_value()->set_precision(6);
    v->mutable_time_value()->set_has_zone(true);
    v->mutable_time_value()->set_utc_offset_seconds(-12600);
  });
  add([](cdc::v1::Value* v) { v->mutable_timestamp_value(); });
  add([](cdc::v1::Value* v) {
    cdc::v1::Timestamp* t = v->mutable_timestamp_value();
    t->set_epoch_micros(-62135596800000000);
    t->set_precision(3);
    t->set_with_time_zone(true);
    t->set_infinity(cdc::v1::INFINITY_POSITIVE);
    t->set_zero(true);
    t->set_invalid_text("0000-00-00 00:00:00");
    t->set_out_of_range_text(std::string(300, '9'));
  });
  add([](cdc::v1::Value* v) { v->mutable_interval_value(); });
  add([](cdc::v1::Value* v) {
    v->mutable_interval_value()->set_months(-14);
    v->mutable_interval_value()->set_days(3);
    v->mutable_interval_value()->set_micros(-1);
  });
  add([](cdc::v1::Value* v) { v->mutable_set_value()->add_labels("a"); });
  add([](cdc::v1::Value* v) {
    v->mutable_array_value()->add_elements()->set_int_value(-3);
    v->mutable_array_value()->add_elements()->mutable_array_value();
  });
  add([](cdc::v1::Value* v) {
    v->mutable_geometry_value()->set_srid(4326);
    v->mutable_geometry_value()->set_wkb(std::string(21, '\1'));
  });
  add([](cdc::v1::Value* v) { v->mutable_raw_value()->set_text("(1,2)"); });
  add([](cdc::v1::Value* v) { v->mutable_error_value()->set_message("bad"); });
  add([](cdc::v1::Value*) {});  // no kind
  for (size_t i = 0; i < values.size(); ++i) {
    check.Check(OneColumn(values[i]), "value #" + std::to_string(i));
    cdc::v1::RowKey key;
    *key.add_columns()->mutable_value() = values[i];
    check.Check(key, "key of value #" + std::to_string(i));
  }
  EXPECT_EQ(check.checked(), 2 * values.size());
  EXPECT_EQ(check.failures(), 0u);
}

TEST(EventWireTest, LengthsOfMoreThanOneByteAtEveryLevel) {
  WireCheck check;
  // A column, a value, a source and a position each longer than 127 and
  // than 16,383 bytes, so that a length is moved in front of its content.
  for (size_t size : {size_t{120}, size_t{126}, size_t{127}, size_t{128}, size_t{16380},
                      size_t{16384}, size_t{2100000}}) {
    cdc::v1::ChangeEvent event;
    event.mutable_source()->set_table(std::string(size, 't'));
    event.mutable_source()->mutable_mysql()->set_file(std::string(size, 'f'));
    event.mutable_source()->set_commit_time_us(-1);
    cdc::v1::Column* column = event.add_before();
    column->set_name(std::string(size, 'n'));
    column->mutable_value()->mutable_timestamp_value()->set_invalid_text(std::string(size, 'i'));
    event.add_after()->mutable_value()->set_text_value(std::string(size, 'v'));
    check.Check(event, "size " + std::to_string(size));
  }
  EXPECT_EQ(check.failures(), 0u);
}

TEST(EventWireTest, AppendsAfterAnyPrefixWhateverRoomTheStringHasLeft) {
  // The writer grows the string ahead of what it writes; a length moved
  // in front of its content may need the string to grow once more. Every
  // prefix size from 0 to 700 puts the end of the room somewhere else.
  cdc::v1::ChangeEvent event;
  event.set_op(cdc::v1::OP_INSERT);
  for (size_t size : {size_t{130}, size_t{300}}) {
    cdc::v1::Column* c = event.add_after();
    c->set_name("c" + std::to_string(size));
    c->mutable_value()->set_text_value(std::string(size, 'x'));
  }
  const std::string expected = event.SerializeAsString();
  for (size_t prefix = 0; prefix <= 700; ++prefix) {
    std::string out(prefix, 'p');
    AppendEventWire(event, &out);
    ASSERT_EQ(out.size(), prefix + expected.size()) << "prefix " << prefix;
    EXPECT_EQ(out.substr(0, prefix), std::string(prefix, 'p')) << "prefix " << prefix;
    EXPECT_EQ(out.substr(prefix), expected) << "prefix " << prefix;
  }
}

TEST(EventWireTest, UnknownFieldsAreLeftOut) {
  // A Value, a Source and an event with a field this build does not know
  // (field 99 and 98), as a newer agent might have stored them: written as
  // protobuf writes the same messages without them.
  cdc::v1::ChangeEvent event;
  event.set_op(cdc::v1::OP_UPDATE);
  event.mutable_source()->set_table("t");
  cdc::v1::Column* column = event.add_after();
  column->set_name("id");
  column->mutable_value()->set_int_value(5);
  const std::string value_bytes =
      column->value().SerializeAsString() + std::string("\x98\x06\x07", 3);
  ASSERT_TRUE(column->mutable_value()->ParseFromString(value_bytes));
  const std::string source_bytes =
      event.source().SerializeAsString() + std::string("\x90\x06\x02", 3);
  ASSERT_TRUE(event.mutable_source()->ParseFromString(source_bytes));
  cdc::v1::ChangeEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(event.SerializeAsString() + std::string("\x90\x06\x01", 3)));
  ASSERT_EQ(parsed.GetReflection()->GetUnknownFields(parsed).field_count(), 1);
  ASSERT_EQ(parsed.after(0).value().GetReflection()->GetUnknownFields(parsed.after(0).value())
                .field_count(),
            1);

  cdc::v1::ChangeEvent known = parsed;
  known.DiscardUnknownFields();
  ASSERT_NE(known.SerializeAsString(), parsed.SerializeAsString());
  std::string ours;
  AppendEventWire(parsed, &ours);
  EXPECT_EQ(ours, known.SerializeAsString());
  cdc::v1::RowKey key;
  *key.add_columns() = parsed.after(0);
  cdc::v1::RowKey known_key = key;
  known_key.DiscardUnknownFields();
  std::string ours_key;
  AppendRowKeyWire(key, &ours_key);
  EXPECT_EQ(ours_key, known_key.SerializeAsString());
}

TEST(EventWireTest, TenThousandRandomEvents) {
  google::protobuf::LogSilencer silence;  // protobuf logs each non-UTF-8 string it serializes
  RandomEvents random(20261205);
  WireCheck check;
  for (int i = 0; i < 10000; ++i) {
    bool invalid = false;
    check.Check(random.Event(&invalid), "random event #" + std::to_string(i));
    check.Check(random.Key(&invalid), "random key #" + std::to_string(i));
    cdc::v1::Row row;
    row.mutable_columns()->Swap(random.Key(&invalid).mutable_columns());
    check.Check(row, "random row #" + std::to_string(i));
  }
  EXPECT_EQ(check.checked(), 30000u);
  EXPECT_EQ(check.failures(), 0u);
}

TEST(EventWireTest, EveryRowOfTheBinlogFixtures) {
  const std::vector<std::string> files = binlog::testing::AllBinlogFiles();
  if (files.empty()) {
    CDC_FIXTURES_ABSENT("fixture folders " << binlog::testing::kMariaDir << " and "
                                           << binlog::testing::kMysqlDir << " are absent");
  }
  WireCheck check;
  FixtureRows rows([&](const cdc::v1::ChangeEvent& event, const cdc::v1::RowKey& key,
                       const std::string& label) {
    check.Check(event, label);
    check.Check(key, label + " key");
  });
  for (const std::string& path : files) {
    const Status s = rows.File(path);
    EXPECT_TRUE(s.ok()) << path << ": " << s.ToString();
  }
  std::cout << "[ fixtures ] " << files.size() << " files, " << rows.rows() << " rows\n";
  EXPECT_GT(rows.rows(), 46000u);
  EXPECT_EQ(check.checked(), 2 * rows.rows());
  EXPECT_EQ(check.failures(), 0u);
}

}  // namespace
}  // namespace cdc::agent
