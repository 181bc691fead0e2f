// Values: reading column values from the event, text forms, descriptions.
#include <charconv>
#include <cmath>
#include <string>

#include "agent/transform/expr_node.h"
#include "agent/transform/expr_time.h"

namespace cdc::agent::transform {

std::string_view ExprTypeName(ExprType type) {
  switch (type) {
    case ExprType::kNull: return "null";
    case ExprType::kBool: return "bool";
    case ExprType::kInt: return "int";
    case ExprType::kDouble: return "double";
    case ExprType::kDecimal: return "decimal";
    case ExprType::kText: return "text";
    case ExprType::kBytes: return "bytes";
    case ExprType::kDate: return "date";
    case ExprType::kTimestamp: return "timestamp";
    case ExprType::kAny: return "any";
  }
  return "any";
}

ExprValue ExprValue::Bool(bool v) {
  ExprValue x;
  x.type = ExprType::kBool;
  x.b = v;
  return x;
}

ExprValue ExprValue::Int(int64_t v) {
  ExprValue x;
  x.type = ExprType::kInt;
  x.i = v;
  return x;
}

ExprValue ExprValue::Double(double v) {
  ExprValue x;
  x.type = ExprType::kDouble;
  x.d = v;
  return x;
}

ExprValue ExprValue::Decimal(std::string_view v) {
  ExprValue x;
  x.type = ExprType::kDecimal;
  x.text = v;
  return x;
}

ExprValue ExprValue::Text(std::string_view v) {
  ExprValue x;
  x.type = ExprType::kText;
  x.text = v;
  return x;
}

ExprValue ExprValue::Bytes(std::string_view v) {
  ExprValue x;
  x.type = ExprType::kBytes;
  x.text = v;
  return x;
}

ExprValue ExprValue::Date(ExprDate v) {
  ExprValue x;
  x.type = ExprType::kDate;
  x.date = v;
  return x;
}

ExprValue ExprValue::Timestamp(int64_t epoch_micros, bool with_zone) {
  ExprValue x;
  x.type = ExprType::kTimestamp;
  x.i = epoch_micros;
  x.with_zone = with_zone;
  return x;
}

std::string ExprValue::DebugString() const {
  if (is_null()) return "null";
  std::string out(ExprTypeName(type));
  out.push_back(' ');
  if (type == ExprType::kText) {
    out.push_back('\'');
    for (char c : text) {
      if (c == '\'') out.push_back('\'');
      out.push_back(c);
    }
    out.push_back('\'');
  } else {
    internal::AppendText(*this, &out);
  }
  return out;
}

namespace internal {
namespace {

constexpr std::string_view kZeroTimestampText = "0000-00-00 00:00:00";

void AppendDouble(double d, std::string* out) {
  if (std::isnan(d)) {
    out->append("NaN");
  } else if (std::isinf(d)) {
    out->append(d > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof(buf), d);
    out->append(buf, res.ptr);
  }
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

// Arrays as JSON-like text: numbers, bools and null bare, the rest quoted.
Status AppendArray(EvalState& st, const cdc::v1::Array& array, std::string_view name,
                   std::string* out) {
  out->push_back('[');
  for (int k = 0; k < array.elements_size(); ++k) {
    if (k > 0) out->push_back(',');
    const cdc::v1::Value& element = array.elements(k);
    if (element.has_array_value()) {
      CDC_RETURN_IF_ERROR(AppendArray(st, element.array_value(), name, out));
      continue;
    }
    ExprValue v;
    CDC_RETURN_IF_ERROR(FromProto(st, &element, name, &v));
    if (v.is_null()) {
      out->append("null");
    } else if (v.type == ExprType::kInt || v.type == ExprType::kBool ||
               v.type == ExprType::kDecimal ||
               (v.type == ExprType::kDouble && std::isfinite(v.d))) {
      AppendText(v, out);
    } else {
      std::string text;
      AppendText(v, &text);
      AppendJsonString(text, out);
    }
  }
  out->push_back(']');
  return Status::OK();
}

}  // namespace

std::string_view OperatorName(ArithOp op) {
  switch (op) {
    case ArithOp::kAdd: return "+";
    case ArithOp::kSub: return "-";
    case ArithOp::kMul: return "*";
    case ArithOp::kDiv: return "/";
    case ArithOp::kMod: return "%";
  }
  return "?";
}

std::string_view OperatorName(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

void AppendText(const ExprValue& v, std::string* out) {
  switch (v.type) {
    case ExprType::kNull:
    case ExprType::kAny:
      return;
    case ExprType::kBool:
      out->append(v.b ? "true" : "false");
      return;
    case ExprType::kInt: {
      char buf[24];
      auto res = std::to_chars(buf, buf + sizeof(buf), v.i);
      out->append(buf, res.ptr);
      return;
    }
    case ExprType::kDouble:
      AppendDouble(v.d, out);
      return;
    case ExprType::kDecimal:
    case ExprType::kText:
      out->append(v.text);
      return;
    case ExprType::kBytes: {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\x");
      for (char c : v.text) {
        out->push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
        out->push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
      }
      return;
    }
    case ExprType::kDate:
      AppendDate(v.date, v.infinity, out);
      return;
    case ExprType::kTimestamp:
      if (v.form == TimestampForm::kZero) {
        out->append(kZeroTimestampText);
      } else if (v.form != TimestampForm::kInstant) {
        out->append(v.text);
      } else if (v.infinity != 0) {
        out->append(v.infinity > 0 ? "infinity" : "-infinity");
      } else {
        AppendTimestamp(v.i, v.with_zone, out);
      }
      return;
  }
}

Status ToText(EvalState& st, const ExprValue& v, std::string_view* out) {
  if (v.type == ExprType::kText || v.type == ExprType::kDecimal) {
    *out = v.text;
    return Status::OK();
  }
  std::string* buf = st.Scratch();
  AppendText(v, buf);
  *out = *buf;
  return Status::OK();
}

std::string Describe(const ExprValue& v) {
  if (v.is_null()) return "null";
  std::string text;
  AppendText(v, &text);
  constexpr size_t kMax = 60;
  bool cut = text.size() > kMax;
  if (cut) {
    size_t end = kMax;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xc0) == 0x80) --end;
    text.resize(end);
  }
  if (v.type != ExprType::kText) return cut ? text + "..." : text;
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted.push_back('\'');
    quoted.push_back(c);
  }
  return quoted + (cut ? "...'" : "'");
}

Status FromProto(EvalState& st, const cdc::v1::Value* value, std::string_view name,
                 ExprValue* out) {
  *out = ExprValue::Null();
  if (value == nullptr) return Status::OK();
  using V = cdc::v1::Value;
  switch (value->kind_case()) {
    case V::KIND_NOT_SET:
    case V::kNull:
      return Status::OK();
    case V::kUnchanged:
      st.CountUnchanged();
      return Status::OK();
    case V::kBoolValue:
      *out = ExprValue::Bool(value->bool_value());
      return Status::OK();
    case V::kIntValue:
      *out = ExprValue::Int(value->int_value());
      return Status::OK();
    case V::kUintValue:
      if (value->uint_value() <= static_cast<uint64_t>(INT64_MAX)) {
        *out = ExprValue::Int(static_cast<int64_t>(value->uint_value()));
      } else {
        std::string* buf = st.Scratch();
        char digits[24];
        auto res = std::to_chars(digits, digits + sizeof(digits), value->uint_value());
        buf->assign(digits, res.ptr);
        *out = ExprValue::Decimal(*buf);
      }
      return Status::OK();
    case V::kFloatValue:
      *out = ExprValue::Double(static_cast<double>(value->float_value()));
      return Status::OK();
    case V::kDoubleValue:
      *out = ExprValue::Double(value->double_value());
      return Status::OK();
    case V::kDecimalValue:
      *out = ExprValue::Decimal(value->decimal_value());
      return Status::OK();
    case V::kTextValue:
      *out = ExprValue::Text(value->text_value());
      return Status::OK();
    case V::kBytesValue:
      *out = ExprValue::Bytes(value->bytes_value());
      return Status::OK();
    case V::kJsonValue:
      *out = ExprValue::Text(value->json_value());
      return Status::OK();
    case V::kUuidValue:
      *out = ExprValue::Text(value->uuid_value());
      return Status::OK();
    case V::kInetValue:
      *out = ExprValue::Text(value->inet_value());
      return Status::OK();
    case V::kMacaddrValue:
      *out = ExprValue::Text(value->macaddr_value());
      return Status::OK();
    case V::kBitsValue:
      *out = ExprValue::Text(value->bits_value());
      return Status::OK();
    case V::kEnumValue:
      *out = ExprValue::Text(value->enum_value());
      return Status::OK();
    case V::kRawValue:
      *out = ExprValue::Text(value->raw_value().text());
      return Status::OK();
    case V::kGeometryValue:
      *out = ExprValue::Bytes(value->geometry_value().wkb());
      return Status::OK();
    case V::kDateValue: {
      const cdc::v1::Date& d = value->date_value();
      if (d.month() > 12 || d.day() > 31) {
        return Status::InvalidArgument("column '" + std::string(name) + "': date with month " +
                                       std::to_string(d.month()) + " and day " +
                                       std::to_string(d.day()));
      }
      *out = ExprValue::Date(ExprDate{d.year(), static_cast<uint8_t>(d.month()),
                                      static_cast<uint8_t>(d.day())});
      if (d.infinity() != cdc::v1::INFINITY_NONE) {
        out->infinity = d.infinity() == cdc::v1::INFINITY_POSITIVE ? 1 : -1;
      }
      return Status::OK();
    }
    case V::kTimestampValue: {
      const cdc::v1::Timestamp& t = value->timestamp_value();
      *out = ExprValue::Timestamp(t.epoch_micros(), t.with_time_zone());
      if (t.infinity() != cdc::v1::INFINITY_NONE) {
        out->infinity = t.infinity() == cdc::v1::INFINITY_POSITIVE ? 1 : -1;
      } else if (t.zero()) {
        out->form = TimestampForm::kZero;
      } else if (!t.invalid_text().empty()) {
        out->form = TimestampForm::kInvalid;
        out->text = t.invalid_text();
      } else if (!t.out_of_range_text().empty()) {
        out->form = TimestampForm::kBeyondRange;
        out->text = t.out_of_range_text();
      }
      return Status::OK();
    }
    case V::kTimeValue:
    case V::kIntervalValue:
    case V::kSetValue:
    case V::kArrayValue: {
      std::string* buf = st.Scratch();
      if (value->has_time_value()) {
        AppendTime(value->time_value(), buf);
      } else if (value->has_interval_value()) {
        AppendInterval(value->interval_value(), buf);
      } else if (value->has_set_value()) {
        for (int k = 0; k < value->set_value().labels_size(); ++k) {
          if (k > 0) buf->push_back(',');
          buf->append(value->set_value().labels(k));
        }
      } else {
        CDC_RETURN_IF_ERROR(AppendArray(st, value->array_value(), name, buf));
      }
      *out = ExprValue::Text(*buf);
      return Status::OK();
    }
    case V::kErrorValue:
      return Status::InvalidArgument("column '" + std::string(name) +
                                     "': the source could not decode its value: " +
                                     value->error_value().message());
  }
  return Status::OK();
}

}  // namespace internal
}  // namespace cdc::agent::transform
