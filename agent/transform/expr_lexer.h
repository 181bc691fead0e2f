// Internal to the expression module: splitting expression text into tokens.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cdc::agent::transform::internal {

enum class TokenKind : uint8_t {
  kEnd,
  kIdent,        // letters, digits, '_' and non-ASCII characters; not starting with a digit
  kQuotedIdent,  // "Order Id"; `value` without the quotes, "" as one quote
  kInt,          // 42
  kDecimal,      // 1.5
  kDouble,       // 1e3, 1.5e-3
  kText,         // 'it''s'; `value` without the quotes, '' as one quote
  kSymbol,       // ( ) , . || && ! == != < <= > >= + - * / %
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  uint32_t pos = 1;      // 1-based column, in characters
  std::string_view raw;  // as written
  std::string value;     // kText, kQuotedIdent
};

// Splits `text` into tokens, the last one kEnd. Errors name the column:
// "column 7: unterminated text literal".
Status Tokenize(std::string_view text, std::vector<Token>* out);

// How a token reads in a message: "')'", "'foo'", "the end of the text".
std::string DescribeToken(const Token& t);

}  // namespace cdc::agent::transform::internal
