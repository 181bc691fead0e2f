// Text functions. Characters are UTF-8: a character starts at every byte
// that is not a continuation byte (10xxxxxx), so that a malformed byte counts
// as one character rather than failing. Results point into the argument when
// they are a part of it, and are built in scratch storage otherwise.
#include <string>

#include "agent/transform/expr_functions.h"

namespace cdc::agent::transform::internal {
namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xc0) == 0x80; }

// The byte offset after skipping `chars` characters from the start of `s`.
size_t SkipChars(std::string_view s, uint64_t chars) {
  size_t i = 0;
  for (; i < s.size() && chars > 0; --chars) {
    ++i;
    while (i < s.size() && IsContinuation(s[i])) ++i;
  }
  return i;
}

int64_t CountChars(std::string_view s) {
  int64_t n = 0;
  for (char c : s) n += IsContinuation(c) ? 0 : 1;
  return n;
}

// Length in bytes of the character starting at s[i].
size_t CharLength(std::string_view s, size_t i) {
  size_t k = i + 1;
  while (k < s.size() && IsContinuation(s[k])) ++k;
  return k - i;
}

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// True when the character `ch` is one of the characters of `set`.
bool InSet(std::string_view set, std::string_view ch) {
  for (size_t i = 0; i < set.size();) {
    size_t len = CharLength(set, i);
    if (set.substr(i, len) == ch) return true;
    i += len;
  }
  return false;
}

// PostgreSQL's substr: the characters at positions [start, start + len),
// positions counted from 1 and clipped to the text.
Status Substr(const Node& n, const ExprValue* args, size_t count, std::string_view s,
              ExprValue* out) {
  int64_t start = 0, len = INT64_MAX;
  CDC_RETURN_IF_ERROR(ArgInt(n, args, 1, &start));
  if (count > 2) {
    CDC_RETURN_IF_ERROR(ArgInt(n, args, 2, &len));
    if (len < 0) return CallError(n, args, count, "negative length");
  }
  int64_t end = start > INT64_MAX - len ? INT64_MAX : start + len;  // exclusive
  if (start < 1) start = 1;
  if (end <= start) {
    *out = ExprValue::Text(std::string_view());
    return Status::OK();
  }
  size_t from = SkipChars(s, static_cast<uint64_t>(start - 1));
  size_t to = from + SkipChars(s.substr(from), static_cast<uint64_t>(end - start));
  *out = ExprValue::Text(s.substr(from, to - from));
  return Status::OK();
}

// Only ASCII letters change case; every other byte is kept as it is.
void ChangeCase(EvalState& st, std::string_view s, bool upper, ExprValue* out) {
  const char lo = upper ? 'a' : 'A';
  const char hi = upper ? 'z' : 'Z';
  size_t first = 0;
  while (first < s.size() && !(s[first] >= lo && s[first] <= hi)) ++first;
  if (first == s.size()) {
    *out = ExprValue::Text(s);
    return;
  }
  std::string* buf = st.Scratch();
  buf->assign(s);
  for (size_t i = first; i < buf->size(); ++i) {
    char& c = (*buf)[i];
    if (c >= lo && c <= hi) c = static_cast<char>(c ^ 0x20);
  }
  *out = ExprValue::Text(*buf);
}

void Trim(std::string_view s, const std::string_view* set, bool left, bool right, ExprValue* out) {
  auto strip = [set](std::string_view ch) {
    return set == nullptr ? ch.size() == 1 && IsAsciiSpace(ch[0]) : InSet(*set, ch);
  };
  size_t begin = 0, end = s.size();
  while (left && begin < end) {
    size_t len = CharLength(s, begin);
    if (!strip(s.substr(begin, len))) break;
    begin += len;
  }
  while (right && end > begin) {
    size_t k = end - 1;
    while (k > begin && IsContinuation(s[k])) --k;
    if (!strip(s.substr(k, end - k))) break;
    end = k;
  }
  *out = ExprValue::Text(s.substr(begin, end - begin));
}

