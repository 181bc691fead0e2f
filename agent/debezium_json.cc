#include "agent/debezium_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <vector>

#include "agent/debezium_transaction.h"
#include "common/json_text.h"
#include "common/utf8.h"

namespace cdc::agent {
namespace {

using cdc::v1::Column;
using cdc::v1::Value;
using Columns = google::protobuf::RepeatedPtrField<Column>;

constexpr int64_t kMicrosPerDay = 86400LL * 1000000;

// ---------------------------------------------------------------------------
// JSON text as Jackson (JsonConverter's writer) prints it.

// Quote, backslash and control characters escaped, \u00XX in upper-case hex;
// everything else, DEL and non-ASCII included, as is. Java strings cannot
// hold malformed UTF-8: each bad byte becomes U+FFFD.
constexpr std::array<bool, 256> kPlainByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

void AppendString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  const char* p = text.data();
  const char* const end = p + text.size();
  const char* run = p;
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (kPlainByte[c]) {
      ++p;
      continue;
    }
    out.append(run, static_cast<size_t>(p - run));
    if (c >= 0x80) {
      uint32_t cp = 0;
      const size_t len = DecodeUtf8(std::string_view(p, static_cast<size_t>(end - p)), &cp);
      if (len == 0) {
        out += "\xEF\xBF\xBD";
        ++p;
      } else {
        out.append(p, len);
        p += len;
      }
      run = p;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default: {
        const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(escape, sizeof(escape));
      }
    }
    run = ++p;
  }
  out.append(run, static_cast<size_t>(p - run));
  out += '"';
}

// Java's Float/Double.toString (the shortest digits that read back, JDK 19+):
// plain notation with at least one fraction digit in [1e-3, 1e7), else
// "d.dddE<exp>". Non-finite values are strings, as Jackson quotes them.
template <typename T>
void AppendJavaNumber(T value, std::string& out) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  if (value == 0) {
    out += std::signbit(value) ? "-0.0" : "0.0";
    return;
  }
  char buf[48];
  auto result = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string_view text(buf, static_cast<size_t>(result.ptr - buf));
  if (text.find('.') == std::string_view::npos) {
    // Where one digit would do, Java takes the two-digit decimal nearest
    // the value ("1.4E-45", not "1E-45").
    result = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific, 1);
    text = std::string_view(buf, static_cast<size_t>(result.ptr - buf));
  }
  if (text[0] == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const size_t e = text.find('e');
  char digits[32];
  size_t n = 0;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits[n++] = c;
  }
  while (n > 1 && digits[n - 1] == '0') --n;
  std::string_view exponent = text.substr(e + 1);
  const bool negative_exponent = exponent[0] == '-';
  if (exponent[0] == '-' || exponent[0] == '+') exponent.remove_prefix(1);
  int exp = 0;
  std::from_chars(exponent.data(), exponent.data() + exponent.size(), exp);
  if (negative_exponent) exp = -exp;
  if (exp >= -3 && exp < 7) {
    if (exp < 0) {
      out += "0.";
      out.append(static_cast<size_t>(-exp - 1), '0');
      out.append(digits, n);
      return;
    }
    for (int i = 0; i <= exp; ++i) out += static_cast<size_t>(i) < n ? digits[i] : '0';
    out += '.';
    if (static_cast<size_t>(exp) + 1 < n) {
      out.append(digits + exp + 1, n - static_cast<size_t>(exp) - 1);
    } else {
      out += '0';
    }
    return;
  }
  out += digits[0];
  out += '.';
  if (n > 1) {
    out.append(digits + 1, n - 1);
  } else {
    out += '0';
  }
  out += 'E';
  AppendInteger(exp, out);
}

// Java's (long) cast of a double: truncation, saturating, NaN to 0.
int64_t JavaLong(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// ---------------------------------------------------------------------------
// Decimals: Kafka Connect's Decimal is the unscaled value as Java's
// BigInteger.toByteArray gives it (big-endian two's complement, fewest bytes).

struct DecimalParts {
  bool negative = false;
  std::string_view whole;     // digits before the point
  std::string_view fraction;  // digits after it
};

// "-12.30", "5", ".5"; false for NaN, infinities and anything else.
bool ParseDecimal(std::string_view text, DecimalParts* d) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    d->negative = text[0] == '-';
    text.remove_prefix(1);
  }
  const size_t dot = text.find('.');
  d->whole = text.substr(0, dot);
  d->fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (d->whole.empty() && d->fraction.empty()) return false;
  for (std::string_view part : {d->whole, d->fraction}) {
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
  }
  return true;
}

// Appends the bytes of the integer with decimal digits `digits`, negated
// when `negative`.
void AppendUnscaledBytes(std::string_view digits, bool negative, std::string& bytes) {
  std::vector<uint32_t> limbs;  // little-endian base 2^32
  for (char c : digits) {
    uint64_t carry = static_cast<uint64_t>(c - '0');
    for (uint32_t& limb : limbs) {
      const uint64_t v = uint64_t{limb} * 10 + carry;
      limb = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
  }
  std::string magnitude;  // big-endian, no leading zero bytes
  for (size_t i = limbs.size(); i-- > 0;) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      const auto b = static_cast<char>((limbs[i] >> shift) & 0xff);
      if (magnitude.empty() && b == 0) continue;
      magnitude += b;
    }
  }
  if (magnitude.empty()) {
    bytes += '\0';
    return;
  }
  if (!negative) {
    if (static_cast<unsigned char>(magnitude[0]) & 0x80) bytes += '\0';
    bytes += magnitude;
    return;
  }
  std::string twos(magnitude.size() + 1, '\0');
  std::memcpy(twos.data() + 1, magnitude.data(), magnitude.size());
  for (char& b : twos) b = static_cast<char>(~b);
  for (size_t i = twos.size(); i-- > 0;) {
    if (++reinterpret_cast<unsigned char&>(twos[i]) != 0) break;
  }
  size_t skip = 0;
  while (skip + 1 < twos.size() && static_cast<unsigned char>(twos[skip]) == 0xff &&
         (static_cast<unsigned char>(twos[skip + 1]) & 0x80)) {
    ++skip;
  }
  bytes.append(twos, skip);
}

// The unscaled digits of `d` at `scale` (rounded half up when shorter, as
// BigDecimal.setScale(scale, HALF_UP)); -1 keeps the value's own scale.
std::string UnscaledDigits(const DecimalParts& d, int32_t scale) {
  std::string digits(d.whole);
  if (scale < 0 || static_cast<size_t>(scale) >= d.fraction.size()) {
    digits += d.fraction;
    if (scale > 0) digits.append(static_cast<size_t>(scale) - d.fraction.size(), '0');
    return digits;
  }
  digits += d.fraction.substr(0, static_cast<size_t>(scale));
  if (d.fraction[static_cast<size_t>(scale)] >= '5') {
    size_t i = digits.size();
    while (i > 0 && digits[i - 1] == '9') digits[--i] = '0';
    if (i == 0) {
      digits.insert(digits.begin(), '1');
    } else {
      ++digits[i - 1];
    }
  }
  return digits;
}

// ---------------------------------------------------------------------------
// Calendar (proleptic Gregorian, astronomical years).

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  // Years counted from March, so that the leap day ends the year.
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = FloorDiv(y, 400);
  const int64_t year_of_era = y - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  *month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

void AppendPadded(int64_t value, int width, std::string& out) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  const int len = static_cast<int>(result.ptr - buf);
  if (len < width) out.append(static_cast<size_t>(width - len), '0');
  out.append(buf, result.ptr);
}

// java.time's ISO form: "+10000", "-0043", "2024".
void AppendIsoYear(int64_t year, std::string& out) {
  if (year > 9999) out += '+';
  if (year < 0) out += '-';
  AppendPadded(year < 0 ? -year : year, 4, out);
}

// "HH:mm:ss" and the fraction: `width` digits exactly, or (width <= 0) the
// fewest that keep the value, none for a whole second.
void AppendTimeOfDay(int64_t micros_of_day, int width, std::string& out) {
  const int64_t seconds = micros_of_day / 1000000;
  AppendPadded(seconds / 3600, 2, out);
  out += ':';
  AppendPadded(seconds / 60 % 60, 2, out);
  out += ':';
  AppendPadded(seconds % 60, 2, out);
  char nanos[9];
  int64_t v = micros_of_day % 1000000 * 1000;
  for (int i = 8; i >= 0; --i, v /= 10) nanos[i] = static_cast<char>('0' + v % 10);
  int n = width > 0 ? std::min(width, 9) : 9;
  if (width <= 0) {
    while (n > 0 && nanos[n - 1] == '0') --n;
  }
  if (n > 0) {
    out += '.';
    out.append(nanos, static_cast<size_t>(n));
  }
}

