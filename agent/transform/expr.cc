#include "agent/transform/expr.h"

#include "agent/transform/expr_lexer.h"
#include "agent/transform/expr_node.h"
#include "agent/transform/expr_parser.h"

namespace cdc::agent::transform {

CompiledExpr::CompiledExpr(std::string text, std::unique_ptr<internal::Node> root)
    : text_(std::move(text)), root_(std::move(root)) {}

CompiledExpr::~CompiledExpr() = default;

ExprType CompiledExpr::type() const { return root_->type; }

Result<std::shared_ptr<const CompiledExpr>> Compile(std::string_view text,
                                                  const ExprScope& scope) {
  std::vector<internal::Token> tokens;
  CDC_RETURN_IF_ERROR(internal::Tokenize(text, &tokens));
  internal::Parser parser(scope, std::move(tokens));
  CDC_ASSIGN_OR_RETURN(internal::NodePtr root, parser.ParseAll());
  return std::shared_ptr<const CompiledExpr>(new CompiledExpr(std::string(text), std::move(root)));
}

Evaluator::Evaluator() = default;
Evaluator::~Evaluator() = default;

Result<ExprValue> Evaluator::Evaluate(const CompiledExpr& e, const RowAccess& row) {
  scratch_used_ = 0;
  unchanged_reads_ = 0;
  internal::EvalState state(*this, row);
  ExprValue v;
  Status s = state.Eval(*e.root_, &v);
  total_unchanged_reads_ += unchanged_reads_;
  if (!s.ok()) return s;
  return v;
}

Result<bool> Evaluator::EvaluatePredicate(const CompiledExpr& e, const RowAccess& row) {
  CDC_ASSIGN_OR_RETURN(ExprValue v, Evaluate(e, row));
  if (v.is_null()) return false;
  if (v.type != ExprType::kBool) {
    return Status::InvalidArgument("a filter must give a bool, got " +
                                   std::string(ExprTypeName(v.type)));
  }
  return v.b;
}

void Evaluator::ToProto(const ExprValue& v, cdc::v1::Value* out) {
  out->Clear();
  switch (v.type) {
    case ExprType::kNull:
    case ExprType::kAny:
      out->set_null(true);
      return;
    case ExprType::kBool:
      out->set_bool_value(v.b);
      return;
    case ExprType::kInt:
      out->set_int_value(v.i);
      return;
    case ExprType::kDouble:
      out->set_double_value(v.d);
      return;
    case ExprType::kDecimal:
      out->set_decimal_value(std::string(v.text));
      return;
    case ExprType::kText:
      out->set_text_value(std::string(v.text));
      return;
    case ExprType::kBytes:
      out->set_bytes_value(std::string(v.text));
      return;
    case ExprType::kDate: {
      cdc::v1::Date* d = out->mutable_date_value();
      d->set_year(v.date.year);
      d->set_month(v.date.month);
      d->set_day(v.date.day);
      if (v.infinity != 0) {
        d->set_infinity(v.infinity > 0 ? cdc::v1::INFINITY_POSITIVE : cdc::v1::INFINITY_NEGATIVE);
      }
      return;
    }
    case ExprType::kTimestamp: {
      cdc::v1::Timestamp* t = out->mutable_timestamp_value();
      t->set_epoch_micros(v.i);
      t->set_precision(6);
      t->set_with_time_zone(v.with_zone);
      if (v.infinity != 0) {
        t->set_infinity(v.infinity > 0 ? cdc::v1::INFINITY_POSITIVE : cdc::v1::INFINITY_NEGATIVE);
      }
      switch (v.form) {
        case TimestampForm::kInstant: break;
        case TimestampForm::kZero: t->set_zero(true); break;
        case TimestampForm::kInvalid: t->set_invalid_text(std::string(v.text)); break;
        case TimestampForm::kBeyondRange: t->set_out_of_range_text(std::string(v.text)); break;
      }
      return;
    }
  }
}

}  // namespace cdc::agent::transform
