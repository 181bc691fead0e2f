// Date and time functions.
#include <string>

#include "agent/transform/expr_functions.h"
#include "agent/transform/expr_time.h"

namespace cdc::agent::transform::internal {
namespace {

Status ArgTimestamp(const Node& n, const ExprValue* args, size_t i) {
  if (args[i].type == ExprType::kTimestamp) return Status::OK();
  return Status::InvalidArgument(std::string(FunctionName(n.fn)) + ": argument " +
                                 std::to_string(i + 1) + " must be a timestamp, got " +
                                 std::string(ExprTypeName(args[i].type)) + " " + Describe(args[i]));
}

// The argument as epoch microseconds: a finite point in time.
Status Instant(const Node& n, const ExprValue* args, size_t count, int64_t* micros) {
  CDC_RETURN_IF_ERROR(ArgTimestamp(n, args, 0));
  const ExprValue& ts = args[0];
  switch (ts.form) {
    case TimestampForm::kZero:
    case TimestampForm::kInvalid:
      return CallError(n, args, count, "not a point in time");
    case TimestampForm::kBeyondRange:
      return CallError(n, args, count, "beyond the range of epoch microseconds");
    case TimestampForm::kInstant:
      break;
  }
  if (ts.infinity != 0) return CallError(n, args, count, "not a finite time");
  *micros = ts.i;
  return Status::OK();
}

Status DateOf(const Node& n, const ExprValue* args, size_t count, ExprValue* out) {
  CDC_RETURN_IF_ERROR(ArgTimestamp(n, args, 0));
  *out = ExprValue::Date(ExprDate{});
  if (args[0].infinity != 0 && args[0].form == TimestampForm::kInstant) {
    out->infinity = args[0].infinity;
    return Status::OK();
  }
  int64_t micros = 0;
  CDC_RETURN_IF_ERROR(Instant(n, args, count, &micros));
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(FloorDiv(micros, kMicrosPerDay), &year, &month, &day);
  out->date = ExprDate{static_cast<int32_t>(year), static_cast<uint8_t>(month),
                       static_cast<uint8_t>(day)};
  return Status::OK();
}

}  // namespace

Status CallTimeFunction(EvalState& st, const Node& n, const ExprValue* args, size_t count,
                        ExprValue* out) {
  int64_t micros = 0;
  switch (n.fn) {
    case Fn::kToIsoUtc: {
      CDC_RETURN_IF_ERROR(Instant(n, args, count, &micros));
      std::string* buf = st.Scratch();
      AppendTimestamp(micros, true, buf);
      *out = ExprValue::Text(*buf);
      return Status::OK();
    }
    case Fn::kEpochMs:
      CDC_RETURN_IF_ERROR(Instant(n, args, count, &micros));
      *out = ExprValue::Int(FloorDiv(micros, 1000));
      return Status::OK();
    case Fn::kEpochUs:
      CDC_RETURN_IF_ERROR(Instant(n, args, count, &micros));
      *out = ExprValue::Int(micros);
      return Status::OK();
    case Fn::kFromEpochMs: {
      int64_t ms = 0;
      CDC_RETURN_IF_ERROR(ArgInt(n, args, 0, &ms));
      if (__builtin_mul_overflow(ms, int64_t{1000}, &micros)) {
        return CallError(n, args, count, "out of range");
      }
      *out = ExprValue::Timestamp(micros, true);
      return Status::OK();
    }
    case Fn::kTime24h: {
      std::string_view text;
      CDC_RETURN_IF_ERROR(ToText(st, args[0], &text));
      std::string* buf = st.Scratch();
      if (!Time24h(text, buf)) return CallError(n, args, count, "not a 12-hour time");
      *out = ExprValue::Text(*buf);
      return Status::OK();
    }
    case Fn::kParseTimestamp: {
      std::string_view text;
      CDC_RETURN_IF_ERROR(ToText(st, args[0], &text));
      bool zone = false;
      if (!ParseTimestampText(text, &micros, &zone)) {
        return CallError(n, args, count, "not an ISO 8601 timestamp");
      }
      *out = ExprValue::Timestamp(micros, zone);
      return Status::OK();
    }
    case Fn::kDate:
      return DateOf(n, args, count, out);
    default:
      return Status::InvalidArgument("not a time function: " + std::string(FunctionName(n.fn)));
  }
}

}  // namespace cdc::agent::transform::internal
