// Comparison and arithmetic on evaluated values, with the types mixed at run
// time (kAny columns, numeric promotion).
#include <charconv>
#include <cmath>
#include <string>

#include "agent/transform/expr_decimal.h"
#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {
namespace {

std::string TypeText(ExprType t) { return std::string(ExprTypeName(t)); }

int Sign(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// NaN equals NaN and sorts above every other double, as in PostgreSQL.
int CompareDoubles(double x, double y) {
  bool nx = std::isnan(x), ny = std::isnan(y);
  if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
  return x < y ? -1 : (x > y ? 1 : 0);
}

// Exact, where converting the int to a double would round above 2^53.
int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d) || d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double whole = std::trunc(d);
  int64_t w = static_cast<int64_t>(whole);
  if (i != w) return i < w ? -1 : 1;
  double frac = d - whole;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

// A number as a double; decimals through their text.
bool AsDouble(const ExprValue& v, double* out) {
  if (v.type == ExprType::kDouble) {
    *out = v.d;
  } else if (v.type == ExprType::kInt) {
    *out = static_cast<double>(v.i);
  } else {
    auto [ptr, ec] = std::from_chars(v.text.data(), v.text.data() + v.text.size(), *out);
    if (ptr != v.text.data() + v.text.size()) return false;
    if (ec == std::errc::result_out_of_range) {
      // Beyond the double range: infinite when the integer part has a
      // nonzero digit, else too small, so zero.
      size_t point = v.text.find('.');
      bool huge = v.text.substr(0, point).find_first_of("123456789") != std::string_view::npos;
      bool negative = v.text.front() == '-';
      *out = huge ? (negative ? -HUGE_VAL : HUGE_VAL) : (negative ? -0.0 : 0.0);
    } else if (ec != std::errc()) {
      return false;
    }
  }
  return true;
}

bool AsDec(const ExprValue& v, Dec* out) {
  if (v.type == ExprType::kInt) {
    *out = DecFromInt(v.i);
    return true;
  }
  return ParseDec(v.text, out);
}

Status CompareNumbers(const ExprValue& a, const ExprValue& b, std::string_view op, int* out) {
  if (a.type == ExprType::kInt && b.type == ExprType::kInt) {
    *out = Sign(a.i, b.i);
    return Status::OK();
  }
  if (a.type == ExprType::kInt && b.type == ExprType::kDouble) {
    *out = CompareIntDouble(a.i, b.d);
    return Status::OK();
  }
  if (a.type == ExprType::kDouble && b.type == ExprType::kInt) {
    *out = -CompareIntDouble(b.i, a.d);
    return Status::OK();
  }
  if (a.type != ExprType::kDouble && b.type != ExprType::kDouble) {
    // int and decimal, or two decimals: exact, on the text.
    char buf[24];
    auto text = [&buf](const ExprValue& v) {
      if (v.type != ExprType::kInt) return v.text;
      auto res = std::to_chars(buf, buf + sizeof(buf), v.i);
      return std::string_view(buf, static_cast<size_t>(res.ptr - buf));
    };
    std::string_view x = text(a);
    std::string_view y = text(b);
    if (CompareDecimalText(x, y, out)) return Status::OK();
  } else {
    double x = 0, y = 0;
    if (AsDouble(a, &x) && AsDouble(b, &y)) {
      *out = CompareDoubles(x, y);
      return Status::OK();
    }
  }
  return Status::InvalidArgument("'" + std::string(op) + "' cannot compare " + Describe(a) +
                                 " with " + Describe(b) + ": not a number");
}

int CompareDates(const ExprValue& a, const ExprValue& b) {
  if (a.infinity != b.infinity) return a.infinity < b.infinity ? -1 : 1;
  if (a.date.year != b.date.year) return a.date.year < b.date.year ? -1 : 1;
  if (a.date.month != b.date.month) return a.date.month < b.date.month ? -1 : 1;
  return Sign(a.date.day, b.date.day);
}

Status ArithError(std::string_view what, const ExprValue& a, ArithOp op, const ExprValue& b) {
  return Status::InvalidArgument(std::string(what) + ": " + Describe(a) + " " +
                                 std::string(OperatorName(op)) + " " + Describe(b));
}

Status IntArith(ArithOp op, const ExprValue& a, const ExprValue& b, ExprValue* out) {
  int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case ArithOp::kAdd: overflow = __builtin_add_overflow(a.i, b.i, &r); break;
    case ArithOp::kSub: overflow = __builtin_sub_overflow(a.i, b.i, &r); break;
    case ArithOp::kMul: overflow = __builtin_mul_overflow(a.i, b.i, &r); break;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (b.i == 0) return ArithError("division by zero", a, op, b);
      if (b.i == -1) {  // INT64_MIN / -1 overflows; x % -1 is 0
        overflow = op == ArithOp::kDiv && a.i == INT64_MIN;
        r = op == ArithOp::kDiv ? (overflow ? 0 : -a.i) : 0;
      } else {
        r = op == ArithOp::kDiv ? a.i / b.i : a.i % b.i;
      }
      break;
  }
  if (overflow) return ArithError("integer overflow", a, op, b);
  *out = ExprValue::Int(r);
  return Status::OK();
}

