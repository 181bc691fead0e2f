#include "agent/row_key.h"

#include <cstdint>
#include <limits>
#include <string>

namespace cdc::agent {
namespace {

// "12.3400" -> "12.34", "5.000" -> "5", "-0.00" -> "0"; other text as it is.
void TrimDecimal(std::string* text) {
  const size_t point = text->find('.');
  if (point == std::string::npos) {
    if (*text == "-0") *text = "0";
    return;
  }
  for (size_t i = 0; i < text->size(); ++i) {
    char c = (*text)[i];
    bool digit = c >= '0' && c <= '9';
    if (!digit && i != point && !(i == 0 && (c == '-' || c == '+'))) return;  // NaN, exponents
  }
  size_t end = text->find_last_not_of('0');
  if (end == point) {
    // Nothing after the point: drop it too (".0" and "-.0" have no digit
    // before it either).
    text->resize(point);
  } else {
    text->resize(end + 1);
  }
  if (*text == "-0" || *text == "+0" || text->empty() || *text == "-" || *text == "+") {
    *text = "0";
  }
}

}  // namespace

void CanonicalKeyValue(cdc::v1::Value* value) {
  switch (value->kind_case()) {
    case cdc::v1::Value::kUintValue:
      if (value->uint_value() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        value->set_int_value(static_cast<int64_t>(value->uint_value()));
      }
      break;
    case cdc::v1::Value::kFloatValue:
      value->set_double_value(static_cast<double>(value->float_value()));
      break;
    case cdc::v1::Value::kDecimalValue:
      TrimDecimal(value->mutable_decimal_value());
      break;
    case cdc::v1::Value::kTimeValue:
      value->mutable_time_value()->set_precision(0);
      break;
    case cdc::v1::Value::kTimestampValue:
      value->mutable_timestamp_value()->set_precision(0);
      break;
    default:
      break;
  }
}

void AddKeyColumn(const cdc::v1::Column& column, cdc::v1::RowKey* key) {
  cdc::v1::Column* out = key->add_columns();
  out->set_name(column.name());
  *out->mutable_value() = column.value();
  CanonicalKeyValue(out->mutable_value());
}

}  // namespace cdc::agent