// io.debezium.time.ZonedTimestamp of UTC epoch microseconds, quoted.
void AppendZonedTimestamp(int64_t micros, int width, std::string& out) {
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t year = 0;
  int month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  out += '"';
  AppendIsoYear(year, out);
  out += '-';
  AppendPadded(month, 2, out);
  out += '-';
  AppendPadded(day, 2, out);
  out += 'T';
  AppendTimeOfDay(micros - days * kMicrosPerDay, width, out);
  out += "Z\"";
}

// A timestamptz past what int64 epoch microseconds hold, from PostgreSQL's
// UTC text ("294276-12-31 23:59:59.999999+00"), as Debezium's
// ZonedTimestamp ("+294276-12-31T23:59:59.999999Z"), quoted. False when the
// text is not in that form.
bool AppendZonedTimestampText(std::string_view text, std::string& out) {
  const size_t space = text.find(' ');
  const size_t zone = text.find_last_of("+-");
  if (space == std::string_view::npos || zone == std::string_view::npos || zone < space ||
      text.substr(zone) != "+00") {
    return false;
  }
  out += "\"+";
  out.append(text.substr(0, space));
  out += 'T';
  out.append(text.substr(space + 1, zone - space - 1));
  out += "Z\"";
  return true;
}

// io.debezium.time.MicroDuration: Debezium's double arithmetic over the
// fields pgjdbc's PGInterval gives, months at 365.25 / 12 days.
int64_t MicroDuration(const cdc::v1::Interval& interval) {
  int64_t rest = interval.micros();
  const int64_t hours = rest / 3600000000LL;
  rest -= hours * 3600000000LL;
  const int64_t minutes = rest / 60000000;
  rest -= minutes * 60000000;
  const int64_t whole_seconds = rest / 1000000;
  const double seconds = static_cast<double>(whole_seconds) +
                         static_cast<double>(rest - whole_seconds * 1000000) / 1e6;
  const double days = static_cast<double>(interval.months()) * (365.25 / 12.0) + interval.days();
  const double total =
      ((days * 24 + static_cast<double>(hours)) * 60 + static_cast<double>(minutes)) * 60 + seconds;
  return JavaLong(total * 1e6);
}

// ---------------------------------------------------------------------------
// Column types: what Debezium's schema for a column is.

enum class Kind : uint8_t {
  kOmit,  // Debezium leaves the column out of the row
  kBool,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kString,
  kBytes,
  kDecimal,
  kVariableDecimal,
  kDate,
  kTimeMillis,
  kTimeMicros,
  kTimestampMillis,
  kTimestampMicros,
  kZonedTimestamp,
  kZonedTime,
  kMicroDuration,
  kBits,
  kBitBool,
  kYear,
  kEnum,
  kEnumSet,
  kHstore,
  kPoint,
  kGeometry,
  kFloatVector,
};

// What an unchanged TOAST value becomes (PostgreSQL).
enum class Toast : uint8_t { kNull, kString, kBytes, kStringArray, kNumberArray };

struct Type {
  Kind kind = Kind::kString;
  const char* name = nullptr;  // Connect schema name, version 1
  int32_t scale = -1;          // kDecimal: -1 for the value's own
  int32_t precision = -1;      // kDecimal: connect.decimal.precision, -1 for none
  int32_t length = -1;         // kBits: length; kZonedTimestamp: fraction digits
  bool array = false;          // an array of this type
  bool items_required = false;
  bool null_value = false;  // Debezium writes null whatever the value
  bool mysql = false;
  Toast toast = Toast::kNull;
  const std::vector<std::string>* allowed = nullptr;
};

struct TypeName {
  std::string_view base;  // before "(" and " unsigned"
  int32_t arg0 = -1;
  int32_t arg1 = -1;
  bool is_unsigned = false;
};

TypeName ParseTypeName(std::string_view text) {
  TypeName t;
  const size_t open = text.find('(');
  const size_t space = text.find(' ');
  t.base = text.substr(0, std::min(open, space));
  t.is_unsigned = text.find(" unsigned") != std::string_view::npos;
  if (open != std::string_view::npos) {
    const char* p = text.data() + open + 1;
    const char* end = text.data() + text.size();
    auto r = std::from_chars(p, end, t.arg0);
    if (r.ec != std::errc()) t.arg0 = -1;
    if (r.ec == std::errc() && r.ptr < end && *r.ptr == ',') {
      r = std::from_chars(r.ptr + 1, end, t.arg1);
      if (r.ec != std::errc()) t.arg1 = -1;
    }
  }
  return t;
}

// The first non-null value of `v` (an array's first non-null element,
// nested arrays descended), or nullptr.
const Value* Sample(const Value* v) {
  while (v != nullptr && v->kind_case() == Value::kArrayValue) {
    const Value* found = nullptr;
    for (const Value& e : v->array_value().elements()) {
      if (e.kind_case() != Value::kNull) {
        found = &e;
        break;
      }
    }
    v = found;
  }
  if (v == nullptr || v->kind_case() == Value::kNull || v->kind_case() == Value::kUnchanged ||
      v->kind_case() == Value::KIND_NOT_SET) {
    return nullptr;
  }
  return v;
}

int32_t DeclaredOr(int32_t info, int32_t from_name, int32_t fallback) {
  if (info >= 0) return info;
  if (from_name >= 0) return from_name;
  return fallback;
}

Type Simple(Kind kind, const char* name = nullptr, Toast toast = Toast::kNull) {
  Type t;
  t.kind = kind;
  t.name = name;
  t.toast = toast;
  return t;
}

Type DecimalType(int32_t scale, int32_t precision) {
  Type t = Simple(Kind::kDecimal, "org.apache.kafka.connect.data.Decimal");
  t.scale = scale;
  t.precision = precision;
  return t;
}

Type TimeType(bool millis) {
  return millis ? Simple(Kind::kTimeMillis, "io.debezium.time.Time")
                : Simple(Kind::kTimeMicros, "io.debezium.time.MicroTime");
}

Type TimestampType(bool millis) {
  return millis ? Simple(Kind::kTimestampMillis, "io.debezium.time.Timestamp")
                : Simple(Kind::kTimestampMicros, "io.debezium.time.MicroTimestamp");
}

Type ZonedTimestampType(int32_t width) {
  Type t = Simple(Kind::kZonedTimestamp, "io.debezium.time.ZonedTimestamp", Toast::kString);
  t.length = width;
  return t;
}

Type BitsType(int32_t length, bool mysql) {
  if (length == 1) return Simple(Kind::kBitBool);
  Type t = Simple(Kind::kBits, "io.debezium.data.Bits");
  t.length = length;
  t.mysql = mysql;
  return t;
}

Type EnumType(Kind kind, const DebeziumColumnInfo* info) {
  Type t = Simple(kind, kind == Kind::kEnum ? "io.debezium.data.Enum" : "io.debezium.data.EnumSet",
                  Toast::kString);
  if (info != nullptr && !info->allowed.empty()) t.allowed = &info->allowed;
  return t;
}

// A type known only by its value (domains without a DebeziumColumnInfo,
// types not listed).
Type ByValue(const Value* v, bool postgres, const DebeziumColumnInfo* info) {
  if (v == nullptr) return Simple(Kind::kString, nullptr, Toast::kString);
  switch (v->kind_case()) {
    case Value::kBoolValue:
      return Simple(Kind::kBool);
    case Value::kIntValue:
    case Value::kUintValue:
      return Simple(Kind::kInt64);
    case Value::kFloatValue:
      return Simple(Kind::kFloat32);
    case Value::kDoubleValue:
      return Simple(Kind::kFloat64);
    case Value::kDecimalValue: {
      if (postgres) {
        return Simple(Kind::kVariableDecimal, "io.debezium.data.VariableScaleDecimal");
      }
      DecimalParts d;
      const bool ok = ParseDecimal(v->decimal_value(), &d);
      return DecimalType(ok ? static_cast<int32_t>(d.fraction.size()) : 0, -1);
    }
    case Value::kBytesValue:
      return Simple(Kind::kBytes, nullptr, Toast::kBytes);
    case Value::kJsonValue:
      return Simple(Kind::kString, "io.debezium.data.Json", Toast::kString);
    case Value::kDateValue:
      return Simple(Kind::kDate, "io.debezium.time.Date");
    case Value::kTimeValue:
      if (v->time_value().has_zone()) {
        return Simple(Kind::kZonedTime, "io.debezium.time.ZonedTime", Toast::kString);
      }
      return TimeType(postgres && v->time_value().precision() <= 3);
    case Value::kTimestampValue:
      if (v->timestamp_value().with_time_zone()) {
        return ZonedTimestampType(static_cast<int32_t>(v->timestamp_value().precision()));
      }
      return TimestampType(v->timestamp_value().precision() <= 3);
    case Value::kIntervalValue:
      return Simple(Kind::kMicroDuration, "io.debezium.time.MicroDuration");
    case Value::kUuidValue:
      return Simple(Kind::kString, "io.debezium.data.Uuid", Toast::kString);
    case Value::kBitsValue:
      return BitsType(static_cast<int32_t>(v->bits_value().size()), !postgres);
    case Value::kEnumValue:
      return EnumType(Kind::kEnum, info);
    case Value::kSetValue:
      return EnumType(Kind::kEnumSet, info);
    case Value::kArrayValue: {
      Type t = ByValue(Sample(v), postgres, info);
      t.array = true;
      return t;
    }
    case Value::kGeometryValue:
      return Simple(Kind::kGeometry, "io.debezium.data.geometry.Geometry");
    default:
      return Simple(Kind::kString, nullptr, Toast::kString);
  }
}

