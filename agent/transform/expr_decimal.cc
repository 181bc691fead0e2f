#include "agent/transform/expr_decimal.h"

#include <algorithm>

namespace cdc::agent::transform::internal {
namespace {

using i128 = __int128;

constexpr i128 Pow10(int n) {
  i128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

constexpr i128 kLimit = Pow10(kMaxDecDigits);  // coefficients stay below this

i128 Abs(i128 v) { return v < 0 ? -v : v; }

bool Fits(i128 coef) { return Abs(coef) < kLimit; }

// n / d rounded half away from zero; d != 0.
i128 DivRound(i128 n, i128 d) {
  i128 q = n / d;
  i128 r = Abs(n % d);
  if (r != 0 && r >= Abs(d) - r) q += ((n < 0) == (d < 0)) ? 1 : -1;
  return q;
}

// Rewrites `d` with the larger `scale`; false when the coefficient overflows.
bool Rescale(const Dec& d, int scale, i128* coef) {
  i128 v = 0;
  if (__builtin_mul_overflow(d.coef, Pow10(scale - d.scale), &v) || !Fits(v)) return false;
  *coef = v;
  return true;
}

bool Make(i128 coef, int scale, Dec* out) {
  if (!Fits(coef)) return false;
  out->coef = coef;
  out->scale = scale;
  return true;
}

// The parts of plain decimal text, for exact comparison at any length.
struct Parts {
  int special = 0;  // 0 finite, -1 -Infinity, 1 Infinity, 2 NaN
  bool negative = false;
  std::string_view int_digits;   // without leading zeros
  std::string_view frac_digits;  // without trailing zeros
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool SplitParts(std::string_view t, Parts* p) {
  if (t == "NaN") {
    p->special = 2;
    return true;
  }
  if (t == "Infinity" || t == "+Infinity") {
    p->special = 1;
    return true;
  }
  if (t == "-Infinity") {
    p->special = -1;
    return true;
  }
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) p->negative = t[i++] == '-';
  size_t int_start = i;
  while (i < t.size() && IsDigit(t[i])) ++i;
  std::string_view int_digits = t.substr(int_start, i - int_start);
  std::string_view frac_digits;
  if (i < t.size() && t[i] == '.') {
    size_t frac_start = ++i;
    while (i < t.size() && IsDigit(t[i])) ++i;
    frac_digits = t.substr(frac_start, i - frac_start);
  }
  if (i != t.size() || (int_digits.empty() && frac_digits.empty())) return false;
  while (!int_digits.empty() && int_digits.front() == '0') int_digits.remove_prefix(1);
  while (!frac_digits.empty() && frac_digits.back() == '0') frac_digits.remove_suffix(1);
  if (int_digits.empty() && frac_digits.empty()) p->negative = false;  // -0 is 0
  p->int_digits = int_digits;
  p->frac_digits = frac_digits;
  return true;
}

int CompareMagnitude(const Parts& a, const Parts& b) {
  if (a.int_digits.size() != b.int_digits.size()) {
    return a.int_digits.size() < b.int_digits.size() ? -1 : 1;
  }
  int c = a.int_digits.compare(b.int_digits);
  if (c == 0) c = a.frac_digits.compare(b.frac_digits);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

bool ParseDec(std::string_view text, Dec* out) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  const size_t int_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  std::string_view int_part = text.substr(int_start, i - int_start);
  std::string_view frac_part;
  if (i < text.size() && text[i] == '.') {
    const size_t frac_start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    frac_part = text.substr(frac_start, i - frac_start);
  }
  if (int_part.empty() && frac_part.empty()) return false;
  int exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) exp_negative = text[i++] == '-';
    if (i == text.size()) return false;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      exponent = exponent * 10 + (text[i] - '0');
      if (exponent > 1000) return false;
    }
    if (exp_negative) exponent = -exponent;
  }
  if (i != text.size()) return false;
  while (!int_part.empty() && int_part.front() == '0') int_part.remove_prefix(1);
  auto significant = [&]() -> size_t {
    if (!int_part.empty()) return int_part.size() + frac_part.size();
    size_t first = frac_part.find_first_not_of('0');
    return first == std::string_view::npos ? 0 : frac_part.size() - first;
  };
  int scale = static_cast<int>(frac_part.size()) - exponent;
  // The scale as written is kept; trailing zeros go only when it cannot be.
  while ((significant() > kMaxDecDigits || scale > kMaxDecDigits) && !frac_part.empty() &&
         frac_part.back() == '0') {
    frac_part.remove_suffix(1);
    --scale;
  }
  const size_t digits = significant();
  if (digits == 0) {
    out->coef = 0;
    out->scale = std::clamp(scale, 0, kMaxDecDigits);
    return true;
  }
  if (digits > kMaxDecDigits || scale > kMaxDecDigits) return false;
  if (scale < 0 && digits + static_cast<size_t>(-scale) > kMaxDecDigits) return false;
  i128 coef = 0;
  for (char c : int_part) coef = coef * 10 + (c - '0');
  for (char c : frac_part) coef = coef * 10 + (c - '0');
  if (scale < 0) {
    coef *= Pow10(-scale);
    scale = 0;
  }
  out->coef = negative ? -coef : coef;
  out->scale = scale;
  return true;
}

