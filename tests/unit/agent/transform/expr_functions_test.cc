// Every function: values, NULL arguments, multi-byte text, run-time errors.
#include <string>

#include "expr_test_util.h"

namespace cdc::agent::transform {
namespace {

TEST_F(ExprTest, Concat) {
  EXPECT_EQ(Eval("concat(upper(trim(after.first)), ' ', after.last)"), "text 'ADA Lovelace'");
  EXPECT_EQ(Eval("concat('a', null, 'b')"), "text 'ab'");  // NULLs skipped
  EXPECT_EQ(Eval("concat(null)"), "text ''");
  EXPECT_EQ(Eval("concat(before.id)"), "text ''");
  EXPECT_EQ(Eval("concat(id, '|', price, '|', active, '|', born, '|', score, '|', blob)"),
            "text '42|19.99|true|1990-07-15|2.5|\\x01ab'");
  EXPECT_EQ(Eval("concat(updated)"), "text '2024-03-01T12:34:56.789012Z'");
  EXPECT_EQ(Eval("concat(cast('2024-03-01 10:00' as timestamp))"),
            "text '2024-03-01T10:00:00.000000'");
  EXPECT_EQ(Eval("concat(note, 'x')"), "text 'x'");
}

TEST_F(ExprTest, Substr) {
  EXPECT_EQ(Eval("substr('hello', 2, 3)"), "text 'ell'");
  EXPECT_EQ(Eval("substr('hello', 2)"), "text 'ello'");
  EXPECT_EQ(Eval("substr('hello', 0, 2)"), "text 'h'");
  EXPECT_EQ(Eval("substr('hello', -1, 3)"), "text 'h'");
  EXPECT_EQ(Eval("substr('hello', 10)"), "text ''");
  EXPECT_EQ(Eval("substr('hello', 1, 0)"), "text ''");
  EXPECT_EQ(Eval("substr('hello', 3, 9223372036854775807)"), "text 'llo'");
  EXPECT_EQ(Eval("substr('héllo wörld', 2, 4)"), "text 'éllo'");
  EXPECT_EQ(Eval("substr('日本語テキスト', 3, 2)"), "text '語テ'");
  EXPECT_EQ(Eval("substr(name, 3, 5)"), "text 'Grüße'");
  EXPECT_EQ(Eval("substr('hello', 1, -1)"), "error: substr('hello', 1, -1): negative length");
  EXPECT_EQ(Eval("substr(null, 1)"), "null");
  EXPECT_EQ(Eval("substr('abc', null)"), "null");
  EXPECT_EQ(Eval("substr(doc, 2, 3)"), "text '\"a\"'");
}

TEST_F(ExprTest, UpperAndLowerChangeAsciiLettersOnly) {
  EXPECT_EQ(Eval("upper('grüße')"), "text 'GRüßE'");
  EXPECT_EQ(Eval("lower('ÀBC Ü')"), "text 'Àbc Ü'");
  EXPECT_EQ(Eval("upper('ABC 1')"), "text 'ABC 1'");
  EXPECT_EQ(Eval("lower('')"), "text ''");
  EXPECT_EQ(Eval("upper(null)"), "null");
  EXPECT_EQ(Eval("upper(country) == 'DE'"), "bool true");
}

TEST_F(ExprTest, Trim) {
  EXPECT_EQ(Eval("trim(name)"), "text 'Grüße Müller'");
  EXPECT_EQ(Eval("ltrim(name)"), "text 'Grüße Müller  '");
  EXPECT_EQ(Eval("rtrim(name)"), "text '  Grüße Müller'");
  EXPECT_EQ(Eval("trim('   ')"), "text ''");
  EXPECT_EQ(Eval("trim('xxhixx', 'x')"), "text 'hi'");
  EXPECT_EQ(Eval("ltrim('xyhiyx', 'yx')"), "text 'hiyx'");
  EXPECT_EQ(Eval("rtrim('xyhiyx', 'yx')"), "text 'xyhi'");
  EXPECT_EQ(Eval("trim('ßßaßß', 'ß')"), "text 'a'");
  EXPECT_EQ(Eval("trim('éaé', 'è')"), "text 'éaé'");  // same lead byte, other character
  EXPECT_EQ(Eval("trim(null)"), "null");
  EXPECT_EQ(Eval("trim('x', null)"), "null");
}

TEST_F(ExprTest, Replace) {
  EXPECT_EQ(Eval("replace('a-b-c', '-', '+')"), "text 'a+b+c'");
  EXPECT_EQ(Eval("replace('aaa', 'aa', 'b')"), "text 'ba'");
  EXPECT_EQ(Eval("replace('abc', '', 'x')"), "text 'abc'");
  EXPECT_EQ(Eval("replace('abc', 'z', 'x')"), "text 'abc'");
  EXPECT_EQ(Eval("replace('Grüße', 'ü', 'ue')"), "text 'Grueße'");
  EXPECT_EQ(Eval("replace('abc', 'b', '')"), "text 'ac'");
  EXPECT_EQ(Eval("replace('abc', null, 'x')"), "null");
}

TEST_F(ExprTest, SplitPart) {
  EXPECT_EQ(Eval("split_part('a,b,c', ',', 1)"), "text 'a'");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', 2)"), "text 'b'");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', 3)"), "text 'c'");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', 4)"), "text ''");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', -1)"), "text 'c'");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', -3)"), "text 'a'");
  EXPECT_EQ(Eval("split_part('a,b,c', ',', -4)"), "text ''");
  EXPECT_EQ(Eval("split_part('a,,b', ',', 2)"), "text ''");
  EXPECT_EQ(Eval("split_part('a::b', '::', 2)"), "text 'b'");
  EXPECT_EQ(Eval("split_part('äö€ü', '€', 2)"), "text 'ü'");
  EXPECT_EQ(Eval("split_part('abc', '', 1)"), "text 'abc'");
  EXPECT_EQ(Eval("split_part('abc', '', 2)"), "text ''");
  EXPECT_EQ(Eval("split_part('a,b', ',', 0)"),
            "error: split_part('a,b', ',', 0): field position must not be 0");
  EXPECT_EQ(Eval("split_part('a,b', ',', null)"), "null");
}

