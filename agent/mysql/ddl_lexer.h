// Tokens of a MySQL/MariaDB statement, for the DDL parser (internal to it).
//
// Lexical rules: https://dev.mysql.com/doc/refman/8.4/en/identifiers.html,
// https://dev.mysql.com/doc/refman/8.4/en/string-literals.html and
// https://dev.mysql.com/doc/refman/8.4/en/comments.html. Comments are
// dropped, except the text of executable comments (/*!NNNNN ... */,
// /*M!NNNNNN ... */) that the server of the given version ran.
//
// Pure code: no I/O.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "agent/mysql/ddl_parser.h"

namespace cdc::agent::mysql::ddl {

struct Token {
  enum class Kind { kWord, kQuotedName, kString, kNumber, kSymbol, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;   // kWord as written; kQuotedName and kString unescaped
  size_t offset = 0;  // in the statement
};

// The character a backslash escape in a quoted string stands for ('n' ->
// newline, '0' -> NUL, 'Z' -> 0x1A, ...; any other character for itself).
char Unescaped(char c);

// Splits `sql` into tokens, ending with one kEnd. False with `error` set on
// an unterminated quote or comment.
bool Tokenize(std::string_view sql, const ParseOptions& options, std::vector<Token>* out,
              std::string* error);

// Reads a token list front to back. Words compare case-insensitively with
// their uppercase spelling. Reading past the end stays at kEnd.
class Cursor {
 public:
  explicit Cursor(const std::vector<Token>& tokens) : tokens_(tokens) {}

  const Token& Peek(size_t ahead = 0) const;
  void Next() { if (pos_ + 1 < tokens_.size()) ++pos_; }
  // The end of the statement: kEnd or ';'.
  bool AtEnd() const;
  bool IsWord(std::string_view upper, size_t ahead = 0) const;
  bool IsSymbol(char c, size_t ahead = 0) const;
  // Consumes the word (or each word of a sequence, all or none).
  bool Accept(std::string_view upper);
  bool Accept(std::initializer_list<std::string_view> words);
  bool AcceptSymbol(char c);
  // A name: a word or a quoted name.
  bool Name(std::string* out);
  // A name or a string (charset and collation names may be either).
  bool NameOrString(std::string* out);
  // Skips one token, or a whole parenthesised group.
  void SkipItem();
  // Skips to the ',' or ')' that ends the current list item (not consumed).
  void SkipToItemEnd();
  size_t offset() const { return Peek().offset; }

 private:
  const std::vector<Token>& tokens_;
  size_t pos_ = 0;
};

// Reads a column definition, name first, to the end of its list item: the
// type (aliases resolved: BOOL, SERIAL, NCHAR, LONG, DOUBLE PRECISION,
// TEXT(n), ...) and the attributes that matter here (UNSIGNED, ZEROFILL,
// BINARY, CHARACTER SET, COLLATE, PRIMARY KEY, CHECK (json_valid(c))); a
// trailing FIRST or AFTER c goes to `place` and `after`. False with `error`
// set when the type is not known.
bool ReadColumnDef(Cursor& c, const ParseOptions& options, ColumnDef* def, Place* place,
                   std::string* after, std::string* error);

// After CHECK: true when the parenthesised condition is json_valid(column)
// (the MariaDB JSON marker); consumes the group either way.
bool ReadJsonCheck(Cursor& c, std::string* column);

}  // namespace cdc::agent::mysql::ddl
