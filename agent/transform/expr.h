// The expression language of inline transforms: filters such as
//   after.country == 'DE' && op != 'delete'
// and computed columns such as
//   concat(upper(trim(after.first)), ' ', after.last)
//
// An expression is parsed, type-checked and compiled once against a table's
// columns (Compile); each evaluation then reads columns by index from the
// event (Evaluator). Compile errors name the 1-based column (in characters)
// of the text where the problem is.
//
// The language:
// - Literals: integers (kInt; an integer too large for int64 is kDecimal),
//   numbers with a point such as 1.5 (kDecimal, exact: `price > 1.5` compares
//   a numeric column exactly), numbers with an exponent such as 1e3 (kDouble),
//   'text' ('' is a quote inside text), true, false, null.
// - Names: after.col, before.col, a bare col (the row as it is now: the
//   before image when op is delete, the after image otherwise), op ('insert',
//   'update', 'delete', 'read', 'truncate', 'begin', 'commit'; NULL when
//   unspecified), source.table, source.schema, source.database,
//   source.commit_time (kTimestamp, with zone). A name in double quotes is
//   always a column: after."Order Id", "op". Keywords and function names are
//   case-insensitive; column names are not.
// - Operators, loosest first: `||`; `&&`; comparisons `== != < <= > >=`,
//   `x is [not] null`, `x [not] in (a, b, ...)`; `+ -`; `* / %`; prefix
//   `-` and `!` (C precedence: `!a == b` is `(!a) == b`); parentheses.
// - Comparisons: numbers with numbers (int, double and decimal mix, exactly
//   except where a double is involved), text with text and bytes with bytes
//   (byte order, which for UTF-8 is code point order), bool with bool, date
//   with date, timestamp with timestamp (epoch microseconds, zone or not).
//   Anything else is a compile error; a kAny operand is checked at run time.
//   Double NaN equals NaN and sorts above every other number; a decimal
//   'NaN' likewise; decimal and double infinities sort at the ends.
// - NULL as in SQL: operators and most functions give NULL for a NULL
//   operand; `&&`/`||` are three-valued (false && NULL is false, true || NULL
//   is true); `x in (...)` is NULL when x is NULL, or when nothing matched and
//   the list holds a NULL. A filter takes NULL as false.
// - Arithmetic: int op int is int (`/` truncates toward zero, `%` takes the
//   dividend's sign), overflow is a run-time error; with a double operand the
//   result is a double; int and decimal give an exact decimal (128-bit
//   coefficient, at most 38 digits, else "decimal out of range"); decimal
//   division keeps 6 more fraction digits than the dividend, rounded half away
//   from zero. Division or modulo by zero is a run-time error.
// - Functions (arity and argument types are checked at compile time):
//   concat(v, ...) any types, NULL arguments skipped (as PostgreSQL);
//   substr(s, start[, len]) in characters, 1-based, as PostgreSQL's;
//   upper(s), lower(s) change ASCII letters only, other characters pass
//   through unchanged; trim/ltrim/rtrim(s[, chars]) strip ASCII whitespace
//   (or the characters of `chars`); replace(s, from, to); split_part(s, delim, n)
//   (n < 0 counts from the end); length(s) in characters; starts_with(s, p),
//   ends_with(s, p), contains(s, p) -> bool; coalesce(v, ...); if(c, a, b);
//   case when c then v ... [else v] end and case x when a then v ... end;
//   lookup('map', key[, default]) (key as text; a missing or NULL key gives
//   default, or NULL); cast(x as int|double|decimal|text|bool|date|timestamp);
//   to_iso_utc(ts) -> '2024-03-01T12:34:56.789012Z' (always 6 fraction
//   digits; a timestamp without zone is taken as UTC); epoch_ms(ts),
//   epoch_us(ts) -> int (epoch_ms rounds toward minus infinity);
//   from_epoch_ms(int) -> timestamp with zone; time_24h('7:05 PM') -> '19:05'
//   (seconds kept when given); parse_timestamp(text) -> timestamp (ISO 8601
//   'YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]]', then optional 'Z' or +hh[:mm]:
//   with a zone the value is converted to UTC and has a zone, without one it
//   has none); date(ts) -> date (UTC calendar day); abs(x), round(x[, digits])
//   (half away from zero), floor(x), ceil(x) keep the numeric type.
// - Text forms (cast(x as text), concat, values of kAny used as text): int
//   and decimal as digits, double as the shortest text that reads back the
//   same ('NaN', 'Infinity', '-Infinity'), bool as 'true'/'false', date as
//   'YYYY-MM-DD', timestamp as 'YYYY-MM-DDTHH:MM:SS.ffffff' with 'Z' when it
//   has a zone, bytes as '\x' and lowercase hex.
//
// Column values (cdc::v1::Value) read as: null -> NULL; unchanged (a TOAST
// value the WAL did not carry) -> NULL, counted in
// Evaluator::unchanged_reads(); bool/int/double/decimal/text/bytes/date/
// timestamp as themselves (float as double; uint as int, or as decimal above
// INT64_MAX); json, uuid, inet, macaddr, bits, enum, raw text as text; time as
// '[-]HH:MM:SS[.fraction][+hh:mm]'; interval as ISO 8601 'P1Y2M3DT4H5M6.5S'; set as its
// labels joined by ','; array as a JSON-like '[1,"a",null]'; geometry as its
// WKB bytes; error_value is a run-time error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/v1/change_event.pb.h"
#include "common/status.h"

