// Function calls: the non-strict functions (concat, coalesce, if, lookup),
// the dispatch of the strict ones, and the numeric functions.
#include <cmath>
#include <string>

#include "agent/transform/expr_decimal.h"
#include "agent/transform/expr_functions.h"

namespace cdc::agent::transform::internal {
namespace {

bool IsTextFunction(Fn fn) {
  switch (fn) {
    case Fn::kSubstr:
    case Fn::kUpper:
    case Fn::kLower:
    case Fn::kTrim:
    case Fn::kLtrim:
    case Fn::kRtrim:
    case Fn::kReplace:
    case Fn::kSplitPart:
    case Fn::kLength:
    case Fn::kStartsWith:
    case Fn::kEndsWith:
    case Fn::kContains:
      return true;
    default:
      return false;
  }
}

bool IsNumberFunction(Fn fn) {
  return fn == Fn::kAbs || fn == Fn::kRound || fn == Fn::kFloor || fn == Fn::kCeil;
}

Status Lookup(EvalState& st, const Node& n, ExprValue* out) {
  ExprValue key;
  CDC_RETURN_IF_ERROR(st.Eval(*n.args[1], &key));
  if (!key.is_null()) {
    std::string_view text;
    CDC_RETURN_IF_ERROR(ToText(st, key, &text));
    auto it = n.map.find(text);
    if (it != n.map.end()) {
      *out = ExprValue::Text(it->second);
      return Status::OK();
    }
  }
  if (n.args.size() < 3) {
    *out = ExprValue::Null();
    return Status::OK();
  }
  CDC_RETURN_IF_ERROR(st.Eval(*n.args[2], out));
  if (!out->is_null() && out->type != ExprType::kText) {  // a kAny default
    std::string_view text;
    CDC_RETURN_IF_ERROR(ToText(st, *out, &text));
    *out = ExprValue::Text(text);
  }
  return Status::OK();
}

// A decimal's text when it is one of NaN, Infinity, -Infinity (which the
// numeric functions return unchanged).
bool IsSpecialDecimal(std::string_view t) {
  return t == "NaN" || t == "Infinity" || t == "-Infinity" || t == "+Infinity";
}

Status DecimalResult(EvalState& st, const Dec& d, ExprValue* out) {
  std::string* buf = st.Scratch();
  AppendDec(d, buf);
  *out = ExprValue::Decimal(*buf);
  return Status::OK();
}

}  // namespace

std::string CallText(const Node& n, const ExprValue* args, size_t count) {
  std::string out(FunctionName(n.fn));
  out.push_back('(');
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out.append(", ");
    out.append(Describe(args[i]));
  }
  out.push_back(')');
  return out;
}

Status CallError(const Node& n, const ExprValue* args, size_t count, std::string_view why) {
  return Status::InvalidArgument(CallText(n, args, count) + ": " + std::string(why));
}

Status ArgInt(const Node& n, const ExprValue* args, size_t i, int64_t* out) {
  if (args[i].type != ExprType::kInt) {
    return Status::InvalidArgument(std::string(FunctionName(n.fn)) + ": argument " +
                                   std::to_string(i + 1) + " must be an int, got " +
                                   std::string(ExprTypeName(args[i].type)) + " " +
                                   Describe(args[i]));
  }
  *out = args[i].i;
  return Status::OK();
}

