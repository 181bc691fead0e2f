#include <cstdio>

#include "decoders/binlog/values_internal.h"

namespace cdc::binlog::internal {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

int FractionBytes(int fsp) { return (fsp + 1) / 2; }

// The fraction stored after a *2 temporal value, in microseconds. DATETIME2
// and TIMESTAMP2 store it as a signed big-endian number of 1..3 bytes.
bool ReadFraction(ByteReader* reader, int fsp, int64_t* micros) {
  switch (FractionBytes(fsp)) {
    case 0:
      *micros = 0;
      return true;
    case 1: {
      uint8_t v;
      if (!reader->ReadU8(&v)) return false;
      *micros = static_cast<int64_t>(static_cast<int8_t>(v)) * 10000;
      return true;
    }
    case 2: {
      int16_t v;
      if (!reader->ReadI16BE(&v)) return false;
      *micros = static_cast<int64_t>(v) * 100;
      return true;
    }
    default: {
      uint32_t v;
      if (!reader->ReadBE<3>(&v)) return false;
      *micros = (v & 0x800000) ? static_cast<int64_t>(v) - 0x1000000 : v;
      return true;
    }
  }
}

uint32_t DaysInMonth(int64_t year, uint32_t month) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool CalendarDate(const CivilTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= DaysInMonth(t.year, t.month);
}

Status FillDatetime(const ColumnSchema& column, size_t start, const CivilTime& t, int fsp,
                    cdc::v1::Value* out) {
  if (t.micros >= kMicrosPerSecond || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return ValueError(column, start, "DATETIME out of range: " + FormatDatetime(t, fsp));
  }
  auto* ts = out->mutable_timestamp_value();
  ts->set_precision(static_cast<uint32_t>(fsp));
  ts->set_with_time_zone(false);
  if (t.year == 0 && t.month == 0 && t.day == 0 && t.hour == 0 && t.minute == 0 &&
      t.second == 0 && t.micros == 0) {
    ts->set_zero(true);
    return Status::OK();
  }
  if (!CalendarDate(t)) {
    ts->set_invalid_text(FormatDatetime(t, fsp));
    return Status::OK();
  }
  int64_t seconds = (static_cast<int64_t>(t.hour) * 60 + t.minute) * 60 + t.second;
  ts->set_epoch_micros(DaysFromCivil(t.year, t.month, t.day) * kMicrosPerDay +
                       seconds * kMicrosPerSecond + t.micros);
  return Status::OK();
}

void FillTime(const CivilTime& t, int fsp, cdc::v1::Value* out) {
  int64_t seconds = (static_cast<int64_t>(t.hour) * 60 + t.minute) * 60 + t.second;
  int64_t micros = seconds * kMicrosPerSecond + t.micros;
  auto* time = out->mutable_time_value();
  time->set_micros(t.negative ? -micros : micros);
  time->set_precision(static_cast<uint32_t>(fsp));
}

Status FillTimestamp(int64_t seconds, int64_t micros, int fsp, cdc::v1::Value* out) {
  auto* ts = out->mutable_timestamp_value();
  ts->set_precision(static_cast<uint32_t>(fsp));
  ts->set_with_time_zone(true);
  if (seconds == 0 && micros == 0) {
    ts->set_zero(true);
  } else {
    ts->set_epoch_micros(seconds * kMicrosPerSecond + micros);
  }
  return Status::OK();
}

Status Truncated(const ColumnSchema& column, size_t start, const char* what) {
  return ValueError(column, start, std::string("truncated ") + what + " value");
}

}  // namespace

namespace {

// |packed| in unsigned arithmetic: the most negative packed value, which a
// damaged event can hold, has no positive int64 counterpart.
uint64_t Magnitude(int64_t packed, bool* negative) {
  *negative = packed < 0;
  return *negative ? 0 - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
}

}  // namespace

CivilTime UnpackDatetime(int64_t packed) {
  CivilTime t;
  uint64_t m = Magnitude(packed, &t.negative);
  t.micros = static_cast<uint32_t>(m % (1ULL << 24));
  uint64_t ymdhms = m >> 24;
  uint64_t ymd = ymdhms >> 17;
  uint64_t ym = ymd >> 5;
  uint64_t hms = ymdhms % (1ULL << 17);
  t.day = static_cast<uint32_t>(ymd % (1 << 5));
  t.month = static_cast<uint32_t>(ym % 13);
  t.year = static_cast<int64_t>(ym / 13);
  t.second = static_cast<uint32_t>(hms % (1 << 6));
  t.minute = static_cast<uint32_t>((hms >> 6) % (1 << 6));
  t.hour = static_cast<uint32_t>(hms >> 12);
  return t;
}

CivilTime UnpackTime(int64_t packed) {
  CivilTime t;
  uint64_t m = Magnitude(packed, &t.negative);
  uint64_t hms = m >> 24;
  t.micros = static_cast<uint32_t>(m % (1ULL << 24));
  t.hour = static_cast<uint32_t>((hms >> 12) % (1 << 10));
  t.minute = static_cast<uint32_t>((hms >> 6) % (1 << 6));
  t.second = static_cast<uint32_t>(hms % (1 << 6));
  return t;
}

int64_t DaysFromCivil(int64_t year, uint32_t month, uint32_t day) {
  // Shift the year to start in March so that the leap day is the last one.
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t year_of_era = y - era * 400;
  int64_t shifted_month = month > 2 ? month - 3 : month + 9;
  int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

std::string FormatDate(const CivilTime& t) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(t.year), t.month,
                t.day);
  return buf;
}