namespace cdc::agent::transform {

// kDecimal: exact decimal text ("-12.3400"). kDate: a calendar day.
// kTimestamp: epoch microseconds, with or without a zone. kAny: a column whose
// type is not known statically (json, uuid, arrays, ...).
enum class ExprType : uint8_t {
  kNull,
  kBool,
  kInt,
  kDouble,
  kDecimal,
  kText,
  kBytes,
  kDate,
  kTimestamp,
  kAny,
};

// "null", "bool", "int", "double", "decimal", "text", "bytes", "date",
// "timestamp", "any".
std::string_view ExprTypeName(ExprType type);

struct ColumnShape {
  std::string name;
  ExprType type = ExprType::kAny;
};

// The names an expression may use, resolved at compile time. Compile copies
// what it needs; the scope need not outlive the compiled expression.
struct ExprScope {
  std::vector<ColumnShape> columns;  // the table's columns, in table order
  // Named maps for code translation: lookup('status_names', after.status).
  std::map<std::string, std::map<std::string, std::string>> maps;
};

// A calendar day as the source stored it (MySQL's zero date is 0000-00-00).
struct ExprDate {
  int32_t year = 0;
  uint8_t month = 0;
  uint8_t day = 0;
};

// What a kTimestamp value holds besides a point in time.
enum class TimestampForm : uint8_t {
  kInstant,      // `i` is the point in time
  kZero,         // MySQL's 0000-00-00 00:00:00: no point in time
  kInvalid,      // a MySQL DATETIME with a zero month or day; `text` holds it
  kBeyondRange,  // later than int64 microseconds reach; `text` holds it
};

// An evaluated value. Only the fields of `type` are meaningful. `text` points
// into the event, into the compiled expression (literals) or into the
// Evaluator's scratch storage; it stays valid until the next Evaluate call on
// the same Evaluator, and no longer than the event and the expression.
struct ExprValue {
  ExprType type = ExprType::kNull;  // never kAny
  bool b = false;                   // kBool
  bool with_zone = false;           // kTimestamp
  int8_t infinity = 0;              // kDate, kTimestamp: +1 infinity, -1 -infinity
  TimestampForm form = TimestampForm::kInstant;  // kTimestamp
  int64_t i = 0;                    // kInt; kTimestamp: epoch microseconds
  double d = 0;                     // kDouble
  ExprDate date;                    // kDate
  std::string_view text;            // kText, kBytes, kDecimal; see TimestampForm

  static ExprValue Null() { return ExprValue(); }
  static ExprValue Bool(bool v);
  static ExprValue Int(int64_t v);
  static ExprValue Double(double v);
  static ExprValue Decimal(std::string_view v);
  static ExprValue Text(std::string_view v);
  static ExprValue Bytes(std::string_view v);
  static ExprValue Date(ExprDate v);
  static ExprValue Timestamp(int64_t epoch_micros, bool with_zone);

