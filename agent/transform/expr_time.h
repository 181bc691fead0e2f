// Internal to the expression module: calendar arithmetic, and reading and
// writing dates, times and timestamps as text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/transform/expr.h"
#include "cdc/v1/change_event.pb.h"

namespace cdc::agent::transform::internal {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);
// True when month and day name a real day of `year`.
bool IsRealDate(int64_t year, unsigned month, unsigned day);

// Floor division for the split of epoch microseconds into days.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// "2024-03-01" (years outside 0..9999 with a sign or more digits);
// "infinity" / "-infinity".
void AppendDate(const ExprDate& date, int8_t infinity, std::string* out);
// "2024-03-01T12:34:56.789012" plus "Z" when `zone`.
void AppendTimestamp(int64_t epoch_micros, bool zone, std::string* out);
// A time of day or a MySQL TIME duration: "[-]HH:MM:SS[.ffffff][+hh:mm]".
void AppendTime(const cdc::v1::Time& time, std::string* out);
// ISO 8601 duration: "P1Y2M3DT4H5M6.5S", "PT0S".
void AppendInterval(const cdc::v1::Interval& interval, std::string* out);

// 'YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][Z|(+|-)hh[[:]mm]]', spaces around
// allowed. With a zone the result is UTC and `*has_zone` is true.
bool ParseTimestampText(std::string_view text, int64_t* epoch_micros, bool* has_zone);
// 'YYYY-MM-DD', or a timestamp (its UTC day when it has a zone).
bool ParseDateText(std::string_view text, ExprDate* out);
// '7:05 PM' -> "19:05", '7:05:09 pm' -> "19:05:09". False for text that is
// not a 12-hour time.
bool Time24h(std::string_view text, std::string* out);

}  // namespace cdc::agent::transform::internal
