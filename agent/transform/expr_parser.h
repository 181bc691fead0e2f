// Internal to the expression module: the recursive-descent parser. Nodes
// are typed as they are built (expr_check.cc), so that each error names the
// position of the token at fault.
//
// The grammar, loosest first:
//   or      := and ('||' and)*
//   and     := cmp ('&&' cmp)*
//   cmp     := add (('=='|'!='|'<'|'<='|'>'|'>=') add
//                   | 'is' ['not'] 'null' | ['not'] 'in' '(' or (',' or)* ')')*
//   add     := mul (('+'|'-') mul)*
//   mul     := unary (('*'|'/'|'%') unary)*
//   unary   := ('-'|'!') unary | primary
//   primary := number | 'text' | true | false | null | '(' or ')'
//            | case | cast '(' or as type ')' | name '(' [or (',' or)*] ')'
//            | (after|before) '.' column | source '.' field | op | column
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/transform/expr_lexer.h"
#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {

std::string LowerAscii(std::string_view s);

// Makes a literal node; TextLiteral's value lives in the node.
NodePtr Literal(ExprType type, uint32_t pos);
NodePtr TextLiteral(std::string text, ExprType type, uint32_t pos);

// Parses one expression against `scope`, which must outlive the parser.
// Thread: any; one parser per text.
class Parser {
 public:
  Parser(const ExprScope& scope, std::vector<Token> tokens)
      : scope_(scope), tokens_(std::move(tokens)) {}

  // The whole text as one expression.
  Result<NodePtr> ParseAll();

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = next_ + ahead;
    return tokens_[i < tokens_.size() ? i : tokens_.size() - 1];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (next_ + 1 < tokens_.size()) ++next_;
    return t;
  }
  static bool IsSymbol(const Token& t, std::string_view s) {
    return t.kind == TokenKind::kSymbol && t.raw == s;
  }
  static bool IsKeyword(const Token& t, std::string_view lower_word) {
    return t.kind == TokenKind::kIdent && LowerAscii(t.raw) == lower_word;
  }
  // Consumes the next token when `found`, else fails with "expected <what>".
  Status Expect(bool found, std::string_view what) {
    if (!found) return CompileError(Peek().pos, "expected " + std::string(what));
    Next();
    return Status::OK();
  }

  Result<NodePtr> ParseOr();
  Result<NodePtr> ParseAnd();
  Result<NodePtr> ParseComparison();
  Result<NodePtr> ParseAdditive();
  Result<NodePtr> ParseMultiplicative();
  Result<NodePtr> ParseUnary();
  Result<NodePtr> ParsePrimary();
  Result<NodePtr> ParseNumber(const Token& t, bool negative, uint32_t pos);
  Result<NodePtr> ParseName();
  Result<NodePtr> ParseColumn(const Token& name_token, Image image, std::string_view prefix,
                              uint32_t pos);
  Result<NodePtr> ParseCall();
  Result<NodePtr> ParseCase();
  Result<NodePtr> ParseCast();
  Result<NodePtr> ParseIn(NodePtr subject, bool negate);

  // Counts the nesting of ParseOr and ParseUnary, so that a deeply nested
  // text is an error rather than the end of the stack.
  class Nesting {
   public:
    explicit Nesting(int& depth) : depth_(depth) { ++depth_; }
    ~Nesting() { --depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    bool too_deep() const { return depth_ > kMaxDepth; }

   private:
    int& depth_;
  };
  static constexpr int kMaxDepth = 200;
  Status TooDeep() const;

  const ExprScope& scope_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
  int depth_ = 0;
};

}  // namespace cdc::agent::transform::internal