// The PostgreSQL type names this module knows, by pg_type.typname.
enum class PgBase : uint8_t {
  kUnknown,
  kBool,
  kInt2,
  kInt4,
  kInt8,
  kOid,
  kFloat4,
  kFloat8,
  kNumeric,
  kMoney,
  kText,    // text, varchar: unchanged TOAST arrays are ["placeholder"]
  kString,  // other types Debezium writes as their text
  kBytea,
  kUuid,
  kJson,
  kXml,
  kLtree,
  kTsvector,
  kHstore,
  kDate,
  kTime,
  kTimetz,
  kTimestamp,
  kTimestamptz,
  kInterval,
  kBit,
  kVarbit,
  kPoint,
  kPgLsn,
  kRefcursor,
};

PgBase PgBaseOf(std::string_view name) {
  static const auto* const kNames = new std::unordered_map<std::string_view, PgBase>{
      {"bool", PgBase::kBool},
      {"int2", PgBase::kInt2},
      {"int4", PgBase::kInt4},
      {"int8", PgBase::kInt8},
      {"oid", PgBase::kOid},
      {"float4", PgBase::kFloat4},
      {"float8", PgBase::kFloat8},
      {"numeric", PgBase::kNumeric},
      {"money", PgBase::kMoney},
      {"text", PgBase::kText},
      {"varchar", PgBase::kText},
      {"bpchar", PgBase::kString},
      {"char", PgBase::kString},
      {"name", PgBase::kString},
      {"citext", PgBase::kString},
      {"inet", PgBase::kString},
      {"cidr", PgBase::kString},
      {"macaddr", PgBase::kString},
      {"macaddr8", PgBase::kString},
      {"int4range", PgBase::kString},
      {"int8range", PgBase::kString},
      {"numrange", PgBase::kString},
      {"tsrange", PgBase::kString},
      {"tstzrange", PgBase::kString},
      {"daterange", PgBase::kString},
      {"bytea", PgBase::kBytea},
      {"uuid", PgBase::kUuid},
      {"json", PgBase::kJson},
      {"jsonb", PgBase::kJson},
      {"xml", PgBase::kXml},
      {"ltree", PgBase::kLtree},
      {"tsvector", PgBase::kTsvector},
      {"hstore", PgBase::kHstore},
      {"date", PgBase::kDate},
      {"time", PgBase::kTime},
      {"timetz", PgBase::kTimetz},
      {"timestamp", PgBase::kTimestamp},
      {"timestamptz", PgBase::kTimestamptz},
      {"interval", PgBase::kInterval},
      {"bit", PgBase::kBit},
      {"varbit", PgBase::kVarbit},
      {"point", PgBase::kPoint},
      {"pg_lsn", PgBase::kPgLsn},
      {"refcursor", PgBase::kRefcursor},
  };
  auto it = kNames->find(name);
  return it == kNames->end() ? PgBase::kUnknown : it->second;
}

// PostgreSQL: by pg_type.typname (arrays "_" + the element's).
Type PostgresType(std::string_view type_name, const DebeziumColumnInfo* info, const Value* value) {
  const TypeName tn = ParseTypeName(type_name);
  std::string_view name = tn.base;
  const bool array = name.size() > 1 && name[0] == '_';
  if (array) name.remove_prefix(1);
  const PgBase base = PgBaseOf(name);
  const Value* sample = Sample(value);
  const int32_t length = info != nullptr ? info->length : -1;
  Type t;
  switch (base) {
    case PgBase::kBool:
      t = Simple(Kind::kBool);
      break;
    case PgBase::kInt2:
      t = Simple(Kind::kInt16);
      break;
    case PgBase::kInt4:
      t = Simple(Kind::kInt32, nullptr, Toast::kNumberArray);
      break;
    case PgBase::kInt8:
      t = Simple(Kind::kInt64, nullptr, Toast::kNumberArray);
      break;
    case PgBase::kOid:
      t = Simple(Kind::kInt64);
      break;
    case PgBase::kFloat4:
      t = Simple(Kind::kFloat32);
      break;
    case PgBase::kFloat8:
      t = Simple(Kind::kFloat64);
      break;
    case PgBase::kNumeric: {
      const int32_t precision = DeclaredOr(length, tn.arg0, -1);
      const int32_t scale = DeclaredOr(info != nullptr ? info->scale : -1, tn.arg1, 0);
      t = precision > 0 ? DecimalType(std::max(scale, 0), precision)
                        : Simple(Kind::kVariableDecimal, "io.debezium.data.VariableScaleDecimal");
      break;
    }
    case PgBase::kMoney:
      t = DecimalType(2, -1);
      break;
    case PgBase::kText:
      t = Simple(Kind::kString, nullptr, Toast::kStringArray);
      break;
    case PgBase::kString:
      t = Simple(Kind::kString, nullptr, Toast::kString);
      break;
    case PgBase::kBytea:
      t = Simple(Kind::kBytes, nullptr, Toast::kBytes);
      break;
    case PgBase::kUuid:
      t = Simple(Kind::kString, "io.debezium.data.Uuid", Toast::kString);
      break;
    case PgBase::kJson:
      t = Simple(Kind::kString, "io.debezium.data.Json", Toast::kStringArray);
      break;
    case PgBase::kXml:
      t = Simple(Kind::kString, "io.debezium.data.Xml", Toast::kString);
      break;
    case PgBase::kLtree:
      t = Simple(Kind::kString, "io.debezium.data.Ltree", Toast::kString);
      break;
    case PgBase::kTsvector:
      t = Simple(Kind::kString, "io.debezium.data.Tsvector", Toast::kString);
      break;
    case PgBase::kHstore:
      t = Simple(Kind::kHstore, "io.debezium.data.Json", Toast::kString);
      break;
    case PgBase::kDate:
      t = Simple(Kind::kDate, "io.debezium.time.Date", Toast::kNumberArray);
      break;
    case PgBase::kTime: {
      const int32_t fallback = sample != nullptr && sample->kind_case() == Value::kTimeValue
                                   ? static_cast<int32_t>(sample->time_value().precision())
                                   : 6;
      t = TimeType(DeclaredOr(length, tn.arg0, fallback) <= 3);
      break;
    }
    case PgBase::kTimetz:
      t = Simple(Kind::kZonedTime, "io.debezium.time.ZonedTime", Toast::kString);
      break;
    case PgBase::kTimestamp:
    case PgBase::kTimestamptz: {
      const int32_t fallback = sample != nullptr && sample->kind_case() == Value::kTimestampValue
                                   ? static_cast<int32_t>(sample->timestamp_value().precision())
                                   : 6;
      const int32_t precision = DeclaredOr(length, tn.arg0, fallback);
      t = base == PgBase::kTimestamp ? TimestampType(precision <= 3)
                                     : ZonedTimestampType(precision);
      break;
    }
    case PgBase::kInterval:
      t = Simple(Kind::kMicroDuration, "io.debezium.time.MicroDuration");
      break;
    case PgBase::kBit:
    case PgBase::kVarbit: {
      int32_t fallback = base == PgBase::kBit ? 1 : std::numeric_limits<int32_t>::max();
      if (base == PgBase::kBit && sample != nullptr && sample->kind_case() == Value::kBitsValue) {
        fallback = static_cast<int32_t>(sample->bits_value().size());
      }
      t = BitsType(DeclaredOr(length, tn.arg0, fallback), false);
      break;
    }
    case PgBase::kPoint:
      t = Simple(Kind::kPoint, "io.debezium.data.geometry.Point");
      break;
    case PgBase::kPgLsn:
      t = Simple(Kind::kOmit);
      break;
    case PgBase::kRefcursor:
    case PgBase::kUnknown:
      if ((sample != nullptr && sample->kind_case() == Value::kEnumValue) ||
          (info != nullptr && !info->allowed.empty())) {
        t = EnumType(Kind::kEnum, info);
      } else {
        t = ByValue(sample, true, info);  // the element's, for arrays
      }
      break;
  }
  if (!array) {
    if (t.toast == Toast::kStringArray) t.toast = Toast::kString;
    if (t.toast == Toast::kNumberArray) t.toast = Toast::kNull;
    return t;
  }
  switch (base) {
    case PgBase::kMoney:
    case PgBase::kInterval:
    case PgBase::kVarbit:
    case PgBase::kXml:
    case PgBase::kPoint:
    case PgBase::kRefcursor:
      return Simple(Kind::kOmit);  // array types Debezium has no schema for
    case PgBase::kString:
      if (name == "name") return Simple(Kind::kOmit);
      break;
    case PgBase::kBit:  // Debezium gives bit arrays the element's schema and no value
      t.null_value = true;
      t.toast = Toast::kNull;
      return t;
    default:
      break;
  }
  if (t.toast != Toast::kStringArray && t.toast != Toast::kNumberArray) t.toast = Toast::kNull;
  t.array = true;
  t.items_required = t.kind == Kind::kEnum;
  return t;
}