TEST_F(ExprTest, LengthCountsCharacters) {
  EXPECT_EQ(Eval("length('hello')"), "int 5");
  EXPECT_EQ(Eval("length('Grüße')"), "int 5");
  EXPECT_EQ(Eval("length('日本語')"), "int 3");
  EXPECT_EQ(Eval("length('😀')"), "int 1");
  EXPECT_EQ(Eval("length('')"), "int 0");
  EXPECT_EQ(Eval("length(name)"), "int 16");
  EXPECT_EQ(Eval("length(null)"), "null");
}

TEST_F(ExprTest, StartsEndsContains) {
  EXPECT_EQ(Eval("starts_with(last, 'Love')"), "bool true");
  EXPECT_EQ(Eval("starts_with(last, 'love')"), "bool false");
  EXPECT_EQ(Eval("ends_with(last, 'lace')"), "bool true");
  EXPECT_EQ(Eval("ends_with('a', 'abc')"), "bool false");
  EXPECT_EQ(Eval("contains(name, 'üß')"), "bool true");
  EXPECT_EQ(Eval("contains(name, 'x')"), "bool false");
  EXPECT_EQ(Eval("contains(name, null)"), "null");
}

TEST_F(ExprTest, CoalesceAndIf) {
  EXPECT_EQ(Eval("coalesce(null, before.id, id)"), "int 42");
  EXPECT_EQ(Eval("coalesce(null, null)"), "null");
  EXPECT_EQ(Eval("coalesce(before.id, 1.5)"), "decimal 1.5");
  EXPECT_EQ(Eval("coalesce(id, 1.5)"), "decimal 42");  // the common type
  EXPECT_EQ(Eval("coalesce(id, 1 / 0)"), "int 42");     // later arguments are not read
  EXPECT_EQ(Eval("if(active, 'yes', 'no')"), "text 'yes'");
  EXPECT_EQ(Eval("if(id > 100, 'yes', 'no')"), "text 'no'");
  EXPECT_EQ(Eval("if(null, 1, 2)"), "int 2");
  EXPECT_EQ(Eval("if(true, 1, 2.5e0)"), "double 1");
  EXPECT_EQ(Eval("if(doc, 1, 2)"), "error: if: the condition must be a bool, got text '{\"a\": 1}'");
}

