// Operators of the expression language: the loosest levels of the grammar.
#include <string>

#include "agent/transform/expr_parser.h"

namespace cdc::agent::transform::internal {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

NodePtr Literal(ExprType type, uint32_t pos) {
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::kLiteral;
  n->type = type;
  n->pos = pos;
  n->literal.type = type;
  return n;
}

NodePtr TextLiteral(std::string text, ExprType type, uint32_t pos) {
  NodePtr n = Literal(type, pos);
  n->owned = std::move(text);
  n->literal.text = n->owned;  // the node never moves: it lives behind its unique_ptr
  return n;
}

Result<NodePtr> Parser::ParseAll() {
  CDC_ASSIGN_OR_RETURN(NodePtr root, ParseOr());
  if (Peek().kind != TokenKind::kEnd) {
    return CompileError(Peek().pos, "unexpected " + DescribeToken(Peek()) +
                                        " after the end of the expression");
  }
  return root;
}

Status Parser::TooDeep() const {
  return CompileError(Peek().pos,
                      "the expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
}

Result<NodePtr> Parser::ParseOr() {
  Nesting nesting(depth_);
  if (nesting.too_deep()) return TooDeep();
  CDC_ASSIGN_OR_RETURN(NodePtr left, ParseAnd());
  while (IsSymbol(Peek(), "||")) {
    uint32_t pos = Next().pos;
    CDC_ASSIGN_OR_RETURN(NodePtr right, ParseAnd());
    CDC_ASSIGN_OR_RETURN(left, MakeLogic(NodeKind::kOr, pos, std::move(left), std::move(right)));
  }
  return left;
}

Result<NodePtr> Parser::ParseAnd() {
  CDC_ASSIGN_OR_RETURN(NodePtr left, ParseComparison());
  while (IsSymbol(Peek(), "&&")) {
    uint32_t pos = Next().pos;
    CDC_ASSIGN_OR_RETURN(NodePtr right, ParseComparison());
    CDC_ASSIGN_OR_RETURN(left, MakeLogic(NodeKind::kAnd, pos, std::move(left), std::move(right)));
  }
  return left;
}

Result<NodePtr> Parser::ParseComparison() {
  static constexpr std::pair<std::string_view, CompareOp> kOps[] = {
      {"==", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<", CompareOp::kLt},
      {"<=", CompareOp::kLe}, {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
  CDC_ASSIGN_OR_RETURN(NodePtr left, ParseAdditive());
  while (true) {
    const Token& t = Peek();
    const CompareOp* op = nullptr;
    for (const auto& [symbol, value] : kOps) {
      if (IsSymbol(t, symbol)) op = &value;
    }
    if (op != nullptr) {
      uint32_t pos = Next().pos;
      CDC_ASSIGN_OR_RETURN(NodePtr right, ParseAdditive());
      CDC_ASSIGN_OR_RETURN(left, MakeCompare(*op, pos, std::move(left), std::move(right)));
    } else if (IsKeyword(t, "is")) {
      Next();
      bool negate = IsKeyword(Peek(), "not");
      if (negate) Next();
      CDC_RETURN_IF_ERROR(
          Expect(IsKeyword(Peek(), "null"), negate ? "'null' after 'is not'" : "'null' after 'is'"));
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kIsNull;
      n->type = ExprType::kBool;
      n->pos = left->pos;
      n->negate = negate;
      n->args.push_back(std::move(left));
      left = std::move(n);
    } else if (IsKeyword(t, "in") || (IsKeyword(t, "not") && IsKeyword(Peek(1), "in"))) {
      bool negate = IsKeyword(t, "not");
      Next();
      if (negate) Next();
      CDC_ASSIGN_OR_RETURN(left, ParseIn(std::move(left), negate));
    } else {
      return left;
    }
  }
}

Result<NodePtr> Parser::ParseIn(NodePtr subject, bool negate) {
  CDC_RETURN_IF_ERROR(Expect(IsSymbol(Peek(), "("), "'(' after 'in'"));
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::kIn;
  n->type = ExprType::kBool;
  n->pos = subject->pos;
  n->negate = negate;
  n->args.push_back(std::move(subject));
  while (true) {
    CDC_ASSIGN_OR_RETURN(NodePtr item, ParseOr());
    if (!Comparable(n->args[0]->type, item->type)) {
      return CompileError(item->pos, "'in' cannot compare " +
                                         std::string(ExprTypeName(n->args[0]->type)) + " with " +
                                         std::string(ExprTypeName(item->type)));
    }
    n->args.push_back(std::move(item));
    if (!IsSymbol(Peek(), ",")) break;
    Next();
  }
  CDC_RETURN_IF_ERROR(Expect(IsSymbol(Peek(), ")"), "')' after the list of 'in'"));
  return n;
}

Result<NodePtr> Parser::ParseAdditive() {
  CDC_ASSIGN_OR_RETURN(NodePtr left, ParseMultiplicative());
  while (IsSymbol(Peek(), "+") || IsSymbol(Peek(), "-")) {
    ArithOp op = IsSymbol(Peek(), "+") ? ArithOp::kAdd : ArithOp::kSub;
    uint32_t pos = Next().pos;
    CDC_ASSIGN_OR_RETURN(NodePtr right, ParseMultiplicative());
    CDC_ASSIGN_OR_RETURN(left, MakeArith(op, pos, std::move(left), std::move(right)));
  }
  return left;
}

Result<NodePtr> Parser::ParseMultiplicative() {
  CDC_ASSIGN_OR_RETURN(NodePtr left, ParseUnary());
  while (IsSymbol(Peek(), "*") || IsSymbol(Peek(), "/") || IsSymbol(Peek(), "%")) {
    ArithOp op = IsSymbol(Peek(), "*") ? ArithOp::kMul
                 : IsSymbol(Peek(), "/") ? ArithOp::kDiv
                                         : ArithOp::kMod;
    uint32_t pos = Next().pos;
    CDC_ASSIGN_OR_RETURN(NodePtr right, ParseUnary());
    CDC_ASSIGN_OR_RETURN(left, MakeArith(op, pos, std::move(left), std::move(right)));
  }
  return left;
}

Result<NodePtr> Parser::ParseUnary() {
  Nesting nesting(depth_);
  if (nesting.too_deep()) return TooDeep();
  if (IsSymbol(Peek(), "-")) {
    uint32_t pos = Next().pos;
    TokenKind k = Peek().kind;
    if (k == TokenKind::kInt || k == TokenKind::kDecimal || k == TokenKind::kDouble) {
      return ParseNumber(Next(), true, pos);  // so that -9223372036854775808 is an int
    }
    CDC_ASSIGN_OR_RETURN(NodePtr operand, ParseUnary());
    return MakeUnary(NodeKind::kNeg, pos, std::move(operand));
  }
  if (IsSymbol(Peek(), "!")) {
    uint32_t pos = Next().pos;
    CDC_ASSIGN_OR_RETURN(NodePtr operand, ParseUnary());
    return MakeUnary(NodeKind::kNot, pos, std::move(operand));
  }
  return ParsePrimary();
}

}  // namespace cdc::agent::transform::internal
