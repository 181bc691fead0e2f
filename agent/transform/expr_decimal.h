// Internal to the expression module: exact decimal arithmetic on a 128-bit
// coefficient, and exact comparison of decimal text of any length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cdc::agent::transform::internal {

// A finite decimal coef / 10^scale with at most kMaxDecDigits digits in
// coef and 0 <= scale <= kMaxDecDigits.
struct Dec {
  __int128 coef = 0;
  int scale = 0;
};

inline constexpr int kMaxDecDigits = 38;

// Parses "-12.340", "+1", "0.5", "1e3", "1.5E-2" (surrounding spaces not
// allowed). False when `text` is not a finite decimal or needs more than 38
// digits.
bool ParseDec(std::string_view text, Dec* out);
// Appends plain decimal text: "-12.340", "0.5", "7".
void AppendDec(const Dec& d, std::string* out);
Dec DecFromInt(int64_t v);

// Arithmetic; false when the result needs more than 38 digits. DecDiv keeps
// 6 more fraction digits than `a` (as many as fit), rounded half away from
// zero; the caller rejects a zero divisor. DecMod takes the dividend's sign.
bool DecAdd(const Dec& a, const Dec& b, Dec* out);
bool DecSub(const Dec& a, const Dec& b, Dec* out);
bool DecMul(const Dec& a, const Dec& b, Dec* out);
bool DecDiv(const Dec& a, const Dec& b, Dec* out);
bool DecMod(const Dec& a, const Dec& b, Dec* out);
Dec DecNeg(const Dec& a);
Dec DecAbs(const Dec& a);
// Rounds half away from zero to `digits` fraction digits (negative: to tens,
// hundreds, ...). False when the result does not fit.
bool DecRound(const Dec& a, int digits, Dec* out);
// Towards minus or plus infinity, to an integral value.
Dec DecFloor(const Dec& a);
Dec DecCeil(const Dec& a);
// Rounds half away from zero to an integer; false when outside int64.
bool DecToInt64(const Dec& a, int64_t* out);

// Orders two decimal texts exactly, whatever their length: plain digits with
// an optional sign and point, or "NaN", "Infinity", "-Infinity" (-Infinity <
// numbers < Infinity < NaN, NaN equal to NaN). False when either is not such
// text.
bool CompareDecimalText(std::string_view a, std::string_view b, int* out);
// True when `text` is plain decimal text or one of the special values.
bool IsDecimalText(std::string_view text);

}  // namespace cdc::agent::transform::internal