TEST_F(ExprTest, Lookup) {
  EXPECT_EQ(Eval("lookup('status_names', status)"), "text 'closed'");  // the int as text
  EXPECT_EQ(Eval("lookup('status_names', '1')"), "text 'active'");
  EXPECT_EQ(Eval("lookup('countries', country)"), "text 'Germany'");
  EXPECT_EQ(Eval("lookup('status_names', 3)"), "null");
  EXPECT_EQ(Eval("lookup('status_names', 3, 'unknown')"), "text 'unknown'");
  EXPECT_EQ(Eval("lookup('status_names', null, 'none')"), "text 'none'");
  EXPECT_EQ(Eval("lookup('status_names', before.status)"), "null");
  EXPECT_EQ(Eval("lookup('status_names', 3, doc)"), "text '{\"a\": 1}'");
}

TEST_F(ExprTest, CastToNumbers) {
  EXPECT_EQ(Eval("cast('12x' as int)"), "error: cast('12x' as int): not an integer");
  EXPECT_EQ(Eval("cast(' 12 ' as int)"), "int 12");
  EXPECT_EQ(Eval("cast('-5' as int)"), "int -5");
  EXPECT_EQ(Eval("cast('' as int)"), "error: cast('' as int): not an integer");
  EXPECT_EQ(Eval("cast('1.5' as int)"), "error: cast('1.5' as int): not an integer");
  EXPECT_EQ(Eval("cast('99999999999999999999' as int)"),
            "error: cast('99999999999999999999' as int): out of range");
  EXPECT_EQ(Eval("cast(2.5 as int)"), "int 3");  // half away from zero
  EXPECT_EQ(Eval("cast(-2.5 as int)"), "int -3");
  EXPECT_EQ(Eval("cast(2.5e0 as int)"), "int 3");
  EXPECT_EQ(Eval("cast(1e19 as int)"), "error: cast(1e+19 as int): out of range");
  EXPECT_EQ(Eval("cast(big as int)"), "error: cast(18446744073709551615 as int): out of range");
  EXPECT_EQ(Eval("cast(active as int)"), "int 1");
  EXPECT_EQ(Eval("cast('1.5' as double)"), "double 1.5");
  EXPECT_EQ(Eval("cast('abc' as double)"), "error: cast('abc' as double): not a number");
  EXPECT_EQ(Eval("cast('1e999' as double)"), "error: cast('1e999' as double): out of range");
  EXPECT_EQ(Eval("cast(id as double)"), "double 42");
  EXPECT_EQ(Eval("cast(price as double)"), "double 19.99");
  EXPECT_EQ(Eval("cast('1e3' as decimal)"), "decimal 1000");
  EXPECT_EQ(Eval("cast(' 2.50 ' as decimal)"), "decimal 2.50");
  EXPECT_EQ(Eval("cast(id as decimal)"), "decimal 42");
  EXPECT_EQ(Eval("cast(0.1e0 as decimal)"), "decimal 0.1");
  EXPECT_EQ(Eval("cast(score as decimal)"), "decimal 2.5");
  EXPECT_EQ(Eval("cast('x' as decimal)"), "error: cast('x' as decimal): not a number");
  EXPECT_EQ(Eval("cast(null as int)"), "null");
}

TEST_F(ExprTest, CastToTextAndBool) {
  EXPECT_EQ(Eval("cast(id as text)"), "text '42'");
  EXPECT_EQ(Eval("cast(score as text)"), "text '2.5'");
  EXPECT_EQ(Eval("cast(price as text)"), "text '19.99'");
  EXPECT_EQ(Eval("cast(born as text)"), "text '1990-07-15'");
  EXPECT_EQ(Eval("cast(updated as text)"), "text '2024-03-01T12:34:56.789012Z'");
  EXPECT_EQ(Eval("cast(active as text)"), "text 'true'");
  EXPECT_EQ(Eval("cast(blob as text)"), "text '\\x01ab'");
  EXPECT_EQ(Eval("cast(cast('NaN' as double) as text)"), "text 'NaN'");
  EXPECT_EQ(Eval("cast('yes' as bool)"), "bool true");
  EXPECT_EQ(Eval("cast('F' as bool)"), "bool false");
  EXPECT_EQ(Eval("cast(0 as bool)"), "bool false");
  EXPECT_EQ(Eval("cast('maybe' as bool)"), "error: cast('maybe' as bool): not a bool");
}

