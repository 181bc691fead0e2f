#include "agent/mysql/text_values.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <limits>

#include "decoders/binlog/charset.h"
#include "decoders/binlog/values_internal.h"

namespace cdc::agent::mysql {
namespace {

using binlog::ColumnSchema;
using binlog::internal::CivilTime;

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

// `text` for an error message: printable ASCII as is, other bytes as \xHH,
// at most 64 bytes of it.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 64;
  std::string out;
  for (size_t i = 0; i < text.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out.append(buf);
    }
  }
  if (text.size() > kMax) out.append("...");
  return out;
}

Status TextError(const ColumnSchema& column, std::string_view text, const std::string& what) {
  std::string type =
      column.type_name.empty() ? "type " + std::to_string(column.type) : column.type_name;
  return Status::Corruption("column `" + column.name + "` (" + type + "): snapshot value '" +
                            Excerpt(text) + "' " + what);
}

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// `n` decimal digits at `pos` of `s`.
bool Digits(std::string_view s, size_t pos, size_t n, uint32_t* out) {
  if (pos + n > s.size()) return false;
  uint32_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsUtf8Collation(uint16_t collation) {
  const binlog::Charset* cs = binlog::CharsetOfCollation(collation);
  if (cs == nullptr) return false;
  std::string_view name = cs->name;
  return name == "utf8mb4" || name == "utf8mb3";
}

// The type the decoder treats the column as: ENUM and SET also when they
// come as STRING with the real type in the metadata.
uint8_t EffectiveType(const ColumnSchema& column) {
  if (column.type != binlog::kTypeString) return column.type;
  uint32_t length;
  uint8_t real = binlog::internal::StringRealType(column.meta, &length);
  return real == binlog::kTypeEnum || real == binlog::kTypeSet ? real : column.type;
}

Status IntegerFromText(const ColumnSchema& column, std::string_view text, int bytes,
                       cdc::v1::Value* out) {
  const std::string what = "is not a " + std::string(column.is_unsigned ? "unsigned " : "") +
                           std::to_string(bytes) + "-byte integer";
  if (column.is_unsigned) {
    uint64_t v;
    const uint64_t max = bytes == 8 ? std::numeric_limits<uint64_t>::max()
                                    : (uint64_t{1} << (8 * bytes)) - 1;
    if (!ParseNumber(text, &v) || v > max) return TextError(column, text, what);
    out->set_uint_value(v);
    return Status::OK();
  }
  int64_t v;
  const int64_t max = bytes == 8 ? std::numeric_limits<int64_t>::max()
                                 : (int64_t{1} << (8 * bytes - 1)) - 1;
  if (!ParseNumber(text, &v) || v > max || v < -max - 1) return TextError(column, text, what);
  out->set_int_value(v);
  return Status::OK();
}

// Reads FLOAT as the float nearest to the text: exact when the text is the
// stored float widened to DOUBLE (CAST(... AS DOUBLE)) or any other text
// that reads back to it.
Status FloatFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  if (column.type == binlog::kTypeFloat) {
    float f;
    if (!ParseNumber(text, &f)) return TextError(column, text, "is not a FLOAT");
    out->set_float_value(f);
  } else {
    double d;
    if (!ParseNumber(text, &d)) return TextError(column, text, "is not a DOUBLE");
    out->set_double_value(d);
  }
  return Status::OK();
}