Status DoubleArith(ArithOp op, const ExprValue& a, const ExprValue& b, ExprValue* out) {
  double x = 0, y = 0;
  if (!AsDouble(a, &x) || !AsDouble(b, &y)) return ArithError("not a number", a, op, b);
  double r = 0;
  switch (op) {
    case ArithOp::kAdd: r = x + y; break;
    case ArithOp::kSub: r = x - y; break;
    case ArithOp::kMul: r = x * y; break;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (y == 0) return ArithError("division by zero", a, op, b);
      r = op == ArithOp::kDiv ? x / y : std::fmod(x, y);
      break;
  }
  if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) {
    return ArithError("double out of range", a, op, b);
  }
  *out = ExprValue::Double(r);
  return Status::OK();
}

Status DecimalArith(EvalState& st, ArithOp op, const ExprValue& a, const ExprValue& b,
                    ExprValue* out) {
  Dec x, y, r;
  if (!AsDec(a, &x) || !AsDec(b, &y)) {
    return ArithError("decimal arithmetic needs finite numbers of at most 38 digits", a, op, b);
  }
  bool ok = false;
  switch (op) {
    case ArithOp::kAdd: ok = DecAdd(x, y, &r); break;
    case ArithOp::kSub: ok = DecSub(x, y, &r); break;
    case ArithOp::kMul: ok = DecMul(x, y, &r); break;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (y.coef == 0) return ArithError("division by zero", a, op, b);
      ok = op == ArithOp::kDiv ? DecDiv(x, y, &r) : DecMod(x, y, &r);
      break;
  }
  if (!ok) return ArithError("decimal out of range", a, op, b);
  std::string* buf = st.Scratch();
  AppendDec(r, buf);
  *out = ExprValue::Decimal(*buf);
  return Status::OK();
}

}  // namespace

Status CompareValues(const ExprValue& a, const ExprValue& b, std::string_view op, int* out) {
  if (IsNumeric(a.type) && IsNumeric(b.type)) return CompareNumbers(a, b, op, out);
  if (a.type == b.type) {
    switch (a.type) {
      case ExprType::kText:
      case ExprType::kBytes: {
        int c = a.text.compare(b.text);
        *out = c < 0 ? -1 : (c > 0 ? 1 : 0);
        return Status::OK();
      }
      case ExprType::kBool:
        *out = Sign(a.b, b.b);
        return Status::OK();
      case ExprType::kDate:
        *out = CompareDates(a, b);
        return Status::OK();
      case ExprType::kTimestamp:
        if (a.form == TimestampForm::kZero || a.form == TimestampForm::kInvalid ||
            b.form == TimestampForm::kZero || b.form == TimestampForm::kInvalid) {
          return Status::InvalidArgument("'" + std::string(op) + "' cannot compare " +
                                         Describe(a) + " with " + Describe(b) +
                                         ": not a point in time");
        }
        *out = a.infinity != b.infinity ? (a.infinity < b.infinity ? -1 : 1) : Sign(a.i, b.i);
        return Status::OK();
      default:
        break;
    }
  }
  return Status::InvalidArgument("'" + std::string(op) + "' cannot compare " + TypeText(a.type) +
                                 " with " + TypeText(b.type));
}

Status Arith(EvalState& st, ArithOp op, const ExprValue& a, const ExprValue& b, ExprValue* out) {
  if (!IsNumeric(a.type) || !IsNumeric(b.type)) {
    return Status::InvalidArgument("'" + std::string(OperatorName(op)) + "' needs numbers, got " +
                                   TypeText(a.type) + " and " + TypeText(b.type));
  }
  if (a.type == ExprType::kInt && b.type == ExprType::kInt) return IntArith(op, a, b, out);
  if (a.type == ExprType::kDouble || b.type == ExprType::kDouble) {
    return DoubleArith(op, a, b, out);
  }
  return DecimalArith(st, op, a, b, out);
}

Status Negate(EvalState& st, const ExprValue& a, ExprValue* out) {
  switch (a.type) {
    case ExprType::kInt:
      if (a.i == INT64_MIN) {
        return Status::InvalidArgument("integer overflow: -(" + Describe(a) + ")");
      }
      *out = ExprValue::Int(-a.i);
      return Status::OK();
    case ExprType::kDouble:
      *out = ExprValue::Double(-a.d);
      return Status::OK();
    case ExprType::kDecimal: {
      std::string_view t = a.text;
      if (t == "NaN") {
        *out = a;
      } else if (!t.empty() && t.front() == '-') {
        *out = ExprValue::Decimal(t.substr(1));
      } else {
        std::string* buf = st.Scratch();
        buf->push_back('-');
        buf->append(t.substr(!t.empty() && t.front() == '+' ? 1 : 0));
        *out = ExprValue::Decimal(*buf);
      }
      return Status::OK();
    }
    default:
      return Status::InvalidArgument("'-' needs a number, got " + TypeText(a.type));
  }
}

}  // namespace cdc::agent::transform::internal
