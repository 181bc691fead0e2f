#include "agent/transform/expr_lexer.h"

#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool IsIdentPart(char c) { return IsIdentStart(c) || IsDigit(c); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Reads a literal or quoted name closed by `quote`, with a doubled quote
// standing for one. Returns the offset after the closing quote, or npos.
size_t ReadQuoted(std::string_view text, size_t start, char quote, std::string* value) {
  for (size_t i = start + 1; i < text.size(); ++i) {
    if (text[i] != quote) {
      value->push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == quote) {
      value->push_back(quote);
      ++i;
      continue;
    }
    return i + 1;
  }
  return std::string_view::npos;
}

// Length of the operator at the start of `rest`, 0 when there is none.
size_t SymbolLength(std::string_view rest) {
  static constexpr std::string_view kTwo[] = {"||", "&&", "==", "!=", "<=", ">="};
  for (std::string_view s : kTwo) {
    if (rest.substr(0, 2) == s) return 2;
  }
  static constexpr std::string_view kOne = "(),.!<>+-*/%";
  return kOne.find(rest[0]) != std::string_view::npos ? 1 : 0;
}

}  // namespace

Status Tokenize(std::string_view text, std::vector<Token>* out) {
  out->clear();
  size_t i = 0;
  // Columns count characters: every byte that does not continue a UTF-8
  // sequence starts one. Counted incrementally, tokens being in order.
  size_t counted = 0;
  uint32_t column = 1;  // of text[counted]
  auto column_of = [&](size_t offset) {
    for (; counted < offset; ++counted) {
      if ((static_cast<unsigned char>(text[counted]) & 0xc0) != 0x80) ++column;
    }
    return column;
  };
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    Token t;
    t.pos = column_of(i);
    if (i == text.size()) {
      t.kind = TokenKind::kEnd;
      out->push_back(std::move(t));
      return Status::OK();
    }
    size_t start = i;
    char c = text[i];
    if (IsDigit(c)) {
      t.kind = TokenKind::kInt;
      while (i < text.size() && IsDigit(text[i])) ++i;
      if (i + 1 < text.size() && text[i] == '.' && IsDigit(text[i + 1])) {
        t.kind = TokenKind::kDecimal;
        ++i;
        while (i < text.size() && IsDigit(text[i])) ++i;
      }
      if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        size_t k = i + 1;
        if (k < text.size() && (text[k] == '+' || text[k] == '-')) ++k;
        if (k >= text.size() || !IsDigit(text[k])) {
          return CompileError(column_of(i), "expected digits after the exponent 'e'");
        }
        while (k < text.size() && IsDigit(text[k])) ++k;
        t.kind = TokenKind::kDouble;
        i = k;
      }
      if (i < text.size() && IsIdentStart(text[i])) {
        return CompileError(t.pos, "a number must not run into a name: '" +
                                       std::string(text.substr(start, i + 1 - start)) + "'");
      }
    } else if (IsIdentStart(c)) {
      t.kind = TokenKind::kIdent;
      while (i < text.size() && IsIdentPart(text[i])) ++i;
    } else if (c == '\'' || c == '"') {
      t.kind = c == '\'' ? TokenKind::kText : TokenKind::kQuotedIdent;
      size_t end = ReadQuoted(text, i, c, &t.value);
      if (end == std::string_view::npos) {
        return CompileError(t.pos, c == '\'' ? "unterminated text literal"
                                             : "unterminated quoted name");
      }
      if (t.kind == TokenKind::kQuotedIdent && t.value.empty()) {
        return CompileError(t.pos, "a quoted name must not be empty");
      }
      i = end;
    } else if (c == '=' && (i + 1 == text.size() || text[i + 1] != '=')) {
      return CompileError(t.pos, "'=' is not an operator; use '==' to compare");
    } else if (size_t len = SymbolLength(text.substr(i)); len > 0) {
      t.kind = TokenKind::kSymbol;
      i += len;
    } else {
      return CompileError(t.pos, "unexpected character '" + std::string(1, c) + "'");
    }
    t.raw = text.substr(start, i - start);
    out->push_back(std::move(t));
  }
}

std::string DescribeToken(const Token& t) {
  if (t.kind == TokenKind::kEnd) return "the end of the text";
  return "'" + std::string(t.raw) + "'";
}

}  // namespace cdc::agent::transform::internal
