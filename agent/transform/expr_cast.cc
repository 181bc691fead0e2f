// Casts between value types.
#include <charconv>
#include <cmath>
#include <string>

#include "agent/transform/expr_decimal.h"
#include "agent/transform/expr_node.h"
#include "agent/transform/expr_time.h"

namespace cdc::agent::transform::internal {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status CastError(const ExprValue& in, ExprType to, std::string_view why) {
  return Status::InvalidArgument("cast(" + Describe(in) + " as " + std::string(ExprTypeName(to)) +
                                 "): " + std::string(why));
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// A double from its text form; false when `text` is not one.
bool TextToDouble(std::string_view text, double* out) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

Status ToInt(const ExprValue& in, ExprValue* out) {
  constexpr ExprType kTo = ExprType::kInt;
  switch (in.type) {
    case ExprType::kBool:
      *out = ExprValue::Int(in.b ? 1 : 0);
      return Status::OK();
    case ExprType::kDouble: {
      double r = std::round(in.d);
      // 2^63 is exact as a double; every double below it converts.
      if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) {
        return CastError(in, kTo, "out of range");
      }
      *out = ExprValue::Int(static_cast<int64_t>(r));
      return Status::OK();
    }
    case ExprType::kDecimal: {
      Dec d;
      int64_t v = 0;
      if (!ParseDec(in.text, &d) || !DecToInt64(d, &v)) return CastError(in, kTo, "out of range");
      *out = ExprValue::Int(v);
      return Status::OK();
    }
    case ExprType::kText: {
      std::string_view t = TrimSpaces(in.text);
      if (t.size() > 1 && t[0] == '+' && t[1] >= '0' && t[1] <= '9') t.remove_prefix(1);
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ptr != t.data() + t.size() || t.empty() || ec == std::errc::invalid_argument) {
        return CastError(in, kTo, "not an integer");
      }
      if (ec == std::errc::result_out_of_range) return CastError(in, kTo, "out of range");
      *out = ExprValue::Int(v);
      return Status::OK();
    }
    default:
      return CastError(in, kTo, "not a number");
  }
}

Status ToDouble(const ExprValue& in, ExprValue* out) {
  double v = 0;
  switch (in.type) {
    case ExprType::kInt:
      *out = ExprValue::Double(static_cast<double>(in.i));
      return Status::OK();
    case ExprType::kDecimal:
    case ExprType::kText: {
      std::string_view t = in.type == ExprType::kText ? TrimSpaces(in.text) : in.text;
      if (!TextToDouble(t, &v)) {
        // from_chars reports a number beyond the double range as such.
        double probe = 0;
        auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), probe);
        bool out_of_range = ec == std::errc::result_out_of_range && ptr == t.data() + t.size();
        return CastError(in, ExprType::kDouble, out_of_range ? "out of range" : "not a number");
      }
      *out = ExprValue::Double(v);
      return Status::OK();
    }
    default:
      return CastError(in, ExprType::kDouble, "not a number");
  }
}

Status ToDecimal(EvalState& st, const ExprValue& in, ExprValue* out) {
  std::string* buf = nullptr;
  switch (in.type) {
    case ExprType::kInt: {
      buf = st.Scratch();
      AppendText(in, buf);
      break;
    }
    case ExprType::kDouble: {
      buf = st.Scratch();
      if (std::isnan(in.d) || std::isinf(in.d)) {
        AppendText(in, buf);  // NaN, Infinity, -Infinity as PostgreSQL's numeric
      } else {
        // Plain digits of the shortest text that reads back as the same double.
        char digits[400];
        auto res = std::to_chars(digits, digits + sizeof(digits), in.d, std::chars_format::fixed);
        buf->assign(digits, res.ptr);
      }
      break;
    }
    case ExprType::kText: {
      std::string_view t = TrimSpaces(in.text);
      if (IsDecimalText(t) && t.front() != '+') {
        *out = ExprValue::Decimal(t);
        return Status::OK();
      }
      Dec d;
      if (!ParseDec(t, &d)) return CastError(in, ExprType::kDecimal, "not a number");
      buf = st.Scratch();
      AppendDec(d, buf);
      break;
    }
    default:
      return CastError(in, ExprType::kDecimal, "not a number");
  }
  *out = ExprValue::Decimal(*buf);
  return Status::OK();
}