// The MySQL/MariaDB type names this module knows.
enum class MyBase : uint8_t {
  kUnknown,
  kTinyint,
  kSmallint,
  kMediumint,
  kInt,
  kBigint,
  kFloat,
  kDouble,
  kDecimal,
  kBit,
  kYear,
  kDate,
  kTime,
  kDatetime,
  kTimestamp,
  kText,
  kBinary,
  kEnum,
  kSet,
  kJson,
  kPoint,
  kGeometry,
  kVector,
};

MyBase MyBaseOf(std::string_view name) {
  static const auto* const kNames = new std::unordered_map<std::string_view, MyBase>{
      {"tinyint", MyBase::kTinyint},
      {"smallint", MyBase::kSmallint},
      {"mediumint", MyBase::kMediumint},
      {"int", MyBase::kInt},
      {"integer", MyBase::kInt},
      {"bigint", MyBase::kBigint},
      {"float", MyBase::kFloat},
      {"double", MyBase::kDouble},
      {"real", MyBase::kDouble},
      {"decimal", MyBase::kDecimal},
      {"numeric", MyBase::kDecimal},
      {"bit", MyBase::kBit},
      {"year", MyBase::kYear},
      {"date", MyBase::kDate},
      {"time", MyBase::kTime},
      {"datetime", MyBase::kDatetime},
      {"timestamp", MyBase::kTimestamp},
      {"char", MyBase::kText},
      {"varchar", MyBase::kText},
      {"tinytext", MyBase::kText},
      {"text", MyBase::kText},
      {"mediumtext", MyBase::kText},
      {"longtext", MyBase::kText},
      {"binary", MyBase::kBinary},
      {"varbinary", MyBase::kBinary},
      {"tinyblob", MyBase::kBinary},
      {"blob", MyBase::kBinary},
      {"mediumblob", MyBase::kBinary},
      {"longblob", MyBase::kBinary},
      {"uuid", MyBase::kBinary},
      {"inet4", MyBase::kBinary},
      {"inet6", MyBase::kBinary},
      {"enum", MyBase::kEnum},
      {"set", MyBase::kSet},
      {"json", MyBase::kJson},
      {"point", MyBase::kPoint},
      {"geometry", MyBase::kGeometry},
      {"linestring", MyBase::kGeometry},
      {"polygon", MyBase::kGeometry},
      {"multipoint", MyBase::kGeometry},
      {"multilinestring", MyBase::kGeometry},
      {"multipolygon", MyBase::kGeometry},
      {"geometrycollection", MyBase::kGeometry},
      {"geomcollection", MyBase::kGeometry},
      {"vector", MyBase::kVector},
  };
  auto it = kNames->find(name);
  return it == kNames->end() ? MyBase::kUnknown : it->second;
}

// MySQL and MariaDB: by the binlog type name ("int unsigned", "decimal(10,2)").
Type MysqlType(std::string_view type_name, const DebeziumColumnInfo* info, const Value* value,
               bool mariadb) {
  const TypeName tn = ParseTypeName(type_name);
  const int32_t length = info != nullptr ? info->length : -1;
  switch (MyBaseOf(tn.base)) {
    case MyBase::kTinyint:
      return Simple(Kind::kInt16);
    case MyBase::kSmallint:
      return Simple(tn.is_unsigned ? Kind::kInt32 : Kind::kInt16);
    case MyBase::kMediumint:
      return Simple(Kind::kInt32);
    case MyBase::kInt:
      return Simple(tn.is_unsigned ? Kind::kInt64 : Kind::kInt32);
    case MyBase::kBigint:
      return Simple(Kind::kInt64);
    case MyBase::kFloat:
      return Simple(Kind::kFloat32);
    case MyBase::kDouble:
      return Simple(Kind::kFloat64);
    case MyBase::kDecimal: {
      int32_t scale = DeclaredOr(info != nullptr ? info->scale : -1, tn.arg1, -1);
      if (scale < 0) {
        DecimalParts d;
        const Value* sample = Sample(value);
        scale = sample != nullptr && sample->kind_case() == Value::kDecimalValue &&
                        ParseDecimal(sample->decimal_value(), &d)
                    ? static_cast<int32_t>(d.fraction.size())
                    : 0;
      }
      return DecimalType(scale, DeclaredOr(length, tn.arg0, -1));
    }
    case MyBase::kBit:
      return BitsType(DeclaredOr(length, tn.arg0, 1), true);
    case MyBase::kYear:
      return Simple(Kind::kYear, "io.debezium.time.Year");
    case MyBase::kDate: {
      Type t = Simple(Kind::kDate, "io.debezium.time.Date");
      t.mysql = true;
      return t;
    }
    case MyBase::kTime:
      return TimeType(false);
    case MyBase::kDatetime:
      return TimestampType(DeclaredOr(length, tn.arg0, 0) <= 3);
    case MyBase::kTimestamp:
      return ZonedTimestampType(DeclaredOr(length, tn.arg0, 0));
    case MyBase::kText:
      return Simple(Kind::kString);
    case MyBase::kBinary:
      return Simple(Kind::kBytes);
    case MyBase::kEnum:
      return EnumType(Kind::kEnum, info);
    case MyBase::kSet:
      return EnumType(Kind::kEnumSet, info);
    case MyBase::kJson:
      return Simple(Kind::kString, mariadb ? nullptr : "io.debezium.data.Json");
    case MyBase::kPoint:
      return Simple(Kind::kPoint, "io.debezium.data.geometry.Point");
    case MyBase::kGeometry:
      return Simple(Kind::kGeometry, "io.debezium.data.geometry.Geometry");
    case MyBase::kVector:
      return Simple(Kind::kFloatVector, "io.debezium.data.FloatVector");
    case MyBase::kUnknown:
      break;
  }
  Type t = ByValue(Sample(value), false, info);
  t.mysql = true;
  return t;
}

bool IsPostgres(const cdc::v1::Source& source) {
  return source.kind() == cdc::v1::SOURCE_KIND_POSTGRES;
}

Type ColumnType(const cdc::v1::Source& source, std::string_view type_name,
                const DebeziumColumnInfo* info, const Value* value) {
  if (info != nullptr && !info->type.empty()) type_name = info->type;
  if (IsPostgres(source)) return PostgresType(type_name, info, value);
  Type t = MysqlType(type_name, info, value, source.kind() == cdc::v1::SOURCE_KIND_MARIADB);
  // Debezium's snapshot reads TIMESTAMP through JDBC and prints the fewest
  // fraction digits ("07:04:56.7Z"); its stream pads to the column's
  // (".700Z").
  if (t.kind == Kind::kZonedTimestamp && source.snapshot()) t.length = 0;
  return t;
}

// ---------------------------------------------------------------------------
// Schemas, in JsonConverter's order: type, fields/items, optional, name,
// version, doc, parameters, default, field.

const char* ConnectType(Kind kind) {
  switch (kind) {
    case Kind::kBool:
    case Kind::kBitBool:
      return "boolean";
    case Kind::kInt16:
      return "int16";
    case Kind::kInt32:
    case Kind::kDate:
    case Kind::kTimeMillis:
    case Kind::kYear:
      return "int32";
    case Kind::kInt64:
    case Kind::kTimeMicros:
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
    case Kind::kMicroDuration:
      return "int64";
    case Kind::kFloat32:
      return "float";
    case Kind::kFloat64:
      return "double";
    case Kind::kBytes:
    case Kind::kDecimal:
    case Kind::kBits:
      return "bytes";
    case Kind::kVariableDecimal:
    case Kind::kPoint:
    case Kind::kGeometry:
      return "struct";
    case Kind::kFloatVector:
      return "array";
    default:
      return "string";
  }
}