void Replace(EvalState& st, std::string_view s, std::string_view from, std::string_view to,
             ExprValue* out) {
  size_t hit = from.empty() ? std::string_view::npos : s.find(from);
  if (hit == std::string_view::npos) {
    *out = ExprValue::Text(s);
    return;
  }
  std::string* buf = st.Scratch();
  size_t pos = 0;
  for (; hit != std::string_view::npos; hit = s.find(from, pos)) {
    buf->append(s.substr(pos, hit - pos));
    buf->append(to);
    pos = hit + from.size();
  }
  buf->append(s.substr(pos));
  *out = ExprValue::Text(*buf);
}

// Field `field` (1-based; negative counts from the end) of `s` split at
// `delim`; empty text when there is no such field.
Status SplitPart(const Node& n, const ExprValue* args, size_t count, std::string_view s,
                 std::string_view delim, ExprValue* out) {
  int64_t field = 0;
  CDC_RETURN_IF_ERROR(ArgInt(n, args, 2, &field));
  if (field == 0) return CallError(n, args, count, "field position must not be 0");
  *out = ExprValue::Text(std::string_view());
  if (delim.empty()) {
    if (field == 1 || field == -1) *out = ExprValue::Text(s);
    return Status::OK();
  }
  int64_t fields = 1;
  for (size_t p = s.find(delim); p != std::string_view::npos; p = s.find(delim, p + delim.size())) {
    ++fields;
  }
  if (field < 0) field += fields + 1;
  if (field < 1 || field > fields) return Status::OK();
  size_t begin = 0;
  for (int64_t k = 1; k < field; ++k) begin = s.find(delim, begin) + delim.size();
  size_t end = s.find(delim, begin);
  *out = ExprValue::Text(s.substr(begin, end == std::string_view::npos ? s.npos : end - begin));
  return Status::OK();
}

}  // namespace

Status CallTextFunction(EvalState& st, const Node& n, const ExprValue* args, size_t count,
                        ExprValue* out) {
  // The text arguments in their text form (a kAny value arrives as it is);
  // the others are ints: substr's position and length, split_part's field.
  std::string_view text[3];
  for (size_t i = 0; i < count; ++i) {
    bool int_param = (n.fn == Fn::kSubstr && i > 0) || (n.fn == Fn::kSplitPart && i == 2);
    if (!int_param) CDC_RETURN_IF_ERROR(ToText(st, args[i], &text[i]));
  }
  const std::string_view s = text[0];
  switch (n.fn) {
    case Fn::kSubstr:
      return Substr(n, args, count, s, out);
    case Fn::kUpper:
    case Fn::kLower:
      ChangeCase(st, s, n.fn == Fn::kUpper, out);
      return Status::OK();
    case Fn::kTrim:
    case Fn::kLtrim:
    case Fn::kRtrim:
      Trim(s, count > 1 ? &text[1] : nullptr, n.fn != Fn::kRtrim, n.fn != Fn::kLtrim, out);
      return Status::OK();
    case Fn::kReplace:
      Replace(st, s, text[1], text[2], out);
      return Status::OK();
    case Fn::kSplitPart:
      return SplitPart(n, args, count, s, text[1], out);
    case Fn::kLength:
      *out = ExprValue::Int(CountChars(s));
      return Status::OK();
    case Fn::kStartsWith:
      *out = ExprValue::Bool(s.substr(0, text[1].size()) == text[1]);
      return Status::OK();
    case Fn::kEndsWith:
      *out = ExprValue::Bool(s.size() >= text[1].size() &&
                             s.substr(s.size() - text[1].size()) == text[1]);
      return Status::OK();
    case Fn::kContains:
      *out = ExprValue::Bool(s.find(text[1]) != std::string_view::npos);
      return Status::OK();
    default:
      return Status::InvalidArgument("not a text function: " + std::string(FunctionName(n.fn)));
  }
}

}  // namespace cdc::agent::transform::internal