// DECIMAL in the decoder's form: no leading zeros ("0" for a zero integer
// part), exactly `scale` fraction digits, "-" only before a nonzero value.
Status DecimalFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  if (column.type != binlog::kTypeNewDecimal) {
    return TextError(column, text, "belongs to a pre-5.0 DECIMAL, which is not supported");
  }
  const int precision = column.meta >> 8;
  const int scale = column.meta & 0xFF;
  const std::string what =
      "is not a DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
  if (binlog::internal::DecimalBinarySize(precision, scale) == 0) {
    return TextError(column, text, "cannot be read: invalid DECIMAL metadata");
  }
  std::string_view rest = text;
  const bool negative = !rest.empty() && rest.front() == '-';
  if (negative) rest.remove_prefix(1);
  size_t dot = rest.find('.');
  std::string_view int_part = rest.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? "" : rest.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (int_part.empty() || !all_digits(int_part) || !all_digits(frac_part) ||
      (dot != std::string_view::npos && frac_part.empty()) ||
      frac_part.size() > static_cast<size_t>(scale)) {
    return TextError(column, text, what);
  }
  size_t first = int_part.find_first_not_of('0');
  int_part = first == std::string_view::npos ? "" : int_part.substr(first);
  if (int_part.size() > static_cast<size_t>(precision - scale)) {
    return TextError(column, text, what + " (too many integer digits)");
  }
  const bool nonzero = !int_part.empty() || frac_part.find_first_not_of('0') != std::string::npos;
  std::string* d = out->mutable_decimal_value();
  d->clear();
  if (negative && nonzero) d->push_back('-');
  if (int_part.empty()) {
    d->push_back('0');
  } else {
    d->append(int_part);
  }
  if (scale > 0) {
    d->push_back('.');
    d->append(frac_part);
    d->append(static_cast<size_t>(scale) - frac_part.size(), '0');
  }
  return Status::OK();
}

// BIT(n) comes as its (n + 7) / 8 bytes, big-endian.
Status BitFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  const uint32_t nbits = (column.meta >> 8) * 8 + (column.meta & 0xFF);
  if (nbits == 0 || nbits > 64) {
    return TextError(column, text, "cannot be read: BIT width " + std::to_string(nbits) +
                                       " in the column's metadata");
  }
  const std::string what = "is not " + std::to_string((nbits + 7) / 8) + " bytes of a BIT(" +
                           std::to_string(nbits) + ")";
  if (text.empty() || text.size() > (nbits + 7) / 8) return TextError(column, text, what);
  uint64_t v = 0;
  for (char c : text) v = (v << 8) | static_cast<uint8_t>(c);
  if (nbits < 64 && (v >> nbits) != 0) return TextError(column, text, what);
  std::string* bits = out->mutable_bits_value();
  bits->resize(nbits);
  for (uint32_t i = 0; i < nbits; ++i) (*bits)[nbits - 1 - i] = ((v >> i) & 1) ? '1' : '0';
  return Status::OK();
}

// "YYYY-MM-DD" at the start of `s`.
bool ParseDate(std::string_view s, CivilTime* t) {
  uint32_t year;
  if (s.size() < 10 || !Digits(s, 0, 4, &year) || s[4] != '-' || !Digits(s, 5, 2, &t->month) ||
      s[7] != '-' || !Digits(s, 8, 2, &t->day)) {
    return false;
  }
  t->year = year;
  return t->month <= 12 && t->day <= 31;
}

// "H...:MM:SS[.f]" (hours of `min_hour_digits`..`max_hour_digits` digits), the
// whole of `s`; `fsp` limits the fraction digits.
bool ParseClock(std::string_view s, size_t min_hour_digits, size_t max_hour_digits, int fsp,
                CivilTime* t) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon < min_hour_digits || colon > max_hour_digits ||
      !Digits(s, 0, colon, &t->hour) || s.size() < colon + 6 || s[colon + 3] != ':' ||
      !Digits(s, colon + 1, 2, &t->minute) || !Digits(s, colon + 4, 2, &t->second)) {
    return false;
  }
  std::string_view frac = s.substr(colon + 6);
  t->micros = 0;
  if (frac.empty()) return t->minute <= 59 && t->second <= 59;
  if (frac[0] != '.' || frac.size() < 2 || frac.size() - 1 > static_cast<size_t>(fsp)) return false;
  uint32_t digits;
  if (!Digits(frac, 1, frac.size() - 1, &digits)) return false;
  for (size_t i = frac.size() - 1; i < 6; ++i) digits *= 10;
  t->micros = digits;
  return t->minute <= 59 && t->second <= 59;
}