// One field's schema up to its parameters; the caller closes it.
void AppendSchemaBody(const Type& t, bool optional, std::string& out) {
  out += "{\"type\":\"";
  out += ConnectType(t.kind);
  out += '"';
  const char* doc = nullptr;
  switch (t.kind) {
    case Kind::kVariableDecimal:
      out +=
          ",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},"
          "{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}]";
      doc = "Variable scaled decimal";
      break;
    case Kind::kPoint:
      out +=
          ",\"fields\":[{\"type\":\"double\",\"optional\":false,\"field\":\"x\"},"
          "{\"type\":\"double\",\"optional\":false,\"field\":\"y\"},"
          "{\"type\":\"bytes\",\"optional\":true,\"field\":\"wkb\"},"
          "{\"type\":\"int32\",\"optional\":true,\"field\":\"srid\"}]";
      doc = "Geometry (POINT)";
      break;
    case Kind::kGeometry:
      out +=
          ",\"fields\":[{\"type\":\"bytes\",\"optional\":false,\"field\":\"wkb\"},"
          "{\"type\":\"int32\",\"optional\":true,\"field\":\"srid\"}]";
      doc = "Geometry";
      break;
    case Kind::kFloatVector:
      out += ",\"items\":{\"type\":\"float\",\"optional\":false}";
      break;
    default:
      break;
  }
  out += optional ? ",\"optional\":true" : ",\"optional\":false";
  if (t.name != nullptr) {
    out += ",\"name\":\"";
    out += t.name;
    out += "\",\"version\":1";
  }
  if (doc != nullptr) {
    out += ",\"doc\":\"";
    out += doc;
    out += '"';
  }
  if (t.kind == Kind::kDecimal) {
    out += ",\"parameters\":{\"scale\":\"";
    AppendInteger(t.scale, out);
    out += '"';
    if (t.precision > 0) {
      out += ",\"connect.decimal.precision\":\"";
      AppendInteger(t.precision, out);
      out += '"';
    }
    out += '}';
  } else if (t.kind == Kind::kBits) {
    out += ",\"parameters\":{\"length\":\"";
    AppendInteger(t.length, out);
    out += "\"}";
  } else if ((t.kind == Kind::kEnum || t.kind == Kind::kEnumSet) && t.allowed != nullptr) {
    std::string joined;
    for (const std::string& label : *t.allowed) {
      if (!joined.empty()) joined += ',';
      joined += label;
    }
    out += ",\"parameters\":{\"allowed\":";
    AppendString(joined, out);
    out += '}';
  }
}

void AppendFieldSchema(const Type& t, bool optional, std::string_view field,
                       std::string_view default_json, std::string& out) {
  if (t.array) {
    out += "{\"type\":\"array\",\"items\":";
    AppendSchemaBody(t, !t.items_required, out);
    out += optional ? "},\"optional\":true" : "},\"optional\":false";
  } else {
    AppendSchemaBody(t, optional, out);
  }
  if (!default_json.empty()) {
    out += ",\"default\":";
    out += default_json;
  }
  out += ",\"field\":";
  AppendString(field, out);
  out += '}';
}

// ---------------------------------------------------------------------------
// Values.

struct Context {
  std::string_view placeholder;
};

std::string_view TextOf(const Value& v) {
  switch (v.kind_case()) {
    case Value::kTextValue:
      return v.text_value();
    case Value::kJsonValue:
      return v.json_value();
    case Value::kUuidValue:
      return v.uuid_value();
    case Value::kInetValue:
      return v.inet_value();
    case Value::kMacaddrValue:
      return v.macaddr_value();
    case Value::kEnumValue:
      return v.enum_value();
    case Value::kDecimalValue:
      return v.decimal_value();
    case Value::kBitsValue:
      return v.bits_value();
    case Value::kRawValue:
      return v.raw_value().text();
    case Value::kBytesValue:
      return v.bytes_value();
    default:
      return {};
  }
}

bool HasText(const Value& v) {
  switch (v.kind_case()) {
    case Value::kTextValue:
    case Value::kJsonValue:
    case Value::kUuidValue:
    case Value::kInetValue:
    case Value::kMacaddrValue:
    case Value::kEnumValue:
    case Value::kDecimalValue:
    case Value::kBitsValue:
    case Value::kRawValue:
    case Value::kBytesValue:
      return true;
    default:
      return false;
  }
}

bool AppendDecimalValue(const Type& t, const Value& v, std::string& out) {
  std::string text;
  std::string_view decimal;
  if (v.kind_case() == Value::kDecimalValue) {
    decimal = v.decimal_value();
  } else if (v.kind_case() == Value::kIntValue) {
    text = std::to_string(v.int_value());
    decimal = text;
  } else if (v.kind_case() == Value::kUintValue) {
    text = std::to_string(v.uint_value());
    decimal = text;
  } else {
    return false;
  }
  DecimalParts d;
  if (!ParseDecimal(decimal, &d)) return false;  // NaN, infinities: no Decimal form
  std::string bytes;
  if (t.kind == Kind::kDecimal) {
    AppendUnscaledBytes(UnscaledDigits(d, t.scale), d.negative, bytes);
    AppendQuotedBase64(bytes, out);
    return true;
  }
  // VariableScaleDecimal: trailing zeros stripped, the scale never negative.
  while (!d.fraction.empty() && d.fraction.back() == '0') d.fraction.remove_suffix(1);
  AppendUnscaledBytes(UnscaledDigits(d, -1), d.negative, bytes);
  out += "{\"scale\":";
  AppendInteger(d.fraction.size(), out);
  out += ",\"value\":";
  AppendQuotedBase64(bytes, out);
  out += '}';
  return true;
}

// io.debezium.data.Bits: little-endian bytes of the bit string read as a
// number; PostgreSQL up to the highest set bit, MySQL all ceil(n/8) bytes.
void AppendBits(std::string_view bits, bool mysql, std::string& out) {
  std::string bytes((bits.size() + 7) / 8, '\0');
  size_t used = 0;
  for (size_t i = 0; i < bits.size(); ++i) {
    if (bits[bits.size() - 1 - i] != '1') continue;
    bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
    used = i / 8 + 1;
  }
  if (!mysql) bytes.resize(used);
  AppendQuotedBase64(bytes, out);
}

double ReadDouble(const unsigned char* p, bool little_endian) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) {
    bits |= uint64_t{p[little_endian ? i : 7 - i]} << (8 * i);
  }
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

void AppendPoint(double x, double y, std::string_view wkb, uint32_t srid, std::string& out) {
  out += "{\"x\":";
  AppendJavaNumber(x, out);
  out += ",\"y\":";
  AppendJavaNumber(y, out);
  out += ",\"wkb\":";
  AppendQuotedBase64(wkb, out);
  out += ",\"srid\":";
  if (srid == 0) {
    out += "null";
  } else {
    AppendInteger(srid, out);
  }
  out += '}';
}

// io.debezium.data.geometry.Point from PostgreSQL's "(x,y)" or a WKB point.
bool AppendPointValue(const Value& v, std::string& out) {
  if (v.kind_case() == Value::kGeometryValue) {
    const std::string& wkb = v.geometry_value().wkb();
    if (wkb.size() < 21) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(wkb.data());
    const bool le = p[0] == 1;
    AppendPoint(ReadDouble(p + 5, le), ReadDouble(p + 13, le), wkb, v.geometry_value().srid(), out);
    return true;
  }
  if (v.kind_case() != Value::kRawValue) return false;
  std::string_view text = v.raw_value().text();
  if (text.size() < 5 || text.front() != '(' || text.back() != ')') return false;
  text = text.substr(1, text.size() - 2);
  const size_t comma = text.find(',');
  if (comma == std::string_view::npos) return false;
  double x = 0, y = 0;
  const auto rx = std::from_chars(text.data(), text.data() + comma, x);
  const auto ry = std::from_chars(text.data() + comma + 1, text.data() + text.size(), y);
  if (rx.ec != std::errc() || ry.ec != std::errc()) return false;
  unsigned char wkb[21] = {1, 1, 0, 0, 0};
  for (int i = 0; i < 2; ++i) {
    uint64_t bits;
    std::memcpy(&bits, i == 0 ? &x : &y, sizeof(bits));
    for (int b = 0; b < 8; ++b) wkb[5 + 8 * i + b] = static_cast<unsigned char>(bits >> (8 * b));
  }
  AppendPoint(x, y, std::string_view(reinterpret_cast<const char*>(wkb), sizeof(wkb)), 0, out);
  return true;
}

// Java's String.hashCode, over the UTF-16 units of `text`.
int32_t JavaHash(std::string_view text) {
  uint32_t h = 0;
  size_t i = 0;
  while (i < text.size()) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(text.substr(i), &cp);
    if (len == 0) {
      cp = 0xfffd;
      len = 1;
    }
    i += len;
    if (cp >= 0x10000) {
      h = 31 * h + (0xd800 + ((cp - 0x10000) >> 10));
      h = 31 * h + (0xdc00 + (cp & 0x3ff));
    } else {
      h = 31 * h + cp;
    }
  }
  return static_cast<int32_t>(h);
}

