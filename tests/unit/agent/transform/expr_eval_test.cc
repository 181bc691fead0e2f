// Evaluation: names, literals, operators, NULL and TOAST values.
#include <string>

#include "expr_test_util.h"

namespace cdc::agent::transform {
namespace {

TEST_F(ExprTest, Literals) {
  EXPECT_EQ(Eval("42"), "int 42");
  EXPECT_EQ(Eval("-9223372036854775808"), "int -9223372036854775808");
  EXPECT_EQ(Eval("9223372036854775808"), "decimal 9223372036854775808");
  EXPECT_EQ(Eval("1.50"), "decimal 1.50");
  EXPECT_EQ(Eval("-0.5"), "decimal -0.5");
  EXPECT_EQ(Eval("1.5e3"), "double 1500");
  EXPECT_EQ(Eval("'it''s'"), "text 'it''s'");
  EXPECT_EQ(Eval("''"), "text ''");
  EXPECT_EQ(Eval("true"), "bool true");
  EXPECT_EQ(Eval("false"), "bool false");
  EXPECT_EQ(Eval("null"), "null");
}

TEST_F(ExprTest, Names) {
  EXPECT_EQ(Eval("after.id"), "int 42");
  EXPECT_EQ(Eval("id"), "int 42");
  EXPECT_EQ(Eval("after.\"Order Id\""), "text 'A-17'");
  EXPECT_EQ(Eval("\"Order Id\""), "text 'A-17'");
  EXPECT_EQ(Eval("before.id"), "null");  // an insert has no before image
  EXPECT_EQ(Eval("op"), "text 'insert'");
  EXPECT_EQ(Eval("source.table"), "text 'customers'");
  EXPECT_EQ(Eval("source.schema"), "text 'public'");
  EXPECT_EQ(Eval("source.database"), "text 'shop'");
  EXPECT_EQ(Eval("source.commit_time"), "timestamp 2024-03-01T12:34:56.000000Z");
  EXPECT_EQ(Eval("price"), "decimal 19.99");
  EXPECT_EQ(Eval("score"), "double 2.5");
  EXPECT_EQ(Eval("active"), "bool true");
  EXPECT_EQ(Eval("born"), "date 1990-07-15");
  EXPECT_EQ(Eval("updated"), "timestamp 2024-03-01T12:34:56.789012Z");
  EXPECT_EQ(Eval("blob"), "bytes \\x01ab");
  EXPECT_EQ(Eval("big"), "decimal 18446744073709551615");  // uint64 above INT64_MAX
}

TEST_F(ExprTest, TheBareNameIsTheBeforeImageOfADelete) {
  FakeRow row;
  row.op_ = cdc::v1::OP_DELETE;
  row.SetBefore(kId, IntV(7));
  EXPECT_EQ(EvalOn("id", row), "int 7");
  EXPECT_EQ(EvalOn("after.id", row), "null");
  EXPECT_EQ(EvalOn("before.id", row), "int 7");
  EXPECT_EQ(EvalOn("op", row), "text 'delete'");
  row.op_ = cdc::v1::OP_UPDATE;
  row.SetAfter(kId, IntV(8));
  EXPECT_EQ(EvalOn("id", row), "int 8");
  EXPECT_EQ(EvalOn("before.id < after.id", row), "bool true");
  EXPECT_EQ(EvalOn("op", row), "text 'update'");
  row.op_ = cdc::v1::OP_READ;
  EXPECT_EQ(EvalOn("op", row), "text 'read'");
  row.op_ = cdc::v1::OP_TRUNCATE;
  EXPECT_EQ(EvalOn("op", row), "text 'truncate'");
  row.op_ = cdc::v1::OP_UNSPECIFIED;
  EXPECT_EQ(EvalOn("op is null", row), "bool true");
}

TEST_F(ExprTest, TheFilterOfTheBrief) {
  auto e = Compile("after.country == 'DE' && op != 'delete'", scope_);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(*evaluator_.EvaluatePredicate(**e, row_), true);
  row_.SetAfter(kCountry, TextV("FR"));
  EXPECT_EQ(*evaluator_.EvaluatePredicate(**e, row_), false);
  row_.SetAfter(kCountry, NullV());
  EXPECT_EQ(*evaluator_.EvaluatePredicate(**e, row_), false);  // NULL counts as false
}

TEST_F(ExprTest, UnchangedToastValuesReadAsNullAndAreCounted) {
  auto e = Compile("coalesce(note, 'n/a')", scope_);
  ASSERT_TRUE(e.ok());
  auto v = evaluator_.Evaluate(**e, row_);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->DebugString(), "text 'n/a'");
  EXPECT_EQ(evaluator_.unchanged_reads(), 1u);
  auto plain = Compile("id + 1", scope_);
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(evaluator_.Evaluate(**plain, row_).ok());
  EXPECT_EQ(evaluator_.unchanged_reads(), 0u);  // per call
  EXPECT_EQ(evaluator_.total_unchanged_reads(), 1u);
  EXPECT_EQ(Eval("note is null"), "bool true");
  EXPECT_EQ(Eval("note == 'x'"), "null");
}

TEST_F(ExprTest, Arithmetic) {
  EXPECT_EQ(Eval("1 + 2 * 3"), "int 7");
  EXPECT_EQ(Eval("(1 + 2) * 3"), "int 9");
  EXPECT_EQ(Eval("10 - 4 - 3"), "int 3");
  EXPECT_EQ(Eval("7 / 2"), "int 3");
  EXPECT_EQ(Eval("-7 / 2"), "int -3");
  EXPECT_EQ(Eval("7 % 3"), "int 1");
  EXPECT_EQ(Eval("-7 % 3"), "int -1");
  EXPECT_EQ(Eval("-id"), "int -42");
  EXPECT_EQ(Eval("- -id"), "int 42");
  EXPECT_EQ(Eval("id * 2.5"), "decimal 105.0");
  EXPECT_EQ(Eval("price + 0.01"), "decimal 20.00");
  EXPECT_EQ(Eval("price - 20"), "decimal -0.01");
  EXPECT_EQ(Eval("price * 3"), "decimal 59.97");
  EXPECT_EQ(Eval("1.0 / 3"), "decimal 0.3333333");
  EXPECT_EQ(Eval("10 / 4.0"), "decimal 2.500000");
  EXPECT_EQ(Eval("7.5 % 2"), "decimal 1.5");
  EXPECT_EQ(Eval("-price"), "decimal -19.99");
  EXPECT_EQ(Eval("-(-price)"), "decimal 19.99");
  EXPECT_EQ(Eval("score * 2"), "double 5");
  EXPECT_EQ(Eval("score + 0.25"), "double 2.75");
  EXPECT_EQ(Eval("7 % 2.5e0"), "double 2");
  EXPECT_EQ(Eval("-score"), "double -2.5");
  EXPECT_EQ(Eval("0.1 + 0.2 == 0.3"), "bool true");  // exact decimals
  EXPECT_EQ(Eval("big + 1"), "decimal 18446744073709551616");
}

TEST_F(ExprTest, DecimalArithmeticKeepsTheScale) {
  EXPECT_EQ(Eval("1.50 + 1"), "decimal 2.50");
  EXPECT_EQ(Eval("cast('0.000' as decimal) + 1"), "decimal 1.000");
  EXPECT_EQ(Eval("0.1 * 0.2"), "decimal 0.02");
  EXPECT_EQ(Eval("cast('1.5e-2' as decimal)"), "decimal 0.015");
  EXPECT_EQ(Eval("cast('12e2' as decimal) - 0.5"), "decimal 1199.5");
  EXPECT_EQ(Eval("0.00000000000000000000000000000000000001 * 10"),
            "decimal 0.00000000000000000000000000000000000010");
  EXPECT_EQ(Eval("0.00000000000000000000000000000000000001 * 0.1"),
            "decimal 0.00000000000000000000000000000000000000");  // 38 digits at most
  EXPECT_EQ(Eval("-7.5 % 2"), "decimal -1.5");
  EXPECT_EQ(Eval("2 / 3.000"), "decimal 0.666667");
}

TEST_F(ExprTest, ArithmeticWithNullIsNull) {
  EXPECT_EQ(Eval("id + null"), "null");
  EXPECT_EQ(Eval("null * 2"), "null");
  EXPECT_EQ(Eval("-null"), "null");
  EXPECT_EQ(Eval("id / before.id"), "null");
  EXPECT_EQ(Eval("1 / null"), "null");  // NULL before the division by zero check
}

TEST_F(ExprTest, OverflowAndDivisionByZeroAreErrors) {
  EXPECT_EQ(Eval("9223372036854775807 + 1"),
            "error: integer overflow: 9223372036854775807 + 1");
  EXPECT_EQ(Eval("-9223372036854775808 - 1"),
            "error: integer overflow: -9223372036854775808 - 1");
  EXPECT_EQ(Eval("4611686018427387904 * 2"),
            "error: integer overflow: 4611686018427387904 * 2");
  EXPECT_EQ(Eval("-9223372036854775808 / -1"),
            "error: integer overflow: -9223372036854775808 / -1");
  EXPECT_EQ(Eval("-9223372036854775808 % -1"), "int 0");
  EXPECT_EQ(Eval("-(-9223372036854775808)"), "error: integer overflow: -(-9223372036854775808)");
  EXPECT_EQ(Eval("id / 0"), "error: division by zero: 42 / 0");
  EXPECT_EQ(Eval("id % 0"), "error: division by zero: 42 % 0");
  EXPECT_EQ(Eval("price / 0.00"), "error: division by zero: 19.99 / 0.00");
  EXPECT_EQ(Eval("score / 0"), "error: division by zero: 2.5 / 0");
  EXPECT_EQ(Eval("1e308 * 10"), "error: double out of range: 1e+308 * 10");
  EXPECT_EQ(Eval("99999999999999999999999999999999999999 + 1"),
            "error: decimal out of range: 99999999999999999999999999999999999999 + 1");
  EXPECT_EQ(Eval("cast('NaN' as decimal) + 1"),
            "error: decimal arithmetic needs finite numbers of at most 38 digits: NaN + 1");
}

TEST_F(ExprTest, Comparisons) {
  EXPECT_EQ(Eval("id == 42"), "bool true");
  EXPECT_EQ(Eval("id != 42"), "bool false");
  EXPECT_EQ(Eval("id < 43"), "bool true");
  EXPECT_EQ(Eval("id <= 42"), "bool true");
  EXPECT_EQ(Eval("id > 42"), "bool false");
  EXPECT_EQ(Eval("id >= 43"), "bool false");
  EXPECT_EQ(Eval("price > 19.9"), "bool true");
  EXPECT_EQ(Eval("price == 19.990"), "bool true");
  EXPECT_EQ(Eval("price < 20"), "bool true");
  EXPECT_EQ(Eval("price > 1.5"), "bool true");
  EXPECT_EQ(Eval("score == 2.5"), "bool true");
  EXPECT_EQ(Eval("score > 2"), "bool true");
  EXPECT_EQ(Eval("9007199254740993 > 9007199254740992.0e0"), "bool true");  // above 2^53
  EXPECT_EQ(Eval("big > 9223372036854775807"), "bool true");
  EXPECT_EQ(Eval("country == 'DE'"), "bool true");
  EXPECT_EQ(Eval("country < 'FR'"), "bool true");
  EXPECT_EQ(Eval("'Z' < 'a'"), "bool true");   // byte order
  EXPECT_EQ(Eval("'z' < 'é'"), "bool true");   // code point order
  EXPECT_EQ(Eval("active == true"), "bool true");
  EXPECT_EQ(Eval("false < true"), "bool true");
  EXPECT_EQ(Eval("born < cast('2000-01-01' as date)"), "bool true");
  EXPECT_EQ(Eval("updated > source.commit_time"), "bool true");
  EXPECT_EQ(Eval("updated == parse_timestamp('2024-03-01T12:34:56.789012Z')"), "bool true");
  EXPECT_EQ(Eval("cast('NaN' as double) == cast('NaN' as double)"), "bool true");
  EXPECT_EQ(Eval("cast('NaN' as double) > 1e308"), "bool true");
  EXPECT_EQ(Eval("cast('Infinity' as decimal) > 99999999999999999999999999999999999999999"),
            "bool true");
  // Exact beyond 38 digits: the comparison reads the text.
  EXPECT_EQ(Eval("cast('123456789012345678901234567890123456789012345.1' as decimal) > "
                 "123456789012345678901234567890123456789012345"),
            "bool true");
  EXPECT_EQ(Eval("-0.0 == 0"), "bool true");
}

TEST_F(ExprTest, ComparisonsWithNullAreNull) {
  EXPECT_EQ(Eval("id == null"), "null");
  EXPECT_EQ(Eval("null != null"), "null");
  EXPECT_EQ(Eval("before.country < 'x'"), "null");
}

TEST_F(ExprTest, ComparisonsWithAnyColumnsAreCheckedAtRunTime) {
  EXPECT_EQ(Eval("doc == '{\"a\": 1}'"), "bool true");
  row_.SetAfter(kDoc, IntV(5));
  EXPECT_EQ(Eval("doc > 4"), "bool true");
  EXPECT_EQ(Eval("doc + 1"), "int 6");
  EXPECT_EQ(Eval("doc == 'x'"), "error: '==' cannot compare int with text");
  EXPECT_EQ(Eval("doc && true"), "error: '&&' needs a bool, got int 5");
  row_.SetAfter(kDoc, TextV("x"));
  EXPECT_EQ(Eval("doc * 2"), "error: '*' needs numbers, got text and int");
  EXPECT_EQ(Eval("-doc"), "error: '-' needs a number, got text");
  EXPECT_EQ(Eval("!doc"), "error: '!' needs a bool, got text 'x'");
}

TEST_F(ExprTest, LogicIsThreeValued) {
  EXPECT_EQ(Eval("true && true"), "bool true");
  EXPECT_EQ(Eval("true && false"), "bool false");
  EXPECT_EQ(Eval("false && null"), "bool false");
  EXPECT_EQ(Eval("null && false"), "bool false");
  EXPECT_EQ(Eval("true && null"), "null");
  EXPECT_EQ(Eval("null && null"), "null");
  EXPECT_EQ(Eval("false || false"), "bool false");
  EXPECT_EQ(Eval("true || null"), "bool true");
  EXPECT_EQ(Eval("null || true"), "bool true");
  EXPECT_EQ(Eval("false || null"), "null");
  EXPECT_EQ(Eval("!true"), "bool false");
  EXPECT_EQ(Eval("!null"), "null");
  EXPECT_EQ(Eval("!active == false"), "bool true");  // '!' binds tighter than '=='
  EXPECT_EQ(Eval("true || false && false"), "bool true");  // '&&' binds tighter
  EXPECT_EQ(Eval("false && id / 0 == 1"), "bool false");   // the right side is not read
  EXPECT_EQ(Eval("true || id / 0 == 1"), "bool true");
}

TEST_F(ExprTest, IsNull) {
  EXPECT_EQ(Eval("before.id is null"), "bool true");
  EXPECT_EQ(Eval("id is null"), "bool false");
  EXPECT_EQ(Eval("id is not null"), "bool true");
  EXPECT_EQ(Eval("null is not null"), "bool false");
  EXPECT_EQ(Eval("id + 1 is null"), "bool false");
  row_.SetAfter(kName, NullV());
  EXPECT_EQ(Eval("name is null"), "bool true");
}

TEST_F(ExprTest, In) {
  EXPECT_EQ(Eval("country in ('DE', 'AT')"), "bool true");
  EXPECT_EQ(Eval("country in ('FR')"), "bool false");
  EXPECT_EQ(Eval("country not in ('FR', 'AT')"), "bool true");
  EXPECT_EQ(Eval("country not in ('DE')"), "bool false");
  EXPECT_EQ(Eval("id in (1, 42.0, 3)"), "bool true");
  EXPECT_EQ(Eval("before.id in (1, 2)"), "null");
  EXPECT_EQ(Eval("country in ('FR', null)"), "null");
  EXPECT_EQ(Eval("country in ('DE', null)"), "bool true");
  EXPECT_EQ(Eval("country not in ('FR', null)"), "null");
  EXPECT_EQ(Eval("op in ('insert', 'update')"), "bool true");
}

TEST_F(ExprTest, Case) {
  EXPECT_EQ(Eval("case when id > 100 then 'big' when id > 10 then 'mid' else 'small' end"),
            "text 'mid'");
  EXPECT_EQ(Eval("case when id > 100 then 'big' end"), "null");
  EXPECT_EQ(Eval("case when null then 1 else 2 end"), "int 2");
  EXPECT_EQ(Eval("case country when 'FR' then 1 when 'DE' then 2 end"), "int 2");
  EXPECT_EQ(Eval("case country when 'FR' then 1 else 0 end"), "int 0");
  EXPECT_EQ(Eval("case before.country when null then 1 else 0 end"), "int 0");
  EXPECT_EQ(Eval("case when active then 1 else 2.5 end"), "decimal 1");  // widened
  EXPECT_EQ(Eval("case when doc then 1 end"),
            "error: when needs a bool, got text '{\"a\": 1}'");
}

}  // namespace
}  // namespace cdc::agent::transform
