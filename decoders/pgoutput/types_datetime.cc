// Text output forms of PostgreSQL's date/time types under DateStyle=ISO and
// IntervalStyle=postgres: https://www.postgresql.org/docs/15/datatype-datetime.html
//   date         2024-02-29 | 0044-03-15 BC | infinity | -infinity
//   time         23:59:59.999999 | 24:00:00
//   timetz       12:00:00.5+05:30 | 00:00:00-14 | 12:00:00+05:21:10
//   timestamp    2024-03-10 12:34:56.123456 | 0001-01-01 00:00:00 BC
//   timestamptz  2024-03-10 07:04:56.789+00 | 4714-11-24 00:00:00+00 BC
//   interval     1 year 2 mons 3 days 04:05:06.789 | -1 years +3 days -00:00:01
#include <limits>
#include <string>

#include "decoders/pgoutput/types_internal.h"

namespace cdc::pgoutput::internal {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool AtEnd() const { return pos_ == s_.size(); }
  bool Take(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool TakeWord(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  // Between min_len and max_len decimal digits.
  bool Number(size_t min_len, size_t max_len, int64_t* out) {
    size_t len = 0;
    int64_t v = 0;
    while (pos_ + len < s_.size() && len < max_len && s_[pos_ + len] >= '0' &&
           s_[pos_ + len] <= '9') {
      int digit = s_[pos_ + len] - '0';
      if (v > (std::numeric_limits<int64_t>::max() - digit) / 10) return false;  // overflow
      v = v * 10 + digit;
      ++len;
    }
    if (len < min_len) return false;
    pos_ += len;
    *out = v;
    return true;
  }
  // An optional ".d{1,6}" as microseconds.
  bool Fraction(int64_t* micros) {
    *micros = 0;
    if (!Take('.')) return true;
    int64_t scale = 100000;
    size_t len = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (++len > 6) return false;
      *micros += (s_[pos_++] - '0') * scale;
      scale /= 10;
    }
    return len > 0;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

uint32_t Precision(int32_t typmod) {
  return typmod < 0 || typmod > 6 ? 6 : static_cast<uint32_t>(typmod);
}

bool IsLeap(int64_t year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int64_t DaysInMonth(int64_t year, int64_t month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to a proleptic Gregorian date with an astronomical
// year (1 BC is year 0), counted in 400-year cycles of 146097 days whose
// years start in March so that the leap day falls last.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t cycle = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_cycle = y - cycle * 400;
  int64_t shifted_month = month > 2 ? month - 3 : month + 9;
  int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  int64_t day_of_cycle =
      year_of_cycle * 365 + year_of_cycle / 4 - year_of_cycle / 100 + day_of_year;
  return cycle * 146097 + day_of_cycle - 719468;
}

struct DateParts {
  int64_t year = 0;  // as printed, before BC is applied
  int64_t month = 0;
  int64_t day = 0;
};

bool ParseDate(Cursor* c, DateParts* d) {
  return c->Number(1, 7, &d->year) && c->Take('-') && c->Number(2, 2, &d->month) &&
         c->Take('-') && c->Number(2, 2, &d->day) && d->year >= 1 && d->month >= 1 &&
         d->month <= 12 && d->day >= 1;
}

// Applies " BC" and checks the day against the month; returns the
// astronomical year.
bool FinishDate(Cursor* c, const DateParts& d, int64_t* year) {
  *year = c->TakeWord(" BC") ? 1 - d.year : d.year;
  return d.day <= DaysInMonth(*year, d.month);
}

bool ParseTime(Cursor* c, int64_t max_hour, int64_t* micros) {
  int64_t h = 0, m = 0, s = 0, fraction = 0;
  if (!c->Number(2, 2, &h) || !c->Take(':') || !c->Number(2, 2, &m) || !c->Take(':') ||
      !c->Number(2, 2, &s) || !c->Fraction(&fraction)) {
    return false;
  }
  if (h > max_hour || m > 59 || s > 59) return false;
  *micros = ((h * 60 + m) * 60 + s) * kMicrosPerSecond + fraction;
  return h < 24 || *micros == 24 * 3600 * kMicrosPerSecond;
}

// "+hh[:mm[:ss]]" or "-hh...", as seconds east of UTC.
bool ParseOffset(Cursor* c, int64_t* seconds) {
  int sign = 0;
  if (c->Take('+')) {
    sign = 1;
  } else if (c->Take('-')) {
    sign = -1;
  } else {
    return false;
  }
  int64_t h = 0, m = 0, s = 0;
  if (!c->Number(2, 2, &h)) return false;
  if (c->Take(':') && (!c->Number(2, 2, &m) || (c->Take(':') && !c->Number(2, 2, &s)))) {
    return false;
  }
  if (h > 23 || m > 59 || s > 59) return false;
  *seconds = sign * ((h * 60 + m) * 60 + s);
  return true;
}

Status ConvertDate(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  cdc::v1::Date* date = out->mutable_date_value();
  if (text == "infinity" || text == "-infinity") {
    date->set_infinity(text[0] == '-' ? cdc::v1::INFINITY_NEGATIVE : cdc::v1::INFINITY_POSITIVE);
    return Status::OK();
  }
  Cursor c(text);
  DateParts d;
  int64_t year = 0;
  if (!ParseDate(&c, &d) || !FinishDate(&c, d, &year) || !c.AtEnd()) return Malformed(type, text);
  date->set_year(static_cast<int32_t>(year));
  date->set_month(static_cast<uint32_t>(d.month));
  date->set_day(static_cast<uint32_t>(d.day));
  return Status::OK();
}

Status ConvertTime(std::string_view type, std::string_view text, int32_t typmod, bool with_zone,
                   cdc::v1::Value* out) {
  Cursor c(text);
  int64_t micros = 0;
  int64_t offset = 0;
  if (!ParseTime(&c, 24, &micros) || (with_zone && !ParseOffset(&c, &offset)) || !c.AtEnd()) {
    return Malformed(type, text);
  }
  cdc::v1::Time* time = out->mutable_time_value();
  time->set_micros(micros);
  time->set_precision(Precision(typmod));
  if (with_zone) {
    time->set_has_zone(true);
    time->set_utc_offset_seconds(static_cast<int32_t>(offset));
  }
  return Status::OK();
}

Status ConvertTimestamp(std::string_view type, std::string_view text, int32_t typmod,
                        bool with_zone, cdc::v1::Value* out) {
  cdc::v1::Timestamp* ts = out->mutable_timestamp_value();
  ts->set_precision(Precision(typmod));
  ts->set_with_time_zone(with_zone);
  if (text == "infinity" || text == "-infinity") {
    ts->set_infinity(text[0] == '-' ? cdc::v1::INFINITY_NEGATIVE : cdc::v1::INFINITY_POSITIVE);
    return Status::OK();
  }
  Cursor c(text);
  DateParts d;
  int64_t time_micros = 0;
  int64_t offset = 0;
  int64_t year = 0;
  if (!ParseDate(&c, &d) || !c.Take(' ') || !ParseTime(&c, 23, &time_micros) ||
      (with_zone && !ParseOffset(&c, &offset)) || !FinishDate(&c, d, &year) || !c.AtEnd()) {
    return Malformed(type, text);
  }
  int64_t day_micros = 0;
  int64_t epoch = 0;
  if (__builtin_mul_overflow(DaysFromCivil(year, d.month, d.day), kMicrosPerDay, &day_micros) ||
      __builtin_add_overflow(day_micros, time_micros - offset * kMicrosPerSecond, &epoch)) {
    // PostgreSQL's last 29 years (to 294276 AD) lie past what int64 epoch
    // microseconds hold; its own range ends before the negative limit.
    if (year < 1970 || year > 294276) {
      return Malformed(type, text, "out of the range of 64-bit epoch microseconds");
    }
    ts->set_epoch_micros(std::numeric_limits<int64_t>::max());
    ts->set_out_of_range_text(std::string(text));
    return Status::OK();
  }
  ts->set_epoch_micros(epoch);
  return Status::OK();
}

// EncodeInterval with IntervalStyle=postgres: "<n> year[s]", "<n> mon[s]",
// "<n> day[s]" with their own signs, then an optional signed
// "[-+]h:mm:ss[.ffffff]" whose hours may exceed 24.
Status ConvertInterval(std::string_view type, std::string_view text, cdc::v1::Value* out) {
  __int128 months = 0;
  __int128 days = 0;
  __int128 micros = 0;
  bool seen_time = false;
  std::string_view rest = text;
  if (rest.empty()) return Malformed(type, text);
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    std::string_view token = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    if (token.empty() || seen_time) return Malformed(type, text);
    bool negative = token[0] == '-';
    std::string_view magnitude = token.substr(token[0] == '-' || token[0] == '+' ? 1 : 0);
    if (token.find(':') != std::string_view::npos) {
      Cursor c(magnitude);
      int64_t h = 0, m = 0, s = 0, fraction = 0;
      if (!c.Number(2, 19, &h) || !c.Take(':') || !c.Number(2, 2, &m) || !c.Take(':') ||
          !c.Number(2, 2, &s) || !c.Fraction(&fraction) || !c.AtEnd() || m > 59 || s > 59) {
        return Malformed(type, text);
      }
      __int128 t = (static_cast<__int128>(h) * 3600 + m * 60 + s) * kMicrosPerSecond + fraction;
      micros = negative ? -t : t;
      seen_time = true;
      continue;
    }
    Cursor c(magnitude);
    int64_t n = 0;
    if (!c.Number(1, 10, &n) || !c.AtEnd()) return Malformed(type, text);
    size_t unit_end = rest.find(' ');
    std::string_view unit = rest.substr(0, unit_end);
    rest = unit_end == std::string_view::npos ? std::string_view() : rest.substr(unit_end + 1);
    __int128 value = negative ? -static_cast<__int128>(n) : n;
    if (unit == "year" || unit == "years") {
      months += value * 12;
    } else if (unit == "mon" || unit == "mons") {
      months += value;
    } else if (unit == "day" || unit == "days") {
      days += value;
    } else {
      return Malformed(type, text, "unknown unit");
    }
  }
  constexpr int64_t kInt32Min = -2147483648LL;
  constexpr int64_t kInt32Max = 2147483647LL;
  constexpr __int128 kInt64Min = static_cast<__int128>(-9223372036854775807LL) - 1;
  constexpr __int128 kInt64Max = 9223372036854775807LL;
  if (months < kInt32Min || months > kInt32Max || days < kInt32Min || days > kInt32Max ||
      micros < kInt64Min || micros > kInt64Max) {
    return Malformed(type, text, "out of range");
  }
  cdc::v1::Interval* interval = out->mutable_interval_value();
  interval->set_months(static_cast<int32_t>(months));
  interval->set_days(static_cast<int32_t>(days));
  interval->set_micros(static_cast<int64_t>(micros));
  return Status::OK();
}

}  // namespace

Status ConvertDateTime(Converter converter, std::string_view type, int32_t typmod,
                       std::string_view text, cdc::v1::Value* out) {
  switch (converter) {
    case Converter::kDate:
      return ConvertDate(type, text, out);
    case Converter::kTime:
      return ConvertTime(type, text, typmod, false, out);
    case Converter::kTimeTz:
      return ConvertTime(type, text, typmod, true, out);
    case Converter::kTimestamp:
      return ConvertTimestamp(type, text, typmod, false, out);
    case Converter::kTimestampTz:
      return ConvertTimestamp(type, text, typmod, true, out);
    case Converter::kInterval:
      return ConvertInterval(type, text, out);
    default:
      return Malformed(type, text, "not a date/time type");
  }
}

}  // namespace cdc::pgoutput::internal