// hstore.handling.mode=json: the pairs of PostgreSQL's hstore text
// ("k"=>"v", "n"=>NULL) as a JSON object in the order of the Java HashMap
// Debezium reads them into: by bucket of the spread hash, then insertion.
bool AppendHstoreJson(std::string_view text, std::string& out) {
  struct Pair {
    std::string key;
    std::string value;
    bool null = false;
    uint32_t bucket_hash = 0;
    size_t order = 0;
  };
  std::vector<Pair> pairs;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) ++i;
  };
  auto token = [&](std::string* s, bool* null) {
    *null = false;
    if (i < text.size() && text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        *s += text[i];
      }
      if (i >= text.size()) return false;
      ++i;
      return true;
    }
    const size_t start = i;
    while (i < text.size() && text[i] != ',' && text[i] != '=' && text[i] != ' ') ++i;
    *s = std::string(text.substr(start, i - start));
    *null = *s == "NULL";
    return !s->empty();
  };
  for (skip_space(); i < text.size(); skip_space()) {
    Pair p;
    bool key_null = false;
    if (!token(&p.key, &key_null) || text.substr(i, 2) != "=>") return false;
    i += 2;
    if (!token(&p.value, &p.null)) return false;
    const auto h = static_cast<uint32_t>(JavaHash(p.key));
    p.bucket_hash = h ^ (h >> 16);
    p.order = pairs.size();
    pairs.push_back(std::move(p));
  }
  size_t capacity = 16;
  while (pairs.size() > capacity * 3 / 4) capacity *= 2;
  std::stable_sort(pairs.begin(), pairs.end(), [capacity](const Pair& a, const Pair& b) {
    return (a.bucket_hash & (capacity - 1)) < (b.bucket_hash & (capacity - 1));
  });
  std::string json = "{";
  for (const Pair& p : pairs) {
    if (json.size() > 1) json += ',';
    AppendString(p.key, json);
    json += ':';
    if (p.null) {
      json += "null";
    } else {
      AppendString(p.value, json);
    }
  }
  json += '}';
  AppendString(json, out);
  return true;
}

// The value of a PostgreSQL date: days, with the numbers Debezium streams
// for the infinities (and, inside arrays, the ones its JDBC path gives).
void AppendPgDate(const cdc::v1::Date& d, bool in_array, std::string& out) {
  if (d.infinity() == cdc::v1::INFINITY_POSITIVE) {
    out += in_array ? "-622191234" : "-2147472692";
  } else if (d.infinity() == cdc::v1::INFINITY_NEGATIVE) {
    out += in_array ? "-625821272" : "-2147472691";
  } else {
    AppendInteger(DaysFromCivil(d.year(), d.month(), d.day()), out);
  }
}

bool AppendScalar(const Type& t, const Value& v, bool in_array, std::string& out);

void AppendArray(const Type& t, const Value& v, std::string& out) {
  out += '[';
  bool first = true;
  for (const Value& e : v.array_value().elements()) {
    if (!first) out += ',';
    first = false;
    if (e.kind_case() == Value::kNull || e.kind_case() == Value::kArrayValue ||
        !AppendScalar(t, e, true, out)) {
      out += "null";
    }
  }
  out += ']';
}

// False, with nothing appended, when `v` has no form in `t`.
bool AppendScalar(const Type& t, const Value& v, bool in_array, std::string& out) {
  switch (t.kind) {
    case Kind::kBool:
      if (v.kind_case() == Value::kBoolValue) {
        out += v.bool_value() ? "true" : "false";
      } else if (v.kind_case() == Value::kIntValue) {
        out += v.int_value() != 0 ? "true" : "false";
      } else {
        return false;
      }
      return true;
    case Kind::kBitBool:
      if (v.kind_case() != Value::kBitsValue) return false;
      out += v.bits_value().find('1') != std::string::npos ? "true" : "false";
      return true;
    case Kind::kInt16:
    case Kind::kInt32:
    case Kind::kInt64:
      if (v.kind_case() == Value::kIntValue) {
        AppendInteger(v.int_value(), out);
      } else if (v.kind_case() == Value::kUintValue) {
        AppendInteger(static_cast<int64_t>(v.uint_value()), out);  // long mode wraps
      } else if (v.kind_case() == Value::kBoolValue) {
        out += v.bool_value() ? '1' : '0';
      } else {
        return false;
      }
      return true;
    case Kind::kYear:
      if (v.kind_case() != Value::kIntValue) return false;
      AppendInteger(v.int_value() == 0 ? 1900 : v.int_value(), out);  // the binlog's 0 is 1900 + 0
      return true;
    case Kind::kFloat32:
      if (v.kind_case() == Value::kFloatValue) {
        AppendJavaNumber(v.float_value(), out);
      } else if (v.kind_case() == Value::kDoubleValue) {
        AppendJavaNumber(static_cast<float>(v.double_value()), out);
      } else {
        return false;
      }
      return true;
    case Kind::kFloat64:
      if (v.kind_case() == Value::kDoubleValue) {
        AppendJavaNumber(v.double_value(), out);
      } else if (v.kind_case() == Value::kFloatValue) {
        AppendJavaNumber(static_cast<double>(v.float_value()), out);
      } else {
        return false;
      }
      return true;
    case Kind::kDecimal:
    case Kind::kVariableDecimal:
      return AppendDecimalValue(t, v, out);
    case Kind::kString:
    case Kind::kEnum:
    case Kind::kEnumSet: {
      if (v.kind_case() != Value::kSetValue) {
        if (!HasText(v)) return false;
        AppendString(TextOf(v), out);
        return true;
      }
      std::string joined;
      for (const std::string& label : v.set_value().labels()) {
        if (!joined.empty()) joined += ',';
        joined += label;
      }
      AppendString(joined, out);
      return true;
    }
    case Kind::kBytes:
      if (!HasText(v)) return false;
      AppendQuotedBase64(TextOf(v), out);
      return true;
    case Kind::kDate: {
      if (v.kind_case() != Value::kDateValue) return false;
      const cdc::v1::Date& d = v.date_value();
      if (t.mysql && (d.month() == 0 || d.day() == 0)) return false;  // zero dates: null
      AppendPgDate(d, in_array, out);
      return true;
    }
    case Kind::kTimeMillis:
    case Kind::kTimeMicros: {
      if (v.kind_case() != Value::kTimeValue) return false;
      const int64_t micros = v.time_value().micros();
      AppendInteger(t.kind == Kind::kTimeMillis ? FloorDiv(micros, 1000) : micros, out);
      return true;
    }
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros: {
      if (v.kind_case() != Value::kTimestampValue) return false;
      const cdc::v1::Timestamp& ts = v.timestamp_value();
      // Past int64 epoch microseconds: Debezium's int64 cannot hold it.
      if (ts.zero() || !ts.invalid_text().empty() || !ts.out_of_range_text().empty()) return false;
      const bool millis = t.kind == Kind::kTimestampMillis;
      if (ts.infinity() == cdc::v1::INFINITY_POSITIVE) {
        out += millis ? "9223372036825200" : "9223372036825200000";
      } else if (ts.infinity() == cdc::v1::INFINITY_NEGATIVE) {
        out += millis ? "-9223372036832400" : "-9223372036832400000";
      } else {
        AppendInteger(millis ? FloorDiv(ts.epoch_micros(), 1000) : ts.epoch_micros(), out);
      }
      return true;
    }
    case Kind::kZonedTimestamp: {
      if (v.kind_case() != Value::kTimestampValue) return false;
      const cdc::v1::Timestamp& ts = v.timestamp_value();
      if (ts.zero() || !ts.invalid_text().empty()) return false;
      if (!ts.out_of_range_text().empty()) return AppendZonedTimestampText(ts.out_of_range_text(), out);
      if (ts.infinity() != cdc::v1::INFINITY_NONE) {
        out += ts.infinity() == cdc::v1::INFINITY_POSITIVE ? "\"infinity\"" : "\"-infinity\"";
      } else {
        AppendZonedTimestamp(ts.epoch_micros(), t.length, out);
      }
      return true;
    }
    case Kind::kZonedTime: {
      if (v.kind_case() != Value::kTimeValue) return false;
      const cdc::v1::Time& time = v.time_value();
      int64_t utc = (time.micros() - int64_t{time.utc_offset_seconds()} * 1000000) % kMicrosPerDay;
      if (utc < 0) utc += kMicrosPerDay;
      out += '"';
      AppendTimeOfDay(utc, 0, out);
      out += "Z\"";
      return true;
    }
    case Kind::kMicroDuration:
      if (v.kind_case() != Value::kIntervalValue) return false;
      AppendInteger(MicroDuration(v.interval_value()), out);
      return true;
    case Kind::kBits:
      if (v.kind_case() != Value::kBitsValue) return false;
      AppendBits(v.bits_value(), t.mysql, out);
      return true;
    case Kind::kHstore:
      if (v.kind_case() == Value::kJsonValue) {
        AppendString(v.json_value(), out);
        return true;
      }
      return v.kind_case() == Value::kRawValue && AppendHstoreJson(v.raw_value().text(), out);
    case Kind::kPoint:
      return AppendPointValue(v, out);
    case Kind::kGeometry:
      if (v.kind_case() != Value::kGeometryValue) return false;
      out += "{\"wkb\":";
      AppendQuotedBase64(v.geometry_value().wkb(), out);
      out += ",\"srid\":";
      if (v.geometry_value().srid() == 0) {
        out += "null";
      } else {
        AppendInteger(v.geometry_value().srid(), out);
      }
      out += '}';
      return true;
    case Kind::kFloatVector: {
      if (v.kind_case() != Value::kBytesValue || v.bytes_value().size() % 4 != 0) return false;
      const std::string& b = v.bytes_value();
      out += '[';
      for (size_t i = 0; i < b.size(); i += 4) {
        uint32_t bits = 0;
        for (int k = 0; k < 4; ++k)
          bits |= uint32_t{static_cast<unsigned char>(b[i + k])} << (8 * k);
        float f;
        std::memcpy(&f, &bits, sizeof(f));
        if (i > 0) out += ',';
        AppendJavaNumber(f, out);
      }
      out += ']';
      return true;
    }
    case Kind::kOmit:
      return false;
  }
  return false;
}

