// Terms of the expression language: literals, names, calls, case and cast.
#include <charconv>
#include <string>

#include "agent/transform/expr_parser.h"

namespace cdc::agent::transform::internal {

Result<NodePtr> Parser::ParseNumber(const Token& t, bool negative, uint32_t pos) {
  std::string digits = (negative ? "-" : "") + std::string(t.raw);
  const char* end = digits.data() + digits.size();
  if (t.kind == TokenKind::kInt) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), end, v);
    if (ec == std::errc() && ptr == end) {
      NodePtr n = Literal(ExprType::kInt, pos);
      n->literal.i = v;
      return n;
    }
    // Too large for int64: an exact decimal instead.
  }
  if (t.kind == TokenKind::kDouble) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), end, v);
    if (ec != std::errc() || ptr != end) {
      return CompileError(pos, "number " + digits + " is out of range");
    }
    NodePtr n = Literal(ExprType::kDouble, pos);
    n->literal.d = v;
    return n;
  }
  return TextLiteral(std::move(digits), ExprType::kDecimal, pos);
}

Result<NodePtr> Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInt:
    case TokenKind::kDecimal:
    case TokenKind::kDouble:
      return ParseNumber(Next(), false, t.pos);
    case TokenKind::kText: {
      const Token& text = Next();
      return TextLiteral(text.value, ExprType::kText, text.pos);
    }
    case TokenKind::kQuotedIdent:
    case TokenKind::kIdent:
      return ParseName();
    case TokenKind::kSymbol:
      if (IsSymbol(t, "(")) {
        uint32_t open = Next().pos;
        CDC_ASSIGN_OR_RETURN(NodePtr inner, ParseOr());
        CDC_RETURN_IF_ERROR(Expect(IsSymbol(Peek(), ")"), "')' to close the '(' at column " +
                                                              std::to_string(open)));
        return inner;
      }
      break;
    case TokenKind::kEnd:
      break;
  }
  return CompileError(t.pos, "expected a value, got " + DescribeToken(t));
}

Result<NodePtr> Parser::ParseName() {
  const Token& t = Peek();
  if (t.kind == TokenKind::kQuotedIdent) return ParseColumn(Next(), Image::kCurrent, "", t.pos);
  std::string word = LowerAscii(t.raw);
  bool call = IsSymbol(Peek(1), "(");
  bool dotted = IsSymbol(Peek(1), ".");
  if (word == "true" || word == "false") {
    NodePtr n = Literal(ExprType::kBool, Next().pos);
    n->literal.b = word == "true";
    return n;
  }
  if (word == "null") return Literal(ExprType::kNull, Next().pos);
  if (word == "case") return ParseCase();
  if (word == "cast" && call) return ParseCast();
  if ((word == "after" || word == "before") && dotted) {
    uint32_t pos = Next().pos;
    Next();  // '.'
    const Token& name = Peek();
    if (name.kind != TokenKind::kIdent && name.kind != TokenKind::kQuotedIdent) {
      return CompileError(name.pos, "expected a column name after '" + word + ".', got " +
                                        DescribeToken(name));
    }
    return ParseColumn(Next(), word == "after" ? Image::kAfter : Image::kBefore, word + ".", pos);
  }
  if (word == "source" && dotted) {
    static constexpr std::pair<std::string_view, SourceField> kFields[] = {
        {"table", SourceField::kTable},
        {"schema", SourceField::kSchema},
        {"database", SourceField::kDatabase},
        {"commit_time", SourceField::kCommitTime}};
    uint32_t pos = Next().pos;
    Next();  // '.'
    const Token& field = Next();
    for (const auto& [field_name, value] : kFields) {
      if (field.kind == TokenKind::kIdent && LowerAscii(field.raw) == field_name) {
        auto n = std::make_unique<Node>();
        n->kind = NodeKind::kSource;
        n->source_field = value;
        n->type = value == SourceField::kCommitTime ? ExprType::kTimestamp : ExprType::kText;
        n->pos = pos;
        return n;
      }
    }
    return CompileError(field.pos, "unknown source field 'source." + std::string(field.raw) +
                                       "' (use source.table, source.schema, source.database or "
                                       "source.commit_time)");
  }
  if (call) return ParseCall();
  if (word == "op") {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kOp;
    n->type = ExprType::kText;
    n->pos = Next().pos;
    return n;
  }
  return ParseColumn(Next(), Image::kCurrent, "", t.pos);
}

Result<NodePtr> Parser::ParseColumn(const Token& name_token, Image image, std::string_view prefix,
                                    uint32_t pos) {
  std::string name =
      name_token.kind == TokenKind::kQuotedIdent ? name_token.value : std::string(name_token.raw);
  for (size_t i = 0; i < scope_.columns.size(); ++i) {
    if (scope_.columns[i].name != name) continue;
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kColumn;
    n->type = scope_.columns[i].type == ExprType::kNull ? ExprType::kAny : scope_.columns[i].type;
    n->pos = pos;
    n->image = image;
    n->column = i;
    n->name = name;
    return n;
  }
  constexpr size_t kListed = 20;
  std::string known;
  for (size_t i = 0; i < scope_.columns.size() && i < kListed; ++i) {
    known += (i == 0 ? "" : ", ") + scope_.columns[i].name;
  }
  if (scope_.columns.size() > kListed) {
    known += ", and " + std::to_string(scope_.columns.size() - kListed) + " more";
  }
  return CompileError(pos, "unknown column '" + std::string(prefix) + name + "' (the table has: " +
                               (known.empty() ? "no columns" : known) + ")");
}