Status CallFunction(EvalState& st, const Node& n, ExprValue* out) {
  switch (n.fn) {
    case Fn::kConcat: {
      std::string* buf = st.Scratch();
      for (const NodePtr& arg : n.args) {
        ExprValue v;
        CDC_RETURN_IF_ERROR(st.Eval(*arg, &v));
        AppendText(v, buf);  // NULL appends nothing
      }
      *out = ExprValue::Text(*buf);
      return Status::OK();
    }
    case Fn::kCoalesce:
      for (const NodePtr& arg : n.args) {
        CDC_RETURN_IF_ERROR(st.Eval(*arg, out));
        if (!out->is_null()) return Status::OK();
      }
      return Status::OK();
    case Fn::kIf: {
      ExprValue c;
      CDC_RETURN_IF_ERROR(st.Eval(*n.args[0], &c));
      if (!c.is_null() && c.type != ExprType::kBool) {
        return Status::InvalidArgument("if: the condition must be a bool, got " +
                                       std::string(ExprTypeName(c.type)) + " " + Describe(c));
      }
      return st.Eval(*n.args[!c.is_null() && c.b ? 1 : 2], out);
    }
    case Fn::kLookup:
      return Lookup(st, n, out);
    default:
      break;
  }
  constexpr size_t kMaxArgs = 3;
  ExprValue args[kMaxArgs];
  const size_t count = n.args.size() < kMaxArgs ? n.args.size() : kMaxArgs;
  bool any_null = false;
  for (size_t i = 0; i < count; ++i) {
    CDC_RETURN_IF_ERROR(st.Eval(*n.args[i], &args[i]));
    any_null = any_null || args[i].is_null();
  }
  if (any_null) {
    *out = ExprValue::Null();
    return Status::OK();
  }
  if (IsTextFunction(n.fn)) return CallTextFunction(st, n, args, count, out);
  if (IsNumberFunction(n.fn)) return CallNumberFunction(st, n, args, count, out);
  return CallTimeFunction(st, n, args, count, out);
}

Status CallNumberFunction(EvalState& st, const Node& n, const ExprValue* args, size_t count,
                          ExprValue* out) {
  const ExprValue& x = args[0];
  if (!IsNumeric(x.type)) {
    return Status::InvalidArgument(std::string(FunctionName(n.fn)) +
                                   ": argument 1 must be a number, got " +
                                   std::string(ExprTypeName(x.type)) + " " + Describe(x));
  }
  int64_t digits = 0;
  if (count > 1) CDC_RETURN_IF_ERROR(ArgInt(n, args, 1, &digits));
  if (x.type == ExprType::kDouble) {
    double r = x.d;
    switch (n.fn) {
      case Fn::kAbs: r = std::fabs(x.d); break;
      case Fn::kFloor: r = std::floor(x.d); break;
      case Fn::kCeil: r = std::ceil(x.d); break;
      default:
        if (digits == 0) {
          r = std::round(x.d);
        } else if (digits < -308) {
          r = 0;
        } else if (digits <= 308) {
          double scale = std::pow(10.0, static_cast<double>(digits));
          double scaled = x.d * scale;
          if (std::isfinite(scaled)) r = std::round(scaled) / scale;
        }
        break;
    }
    *out = ExprValue::Double(r);
    return Status::OK();
  }
  if (x.type == ExprType::kInt) {
    if (n.fn == Fn::kAbs) {
      if (x.i == INT64_MIN) return CallError(n, args, count, "integer overflow");
      *out = ExprValue::Int(x.i < 0 ? -x.i : x.i);
      return Status::OK();
    }
    if (n.fn != Fn::kRound || digits >= 0) {
      *out = x;
      return Status::OK();
    }
    Dec rounded;
    int64_t v = 0;
    if (!DecRound(DecFromInt(x.i), static_cast<int>(digits < -100 ? -100 : digits), &rounded) ||
        !DecToInt64(rounded, &v)) {
      return CallError(n, args, count, "integer overflow");
    }
    *out = ExprValue::Int(v);
    return Status::OK();
  }
  // Decimal.
  if (IsSpecialDecimal(x.text)) {
    *out = x;
    if (n.fn == Fn::kAbs && x.text == "-Infinity") *out = ExprValue::Decimal("Infinity");
    return Status::OK();
  }
  if (n.fn == Fn::kAbs) {
    *out = ExprValue::Decimal(!x.text.empty() && x.text.front() == '-' ? x.text.substr(1) : x.text);
    return Status::OK();
  }
  Dec d;
  if (!ParseDec(x.text, &d)) return CallError(n, args, count, "more than 38 digits");
  if (n.fn == Fn::kFloor) return DecimalResult(st, DecFloor(d), out);
  if (n.fn == Fn::kCeil) return DecimalResult(st, DecCeil(d), out);
  Dec rounded;
  int clamped = static_cast<int>(digits < -100 ? -100 : (digits > 100 ? 100 : digits));
  if (!DecRound(d, clamped, &rounded)) return CallError(n, args, count, "decimal out of range");
  return DecimalResult(st, rounded, out);
}

}  // namespace cdc::agent::transform::internal