// Debezium's unavailable.value.placeholder in the column's form.
void AppendPlaceholder(const Type& t, const Context& ctx, std::string& out) {
  switch (t.toast) {
    case Toast::kString:
      AppendString(ctx.placeholder, out);
      break;
    case Toast::kBytes:
      AppendQuotedBase64(ctx.placeholder, out);
      break;
    case Toast::kStringArray:
      out += '[';
      AppendString(ctx.placeholder, out);
      out += ']';
      break;
    case Toast::kNumberArray: {
      out += '[';
      bool first = true;
      for (char c : ctx.placeholder) {
        if (!first) out += ',';
        first = false;
        AppendInteger(static_cast<int>(static_cast<signed char>(c)), out);
      }
      out += ']';
      break;
    }
    case Toast::kNull:
      out += "null";
      break;
  }
}

void AppendValue(const Type& t, const Value* v, const Context& ctx, std::string& out) {
  if (v == nullptr || t.null_value || v->kind_case() == Value::kNull ||
      v->kind_case() == Value::KIND_NOT_SET) {
    out += "null";
    return;
  }
  if (v->kind_case() == Value::kUnchanged) {
    AppendPlaceholder(t, ctx, out);
    return;
  }
  if (t.array) {
    if (v->kind_case() != Value::kArrayValue) {
      out += "null";
    } else {
      AppendArray(t, *v, out);
    }
    return;
  }
  if (!AppendScalar(t, *v, false, out)) out += "null";
}

// ---------------------------------------------------------------------------
// Rows.

struct Slot {
  std::string_view name;
  const Column* before = nullptr;
  const Column* after = nullptr;
  const DebeziumColumnInfo* info = nullptr;
  Type type;
  bool optional = true;
};

const Column* FindColumn(const Columns& columns, std::string_view name, int hint) {
  if (hint >= 0 && hint < columns.size() && columns[hint].name() == name) return &columns[hint];
  for (const Column& c : columns) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

bool IsKeyColumn(const cdc::v1::ChangeEvent& event, std::string_view name) {
  for (const std::string& key : event.key_columns()) {
    if (key == name) return true;
  }
  return false;
}

const Value* ValueOf(const Column* c) { return c != nullptr ? &c->value() : nullptr; }

void FinishSlot(const cdc::v1::ChangeEvent& event, Slot* slot) {
  const Column* typed = slot->after != nullptr ? slot->after : slot->before;
  const Value* sample = Sample(ValueOf(slot->after));
  if (sample == nullptr) sample = Sample(ValueOf(slot->before));
  slot->type = ColumnType(event.source(), typed != nullptr ? std::string_view(typed->type()) : "",
                          slot->info, sample);
  const bool key = IsKeyColumn(event, slot->name);
  slot->optional = !key && (slot->info == nullptr || slot->info->optional);
}

// The row's columns: the table's, when known, else the event's.
void BuildSlots(const cdc::v1::ChangeEvent& event, const DebeziumTableInfo* table,
                std::vector<Slot>* slots) {
  slots->clear();
  if (table != nullptr) {
    int i = 0;
    for (const DebeziumColumnInfo& info : table->columns) {
      Slot s;
      s.name = info.name;
      s.info = &info;
      s.after = FindColumn(event.after(), info.name, i);
      s.before = FindColumn(event.before(), info.name, i);
      ++i;
      slots->push_back(s);
    }
  } else {
    const bool after_first = !event.after().empty();
    const Columns& first = after_first ? event.after() : event.before();
    const Columns& second = after_first ? event.before() : event.after();
    int i = 0;
    for (const Column& c : first) {
      Slot s;
      s.name = c.name();
      (after_first ? s.after : s.before) = &c;
      (after_first ? s.before : s.after) = FindColumn(second, c.name(), i++);
      slots->push_back(s);
    }
    for (const Column& c : second) {
      if (FindColumn(first, c.name(), -1) != nullptr) continue;
      Slot s;
      s.name = c.name();
      (after_first ? s.before : s.after) = &c;
      slots->push_back(s);
    }
  }
  for (Slot& s : *slots) FinishSlot(event, &s);
}

// The row image as a JSON object. With `relax`, a NOT NULL column written
// as null (absent from a key-only before image or a minimal row image, or a
// value Debezium's form cannot hold) is made optional in this message's
// schema: JsonConverter refuses a null in a required field.
void AppendRow(std::vector<Slot>& slots, bool after, const Context& ctx, std::string& out,
               bool relax) {
  out += '{';
  bool first = true;
  for (Slot& s : slots) {
    if (s.type.kind == Kind::kOmit) continue;
    if (!first) out += ',';
    first = false;
    AppendString(s.name, out);
    out += ':';
    const size_t at = out.size();
    AppendValue(s.type, ValueOf(after ? s.after : s.before), ctx, out);
    if (relax && !s.optional && out.compare(at, std::string::npos, "null") == 0) s.optional = true;
  }
  out += '}';
}

void AppendRowSchema(const std::vector<Slot>& slots, std::string& out) {
  out += "\"fields\":[";
  bool first = true;
  for (const Slot& s : slots) {
    if (s.type.kind == Kind::kOmit) continue;
    if (!first) out += ',';
    first = false;
    AppendFieldSchema(s.type, s.optional, s.name,
                      s.info != nullptr ? std::string_view(s.info->default_json) : "", out);
  }
  out += ']';
}

// "<name>.<schema or database>.<table>." as Debezium names its schemas.
void AppendSchemaPrefix(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                        std::string& out) {
  const cdc::v1::Source& s = event.source();
  std::string name = options.logical_name.empty() ? s.server_name() : options.logical_name;
  name += '.';
  name += IsPostgres(s) ? s.schema() : s.database();
  name += '.';
  name += s.table();
  name += '.';
  out += name;
}

// ---------------------------------------------------------------------------
// Source block.

constexpr std::string_view kSourceCommonSchema =
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":"
    "\"version\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
    "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"
    "\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,"
    "last,false,incremental\"},\"default\":\"false\",\"field\":\"snapshot\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},";

constexpr std::string_view kSourcePostgresSchema =
    "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"origin\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"origin_lsn\"}],\"optional\":false,"
    "\"name\":\"io.debezium.connector.postgresql.Source\",\"version\":1,\"field\":\"source\"}";

constexpr std::string_view kSourceMysqlSchema =
    "{\"type\":\"string\",\"optional\":true,\"field\":\"table\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"server_id\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"gtid\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"file\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"pos\"},"
    "{\"type\":\"int32\",\"optional\":false,\"field\":\"row\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"thread\"},"
    "{\"type\":\"string\",\"optional\":true,\"field\":\"query\"}],\"optional\":false,"
    "\"name\":\"io.debezium.connector.";

constexpr std::string_view kEnvelopeTailSchema =
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],"
    "\"optional\":true,\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"
    "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],\"optional\":false,\"name\":";