// "YYYY-MM-DD HH:MM:SS[.f]".
bool ParseDatetime(std::string_view s, int fsp, CivilTime* t) {
  return s.size() >= 19 && ParseDate(s, t) && s[10] == ' ' &&
         ParseClock(s.substr(11), 2, 2, fsp, t) && t->hour <= 23;
}

bool CalendarDate(const CivilTime& t) {
  static constexpr uint32_t kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.month < 1 || t.month > 12 || t.day < 1) return false;
  const bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
  return t.day <= (t.month == 2 && leap ? 29 : kDays[t.month - 1]);
}

bool AllZero(const CivilTime& t) {
  return t.year == 0 && t.month == 0 && t.day == 0 && t.hour == 0 && t.minute == 0 &&
         t.second == 0 && t.micros == 0;
}

int64_t EpochMicros(const CivilTime& t) {
  int64_t seconds = (static_cast<int64_t>(t.hour) * 60 + t.minute) * 60 + t.second;
  return binlog::internal::DaysFromCivil(t.year, t.month, t.day) * kMicrosPerDay +
         seconds * kMicrosPerSecond + t.micros;
}

Status TemporalFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  const bool fsp_in_meta = column.type == binlog::kTypeTime2 ||
                           column.type == binlog::kTypeDatetime2 ||
                           column.type == binlog::kTypeTimestamp2;
  const int fsp = fsp_in_meta ? column.meta : 0;
  if (fsp > 6) {
    return TextError(column, text, "cannot be read: fractional precision above 6 in metadata");
  }
  CivilTime t;
  switch (column.type) {
    case binlog::kTypeYear: {
      uint32_t year;
      if (!ParseNumber(text, &year) || (year != 0 && (year < 1901 || year > 2155))) {
        return TextError(column, text, "is not a YEAR (0000 or 1901..2155)");
      }
      out->set_int_value(year);
      return Status::OK();
    }
    case binlog::kTypeDate:
    case binlog::kTypeNewDate: {
      if (text.size() != 10 || !ParseDate(text, &t)) {
        return TextError(column, text, "is not a DATE (YYYY-MM-DD)");
      }
      auto* date = out->mutable_date_value();
      date->set_year(static_cast<int32_t>(t.year));
      date->set_month(t.month);
      date->set_day(t.day);
      return Status::OK();
    }
    case binlog::kTypeTime:
    case binlog::kTypeTime2: {
      std::string_view clock = text;
      t.negative = !clock.empty() && clock.front() == '-';
      if (t.negative) clock.remove_prefix(1);
      if (!ParseClock(clock, 2, 4, fsp, &t) || t.hour > 1023) {
        return TextError(column, text,
                         "is not a TIME ([-]HH:MM:SS with at most " + std::to_string(fsp) +
                             " fraction digits)");
      }
      int64_t seconds = (static_cast<int64_t>(t.hour) * 60 + t.minute) * 60 + t.second;
      int64_t micros = seconds * kMicrosPerSecond + t.micros;
      auto* time = out->mutable_time_value();
      time->set_micros(t.negative ? -micros : micros);
      time->set_precision(static_cast<uint32_t>(fsp));
      return Status::OK();
    }
    case binlog::kTypeDatetime:
    case binlog::kTypeDatetime2: {
      if (!ParseDatetime(text, fsp, &t)) {
        return TextError(column, text,
                         "is not a DATETIME (YYYY-MM-DD HH:MM:SS with at most " +
                             std::to_string(fsp) + " fraction digits)");
      }
      auto* ts = out->mutable_timestamp_value();
      ts->set_precision(static_cast<uint32_t>(fsp));
      ts->set_with_time_zone(false);
      if (AllZero(t)) {
        ts->set_zero(true);
      } else if (!CalendarDate(t)) {
        ts->set_invalid_text(binlog::internal::FormatDatetime(t, fsp));
      } else {
        ts->set_epoch_micros(EpochMicros(t));
      }
      return Status::OK();
    }
    case binlog::kTypeTimestamp:
    case binlog::kTypeTimestamp2: {
      if (!ParseDatetime(text, fsp, &t) || (!AllZero(t) && !CalendarDate(t))) {
        return TextError(column, text,
                         "is not a TIMESTAMP (YYYY-MM-DD HH:MM:SS with at most " +
                             std::to_string(fsp) + " fraction digits)");
      }
      const int64_t epoch = AllZero(t) ? 0 : EpochMicros(t);
      if (epoch < 0 || epoch / kMicrosPerSecond > std::numeric_limits<uint32_t>::max()) {
        return TextError(column, text,
                         "is outside the TIMESTAMP range; the snapshot session's time_zone must "
                         "be '+00:00'");
      }
      auto* ts = out->mutable_timestamp_value();
      ts->set_precision(static_cast<uint32_t>(fsp));
      ts->set_with_time_zone(true);
      if (epoch == 0) {
        ts->set_zero(true);
      } else {
        ts->set_epoch_micros(epoch);
      }
      return Status::OK();
    }
    default:
      return TextError(column, text, "is not of a temporal type");
  }
}