TEST_F(ExprTest, CastToDatesAndTimestamps) {
  EXPECT_EQ(Eval("cast('2024-02-29' as date)"), "date 2024-02-29");
  EXPECT_EQ(Eval("cast('2023-02-29' as date)"), "error: cast('2023-02-29' as date): not a date");
  EXPECT_EQ(Eval("cast(updated as date)"), "date 2024-03-01");
  EXPECT_EQ(Eval("cast('2024-03-01 23:30:00-02:00' as date)"), "date 2024-03-02");  // UTC day
  EXPECT_EQ(Eval("cast(born as timestamp)"), "timestamp 1990-07-15T00:00:00.000000");
  EXPECT_EQ(Eval("cast('2024-03-01 12:00' as timestamp)"), "timestamp 2024-03-01T12:00:00.000000");
  EXPECT_EQ(Eval("cast('x' as timestamp)"), "error: cast('x' as timestamp): not a timestamp");
}

TEST_F(ExprTest, IsoTextAndEpochs) {
  EXPECT_EQ(Eval("to_iso_utc(updated)"), "text '2024-03-01T12:34:56.789012Z'");
  EXPECT_EQ(Eval("to_iso_utc(cast('2024-03-01 12:00:00' as timestamp))"),
            "text '2024-03-01T12:00:00.000000Z'");  // no zone: taken as UTC
  EXPECT_EQ(Eval("to_iso_utc(from_epoch_ms(-1))"), "text '1969-12-31T23:59:59.999000Z'");
  EXPECT_EQ(Eval("to_iso_utc(parse_timestamp('0001-01-01 00:00:00Z'))"),
            "text '0001-01-01T00:00:00.000000Z'");
  EXPECT_EQ(Eval("to_iso_utc(null)"), "null");
  EXPECT_EQ(Eval("epoch_ms(updated)"), "int 1709296496789");
  EXPECT_EQ(Eval("epoch_us(updated)"), "int 1709296496789012");
  EXPECT_EQ(Eval("epoch_ms(parse_timestamp('1969-12-31T23:59:59.9995Z'))"), "int -1");
  EXPECT_EQ(Eval("from_epoch_ms(1709296496789)"), "timestamp 2024-03-01T12:34:56.789000Z");
  EXPECT_EQ(Eval("from_epoch_ms(9223372036854775807)"),
            "error: from_epoch_ms(9223372036854775807): out of range");
  EXPECT_EQ(Eval("epoch_ms(doc)"), "error: epoch_ms: argument 1 must be a timestamp, got text "
                                   "'{\"a\": 1}'");
}

TEST_F(ExprTest, Time24h) {
  EXPECT_EQ(Eval("time_24h('07:05 PM')"), "text '19:05'");
  EXPECT_EQ(Eval("time_24h('7:05:09 pm')"), "text '19:05:09'");
  EXPECT_EQ(Eval("time_24h('12:00 AM')"), "text '00:00'");
  EXPECT_EQ(Eval("time_24h('12:30 pm')"), "text '12:30'");
  EXPECT_EQ(Eval("time_24h('1:02am')"), "text '01:02'");
  EXPECT_EQ(Eval("time_24h(' 11:59:59 P.M. ')"), "text '23:59:59'");
  EXPECT_EQ(Eval("time_24h('13:00 PM')"), "error: time_24h('13:00 PM'): not a 12-hour time");
  EXPECT_EQ(Eval("time_24h('0:30 AM')"), "error: time_24h('0:30 AM'): not a 12-hour time");
  EXPECT_EQ(Eval("time_24h('7:5 PM')"), "error: time_24h('7:5 PM'): not a 12-hour time");
  EXPECT_EQ(Eval("time_24h('19:05')"), "error: time_24h('19:05'): not a 12-hour time");
  EXPECT_EQ(Eval("time_24h('7:05 PMx')"), "error: time_24h('7:05 PMx'): not a 12-hour time");
  EXPECT_EQ(Eval("time_24h(null)"), "null");
}

