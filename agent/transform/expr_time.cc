#include "agent/transform/expr_time.h"

#include <charconv>

namespace cdc::agent::transform::internal {
namespace {

constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;

void AppendPadded(uint64_t value, int width, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  for (int n = static_cast<int>(res.ptr - buf); n < width; ++n) out->push_back('0');
  out->append(buf, res.ptr);
}

void AppendSigned(int64_t value, std::string* out) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, res.ptr);
}

// Six fraction digits without the trailing zeros; nothing for zero.
void AppendFraction(uint64_t micros, std::string* out) {
  if (micros == 0) return;
  std::string digits;
  AppendPadded(micros, 6, &digits);
  while (digits.back() == '0') digits.pop_back();
  out->push_back('.');
  out->append(digits);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Exactly `width` digits at s[*i].
bool Digits(std::string_view s, size_t* i, int width, unsigned* out) {
  unsigned v = 0;
  for (int k = 0; k < width; ++k, ++*i) {
    if (*i >= s.size() || !IsDigit(s[*i])) return false;
    v = v * 10 + static_cast<unsigned>(s[*i] - '0');
  }
  *out = v;
  return true;
}

bool Char(std::string_view s, size_t* i, char c) {
  if (*i >= s.size() || s[*i] != c) return false;
  ++*i;
  return true;
}

void SkipSpaces(std::string_view s, size_t* i) {
  while (*i < s.size() && s[*i] == ' ') ++*i;
}

// YYYY-MM-DD of a real day.
bool ParseDatePart(std::string_view s, size_t* i, int64_t* year, unsigned* month, unsigned* day) {
  unsigned y = 0;
  if (!Digits(s, i, 4, &y) || !Char(s, i, '-') || !Digits(s, i, 2, month) || !Char(s, i, '-') ||
      !Digits(s, i, 2, day)) {
    return false;
  }
  *year = y;
  return IsRealDate(*year, *month, *day);
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  // Years counted from March, so that the leap day ends the year; 400-year
  // eras of 146097 days.
  const int64_t y = year - (month <= 2 ? 1 : 0);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;
  const int64_t month_from_march = month > 2 ? month - 3 : month + 9;
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: 0000-03-01 to 1970-01-01
}

void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  *day = static_cast<unsigned>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  *month = static_cast<unsigned>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

bool IsRealDate(int64_t year, unsigned month, unsigned day) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1) return false;
  bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

void AppendDate(const ExprDate& date, int8_t infinity, std::string* out) {
  if (infinity != 0) {
    out->append(infinity > 0 ? "infinity" : "-infinity");
    return;
  }
  if (date.year < 0) out->push_back('-');
  AppendPadded(static_cast<uint64_t>(date.year < 0 ? -static_cast<int64_t>(date.year) : date.year),
               4, out);
  out->push_back('-');
  AppendPadded(date.month, 2, out);
  out->push_back('-');
  AppendPadded(date.day, 2, out);
}

void AppendTimestamp(int64_t epoch_micros, bool zone, std::string* out) {
  int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  int64_t rem = epoch_micros % kMicrosPerDay;
  if (rem < 0) rem += kMicrosPerDay;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  AppendDate(ExprDate{static_cast<int32_t>(year), static_cast<uint8_t>(month),
                      static_cast<uint8_t>(day)},
             0, out);
  out->push_back('T');
  AppendPadded(static_cast<uint64_t>(rem / kMicrosPerHour), 2, out);
  out->push_back(':');
  AppendPadded(static_cast<uint64_t>(rem / kMicrosPerMinute % 60), 2, out);
  out->push_back(':');
  AppendPadded(static_cast<uint64_t>(rem / kMicrosPerSecond % 60), 2, out);
  out->push_back('.');
  AppendPadded(static_cast<uint64_t>(rem % kMicrosPerSecond), 6, out);
  if (zone) out->push_back('Z');
}

void AppendTime(const cdc::v1::Time& time, std::string* out) {
  int64_t micros = time.micros();
  uint64_t magnitude = micros < 0 ? 0 - static_cast<uint64_t>(micros) : static_cast<uint64_t>(micros);
  if (micros < 0) out->push_back('-');
  AppendPadded(magnitude / kMicrosPerHour, 2, out);
  out->push_back(':');
  AppendPadded(magnitude / kMicrosPerMinute % 60, 2, out);
  out->push_back(':');
  AppendPadded(magnitude / kMicrosPerSecond % 60, 2, out);
  AppendFraction(magnitude % kMicrosPerSecond, out);
  if (time.has_zone()) {
    int32_t offset = time.utc_offset_seconds();
    out->push_back(offset < 0 ? '-' : '+');
    uint32_t abs_offset = offset < 0 ? 0u - static_cast<uint32_t>(offset) : static_cast<uint32_t>(offset);
    AppendPadded(abs_offset / 3600, 2, out);
    out->push_back(':');
    AppendPadded(abs_offset / 60 % 60, 2, out);
  }
}