Status EnumFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  if (column.enum_values.empty()) {
    // Selected as `c`+0: the index.
    uint32_t index;
    if (!ParseNumber(text, &index) || index > 65535) {
      return TextError(column, text, "is not an ENUM index");
    }
    out->set_uint_value(index);
    return Status::OK();
  }
  // Index 0, the empty string of a bad value, is "" too.
  bool known = text.empty();
  for (const auto& label : column.enum_values) known = known || label == text;
  if (!known) return TextError(column, text, "is not one of the ENUM's labels");
  out->mutable_enum_value()->assign(text);
  return Status::OK();
}

Status SetFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  const size_t n = column.set_values.size();
  if (n == 0) {
    // Selected as `c`+0: the bitmask.
    uint64_t bits;
    if (!ParseNumber(text, &bits)) return TextError(column, text, "is not a SET bitmask");
    out->set_uint_value(bits);
    return Status::OK();
  }
  uint64_t bits = 0;
  for (size_t start = 0; !text.empty();) {
    size_t comma = text.find(',', start);
    std::string_view member = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    size_t i = 0;
    while (i < n && i < 64 && column.set_values[i] != member) ++i;
    if (i == n || i == 64) {
      return TextError(column, text, "names a member that is not one of the SET's labels");
    }
    bits |= uint64_t{1} << i;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  auto* set = out->mutable_set_value();
  for (size_t i = 0; i < n && i < 64; ++i) {
    if ((bits >> i) & 1) set->add_labels(column.set_values[i]);
  }
  return Status::OK();
}

// CHAR, VARCHAR, TEXT, BINARY, VARBINARY, BLOB: the stored bytes (or, for a
// utf8mb3/utf8mb4 column, the same bytes as sent), converted as the decoder
// converts them.
void CharacterFromText(const ColumnSchema& column, std::string_view text, cdc::v1::Value* out) {
  if (column.collation != 0 && !binlog::IsBinaryCollation(column.collation)) {
    std::string* value = column.is_json ? out->mutable_json_value() : out->mutable_text_value();
    if (binlog::ToUtf8(column.collation, text, value)) return;
  }
  out->mutable_bytes_value()->assign(text);
}

}  // namespace

