// The Evaluator: column value kinds, ToProto, filters, threads, and
// evaluations that allocate nothing.
#include <string>
#include <thread>

#include "alloc_counter.h"
#include "expr_test_util.h"

namespace cdc::agent::transform {
namespace {

TEST_F(ExprTest, ValueKindsOfAnyColumns) {
  cdc::v1::Value v;
  v.set_json_value("{\"k\":[1,2]}");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text '{\"k\":[1,2]}'");
  v.set_uuid_value("8e2c4a52-7c39-4a3f-9a55-2e0f3b7c1d10");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("upper(substr(doc, 1, 8))"), "text '8E2C4A52'");
  v.set_enum_value("gold");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc == 'gold'"), "bool true");
  v.mutable_time_value()->set_micros(((19 * 60 + 5) * 60 + 9) * 1000000LL + 500000);
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text '19:05:09.5'");
  v.mutable_time_value()->set_micros(-(838LL * 3600 + 59 * 60 + 59) * 1000000);
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text '-838:59:59'");
  v.mutable_interval_value()->set_months(14);
  v.mutable_interval_value()->set_days(3);
  v.mutable_interval_value()->set_micros(((4 * 60 + 5) * 60 + 6) * 1000000LL + 500000);
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text 'P1Y2M3DT4H5M6.5S'");
  v.mutable_interval_value()->Clear();
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text 'PT0S'");
  v.mutable_set_value()->add_labels("a");
  v.mutable_set_value()->add_labels("b");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text 'a,b'");
  cdc::v1::Array* array = v.mutable_array_value();
  array->add_elements()->set_int_value(1);
  array->add_elements()->set_text_value("x\"y");
  array->add_elements()->set_null(true);
  array->add_elements()->mutable_array_value()->add_elements()->set_bool_value(false);
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text '[1,\"x\\\"y\",null,[false]]'");
  v.mutable_geometry_value()->set_wkb(std::string("\x01\x02", 2));
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "bytes \\x0102");
  v.mutable_raw_value()->set_text("(1,2)");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "text '(1,2)'");
  v.set_float_value(1.5f);
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc"), "double 1.5");
  v.mutable_error_value()->set_message("bad bytes");
  row_.SetAfter(kDoc, v);
  EXPECT_EQ(Eval("doc is null"),
            "error: column 'doc': the source could not decode its value: bad bytes");
}

TEST_F(ExprTest, TimestampsThatAreNoPointInTime) {
  cdc::v1::Value v;
  v.mutable_timestamp_value()->set_zero(true);
  row_.SetAfter(kUpdated, v);
  EXPECT_EQ(Eval("updated"), "timestamp 0000-00-00 00:00:00");
  EXPECT_EQ(Eval("updated is null"), "bool false");
  EXPECT_EQ(Eval("cast(updated as text)"), "text '0000-00-00 00:00:00'");
  EXPECT_EQ(Eval("epoch_ms(updated)"), "error: epoch_ms(0000-00-00 00:00:00): not a point in time");
  EXPECT_EQ(Eval("updated < source.commit_time"),
            "error: '<' cannot compare 0000-00-00 00:00:00 with 2024-03-01T12:34:56.000000Z: not "
            "a point in time");
  v.mutable_timestamp_value()->set_zero(false);
  v.mutable_timestamp_value()->set_invalid_text("2024-00-10 00:00:00");
  row_.SetAfter(kUpdated, v);
  EXPECT_EQ(Eval("concat(updated)"), "text '2024-00-10 00:00:00'");
  EXPECT_EQ(Eval("date(updated)"), "error: date(2024-00-10 00:00:00): not a point in time");
  v.mutable_timestamp_value()->Clear();
  v.mutable_timestamp_value()->set_infinity(cdc::v1::INFINITY_POSITIVE);
  row_.SetAfter(kUpdated, v);
  EXPECT_EQ(Eval("updated > source.commit_time"), "bool true");
  EXPECT_EQ(Eval("to_iso_utc(updated)"), "error: to_iso_utc(infinity): not a finite time");
  EXPECT_EQ(Eval("date(updated)"), "date infinity");
}

TEST_F(ExprTest, ZeroAndInfiniteDates) {
  row_.SetAfter(kBorn, DateV(0, 0, 0));
  EXPECT_EQ(Eval("born"), "date 0000-00-00");
  EXPECT_EQ(Eval("born < cast('0001-01-01' as date)"), "bool true");
  EXPECT_EQ(Eval("cast(born as timestamp)"),
            "error: cast(0000-00-00 as timestamp): no such day");
  cdc::v1::Value v = DateV(0, 0, 0);
  v.mutable_date_value()->set_infinity(cdc::v1::INFINITY_NEGATIVE);
  row_.SetAfter(kBorn, v);
  EXPECT_EQ(Eval("born"), "date -infinity");
  EXPECT_EQ(Eval("born < cast('0001-01-01' as date)"), "bool true");
  row_.SetAfter(kBorn, DateV(2024, 13, 1));
  EXPECT_EQ(Eval("born"), "error: column 'born': date with month 13 and day 1");
}