static std::string Fraction(uint32_t micros, int fsp) {
  if (fsp <= 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof(buf), ".%06u", micros);
  return std::string(buf, static_cast<size_t>(fsp) + 1);
}

std::string FormatDatetime(const CivilTime& t, int fsp) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%s %02u:%02u:%02u", FormatDate(t).c_str(), t.hour, t.minute,
                t.second);
  return buf + Fraction(t.micros, fsp);
}

std::string FormatTime(const CivilTime& t, int fsp) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%s%02u:%02u:%02u", t.negative ? "-" : "", t.hour, t.minute,
                t.second);
  return buf + Fraction(t.micros, fsp);
}

Status DecodeTemporalColumn(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out) {
  const size_t start = reader->offset();
  const int fsp = column.meta;
  switch (column.type) {
    case kTypeYear: {
      uint8_t v;
      if (!reader->ReadU8(&v)) return Truncated(column, start, "YEAR");
      out->set_int_value(v == 0 ? 0 : 1900 + v);
      return Status::OK();
    }
    case kTypeDate:
    case kTypeNewDate: {
      uint32_t v;
      if (!reader->ReadU24LE(&v)) return Truncated(column, start, "DATE");
      auto* date = out->mutable_date_value();
      date->set_year(static_cast<int32_t>(v >> 9));
      date->set_month((v >> 5) & 15);
      date->set_day(v & 31);
      return Status::OK();
    }
    case kTypeTime: {
      uint32_t raw;
      if (!reader->ReadU24LE(&raw)) return Truncated(column, start, "TIME");
      int32_t v = (raw & 0x800000) ? static_cast<int32_t>(raw) - 0x1000000 : static_cast<int32_t>(raw);
      CivilTime t;
      t.negative = v < 0;
      uint32_t a = static_cast<uint32_t>(v < 0 ? -v : v);
      t.hour = a / 10000;
      t.minute = (a / 100) % 100;
      t.second = a % 100;
      FillTime(t, 0, out);
      return Status::OK();
    }
    case kTypeDatetime: {
      uint64_t v;
      if (!reader->ReadU64LE(&v)) return Truncated(column, start, "DATETIME");
      CivilTime t;
      uint64_t date = v / 1000000, time = v % 1000000;
      t.year = static_cast<int64_t>(date / 10000);
      t.month = static_cast<uint32_t>((date / 100) % 100);
      t.day = static_cast<uint32_t>(date % 100);
      t.hour = static_cast<uint32_t>(time / 10000);
      t.minute = static_cast<uint32_t>((time / 100) % 100);
      t.second = static_cast<uint32_t>(time % 100);
      return FillDatetime(column, start, t, 0, out);
    }
    case kTypeTimestamp: {
      uint32_t v;
      if (!reader->ReadU32LE(&v)) return Truncated(column, start, "TIMESTAMP");
      return FillTimestamp(v, 0, 0, out);
    }
    default:
      break;
  }
  if (fsp > 6) return ValueError(column, start, "fractional precision above 6 in metadata");
  switch (column.type) {
    case kTypeTimestamp2: {
      uint32_t seconds;
      int64_t micros;
      if (!reader->ReadU32BE(&seconds) || !ReadFraction(reader, fsp, &micros)) {
        return Truncated(column, start, "TIMESTAMP");
      }
      if (micros < 0 || micros >= kMicrosPerSecond) {
        return ValueError(column, start, "TIMESTAMP fraction out of range");
      }
      return FillTimestamp(seconds, micros, fsp, out);
    }
    case kTypeDatetime2: {
      uint64_t int_part;
      int64_t micros;
      if (!reader->ReadBE<5>(&int_part) || !ReadFraction(reader, fsp, &micros)) {
        return Truncated(column, start, "DATETIME");
      }
      // The sign bit is always set: MySQL has no negative DATETIME, and a
      // packed value below it would overflow the arithmetic below.
      if (int_part < 0x8000000000ULL) {
        return ValueError(column, start, "DATETIME2 with a negative packed value");
      }
      int64_t packed = (static_cast<int64_t>(int_part) - 0x8000000000LL) * (1LL << 24) + micros;
      return FillDatetime(column, start, UnpackDatetime(packed), fsp, out);
    }
    case kTypeTime2: {
      int64_t packed;
      if (fsp >= 5) {
        uint64_t v;
        if (!reader->ReadBE<6>(&v)) return Truncated(column, start, "TIME");
        packed = static_cast<int64_t>(v) - 0x800000000000LL;
      } else {
        uint32_t int_bits;
        if (!reader->ReadBE<3>(&int_bits)) return Truncated(column, start, "TIME");
        int64_t int_part = static_cast<int64_t>(int_bits) - 0x800000;
        int64_t frac = 0;
        if (fsp > 0) {
          uint32_t f;
          bool ok = fsp <= 2 ? reader->ReadBE<1>(&f) : reader->ReadBE<2>(&f);
          if (!ok) return Truncated(column, start, "TIME");
          frac = f;
          // A negative value stores its fraction complemented, for sorting.
          if (int_part < 0 && frac != 0) {
            int_part += 1;
            frac -= fsp <= 2 ? 0x100 : 0x10000;
          }
          frac *= fsp <= 2 ? 10000 : 100;
        }
        packed = int_part * (1LL << 24) + frac;
      }
      CivilTime t = UnpackTime(packed);
      if (t.micros >= kMicrosPerSecond || t.minute > 59 || t.second > 59) {
        return ValueError(column, start, "TIME out of range: " + FormatTime(t, fsp));
      }
      FillTime(t, fsp, out);
      return Status::OK();
    }
    default:
      return ValueError(column, start, "not a temporal type");
  }
}

}  // namespace cdc::binlog::internal
