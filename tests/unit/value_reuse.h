// Values as a kept one comes back to a filler (agent/event_spares.h):
// emptied by EmptyValue (each string case holding "", each message case
// holding an empty message, one value without a case) or, in a kept row,
// as the row before left it (each scalar case with a value; a decimal,
// text, bytes or JSON string with text longer than most values). A
// converter must fill any of them to the value it gives a new one; the
// conversion tests check it with ExpectRefillsAsNew.
#pragma once

#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::testing {

inline std::vector<cdc::v1::Value> KeptValues() {
  using google::protobuf::FieldDescriptor;
  std::vector<cdc::v1::Value> out(1);  // without a case
  const google::protobuf::Descriptor* d = cdc::v1::Value::descriptor();
  const google::protobuf::Reflection* r = cdc::v1::Value::GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      r->SetString(&out.emplace_back(), f, "");
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      r->MutableMessage(&out.emplace_back(), f);
    }
  }
  // What a kept row's values hold as the row before left them.
  const std::string stale = "what the row before held, longer than most values";
  out.emplace_back().set_null(true);
  out.emplace_back().set_unchanged(true);
  out.emplace_back().set_bool_value(true);
  out.emplace_back().set_int_value(-12345);
  out.emplace_back().set_uint_value(67890);
  out.emplace_back().set_float_value(1.5f);
  out.emplace_back().set_double_value(-2.25);
  out.emplace_back().set_decimal_value("-123456789012345678901234567890.123456789");
  out.emplace_back().set_text_value(stale);
  out.emplace_back().set_bytes_value(stale + std::string(3, '\0'));
  out.emplace_back().set_json_value("{\"a\": [1, 2, 3], \"b\": \"" + stale + "\"}");
  return out;
}

// Calls fill(&value) on each of KeptValues() and expects what `fresh`
// (filled into a new Value) serializes to. `what` names the input.
template <typename Fill>
void ExpectRefillsAsNew(const cdc::v1::Value& fresh, Fill fill, const std::string& what) {
  static const std::vector<cdc::v1::Value>* emptied =
      new std::vector<cdc::v1::Value>(KeptValues());
  const std::string want = fresh.SerializeAsString();
  for (const cdc::v1::Value& start : *emptied) {
    cdc::v1::Value value = start;
    fill(&value);
    EXPECT_EQ(value.SerializeAsString(), want)
        << what << " filled into {" << start.ShortDebugString() << "} gives {"
        << value.ShortDebugString() << "}, into a new value {" << fresh.ShortDebugString() << "}";
  }
}

}  // namespace cdc::testing