  bool is_null() const { return type == ExprType::kNull; }
  // For tests and messages: "null", "bool true", "int 42", "double 1.5",
  // "decimal 1.50", "text 'a''b'", "bytes \x0102", "date 2024-03-01",
  // "timestamp 2024-03-01T12:34:56.000000Z".
  std::string DebugString() const;
};

// What one evaluation reads. Columns are looked up by their index in
// ExprScope::columns; nullptr means the image lacks the column (NULL).
// Thread: called on the thread that calls Evaluate.
class RowAccess {
 public:
  virtual ~RowAccess() = default;
  virtual cdc::v1::Op op() const = 0;
  virtual const cdc::v1::Value* before(size_t index) const = 0;
  virtual const cdc::v1::Value* after(size_t index) const = 0;
  virtual const cdc::v1::Source& source() const = 0;
};

namespace internal {
struct Node;
class EvalState;
}  // namespace internal

// A compiled expression. Immutable, so one may be shared by any number of
// threads, each with its own Evaluator.
class CompiledExpr {
 public:
  ~CompiledExpr();
  CompiledExpr(const CompiledExpr&) = delete;
  CompiledExpr& operator=(const CompiledExpr&) = delete;

  // The static type of the result. kNull only for an expression that is
  // always NULL; kAny when it depends on a kAny column. At run time the value
  // has this type or is NULL, except that a kInt expression may give a
  // kDecimal for a uint64 column value above INT64_MAX.
  ExprType type() const;
  // The text it was compiled from.
  const std::string& text() const { return text_; }

 private:
  friend Result<std::shared_ptr<const CompiledExpr>> Compile(std::string_view text,
                                                           const ExprScope& scope);
  friend class Evaluator;
  CompiledExpr(std::string text, std::unique_ptr<internal::Node> root);

  std::string text_;
  std::unique_ptr<internal::Node> root_;
};

// Parses and type-checks `text` against `scope`. Errors are InvalidArgument
// with one line naming the position, e.g.
//   "column 12: unknown column 'after.contry' (the table has: id, country, name)"
Result<std::shared_ptr<const CompiledExpr>> Compile(std::string_view text, const ExprScope& scope);

// Evaluates compiled expressions. Owns scratch storage that text results
// live in, reused from call to call: after the first few calls an evaluation
// allocates nothing unless a text result outgrows its buffer, and one that
// produces no text (comparisons of columns with literals, arithmetic on ints)
// never allocates.
// Thread: one thread at a time; use one Evaluator per thread.
class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Errors at run time (overflow, division by zero, a failed cast, a value
  // of the wrong type in a kAny column) are InvalidArgument naming the
  // function or operator and the value, e.g.
  //   "cast('12x' as int): not an integer"
  // Invalidates the values of the previous call.
  Result<ExprValue> Evaluate(const CompiledExpr& e, const RowAccess& row);

  // A filter's result: NULL counts as false; a value that is not a bool is
  // an error ("a filter must give a bool, got int").
  Result<bool> EvaluatePredicate(const CompiledExpr& e, const RowAccess& row);

  // Unchanged (TOAST) column values the last Evaluate call read as NULL; a
  // caller may then treat its result as unknown rather than as computed.
  uint64_t unchanged_reads() const { return unchanged_reads_; }
  // The same, summed over every call.
  uint64_t total_unchanged_reads() const { return total_unchanged_reads_; }

  // Converts `v` to the event's form, to store as a column value: NULL as
  // null, kInt as int_value, kDouble as double_value, kDecimal as
  // decimal_value, kText as text_value, kBytes as bytes_value, kDate as
  // date_value, kTimestamp as timestamp_value (precision 6).
  static void ToProto(const ExprValue& v, cdc::v1::Value* out);

 private:
  friend class internal::EvalState;

  // Buffers for produced text; a deque so that handing out another buffer
  // never moves one already handed out.
  std::deque<std::string> scratch_;
  size_t scratch_used_ = 0;
  uint64_t unchanged_reads_ = 0;
  uint64_t total_unchanged_reads_ = 0;
};

}  // namespace cdc::agent::transform