TEST_F(ExprTest, ToProtoGivesTheEventForm) {
  cdc::v1::Value out;
  Evaluator::ToProto(ExprValue::Null(), &out);
  EXPECT_TRUE(out.null());
  Evaluator::ToProto(ExprValue::Int(-5), &out);
  EXPECT_EQ(out.int_value(), -5);
  Evaluator::ToProto(ExprValue::Bool(true), &out);
  EXPECT_TRUE(out.bool_value());
  Evaluator::ToProto(ExprValue::Double(1.5), &out);
  EXPECT_EQ(out.double_value(), 1.5);
  Evaluator::ToProto(ExprValue::Decimal("12.30"), &out);
  EXPECT_EQ(out.decimal_value(), "12.30");
  Evaluator::ToProto(ExprValue::Text("ab"), &out);
  EXPECT_EQ(out.text_value(), "ab");
  Evaluator::ToProto(ExprValue::Bytes("\x01"), &out);
  EXPECT_EQ(out.bytes_value(), "\x01");
  Evaluator::ToProto(ExprValue::Date(ExprDate{2024, 3, 1}), &out);
  EXPECT_EQ(out.date_value().year(), 2024);
  EXPECT_EQ(out.date_value().month(), 3u);
  EXPECT_EQ(out.date_value().day(), 1u);
  Evaluator::ToProto(ExprValue::Timestamp(123, true), &out);
  EXPECT_EQ(out.timestamp_value().epoch_micros(), 123);
  EXPECT_TRUE(out.timestamp_value().with_time_zone());
  EXPECT_EQ(out.timestamp_value().precision(), 6u);

  auto e = Compile("concat(upper(trim(after.first)), ' ', after.last)", scope_);
  ASSERT_TRUE(e.ok());
  auto v = evaluator_.Evaluate(**e, row_);
  ASSERT_TRUE(v.ok());
  Evaluator::ToProto(*v, &out);
  EXPECT_EQ(out.text_value(), "ADA Lovelace");
}

TEST_F(ExprTest, AFilterMustGiveABool) {
  auto e = Compile("id + 1", scope_);
  ASSERT_TRUE(e.ok());
  auto r = evaluator_.EvaluatePredicate(**e, row_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "a filter must give a bool, got int");
  auto failing = Compile("id / 0 == 1", scope_);
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ(evaluator_.EvaluatePredicate(**failing, row_).status().message(),
            "division by zero: 42 / 0");
}

TEST_F(ExprTest, OneCompiledExpressionServesTwoThreads) {
  auto compiled = Compile("concat(upper(trim(first)), ' ', cast(id * 2 as text), ' ', "
                          "lookup('status_names', status, '?'))",
                          scope_);
  ASSERT_TRUE(compiled.ok());
  std::shared_ptr<const CompiledExpr> shared = *compiled;
  auto work = [shared](int64_t base, std::string* failure) {
    Evaluator evaluator;
    FakeRow row;
    row.SetAfter(kFirst, TextV(" t" + std::to_string(base) + " "));
    for (int64_t i = 0; i < 20000; ++i) {
      row.SetAfter(kId, IntV(base + i));
      row.SetAfter(kStatus, IntV(i % 3));
      auto v = evaluator.Evaluate(*shared, row);
      static constexpr const char* kNames[] = {"?", "active", "closed"};
      std::string want = "T" + std::to_string(base) + " " + std::to_string((base + i) * 2) + " " +
                         kNames[i % 3];
      if (!v.ok() || v->text != want) {
        *failure = v.ok() ? std::string(v->text) + " != " + want : v.status().message();
        return;
      }
    }
  };
  std::string failure_a, failure_b;
  std::thread a(work, 1000, &failure_a);
  std::thread b(work, 5000000, &failure_b);
  a.join();
  b.join();
  EXPECT_EQ(failure_a, "");
  EXPECT_EQ(failure_b, "");
}

// Heap allocations of 100 evaluations after one to warm the scratch up.
size_t AllocationsOf(const CompiledExpr& e, const RowAccess& row, Evaluator& evaluator,
                     std::string* failure) {
  auto warm = evaluator.Evaluate(e, row);
  if (!warm.ok()) *failure = warm.status().message();
  StartCountingAllocations();
  for (int i = 0; i < 100; ++i) {
    auto v = evaluator.Evaluate(e, row);
    if (!v.ok()) break;
  }
  return StopCountingAllocations();
}

TEST_F(ExprTest, EvaluationsAllocateNothingOnceWarm) {
  const char* texts[] = {
      "after.id > 5 && active",
      "country == 'DE' && op != 'delete'",
      "id * 2 + 1 > 50 || price > 1.5",
      "coalesce(before.id, id) in (1, 2, 42) && updated > source.commit_time",
      "substr(country, 1, 1) == 'D' && trim(name) != ''",
      "upper(name) != 'X'",
      "concat(upper(trim(after.first)), ' ', after.last, ' ', id)",
      "lookup('status_names', status, 'none')",
  };
  for (const char* text : texts) {
    auto e = Compile(text, scope_);
    ASSERT_TRUE(e.ok()) << text;
    std::string failure;
    EXPECT_EQ(AllocationsOf(**e, row_, evaluator_, &failure), 0u) << text;
    EXPECT_EQ(failure, "") << text;
  }
  // The counter counts: producing a protobuf message allocates.
  StartCountingAllocations();
  auto* fresh = new cdc::v1::Value();
  size_t counted = StopCountingAllocations();
  delete fresh;
  EXPECT_GT(counted, 0u);
}

}  // namespace
}  // namespace cdc::agent::transform