const char* ConnectorName(const cdc::v1::Source& s) {
  switch (s.kind()) {
    case cdc::v1::SOURCE_KIND_POSTGRES:
      return "postgresql";
    case cdc::v1::SOURCE_KIND_MARIADB:
      return "mariadb";
    default:
      return "mysql";
  }
}

void AppendSourceSchema(const cdc::v1::Source& s, std::string& out) {
  out += kSourceCommonSchema;
  if (IsPostgres(s)) {
    out += kSourcePostgresSchema;
    return;
  }
  out += kSourceMysqlSchema;
  out += ConnectorName(s);
  out += ".Source\",\"version\":1,\"field\":\"source\"}";
}

// "ts_ms":..,"ts_us":..,"ts_ns":.. (the source block has its ts_ms apart).
void AppendTimes(int64_t micros, bool with_ms, std::string& out) {
  if (with_ms) {
    out += "\"ts_ms\":";
    AppendInteger(FloorDiv(micros, 1000), out);
    out += ',';
  }
  out += "\"ts_us\":";
  AppendInteger(micros, out);
  out += ",\"ts_ns\":";
  AppendInteger(micros * 1000, out);
}

// MariaDB's GTID "domain-server-sequence" names the server.
int64_t ServerIdOf(const cdc::v1::Source& s) {
  if (s.kind() != cdc::v1::SOURCE_KIND_MARIADB) return 0;
  const std::string& gtid = s.mysql().gtid();
  const size_t first = gtid.find('-');
  const size_t second = gtid.find('-', first + 1);
  if (first == std::string::npos || second == std::string::npos) return 0;
  int64_t id = 0;
  std::from_chars(gtid.data() + first + 1, gtid.data() + second, id);
  return id;
}

void AppendSource(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                  std::string& out) {
  const cdc::v1::Source& s = event.source();
  out += "{\"version\":";
  AppendString(options.connector_version, out);
  out += ",\"connector\":\"";
  out += ConnectorName(s);
  out += "\",\"name\":";
  AppendString(options.logical_name.empty() ? s.server_name() : options.logical_name, out);
  out += ",\"ts_ms\":";
  AppendInteger(FloorDiv(s.commit_time_us(), 1000), out);
  out += s.snapshot() ? ",\"snapshot\":\"true\",\"db\":" : ",\"snapshot\":\"false\",\"db\":";
  AppendString(s.database(), out);
  if (IsPostgres(s)) {
    const uint64_t lsn =
        s.snapshot() || s.postgres().lsn() == 0 ? s.postgres().commit_lsn() : s.postgres().lsn();
    if (lsn == 0) {
      out += ",\"sequence\":null,";
    } else {
      out += ",\"sequence\":\"[null,\\\"";
      AppendInteger(lsn, out);
      out += "\\\"]\",";
    }
    AppendTimes(s.commit_time_us(), false, out);
    out += ",\"schema\":";
    AppendString(s.schema(), out);
    out += ",\"table\":";
    AppendString(s.table(), out);
    out += ",\"txId\":";
    if (s.transaction_id() == 0) {
      out += "null";
    } else {
      AppendInteger(s.transaction_id(), out);
    }
    out += ",\"lsn\":";
    if (lsn == 0) {
      out += "null";
    } else {
      AppendInteger(lsn, out);
    }
    out += ",\"xmin\":null,\"origin\":null,\"origin_lsn\":null}";
    return;
  }
  out += ",\"sequence\":null,";
  AppendTimes(s.commit_time_us(), false, out);
  out += ",\"table\":";
  AppendString(s.table(), out);
  out += ",\"server_id\":";
  AppendInteger(s.snapshot() ? 0 : ServerIdOf(s), out);
  out += ",\"gtid\":";
  if (s.snapshot() || s.mysql().gtid().empty()) {
    out += "null";
  } else {
    AppendString(s.mysql().gtid(), out);
  }
  out += ",\"file\":";
  AppendString(s.mysql().file(), out);
  out += ",\"pos\":";
  AppendInteger(s.mysql().pos(), out);
  out += ",\"row\":";
  AppendInteger(s.event_index(), out);
  out += ",\"thread\":null,\"query\":null}";
}

const char* OpCode(cdc::v1::Op op) {
  switch (op) {
    case cdc::v1::OP_INSERT:
      return "c";
    case cdc::v1::OP_UPDATE:
      return "u";
    case cdc::v1::OP_DELETE:
      return "d";
    case cdc::v1::OP_READ:
      return "r";
    case cdc::v1::OP_TRUNCATE:
      return "t";
    default:
      return nullptr;
  }
}

const DebeziumTableInfo* TableOf(const cdc::v1::ChangeEvent& event,
                                 const DebeziumOptions& options) {
  return options.tables != nullptr ? options.tables->Find(event.source()) : nullptr;
}

}  // namespace

bool AppendDebeziumKeyJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                           std::string* out) {
  if (event.key_columns().empty() || OpCode(event.op()) == nullptr ||
      event.op() == cdc::v1::OP_TRUNCATE) {
    return false;
  }
  const DebeziumTableInfo* table = TableOf(event, options);
  const Columns& image =
      event.op() == cdc::v1::OP_DELETE || event.after().empty() ? event.before() : event.after();
  thread_local std::vector<Slot> slots;
  slots.clear();
  for (const std::string& name : event.key_columns()) {
    Slot s;
    s.name = name;
    s.after = FindColumn(image, name, -1);
    if (table != nullptr) {
      for (const DebeziumColumnInfo& info : table->columns) {
        if (info.name == name) s.info = &info;
      }
    }
    FinishSlot(event, &s);
    slots.push_back(s);
  }
  const Context ctx{options.unavailable_value_placeholder};
  // Key columns always have values: no schema change to make.
  std::string& o = *out;
  if (options.schemas_enable) {
    o += "{\"schema\":{\"type\":\"struct\",";
    AppendRowSchema(slots, o);
    o += ",\"optional\":false,\"name\":\"";
    AppendSchemaPrefix(event, options, o);
    o += "Key\"},\"payload\":";
  }
  AppendRow(slots, true, ctx, o, /*relax=*/false);
  if (options.schemas_enable) o += '}';
  return true;
}

void AppendDebeziumValueJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options,
                             std::string* out) {
  const char* op = OpCode(event.op());
  std::string& o = *out;
  if (op == nullptr) {  // transaction markers are not change events
    o += "null";
    return;
  }
  thread_local std::vector<Slot> slots;
  BuildSlots(event, TableOf(event, options), &slots);
  const Context ctx{options.unavailable_value_placeholder};
  // The images first: a null written in a NOT NULL column makes it optional
  // in this message's schema, which precedes them.
  thread_local std::string before;
  thread_local std::string after;
  before.clear();
  after.clear();
  if (event.before().empty()) {
    before = "null";
  } else {
    AppendRow(slots, false, ctx, before, options.schemas_enable);
  }
  if (event.after().empty() || event.op() == cdc::v1::OP_DELETE) {
    after = "null";
  } else {
    AppendRow(slots, true, ctx, after, options.schemas_enable);
  }
  if (options.schemas_enable) {
    std::string prefix;
    AppendSchemaPrefix(event, options, prefix);
    o += "{\"schema\":{\"type\":\"struct\",\"fields\":[";
    for (const char* field : {"before", "after"}) {
      o += "{\"type\":\"struct\",";
      AppendRowSchema(slots, o);
      o += ",\"optional\":true,\"name\":\"";
      o += prefix;
      o += "Value\",\"field\":\"";
      o += field;
      o += "\"},";
    }
    AppendSourceSchema(event.source(), o);
    o += ',';
    o += kEnvelopeTailSchema;
    o += '"';
    o += prefix;
    o += "Envelope\",\"version\":2},\"payload\":";
  }
  o += "{\"before\":";
  o += before;
  o += ",\"after\":";
  o += after;
  o += ",\"source\":";
  AppendSource(event, options, o);
  o += ",\"transaction\":";
  AppendDebeziumTransactionBlock(event, &o);
  o += ",\"op\":\"";
  o += op;
  o += "\",";
  AppendTimes(options.processing_time_us != 0 ? options.processing_time_us
                                              : event.source().commit_time_us(),
              true, o);
  o += '}';
  if (options.schemas_enable) o += '}';
}

std::optional<std::string> DebeziumKeyJson(const cdc::v1::ChangeEvent& event,
                                           const DebeziumOptions& options) {
  std::string out;
  if (!AppendDebeziumKeyJson(event, options, &out)) return std::nullopt;
  return out;
}

std::string DebeziumValueJson(const cdc::v1::ChangeEvent& event, const DebeziumOptions& options) {
  std::string out;
  out.reserve(512);
  AppendDebeziumValueJson(event, options, &out);
  return out;
}

void AppendDebeziumJsonString(std::string_view text, std::string* out) {
  AppendString(text, *out);
}

}  // namespace cdc::agent