Status ToBool(const ExprValue& in, ExprValue* out) {
  if (in.type == ExprType::kInt) {
    *out = ExprValue::Bool(in.i != 0);
    return Status::OK();
  }
  if (in.type == ExprType::kText) {
    static constexpr std::string_view kTrue[] = {"true", "t", "yes", "y", "on", "1"};
    static constexpr std::string_view kFalse[] = {"false", "f", "no", "n", "off", "0"};
    std::string_view t = TrimSpaces(in.text);
    for (std::string_view word : kTrue) {
      if (EqualsIgnoreCase(t, word)) {
        *out = ExprValue::Bool(true);
        return Status::OK();
      }
    }
    for (std::string_view word : kFalse) {
      if (EqualsIgnoreCase(t, word)) {
        *out = ExprValue::Bool(false);
        return Status::OK();
      }
    }
  }
  return CastError(in, ExprType::kBool, "not a bool");
}

Status ToDate(const ExprValue& in, ExprValue* out) {
  if (in.type == ExprType::kTimestamp) {
    if (in.form == TimestampForm::kZero || in.form == TimestampForm::kInvalid) {
      return CastError(in, ExprType::kDate, "not a point in time");
    }
    *out = ExprValue::Date(ExprDate{});
    out->infinity = in.infinity;
    if (in.infinity == 0) {
      int64_t year = 0;
      unsigned month = 0, day = 0;
      CivilFromDays(FloorDiv(in.i, kMicrosPerDay), &year, &month, &day);
      out->date = ExprDate{static_cast<int32_t>(year), static_cast<uint8_t>(month),
                           static_cast<uint8_t>(day)};
    }
    return Status::OK();
  }
  ExprDate d;
  if (in.type != ExprType::kText || !ParseDateText(in.text, &d)) {
    return CastError(in, ExprType::kDate, "not a date");
  }
  *out = ExprValue::Date(d);
  return Status::OK();
}

Status ToTimestamp(const ExprValue& in, ExprValue* out) {
  if (in.type == ExprType::kDate) {
    *out = ExprValue::Timestamp(0, false);
    out->infinity = in.infinity;
    if (in.infinity != 0) return Status::OK();
    if (!IsRealDate(in.date.year, in.date.month, in.date.day)) {
      return CastError(in, ExprType::kTimestamp, "no such day");
    }
    if (__builtin_mul_overflow(DaysFromCivil(in.date.year, in.date.month, in.date.day),
                               kMicrosPerDay, &out->i)) {
      return CastError(in, ExprType::kTimestamp, "out of range");
    }
    return Status::OK();
  }
  int64_t micros = 0;
  bool zone = false;
  if (in.type != ExprType::kText || !ParseTimestampText(in.text, &micros, &zone)) {
    return CastError(in, ExprType::kTimestamp, "not a timestamp");
  }
  *out = ExprValue::Timestamp(micros, zone);
  return Status::OK();
}

}  // namespace

bool CanCast(ExprType from, ExprType to) {
  if (from == ExprType::kNull || from == ExprType::kAny || from == to || to == ExprType::kText) {
    return true;
  }
  switch (to) {
    case ExprType::kInt:
      return IsNumeric(from) || from == ExprType::kText || from == ExprType::kBool;
    case ExprType::kDouble:
    case ExprType::kDecimal:
      return IsNumeric(from) || from == ExprType::kText;
    case ExprType::kBool:
      return from == ExprType::kInt || from == ExprType::kText;
    case ExprType::kDate:
      return from == ExprType::kTimestamp || from == ExprType::kText;
    case ExprType::kTimestamp:
      return from == ExprType::kDate || from == ExprType::kText;
    default:
      return false;
  }
}

Status CastValue(EvalState& st, const ExprValue& in, ExprType to, ExprValue* out) {
  if (in.type == to) {
    *out = in;
    return Status::OK();
  }
  switch (to) {
    case ExprType::kText: {
      std::string_view text;
      CDC_RETURN_IF_ERROR(ToText(st, in, &text));
      *out = ExprValue::Text(text);
      return Status::OK();
    }
    case ExprType::kInt: return ToInt(in, out);
    case ExprType::kDouble: return ToDouble(in, out);
    case ExprType::kDecimal: return ToDecimal(st, in, out);
    case ExprType::kBool: return ToBool(in, out);
    case ExprType::kDate: return ToDate(in, out);
    case ExprType::kTimestamp: return ToTimestamp(in, out);
    default:
      return CastError(in, to, "not supported");
  }
}

}  // namespace cdc::agent::transform::internal