void AppendDec(const Dec& d, std::string* out) {
  char buf[kMaxDecDigits + 2];
  int n = 0;
  i128 v = Abs(d.coef);
  do {
    buf[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  } while (v != 0);
  while (n <= d.scale) buf[n++] = '0';  // at least one digit before the point
  if (d.coef < 0) out->push_back('-');
  for (int k = n - 1; k >= 0; --k) {
    out->push_back(buf[k]);
    if (k == d.scale && k != 0) out->push_back('.');
  }
}

Dec DecFromInt(int64_t v) { return Dec{static_cast<i128>(v), 0}; }

bool DecAdd(const Dec& a, const Dec& b, Dec* out) {
  int scale = std::max(a.scale, b.scale);
  i128 x = 0, y = 0;
  if (!Rescale(a, scale, &x) || !Rescale(b, scale, &y)) return false;
  return Make(x + y, scale, out);
}

bool DecSub(const Dec& a, const Dec& b, Dec* out) { return DecAdd(a, DecNeg(b), out); }

bool DecMul(const Dec& a, const Dec& b, Dec* out) {
  i128 v = 0;
  if (__builtin_mul_overflow(a.coef, b.coef, &v)) return false;
  int scale = a.scale + b.scale;
  if (scale > kMaxDecDigits) {
    v = DivRound(v, Pow10(scale - kMaxDecDigits));
    scale = kMaxDecDigits;
  }
  return Make(v, scale, out);
}

bool DecDiv(const Dec& a, const Dec& b, Dec* out) {
  int scale = std::min(kMaxDecDigits, a.scale + 6);
  // coef = a.coef * 10^(scale - a.scale + b.scale) / b.coef; give up
  // fraction digits while the dividend overflows.
  for (;;) {
    int shift = scale - a.scale + b.scale;
    i128 n = 0;
    if (shift >= 0 && shift <= kMaxDecDigits &&
        !__builtin_mul_overflow(a.coef, Pow10(shift), &n)) {
      return Make(DivRound(n, b.coef), scale, out);
    }
    if (scale == 0 || shift <= 0) return false;
    --scale;
  }
}

bool DecMod(const Dec& a, const Dec& b, Dec* out) {
  int scale = std::max(a.scale, b.scale);
  i128 x = 0, y = 0;
  if (!Rescale(a, scale, &x) || !Rescale(b, scale, &y)) return false;
  return Make(x % y, scale, out);
}

Dec DecNeg(const Dec& a) { return Dec{-a.coef, a.scale}; }
Dec DecAbs(const Dec& a) { return Dec{Abs(a.coef), a.scale}; }

bool DecRound(const Dec& a, int digits, Dec* out) {
  if (digits >= a.scale) {
    *out = a;
    return true;
  }
  int drop = a.scale - digits;
  if (drop > kMaxDecDigits) return Make(0, 0, out);
  i128 v = DivRound(a.coef, Pow10(drop));
  if (digits >= 0) return Make(v, digits, out);
  i128 scaled = 0;
  if (-digits > kMaxDecDigits || __builtin_mul_overflow(v, Pow10(-digits), &scaled)) return false;
  return Make(scaled, 0, out);
}

Dec DecFloor(const Dec& a) {
  if (a.scale == 0) return a;
  i128 p = Pow10(a.scale);
  i128 q = a.coef / p;
  if (a.coef % p != 0 && a.coef < 0) --q;
  return Dec{q, 0};
}

Dec DecCeil(const Dec& a) {
  if (a.scale == 0) return a;
  i128 p = Pow10(a.scale);
  i128 q = a.coef / p;
  if (a.coef % p != 0 && a.coef > 0) ++q;
  return Dec{q, 0};
}

bool DecToInt64(const Dec& a, int64_t* out) {
  i128 v = a.scale == 0 ? a.coef : DivRound(a.coef, Pow10(a.scale));
  if (v < INT64_MIN || v > INT64_MAX) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

bool CompareDecimalText(std::string_view a, std::string_view b, int* out) {
  Parts x, y;
  if (!SplitParts(a, &x) || !SplitParts(b, &y)) return false;
  if (x.special != 0 || y.special != 0) {
    // A finite number ranks between -Infinity (-1) and Infinity (1).
    *out = x.special < y.special ? -1 : (x.special > y.special ? 1 : 0);
    return true;
  }
  if (x.negative != y.negative) {
    *out = x.negative ? -1 : 1;
    return true;
  }
  int c = CompareMagnitude(x, y);
  *out = x.negative ? -c : c;
  return true;
}

bool IsDecimalText(std::string_view text) {
  Parts p;
  return SplitParts(text, &p);
}

}  // namespace cdc::agent::transform::internal
