// Evaluation of a compiled tree: names, operators, case and in.
#include <string>

#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {
namespace {

std::string_view OpText(cdc::v1::Op op) {
  switch (op) {
    case cdc::v1::OP_INSERT: return "insert";
    case cdc::v1::OP_UPDATE: return "update";
    case cdc::v1::OP_DELETE: return "delete";
    case cdc::v1::OP_READ: return "read";
    case cdc::v1::OP_TRUNCATE: return "truncate";
    case cdc::v1::OP_BEGIN: return "begin";
    case cdc::v1::OP_COMMIT: return "commit";
    default: return {};
  }
}

bool CompareHolds(CompareOp op, int c) {
  switch (op) {
    case CompareOp::kEq: return c == 0;
    case CompareOp::kNe: return c != 0;
    case CompareOp::kLt: return c < 0;
    case CompareOp::kLe: return c <= 0;
    case CompareOp::kGt: return c > 0;
    case CompareOp::kGe: return c >= 0;
  }
  return false;
}

// A condition's value: true, false, or NULL (`*known` false).
Status Truth(const ExprValue& v, std::string_view what, bool* known, bool* value) {
  *known = !v.is_null();
  if (!*known) return Status::OK();
  if (v.type != ExprType::kBool) {
    return Status::InvalidArgument(std::string(what) + " needs a bool, got " +
                                   std::string(ExprTypeName(v.type)) + " " + Describe(v));
  }
  *value = v.b;
  return Status::OK();
}

}  // namespace

std::string* EvalState::Scratch() {
  if (ev_.scratch_used_ == ev_.scratch_.size()) ev_.scratch_.emplace_back();
  std::string* s = &ev_.scratch_[ev_.scratch_used_++];
  s->clear();
  return s;
}

Status EvalState::Eval(const Node& n, ExprValue* out) {
  switch (n.kind) {
    case NodeKind::kLiteral:
      *out = n.literal;
      return Status::OK();
    case NodeKind::kColumn:
      return EvalColumn(n, out);
    case NodeKind::kOp: {
      std::string_view op = OpText(row_.op());
      *out = op.empty() ? ExprValue::Null() : ExprValue::Text(op);
      return Status::OK();
    }
    case NodeKind::kSource: {
      const cdc::v1::Source& source = row_.source();
      switch (n.source_field) {
        case SourceField::kTable: *out = ExprValue::Text(source.table()); break;
        case SourceField::kSchema: *out = ExprValue::Text(source.schema()); break;
        case SourceField::kDatabase: *out = ExprValue::Text(source.database()); break;
        case SourceField::kCommitTime:
          *out = ExprValue::Timestamp(source.commit_time_us(), true);
          break;
      }
      return Status::OK();
    }
    case NodeKind::kNeg: {
      ExprValue v;
      CDC_RETURN_IF_ERROR(Eval(*n.args[0], &v));
      if (v.is_null()) {
        *out = v;
        return Status::OK();
      }
      return Negate(*this, v, out);
    }
    case NodeKind::kNot: {
      ExprValue v;
      CDC_RETURN_IF_ERROR(Eval(*n.args[0], &v));
      bool known = false, value = false;
      CDC_RETURN_IF_ERROR(Truth(v, "'!'", &known, &value));
      *out = known ? ExprValue::Bool(!value) : ExprValue::Null();
      return Status::OK();
    }
    case NodeKind::kArith:
    case NodeKind::kCompare: {
      ExprValue a, b;
      CDC_RETURN_IF_ERROR(Eval(*n.args[0], &a));
      CDC_RETURN_IF_ERROR(Eval(*n.args[1], &b));
      if (a.is_null() || b.is_null()) {
        *out = ExprValue::Null();
        return Status::OK();
      }
      if (n.kind == NodeKind::kArith) return Arith(*this, n.arith, a, b, out);
      int c = 0;
      CDC_RETURN_IF_ERROR(CompareValues(a, b, OperatorName(n.compare), &c));
      *out = ExprValue::Bool(CompareHolds(n.compare, c));
      return Status::OK();
    }
    case NodeKind::kAnd:
    case NodeKind::kOr:
      return EvalLogic(n, out);
    case NodeKind::kIsNull: {
      ExprValue v;
      CDC_RETURN_IF_ERROR(Eval(*n.args[0], &v));
      *out = ExprValue::Bool(v.is_null() != n.negate);
      return Status::OK();
    }
    case NodeKind::kIn:
      return EvalIn(n, out);
    case NodeKind::kCase:
    case NodeKind::kCaseSimple:
      return EvalCase(n, out);
    case NodeKind::kCast: {
      ExprValue v;
      CDC_RETURN_IF_ERROR(Eval(*n.args[0], &v));
      if (v.is_null()) {
        *out = v;
        return Status::OK();
      }
      return CastValue(*this, v, n.type, out);
    }
    case NodeKind::kCall:
      return CallFunction(*this, n, out);
  }
  return Status::InvalidArgument("unknown expression node");
}

