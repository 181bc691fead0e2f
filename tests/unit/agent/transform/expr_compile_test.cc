// Compile-time behaviour: every error message with its column, and the
// static types of expressions.
#include <string>

#include "expr_test_util.h"

namespace cdc::agent::transform {
namespace {

constexpr const char* kAllColumns =
    "(the table has: id, country, name, price, score, active, born, updated, doc, Order Id, "
    "first, last, status, blob, big, note)";

TEST_F(ExprTest, TheMessagesOfTheBrief) {
  ExprScope small;
  small.columns = {{"id", ExprType::kInt}, {"country", ExprType::kText}, {"name", ExprType::kText}};
  auto r = Compile("id >= 5 && after.contry == 'DE'", small);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(r.status().message(),
            "column 12: unknown column 'after.contry' (the table has: id, country, name)");
  EXPECT_EQ(CompileError("1 + uper(name)"), "column 5: unknown function 'uper'");
  EXPECT_EQ(CompileError("id == 1 || country + 1 == 2"),
            "column 20: '+' needs numbers, got text and int");
  EXPECT_EQ(CompileError("concat(1'a')"), "column 9: expected ')' after the arguments of concat");
  EXPECT_EQ(CompileError("substr(name)"), "column 1: substr takes 2 or 3 arguments, got 1");
}

TEST_F(ExprTest, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(CompileError("'ü' + 1"), "column 5: '+' needs numbers, got text and int");
  EXPECT_EQ(CompileError("'日本語' == 'x' && 1"), "column 14: '&&' needs bools, got bool and int");
}

TEST_F(ExprTest, UnknownNames) {
  EXPECT_EQ(CompileError("contry == 'DE'"),
            std::string("column 1: unknown column 'contry' ") + kAllColumns);
  EXPECT_EQ(CompileError("before.\"Order ID\" is null"),
            std::string("column 1: unknown column 'before.Order ID' ") + kAllColumns);
  EXPECT_EQ(CompileError("after.Id"), std::string("column 1: unknown column 'after.Id' ") +
                                          kAllColumns);  // column names are case-sensitive
  EXPECT_EQ(CompileError("source.tables"),
            "column 8: unknown source field 'source.tables' (use source.table, source.schema, "
            "source.database or source.commit_time)");
  EXPECT_EQ(CompileError("after.1"), "column 7: expected a column name after 'after.', got '1'");
  EXPECT_EQ(CompileError("before."),
            "column 8: expected a column name after 'before.', got the end of the text");

  ExprScope none;
  EXPECT_EQ(Compile("x", none).status().message(),
            "column 1: unknown column 'x' (the table has: no columns)");
  ExprScope wide;
  for (int i = 0; i < 23; ++i) wide.columns.push_back({"c" + std::to_string(i), ExprType::kInt});
  EXPECT_EQ(Compile("y", wide).status().message(),
            "column 1: unknown column 'y' (the table has: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, "
            "c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, and 3 more)");
}

TEST_F(ExprTest, LexicalErrors) {
  EXPECT_EQ(CompileError("name == 'abc"), "column 9: unterminated text literal");
  EXPECT_EQ(CompileError("after.\"Order Id"), "column 7: unterminated quoted name");
  EXPECT_EQ(CompileError("after.\"\" == 1"), "column 7: a quoted name must not be empty");
  EXPECT_EQ(CompileError("id = 1"), "column 4: '=' is not an operator; use '==' to compare");
  EXPECT_EQ(CompileError("id # 1"), "column 4: unexpected character '#'");
  EXPECT_EQ(CompileError("id > 1e+"), "column 7: expected digits after the exponent 'e'");
  EXPECT_EQ(CompileError("id > 12ab"), "column 6: a number must not run into a name: '12a'");
  EXPECT_EQ(CompileError("id > 1e999"), "column 6: number 1e999 is out of range");
}

TEST_F(ExprTest, SyntaxErrors) {
  EXPECT_EQ(CompileError(""), "column 1: expected a value, got the end of the text");
  EXPECT_EQ(CompileError("id >"), "column 5: expected a value, got the end of the text");
  EXPECT_EQ(CompileError("id > )"), "column 6: expected a value, got ')'");
  EXPECT_EQ(CompileError("id id"), "column 4: unexpected 'id' after the end of the expression");
  EXPECT_EQ(CompileError("(id > 1"), "column 8: expected ')' to close the '(' at column 1");
  EXPECT_EQ(CompileError("name is 1"), "column 9: expected 'null' after 'is'");
  EXPECT_EQ(CompileError("name is not nul"), "column 13: expected 'null' after 'is not'");
  EXPECT_EQ(CompileError("id in 1, 2"), "column 7: expected '(' after 'in'");
  EXPECT_EQ(CompileError("id in (1, 2"), "column 12: expected ')' after the list of 'in'");
  EXPECT_EQ(CompileError("upper(name"), "column 11: expected ')' after the arguments of upper");
  EXPECT_EQ(CompileError("case when id > 1 'a' end"),
            "column 18: expected 'then' after the condition of when");
  EXPECT_EQ(CompileError("case when id > 1 then 'a' else 'b'"),
            "column 35: expected 'end' to close the case at column 1");
  EXPECT_EQ(CompileError("case id end"), "column 9: expected 'when' in case");
  EXPECT_EQ(CompileError("cast(id int)"), "column 9: expected 'as' in cast");
  EXPECT_EQ(CompileError("cast(id as int"), "column 15: expected ')' after the type of cast");
  EXPECT_EQ(CompileError("cast(id as money)"),
            "column 12: unknown type 'money' in cast (use int, double, decimal, text, bool, date "
            "or timestamp)");
}

TEST_F(ExprTest, DeepNestingIsAnError) {
  EXPECT_EQ(CompileError(std::string(99, '(') + "1" + std::string(99, ')')), "compiled");
  EXPECT_EQ(CompileError(std::string(300, '(') + "1" + std::string(300, ')')),
            "column 101: the expression nests deeper than 200 levels");
  EXPECT_EQ(CompileError(std::string(300, '!') + "true"),
            "column 200: the expression nests deeper than 200 levels");
}

TEST_F(ExprTest, OperatorTypeErrors) {
  EXPECT_EQ(CompileError("name * 2"), "column 6: '*' needs numbers, got text and int");
  EXPECT_EQ(CompileError("born - 1"), "column 6: '-' needs numbers, got date and int");
  EXPECT_EQ(CompileError("country == 1"), "column 9: '==' cannot compare text with int");
  EXPECT_EQ(CompileError("born < updated"), "column 6: '<' cannot compare date with timestamp");
  EXPECT_EQ(CompileError("active != 1"), "column 8: '!=' cannot compare bool with int");
  EXPECT_EQ(CompileError("blob >= 'x'"), "column 6: '>=' cannot compare bytes with text");
  EXPECT_EQ(CompileError("id || active"), "column 4: '||' needs bools, got int and bool");
  EXPECT_EQ(CompileError("active && name"), "column 8: '&&' needs bools, got bool and text");
  EXPECT_EQ(CompileError("!id"), "column 1: '!' needs a bool, got int");
  EXPECT_EQ(CompileError("-name"), "column 1: '-' needs a number, got text");
  EXPECT_EQ(CompileError("id in (1, 'a')"), "column 11: 'in' cannot compare int with text");
  EXPECT_EQ(CompileError("case country when 1 then 'x' end"),
            "column 19: case cannot compare text with int");
  EXPECT_EQ(CompileError("case when id then 'x' end"), "column 11: when needs a bool, got int");
  EXPECT_EQ(CompileError("case when active then 'x' else 1 end"),
            "column 32: case gives text in one branch and int in another");
  EXPECT_EQ(CompileError("cast(born as int)"), "column 1: cannot cast date to int");
  EXPECT_EQ(CompileError("cast(active as date)"), "column 1: cannot cast bool to date");
}

TEST_F(ExprTest, FunctionErrors) {
  EXPECT_EQ(CompileError("concat()"), "column 1: concat takes at least 1 argument, got 0");
  EXPECT_EQ(CompileError("upper(name, 1)"), "column 1: upper takes 1 argument, got 2");
  EXPECT_EQ(CompileError("replace(name, 'a')"), "column 1: replace takes 3 arguments, got 2");
  EXPECT_EQ(CompileError("x + LOOKUP('m')"), "column 1: unknown column 'x' " +
                                                 std::string(kAllColumns));
  EXPECT_EQ(CompileError("LOOKUP('m')"), "column 1: lookup takes 2 or 3 arguments, got 1");
  EXPECT_EQ(CompileError("substr(name, '1')"),
            "column 14: argument 2 of substr must be an int, got text");
  EXPECT_EQ(CompileError("upper(id)"), "column 7: argument 1 of upper must be text, got int");
  EXPECT_EQ(CompileError("abs(name)"), "column 5: argument 1 of abs must be a number, got text");
  EXPECT_EQ(CompileError("epoch_ms(born)"),
            "column 10: argument 1 of epoch_ms must be a timestamp, got date");
  EXPECT_EQ(CompileError("if(id, 1, 2)"), "column 4: argument 1 of if must be a bool, got int");
  EXPECT_EQ(CompileError("coalesce(id, name)"), "column 14: coalesce mixes int and text");
  EXPECT_EQ(CompileError("if(active, born, 'x')"), "column 18: if mixes date and text");
  EXPECT_EQ(CompileError("lookup(country, id)"),
            "column 8: the first argument of lookup must be a map name in quotes");
  EXPECT_EQ(CompileError("lookup('status', status)"),
            "column 8: unknown map 'status' (the maps are: countries, status_names)");
  EXPECT_EQ(Compile("lookup('m', 1)", ExprScope{}).status().message(),
            "column 8: unknown map 'm' (the maps are: none)");
}

TEST_F(ExprTest, StaticTypes) {
  EXPECT_EQ(TypeOf("1"), "int");
  EXPECT_EQ(TypeOf("1.5"), "decimal");
  EXPECT_EQ(TypeOf("1.5e0"), "double");
  EXPECT_EQ(TypeOf("99999999999999999999"), "decimal");
  EXPECT_EQ(TypeOf("null"), "null");
  EXPECT_EQ(TypeOf("id + 1"), "int");
  EXPECT_EQ(TypeOf("id + price"), "decimal");
  EXPECT_EQ(TypeOf("price * score"), "double");
  EXPECT_EQ(TypeOf("id + doc"), "any");
  EXPECT_EQ(TypeOf("id + null"), "int");
  EXPECT_EQ(TypeOf("id > 1"), "bool");
  EXPECT_EQ(TypeOf("doc"), "any");
  EXPECT_EQ(TypeOf("op"), "text");
  EXPECT_EQ(TypeOf("source.commit_time"), "timestamp");
  EXPECT_EQ(TypeOf("coalesce(null, id, price)"), "decimal");
  EXPECT_EQ(TypeOf("coalesce(doc, 'x')"), "any");
  EXPECT_EQ(TypeOf("case when active then 1 else 2.5 end"), "decimal");
  EXPECT_EQ(TypeOf("case when active then 1 end"), "int");
  EXPECT_EQ(TypeOf("if(active, 1, 2.5e0)"), "double");
  EXPECT_EQ(TypeOf("round(price, 1)"), "decimal");
  EXPECT_EQ(TypeOf("abs(score)"), "double");
  EXPECT_EQ(TypeOf("date(updated)"), "date");
  EXPECT_EQ(TypeOf("cast(name as timestamp)"), "timestamp");
  EXPECT_EQ(TypeOf("lookup('status_names', status)"), "text");
  EXPECT_EQ(TypeOf("length(name)"), "int");
}

TEST_F(ExprTest, KeywordsAndFunctionNamesIgnoreCase) {
  EXPECT_EQ(Eval("UPPER(country) == 'DE' AND_NOT_A_KEYWORD"),
            std::string("compile error: column 24: unexpected 'AND_NOT_A_KEYWORD' after the end "
                        "of the expression"));
  EXPECT_EQ(Eval("Upper(country) IS NOT NULL && TRUE"), "bool true");
  EXPECT_EQ(Eval("CASE WHEN After.id > 1 THEN 'big' ELSE 'small' END"), "text 'big'");
  EXPECT_EQ(Eval("CAST(id AS TEXT)"), "text '42'");
  EXPECT_EQ(Eval("OP"), "text 'insert'");
}

TEST_F(ExprTest, TheCompiledExpressionKeepsItsText) {
  auto r = Compile("id > 1", scope_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->text(), "id > 1");
  EXPECT_EQ((*r)->type(), ExprType::kBool);
}

}  // namespace
}  // namespace cdc::agent::transform