TEST_F(ExprTest, ParseTimestamp) {
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01 12:34:56')"),
            "timestamp 2024-03-01T12:34:56.000000");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01T12:34:56.5Z')"),
            "timestamp 2024-03-01T12:34:56.500000Z");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01T12:34:56+02:00')"),
            "timestamp 2024-03-01T10:34:56.000000Z");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01 00:30:00-0130')"),
            "timestamp 2024-03-01T02:00:00.000000Z");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01 12:34:56.1234567')"),
            "timestamp 2024-03-01T12:34:56.123457");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01')"), "timestamp 2024-03-01T00:00:00.000000");
  EXPECT_EQ(Eval("parse_timestamp('1969-07-20 20:17')"), "timestamp 1969-07-20T20:17:00.000000");
  EXPECT_EQ(Eval("parse_timestamp('2024-13-01')"),
            "error: parse_timestamp('2024-13-01'): not an ISO 8601 timestamp");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01 24:00:00')"),
            "error: parse_timestamp('2024-03-01 24:00:00'): not an ISO 8601 timestamp");
  EXPECT_EQ(Eval("parse_timestamp('2024-03-01 12:00:00 UTC')"),
            "error: parse_timestamp('2024-03-01 12:00:00 UTC'): not an ISO 8601 timestamp");
}

TEST_F(ExprTest, DateOfATimestamp) {
  EXPECT_EQ(Eval("date(updated)"), "date 2024-03-01");
  EXPECT_EQ(Eval("date(parse_timestamp('2024-03-01T23:30:00-02:00'))"), "date 2024-03-02");
  EXPECT_EQ(Eval("date(from_epoch_ms(-1))"), "date 1969-12-31");
  EXPECT_EQ(Eval("date(null)"), "null");
}

TEST_F(ExprTest, NumericFunctions) {
  EXPECT_EQ(Eval("abs(-5)"), "int 5");
  EXPECT_EQ(Eval("abs(-2.5)"), "decimal 2.5");
  EXPECT_EQ(Eval("abs(2.5)"), "decimal 2.5");
  EXPECT_EQ(Eval("abs(-2.5e0)"), "double 2.5");
  EXPECT_EQ(Eval("abs(-9223372036854775808)"),
            "error: abs(-9223372036854775808): integer overflow");
  EXPECT_EQ(Eval("abs(null)"), "null");
  EXPECT_EQ(Eval("round(2.5)"), "decimal 3");
  EXPECT_EQ(Eval("round(-2.5)"), "decimal -3");
  EXPECT_EQ(Eval("round(price, 1)"), "decimal 20.0");
  EXPECT_EQ(Eval("round(19.94, 1)"), "decimal 19.9");
  EXPECT_EQ(Eval("round(price, -1)"), "decimal 20");
  EXPECT_EQ(Eval("round(1234, -2)"), "int 1200");
  EXPECT_EQ(Eval("round(1250, -2)"), "int 1300");
  EXPECT_EQ(Eval("round(id)"), "int 42");
  EXPECT_EQ(Eval("round(2.5e0)"), "double 3");
  EXPECT_EQ(Eval("round(1.125e0, 2)"), "double 1.13");
  EXPECT_EQ(Eval("round(9223372036854775807, -1)"),
            "error: round(9223372036854775807, -1): integer overflow");
  EXPECT_EQ(Eval("round(price, null)"), "null");
  EXPECT_EQ(Eval("floor(2.7)"), "decimal 2");
  EXPECT_EQ(Eval("floor(-2.1)"), "decimal -3");
  EXPECT_EQ(Eval("floor(-2.5e0)"), "double -3");
  EXPECT_EQ(Eval("floor(5)"), "int 5");
  EXPECT_EQ(Eval("ceil(2.1)"), "decimal 3");
  EXPECT_EQ(Eval("ceil(-2.7)"), "decimal -2");
  EXPECT_EQ(Eval("ceil(2.1e0)"), "double 3");
  EXPECT_EQ(Eval("ceil(cast('NaN' as decimal))"), "decimal NaN");
}

}  // namespace
}  // namespace cdc::agent::transform
