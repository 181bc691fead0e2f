#include "agent/mysql/ddl_lexer.h"

#include <cctype>

namespace cdc::agent::mysql::ddl {

char Unescaped(char c) {
  switch (c) {
    case '0': return '\0';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'Z': return '\x1a';
    default: return c;  // \\ \' \" and \% \_ (kept with the backslash by the server; rare in DDL)
  }
}

namespace {

bool IsWordByte(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

class Lexer {
 public:
  Lexer(std::string_view sql, const ParseOptions& options) : sql_(sql), options_(options) {}

  bool Run(std::vector<Token>* out, std::string* error) {
    while (true) {
      if (!SkipSpaceAndComments(error)) return false;
      if (i_ >= sql_.size()) break;
      Token t;
      t.offset = i_;
      const char c = sql_[i_];
      if (c == '`' || (c == '"' && options_.ansi_quotes)) {
        t.kind = Token::Kind::kQuotedName;
        if (!Quoted(c, /*escapes=*/false, &t.text, error)) return false;
      } else if (c == '\'' || c == '"') {
        t.kind = Token::Kind::kString;
        if (!Quoted(c, !options_.no_backslash_escapes, &t.text, error)) return false;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i_ + 1 < sql_.size() &&
                  std::isdigit(static_cast<unsigned char>(sql_[i_ + 1])) && !AfterName(*out))) {
        Number(&t);
      } else if (IsWordByte(static_cast<unsigned char>(c))) {
        t.kind = Token::Kind::kWord;
        while (i_ < sql_.size() && IsWordByte(static_cast<unsigned char>(sql_[i_]))) {
          t.text += sql_[i_++];
        }
      } else {
        t.kind = Token::Kind::kSymbol;
        t.text = std::string(1, c);
        ++i_;
      }
      out->push_back(std::move(t));
    }
    Token end;
    end.offset = sql_.size();
    out->push_back(end);
    return true;
  }

 private:
  // "t.1x": after a name, ".1x" is a dot and a name, not a number.
  static bool AfterName(const std::vector<Token>& out) {
    return !out.empty() && (out.back().kind == Token::Kind::kWord ||
                            out.back().kind == Token::Kind::kQuotedName);
  }

  void Number(Token* t) {
    t->kind = Token::Kind::kNumber;
    size_t start = i_;
    while (i_ < sql_.size() && (std::isalnum(static_cast<unsigned char>(sql_[i_])) ||
                                sql_[i_] == '.' || sql_[i_] == '_' || sql_[i_] == '$')) {
      // 1e-5: the sign of an exponent belongs to the number.
      if ((sql_[i_] == 'e' || sql_[i_] == 'E') && i_ + 1 < sql_.size() &&
          (sql_[i_ + 1] == '-' || sql_[i_ + 1] == '+') && start < i_ &&
          std::isdigit(static_cast<unsigned char>(sql_[i_ - 1]))) {
        i_ += 2;
        continue;
      }
      ++i_;
    }
    t->text = std::string(sql_.substr(start, i_ - start));
    // "1abc" is a name (identifiers may begin with a digit).
    for (char c : t->text) {
      if (std::isalpha(static_cast<unsigned char>(c)) && c != 'e' && c != 'E') {
        t->kind = Token::Kind::kWord;
      }
    }
  }

  bool Quoted(char quote, bool escapes, std::string* text, std::string* error) {
    const size_t start = i_++;
    while (i_ < sql_.size()) {
      char c = sql_[i_];
      if (c == quote) {
        if (i_ + 1 < sql_.size() && sql_[i_ + 1] == quote) {
          text->push_back(quote);
          i_ += 2;
          continue;
        }
        ++i_;
        return true;
      }
      if (c == '\\' && escapes && i_ + 1 < sql_.size()) {
        text->push_back(Unescaped(sql_[i_ + 1]));
        i_ += 2;
        continue;
      }
      text->push_back(c);
      ++i_;
    }
    *error = "unterminated " + std::string(1, quote) + " quote at offset " + std::to_string(start);
    return false;
  }

  // Skips spaces and comments; enters executable comments the server ran and
  // leaves them at their "*/".
  bool SkipSpaceAndComments(std::string* error) {
    while (i_ < sql_.size()) {
      const char c = sql_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '#' || (sql_.substr(i_, 2) == "--" &&
                              (i_ + 2 == sql_.size() ||
                               std::isspace(static_cast<unsigned char>(sql_[i_ + 2])) ||
                               std::iscntrl(static_cast<unsigned char>(sql_[i_ + 2]))))) {
        size_t nl = sql_.find('\n', i_);
        i_ = nl == std::string_view::npos ? sql_.size() : nl + 1;
      } else if (sql_.substr(i_, 2) == "*/" && in_executable_) {
        in_executable_ = false;
        i_ += 2;
      } else if (sql_.substr(i_, 2) == "/*") {
        const size_t start = i_;
        size_t body = i_ + 2;
        const bool maria = sql_.substr(body, 2) == "M!";
        if (maria || (body < sql_.size() && sql_[body] == '!')) {
          body += maria ? 2 : 1;
          size_t digits = body;
          while (digits < sql_.size() && digits - body < 6 &&
                 std::isdigit(static_cast<unsigned char>(sql_[digits]))) {
            ++digits;
          }
          uint32_t version = 0;
          if (digits - body >= 5) {
            for (size_t k = body; k < digits; ++k) version = version * 10 + (sql_[k] - '0');
          } else {
            digits = body;
          }
          const bool runs = (!maria || options_.mariadb) &&
                            (options_.server_version == 0 || version <= options_.server_version);
          if (runs && !in_executable_) {
            in_executable_ = true;
            i_ = digits;
            continue;
          }
        }
        size_t close = sql_.find("*/", body);
        if (close == std::string_view::npos) {
          *error = "unterminated comment at offset " + std::to_string(start);
          return false;
        }
        i_ = close + 2;
      } else {
        break;
      }
    }
    return true;
  }