void AppendInterval(const cdc::v1::Interval& interval, std::string* out) {
  out->push_back('P');
  auto part = [out](int64_t v, char unit) {
    if (v == 0) return;
    AppendSigned(v, out);
    out->push_back(unit);
  };
  part(interval.months() / 12, 'Y');
  part(interval.months() % 12, 'M');
  part(interval.days(), 'D');
  int64_t micros = interval.micros();
  if (micros != 0) {
    out->push_back('T');
    part(micros / kMicrosPerHour, 'H');
    part(micros / kMicrosPerMinute % 60, 'M');
    int64_t sec_micros = micros % kMicrosPerMinute;
    if (sec_micros != 0) {
      if (sec_micros < 0) out->push_back('-');
      uint64_t m = static_cast<uint64_t>(sec_micros < 0 ? -sec_micros : sec_micros);
      AppendPadded(m / kMicrosPerSecond, 1, out);
      AppendFraction(m % kMicrosPerSecond, out);
      out->push_back('S');
    }
  } else if (interval.months() == 0 && interval.days() == 0) {
    out->append("T0S");
  }
}

bool ParseTimestampText(std::string_view text, int64_t* epoch_micros, bool* has_zone) {
  std::string_view s = TrimSpaces(text);
  size_t i = 0;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  if (!ParseDatePart(s, &i, &year, &month, &day)) return false;
  int64_t micros = DaysFromCivil(year, month, day) * kMicrosPerDay;
  *has_zone = false;
  if (i == s.size()) {
    *epoch_micros = micros;
    return true;
  }
  if (s[i] != ' ' && s[i] != 'T' && s[i] != 't') return false;
  ++i;
  unsigned hour = 0, minute = 0, second = 0;
  if (!Digits(s, &i, 2, &hour) || !Char(s, &i, ':') || !Digits(s, &i, 2, &minute)) return false;
  int64_t fraction = 0;
  if (Char(s, &i, ':')) {
    if (!Digits(s, &i, 2, &second)) return false;
    if (Char(s, &i, '.') || Char(s, &i, ',')) {
      int n = 0;
      for (; i < s.size() && IsDigit(s[i]); ++i, ++n) {
        if (n > 8) return false;
        if (n < 6) fraction = fraction * 10 + (s[i] - '0');
        if (n == 6 && s[i] >= '5') ++fraction;  // round the seventh digit half up
      }
      if (n == 0) return false;
      for (int k = n; k < 6; ++k) fraction *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  micros += hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond + fraction;
  SkipSpaces(s, &i);
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
    *has_zone = true;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const bool west = s[i++] == '-';
    unsigned off_hours = 0, off_minutes = 0;
    if (!Digits(s, &i, 2, &off_hours)) return false;
    if (i < s.size()) {
      Char(s, &i, ':');
      if (!Digits(s, &i, 2, &off_minutes)) return false;
    }
    if (off_hours > 23 || off_minutes > 59) return false;
    const int64_t offset = off_hours * kMicrosPerHour + off_minutes * kMicrosPerMinute;
    micros += west ? offset : -offset;  // local time minus the offset is UTC
    *has_zone = true;
  }
  if (i != s.size()) return false;
  *epoch_micros = micros;
  return true;
}

bool ParseDateText(std::string_view text, ExprDate* out) {
  std::string_view s = TrimSpaces(text);
  size_t i = 0;
  int64_t year = 0;
  unsigned month = 0, day = 0;
  if (ParseDatePart(s, &i, &year, &month, &day) && i == s.size()) {
    *out = ExprDate{static_cast<int32_t>(year), static_cast<uint8_t>(month), static_cast<uint8_t>(day)};
    return true;
  }
  int64_t micros = 0;
  bool zone = false;
  if (!ParseTimestampText(s, &micros, &zone)) return false;
  CivilFromDays(FloorDiv(micros, kMicrosPerDay), &year, &month, &day);
  *out = ExprDate{static_cast<int32_t>(year), static_cast<uint8_t>(month), static_cast<uint8_t>(day)};
  return true;
}

bool Time24h(std::string_view text, std::string* out) {
  std::string_view s = TrimSpaces(text);
  size_t i = 0;
  unsigned hour = 0, minute = 0, second = 0;
  if (i < s.size() && IsDigit(s[i]) && i + 1 < s.size() && IsDigit(s[i + 1])) {
    Digits(s, &i, 2, &hour);
  } else if (!Digits(s, &i, 1, &hour)) {
    return false;
  }
  if (!Char(s, &i, ':') || !Digits(s, &i, 2, &minute)) return false;
  const bool has_seconds = Char(s, &i, ':');
  if (has_seconds && !Digits(s, &i, 2, &second)) return false;
  SkipSpaces(s, &i);
  // AM, PM, A.M., P.M. in any case.
  auto lower = [&](size_t k) { return k < s.size() ? static_cast<char>(s[k] | 0x20) : '\0'; };
  const char half = lower(i);
  if (half != 'a' && half != 'p') return false;
  ++i;
  const bool dotted = Char(s, &i, '.');
  if (lower(i) != 'm') return false;
  ++i;
  if (dotted && !Char(s, &i, '.')) return false;
  if (i != s.size() || hour < 1 || hour > 12 || minute > 59 || second > 59) return false;
  AppendPadded(hour % 12 + (half == 'p' ? 12 : 0), 2, out);
  out->push_back(':');
  AppendPadded(minute, 2, out);
  if (has_seconds) {
    out->push_back(':');
    AppendPadded(second, 2, out);
  }
  return true;
}

}  // namespace cdc::agent::transform::internal