std::string SnapshotSelectExpr(const binlog::ColumnSchema& column, bool /*mariadb*/) {
  std::string name = "`";
  for (char c : column.name) {
    if (c == '`') name.push_back('`');
    name.push_back(c);
  }
  name.push_back('`');
  const uint8_t type = EffectiveType(column);
  switch (type) {
    case binlog::kTypeFloat:
    case binlog::kTypeDouble:
      return "CAST(" + name + " AS DOUBLE)";
    case binlog::kTypeEnum:
      return column.enum_values.empty() ? name + "+0" : name;
    case binlog::kTypeSet:
      return column.set_values.empty() ? name + "+0" : name;
    default:
      break;
  }
  if (binlog::IsStringType(type) && !binlog::IsBinaryCollation(column.collation) &&
      !IsUtf8Collation(column.collation)) {
    return "CAST(" + name + " AS BINARY)";
  }
  return name;
}

Status TextToValue(const binlog::ColumnSchema& column, std::string_view text,
                   cdc::v1::Value* out) {
  switch (EffectiveType(column)) {
    case binlog::kTypeTiny: return IntegerFromText(column, text, 1, out);
    case binlog::kTypeShort: return IntegerFromText(column, text, 2, out);
    case binlog::kTypeInt24: return IntegerFromText(column, text, 3, out);
    case binlog::kTypeLong: return IntegerFromText(column, text, 4, out);
    case binlog::kTypeLongLong: return IntegerFromText(column, text, 8, out);
    case binlog::kTypeFloat:
    case binlog::kTypeDouble: return FloatFromText(column, text, out);
    case binlog::kTypeDecimal:
    case binlog::kTypeNewDecimal: return DecimalFromText(column, text, out);
    case binlog::kTypeYear:
    case binlog::kTypeDate:
    case binlog::kTypeNewDate:
    case binlog::kTypeTime:
    case binlog::kTypeTime2:
    case binlog::kTypeDatetime:
    case binlog::kTypeDatetime2:
    case binlog::kTypeTimestamp:
    case binlog::kTypeTimestamp2: return TemporalFromText(column, text, out);
    case binlog::kTypeBit: return BitFromText(column, text, out);
    case binlog::kTypeEnum: return EnumFromText(column, text, out);
    case binlog::kTypeSet: return SetFromText(column, text, out);
    case binlog::kTypeString: {
      uint32_t length;
      const uint8_t real_type = binlog::internal::StringRealType(column.meta, &length);
      CharacterFromText(column, text, out);
      // BINARY(n) as the decoder gives it: padded with 0x00 to n bytes (the
      // server sends it padded already).
      if (real_type == binlog::kTypeString && binlog::IsBinaryCollation(column.collation) &&
          out->bytes_value().size() < length) {
        out->mutable_bytes_value()->resize(length, '\0');
      }
      return Status::OK();
    }
    case binlog::kTypeVarchar:
    case binlog::kTypeVarString:
    case binlog::kTypeTinyBlob:
    case binlog::kTypeMediumBlob:
    case binlog::kTypeLongBlob:
    case binlog::kTypeBlob:
      CharacterFromText(column, text, out);
      return Status::OK();
    case binlog::kTypeJson:
      out->mutable_json_value()->assign(text.empty() ? std::string_view("null") : text);
      return Status::OK();
    case binlog::kTypeGeometry: {
      if (text.size() < 4) return TextError(column, text, "is shorter than a GEOMETRY's SRID");
      uint32_t srid = 0;
      for (int i = 3; i >= 0; --i) srid = (srid << 8) | static_cast<uint8_t>(text[i]);
      auto* geometry = out->mutable_geometry_value();
      geometry->set_srid(srid);
      geometry->mutable_wkb()->assign(text.substr(4));
      return Status::OK();
    }
    case binlog::kTypeVector:
      out->mutable_bytes_value()->assign(text);
      return Status::OK();
    case binlog::kTypeNull:
      out->set_null(true);
      return Status::OK();
    default:
      return TextError(column, text,
                       "cannot be read: unsupported column type " + std::to_string(column.type));
  }
}

}  // namespace cdc::agent::mysql
