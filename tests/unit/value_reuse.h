// Values as a kept one comes back to a filler (agent/event_spares.h,
// EmptyValue): each string case holding "", each message case holding an
// empty message, and one value without a case. A converter must fill any of
// them to the value it gives a new one; the conversion tests check it with
// ExpectRefillsAsNew.
#pragma once

#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::testing {

inline std::vector<cdc::v1::Value> EmptiedValues() {
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
  return out;
}

// Calls fill(&value) on each of EmptiedValues() and expects what `fresh`
// (filled into a new Value) serializes to. `what` names the input.
template <typename Fill>
void ExpectRefillsAsNew(const cdc::v1::Value& fresh, Fill fill, const std::string& what) {
  static const std::vector<cdc::v1::Value>* emptied =
      new std::vector<cdc::v1::Value>(EmptiedValues());
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
