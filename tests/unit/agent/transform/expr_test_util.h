// A fake row and a fixture for the expression tests: one table with a column
// of every type, an insert of one row, and helpers that compile and evaluate
// a text and give the result as text ("int 3", "error: ...").
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/transform/expr.h"

namespace cdc::agent::transform {

inline cdc::v1::Value IntV(int64_t v) {
  cdc::v1::Value x;
  x.set_int_value(v);
  return x;
}
inline cdc::v1::Value UintV(uint64_t v) {
  cdc::v1::Value x;
  x.set_uint_value(v);
  return x;
}
inline cdc::v1::Value TextV(const std::string& v) {
  cdc::v1::Value x;
  x.set_text_value(v);
  return x;
}
inline cdc::v1::Value DecV(const std::string& v) {
  cdc::v1::Value x;
  x.set_decimal_value(v);
  return x;
}
inline cdc::v1::Value DoubleV(double v) {
  cdc::v1::Value x;
  x.set_double_value(v);
  return x;
}
inline cdc::v1::Value BoolV(bool v) {
  cdc::v1::Value x;
  x.set_bool_value(v);
  return x;
}
inline cdc::v1::Value NullV() {
  cdc::v1::Value x;
  x.set_null(true);
  return x;
}
inline cdc::v1::Value UnchangedV() {
  cdc::v1::Value x;
  x.set_unchanged(true);
  return x;
}
inline cdc::v1::Value DateV(int32_t y, uint32_t m, uint32_t d) {
  cdc::v1::Value x;
  x.mutable_date_value()->set_year(y);
  x.mutable_date_value()->set_month(m);
  x.mutable_date_value()->set_day(d);
  return x;
}
inline cdc::v1::Value TsV(int64_t micros, bool zone) {
  cdc::v1::Value x;
  x.mutable_timestamp_value()->set_epoch_micros(micros);
  x.mutable_timestamp_value()->set_with_time_zone(zone);
  return x;
}
inline cdc::v1::Value BytesV(const std::string& v) {
  cdc::v1::Value x;
  x.set_bytes_value(v);
  return x;
}

// One event: the op, two images indexed like the scope's columns (a missing
// entry is a column the image lacks) and the source.
class FakeRow : public RowAccess {
 public:
  cdc::v1::Op op() const override { return op_; }
  const cdc::v1::Value* before(size_t i) const override { return Get(before_, i); }
  const cdc::v1::Value* after(size_t i) const override { return Get(after_, i); }
  const cdc::v1::Source& source() const override { return source_; }

  void SetAfter(size_t i, cdc::v1::Value v) { Set(after_, i, std::move(v)); }
  void SetBefore(size_t i, cdc::v1::Value v) { Set(before_, i, std::move(v)); }

  cdc::v1::Op op_ = cdc::v1::OP_INSERT;
  std::vector<std::optional<cdc::v1::Value>> before_;
  std::vector<std::optional<cdc::v1::Value>> after_;
  cdc::v1::Source source_;

 private:
  static const cdc::v1::Value* Get(const std::vector<std::optional<cdc::v1::Value>>& image,
                                   size_t i) {
    return i < image.size() && image[i].has_value() ? &*image[i] : nullptr;
  }
  static void Set(std::vector<std::optional<cdc::v1::Value>>& image, size_t i, cdc::v1::Value v) {
    if (image.size() <= i) image.resize(i + 1);
    image[i] = std::move(v);
  }
};

// Column indexes of the test table.
enum Col : size_t {
  kId,
  kCountry,
  kName,
  kPrice,
  kScore,
  kActive,
  kBorn,
  kUpdated,
  kDoc,
  kOrderId,
  kFirst,
  kLast,
  kStatus,
  kBlob,
  kBig,
  kNote,
};

inline ExprScope TestScope() {
  ExprScope s;
  s.columns = {{"id", ExprType::kInt},          {"country", ExprType::kText},
               {"name", ExprType::kText},       {"price", ExprType::kDecimal},
               {"score", ExprType::kDouble},    {"active", ExprType::kBool},
               {"born", ExprType::kDate},       {"updated", ExprType::kTimestamp},
               {"doc", ExprType::kAny},         {"Order Id", ExprType::kText},
               {"first", ExprType::kText},      {"last", ExprType::kText},
               {"status", ExprType::kInt},      {"blob", ExprType::kBytes},
               {"big", ExprType::kInt},         {"note", ExprType::kText}};
  s.maps["status_names"] = {{"1", "active"}, {"2", "closed"}};
  s.maps["countries"] = {{"DE", "Germany"}};
  return s;
}

class ExprTest : public ::testing::Test {
 protected:
  ExprTest() : scope_(TestScope()) {
    row_.SetAfter(kId, IntV(42));
    row_.SetAfter(kCountry, TextV("DE"));
    row_.SetAfter(kName, TextV("  Grüße Müller  "));
    row_.SetAfter(kPrice, DecV("19.99"));
    row_.SetAfter(kScore, DoubleV(2.5));
    row_.SetAfter(kActive, BoolV(true));
    row_.SetAfter(kBorn, DateV(1990, 7, 15));
    row_.SetAfter(kUpdated, TsV(1709296496789012, true));  // 2024-03-01T12:34:56.789012Z
    row_.SetAfter(kDoc, TextV("{\"a\": 1}"));
    row_.SetAfter(kOrderId, TextV("A-17"));
    row_.SetAfter(kFirst, TextV(" ada "));
    row_.SetAfter(kLast, TextV("Lovelace"));
    row_.SetAfter(kStatus, IntV(2));
    row_.SetAfter(kBlob, BytesV(std::string("\x01\xab", 2)));
    row_.SetAfter(kBig, UintV(18446744073709551615ull));
    row_.SetAfter(kNote, UnchangedV());
    row_.source_.set_table("customers");
    row_.source_.set_schema("public");
    row_.source_.set_database("shop");
    row_.source_.set_commit_time_us(1709296496000000);
  }

  // The compile error's message, or "compiled" when there is none.
  std::string CompileError(std::string_view text) {
    auto r = Compile(text, scope_);
    return r.ok() ? "compiled" : r.status().message();
  }

  // The static type of `text`, or the compile error.
  std::string TypeOf(std::string_view text) {
    auto r = Compile(text, scope_);
    return r.ok() ? std::string(ExprTypeName((*r)->type())) : "error: " + r.status().message();
  }

  // The value as ExprValue::DebugString, "error: <message>" for a run-time
  // error, "compile error: <message>".
  std::string Eval(std::string_view text) { return EvalOn(text, row_); }

  std::string EvalOn(std::string_view text, const RowAccess& row) {
    auto compiled = Compile(text, scope_);
    if (!compiled.ok()) return "compile error: " + compiled.status().message();
    auto v = evaluator_.Evaluate(**compiled, row);
    if (!v.ok()) return "error: " + v.status().message();
    return v->DebugString();
  }

  ExprScope scope_;
  FakeRow row_;
  Evaluator evaluator_;
};

}  // namespace cdc::agent::transform