Result<NodePtr> Parser::ParseCall() {
  const Token& name = Next();
  Fn fn = Fn::kConcat;
  if (!FindFunction(name.raw, &fn)) {
    return CompileError(name.pos, "unknown function '" + std::string(name.raw) + "'");
  }
  std::string_view canonical = FunctionName(fn);
  Next();  // '('
  std::vector<NodePtr> args;
  if (IsSymbol(Peek(), ")")) {
    Next();
  } else {
    while (true) {
      CDC_ASSIGN_OR_RETURN(NodePtr arg, ParseOr());
      args.push_back(std::move(arg));
      if (IsSymbol(Peek(), ",")) {
        Next();
        continue;
      }
      CDC_RETURN_IF_ERROR(Expect(IsSymbol(Peek(), ")"),
                                 "')' after the arguments of " + std::string(canonical)));
      break;
    }
  }
  return MakeCall(fn, name.pos, std::move(args), scope_, name.raw);
}

// case [subject] when a then v ... [else v] end
Result<NodePtr> Parser::ParseCase() {
  const uint32_t pos = Next().pos;
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::kCase;
  n->pos = pos;
  if (!IsKeyword(Peek(), "when")) {
    CDC_ASSIGN_OR_RETURN(NodePtr subject, ParseOr());
    n->kind = NodeKind::kCaseSimple;
    n->args.push_back(std::move(subject));
  }
  const bool simple = n->kind == NodeKind::kCaseSimple;
  std::vector<size_t> results;  // indexes in args of the values case may give
  while (IsKeyword(Peek(), "when")) {
    Next();
    CDC_ASSIGN_OR_RETURN(NodePtr when, ParseOr());
    ExprType t = when->type;
    if (simple && !Comparable(n->args[0]->type, t)) {
      return CompileError(when->pos, "case cannot compare " +
                                         std::string(ExprTypeName(n->args[0]->type)) + " with " +
                                         std::string(ExprTypeName(t)));
    }
    if (!simple && t != ExprType::kBool && t != ExprType::kNull && t != ExprType::kAny) {
      return CompileError(when->pos, "when needs a bool, got " + std::string(ExprTypeName(t)));
    }
    CDC_RETURN_IF_ERROR(Expect(IsKeyword(Peek(), "then"), "'then' after the condition of when"));
    CDC_ASSIGN_OR_RETURN(NodePtr value, ParseOr());
    n->args.push_back(std::move(when));
    results.push_back(n->args.size());
    n->args.push_back(std::move(value));
  }
  if (results.empty()) return CompileError(Peek().pos, "expected 'when' in case");
  if (IsKeyword(Peek(), "else")) {
    Next();
    CDC_ASSIGN_OR_RETURN(NodePtr otherwise, ParseOr());
    n->has_else = true;
    results.push_back(n->args.size());
    n->args.push_back(std::move(otherwise));
  }
  CDC_RETURN_IF_ERROR(Expect(IsKeyword(Peek(), "end"),
                             "'end' to close the case at column " + std::to_string(pos)));
  ExprType type = ExprType::kNull;
  for (size_t i : results) {
    ExprType next = ExprType::kNull;
    if (!Unify(type, n->args[i]->type, &next)) {
      return CompileError(n->args[i]->pos, "case gives " + std::string(ExprTypeName(type)) +
                                               " in one branch and " +
                                               std::string(ExprTypeName(n->args[i]->type)) +
                                               " in another");
    }
    type = next;
  }
  for (size_t i : results) n->args[i] = Coerce(std::move(n->args[i]), type);
  n->type = type;
  return n;
}

// cast(x as type)
Result<NodePtr> Parser::ParseCast() {
  static constexpr std::pair<std::string_view, ExprType> kTypes[] = {
      {"int", ExprType::kInt},         {"integer", ExprType::kInt},
      {"bigint", ExprType::kInt},      {"double", ExprType::kDouble},
      {"float", ExprType::kDouble},    {"decimal", ExprType::kDecimal},
      {"numeric", ExprType::kDecimal}, {"text", ExprType::kText},
      {"string", ExprType::kText},     {"bool", ExprType::kBool},
      {"boolean", ExprType::kBool},    {"date", ExprType::kDate},
      {"timestamp", ExprType::kTimestamp}};
  const uint32_t pos = Next().pos;
  Next();  // '('
  CDC_ASSIGN_OR_RETURN(NodePtr value, ParseOr());
  CDC_RETURN_IF_ERROR(Expect(IsKeyword(Peek(), "as"), "'as' in cast"));
  const Token& type_token = Next();
  const ExprType* target = nullptr;
  for (const auto& [type_name, type] : kTypes) {
    if (type_token.kind == TokenKind::kIdent && LowerAscii(type_token.raw) == type_name) {
      target = &type;
    }
  }
  if (target == nullptr) {
    return CompileError(type_token.pos,
                        "unknown type " + DescribeToken(type_token) +
                            " in cast (use int, double, decimal, text, bool, date or timestamp)");
  }
  CDC_RETURN_IF_ERROR(Expect(IsSymbol(Peek(), ")"), "')' after the type of cast"));
  if (!CanCast(value->type, *target)) {
    return CompileError(pos, "cannot cast " + std::string(ExprTypeName(value->type)) + " to " +
                                 std::string(ExprTypeName(*target)));
  }
  auto n = std::make_unique<Node>();
  n->kind = NodeKind::kCast;
  n->type = *target;
  n->pos = pos;
  n->args.push_back(std::move(value));
  return n;
}

}  // namespace cdc::agent::transform::internal