Status EvalState::EvalColumn(const Node& n, ExprValue* out) {
  const cdc::v1::Value* v = nullptr;
  switch (n.image) {
    case Image::kBefore: v = row_.before(n.column); break;
    case Image::kAfter: v = row_.after(n.column); break;
    case Image::kCurrent:
      v = row_.op() == cdc::v1::OP_DELETE ? row_.before(n.column) : row_.after(n.column);
      break;
  }
  return FromProto(*this, v, n.name, out);
}

// Three-valued: false && x is false and true || x is true without reading
// x; otherwise NULL wins over the remaining value.
Status EvalState::EvalLogic(const Node& n, ExprValue* out) {
  const bool is_and = n.kind == NodeKind::kAnd;
  const std::string_view what = is_and ? "'&&'" : "'||'";
  const bool decisive = !is_and;  // the value that settles the result
  ExprValue a;
  CDC_RETURN_IF_ERROR(Eval(*n.args[0], &a));
  bool a_known = false, a_value = false;
  CDC_RETURN_IF_ERROR(Truth(a, what, &a_known, &a_value));
  if (a_known && a_value == decisive) {
    *out = ExprValue::Bool(decisive);
    return Status::OK();
  }
  ExprValue b;
  CDC_RETURN_IF_ERROR(Eval(*n.args[1], &b));
  bool b_known = false, b_value = false;
  CDC_RETURN_IF_ERROR(Truth(b, what, &b_known, &b_value));
  if (b_known && b_value == decisive) {
    *out = ExprValue::Bool(decisive);
  } else if (!a_known || !b_known) {
    *out = ExprValue::Null();
  } else {
    *out = ExprValue::Bool(!decisive);
  }
  return Status::OK();
}

Status EvalState::EvalIn(const Node& n, ExprValue* out) {
  ExprValue subject;
  CDC_RETURN_IF_ERROR(Eval(*n.args[0], &subject));
  if (subject.is_null()) {
    *out = subject;
    return Status::OK();
  }
  bool saw_null = false;
  for (size_t i = 1; i < n.args.size(); ++i) {
    ExprValue item;
    CDC_RETURN_IF_ERROR(Eval(*n.args[i], &item));
    if (item.is_null()) {
      saw_null = true;
      continue;
    }
    int c = 0;
    CDC_RETURN_IF_ERROR(CompareValues(subject, item, "in", &c));
    if (c == 0) {
      *out = ExprValue::Bool(!n.negate);
      return Status::OK();
    }
  }
  *out = saw_null ? ExprValue::Null() : ExprValue::Bool(n.negate);
  return Status::OK();
}

Status EvalState::EvalCase(const Node& n, ExprValue* out) {
  const bool simple = n.kind == NodeKind::kCaseSimple;
  size_t first = simple ? 1 : 0;
  size_t pairs_end = n.args.size() - (n.has_else ? 1 : 0);
  ExprValue subject;
  if (simple) CDC_RETURN_IF_ERROR(Eval(*n.args[0], &subject));
  for (size_t i = first; i + 1 < pairs_end; i += 2) {
    ExprValue when;
    CDC_RETURN_IF_ERROR(Eval(*n.args[i], &when));
    bool match = false;
    if (simple) {
      if (!subject.is_null() && !when.is_null()) {
        int c = 0;
        CDC_RETURN_IF_ERROR(CompareValues(subject, when, "case", &c));
        match = c == 0;
      }
    } else {
      bool known = false, value = false;
      CDC_RETURN_IF_ERROR(Truth(when, "when", &known, &value));
      match = known && value;
    }
    if (match) return Eval(*n.args[i + 1], out);
  }
  if (n.has_else) return Eval(*n.args.back(), out);
  *out = ExprValue::Null();
  return Status::OK();
}

}  // namespace cdc::agent::transform::internal
