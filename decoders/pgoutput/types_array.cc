// PostgreSQL's array text form (array_out):
// https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO
//   [ "[lb:ub]..." "=" ] "{" element { delim element } "}"
// An element is a nested "{...}", a double-quoted string with backslash
// escapes, or an unquoted string; an unquoted NULL (any case) is a null.
#include <string>

#include "decoders/pgoutput/types_internal.h"

namespace cdc::pgoutput::internal {
namespace {

// PostgreSQL's MAXDIM.
constexpr int kMaxDimensions = 6;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

class ArrayParser {
 public:
  ArrayParser(std::string_view type, std::string_view text, char delimiter,
              const ElementConverter& convert)
      : type_(type), text_(text), delimiter_(delimiter), convert_(convert) {}

  Status Parse(cdc::v1::Array* out) {
    if (!SkipDimensions()) return Error("bad dimensions");
    SkipSpace();
    if (!Take('{')) return Error("expected '{'");
    CDC_RETURN_IF_ERROR(ParseLevel(out, 1));
    SkipSpace();
    if (!AtEnd()) return Error("text after the closing '}'");
    return Status::OK();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  bool Take(char c) {
    if (!Peek(c)) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(text_[pos_])) ++pos_;
  }
  Status Error(std::string_view why) const { return Malformed(type_, text_, why); }

  bool SkipBound() {
    Take('-');
    size_t start = pos_;
    while (!AtEnd() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  // The "[lb:ub]" decoration is printed only when a lower bound is not 1; the
  // elements carry no bounds, so it is checked and dropped.
  bool SkipDimensions() {
    if (!Peek('[')) return true;
    while (Take('[')) {
      if (!SkipBound() || !Take(':') || !SkipBound() || !Take(']')) return false;
    }
    return Take('=');
  }

  // Parses the elements after an opening '{' up to and including its '}'.
  Status ParseLevel(cdc::v1::Array* out, int depth) {
    if (depth > kMaxDimensions) return Error("more than 6 dimensions");
    SkipSpace();
    if (Take('}')) return Status::OK();
    bool nested = Peek('{');
    for (;;) {
      SkipSpace();
      cdc::v1::Value* element = out->add_elements();
      if (Take('{') != nested) return Error("mixed elements and sub-arrays");
      if (nested) {
        CDC_RETURN_IF_ERROR(ParseLevel(element->mutable_array_value(), depth + 1));
      } else {
        CDC_RETURN_IF_ERROR(ParseElement(element));
      }
      SkipSpace();
      if (Take('}')) return Status::OK();
      if (!Take(delimiter_)) return Error("expected a delimiter or '}'");
    }
  }

  Status ParseElement(cdc::v1::Value* out) {
    buffer_.clear();
    if (Take('"')) {
      for (;;) {
        if (AtEnd()) return Error("unterminated quoted element");
        char c = text_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (AtEnd()) return Error("unterminated quoted element");
          c = text_[pos_++];
        }
        buffer_ += c;
      }
      return convert_(buffer_, out);
    }
    bool escaped = false;
    size_t kept = 0;  // length up to the last escaped or non-space character
    while (!AtEnd() && text_[pos_] != delimiter_ && text_[pos_] != '}') {
      char c = text_[pos_++];
      if (c == '{' || c == '"') return Error("unexpected character in an unquoted element");
      if (c == '\\') {
        if (AtEnd()) return Error("backslash at the end");
        buffer_ += text_[pos_++];
        escaped = true;
        kept = buffer_.size();
      } else {
        buffer_ += c;
        if (!IsSpace(c)) kept = buffer_.size();
      }
    }
    buffer_.resize(kept);
    if (buffer_.empty()) return Error("empty unquoted element");
    if (!escaped && buffer_.size() == 4 && (buffer_[0] | 0x20) == 'n' &&
        (buffer_[1] | 0x20) == 'u' && (buffer_[2] | 0x20) == 'l' && (buffer_[3] | 0x20) == 'l') {
      out->set_null(true);
      return Status::OK();
    }
    return convert_(buffer_, out);
  }

  std::string_view type_;
  std::string_view text_;
  char delimiter_;
  const ElementConverter& convert_;
  size_t pos_ = 0;
  std::string buffer_;
};

}  // namespace

Status ParseArray(std::string_view type, std::string_view text, char delimiter,
                  const ElementConverter& convert, cdc::v1::Array* out) {
  out->Clear();
  return ArrayParser(type, text, delimiter, convert).Parse(out);
}

}  // namespace cdc::pgoutput::internal