  std::string_view sql_;
  const ParseOptions& options_;
  size_t i_ = 0;
  bool in_executable_ = false;
};

bool SameWord(std::string_view text, std::string_view upper) {
  if (text.size() != upper.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(text[i])) != upper[i]) return false;
  }
  return true;
}

}  // namespace

const Token& Cursor::Peek(size_t ahead) const {
  size_t at = pos_ + ahead;
  return at < tokens_.size() ? tokens_[at] : tokens_.back();
}

bool Cursor::AtEnd() const { return Peek().kind == Token::Kind::kEnd || IsSymbol(';'); }

bool Cursor::IsWord(std::string_view upper, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == Token::Kind::kWord && SameWord(t.text, upper);
}

bool Cursor::IsSymbol(char c, size_t ahead) const {
  const Token& t = Peek(ahead);
  return t.kind == Token::Kind::kSymbol && t.text[0] == c;
}

bool Cursor::Accept(std::string_view upper) {
  if (!IsWord(upper)) return false;
  Next();
  return true;
}

bool Cursor::Accept(std::initializer_list<std::string_view> words) {
  size_t ahead = 0;
  for (std::string_view w : words) {
    if (!IsWord(w, ahead++)) return false;
  }
  for (size_t i = 0; i < words.size(); ++i) Next();
  return true;
}

bool Cursor::AcceptSymbol(char c) {
  if (!IsSymbol(c)) return false;
  Next();
  return true;
}

bool Cursor::Name(std::string* out) {
  const Token& t = Peek();
  if (t.kind != Token::Kind::kWord && t.kind != Token::Kind::kQuotedName) return false;
  *out = t.text;
  Next();
  return true;
}

bool Cursor::NameOrString(std::string* out) {
  if (Peek().kind == Token::Kind::kString) {
    *out = Peek().text;
    Next();
    return true;
  }
  return Name(out);
}

void Cursor::SkipItem() {
  if (!IsSymbol('(')) {
    if (!AtEnd()) Next();
    return;
  }
  int depth = 0;
  do {
    if (IsSymbol('(')) ++depth;
    if (IsSymbol(')')) --depth;
    Next();
  } while (depth > 0 && Peek().kind != Token::Kind::kEnd);
}

void Cursor::SkipToItemEnd() {
  while (!AtEnd() && !IsSymbol(',') && !IsSymbol(')')) SkipItem();
}

bool Tokenize(std::string_view sql, const ParseOptions& options, std::vector<Token>* out,
              std::string* error) {
  out->clear();
  return Lexer(sql, options).Run(out, error);
}

}  // namespace cdc::agent::mysql::ddl
