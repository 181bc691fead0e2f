// Internal to the expression module: the compiled tree, the state of one
// evaluation and the helpers the parser and the evaluator share.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/transform/expr.h"

namespace cdc::agent::transform::internal {

enum class NodeKind : uint8_t {
  kLiteral,
  kColumn,      // `image`, `column`
  kOp,
  kSource,      // `source_field`
  kNeg,         // args[0]
  kNot,         // args[0]
  kArith,       // `arith`, args[0..1]
  kCompare,     // `compare`, args[0..1]
  kAnd,         // args[0..1]
  kOr,          // args[0..1]
  kIsNull,      // args[0]; `negate` for is not null
  kIn,          // args[0] in args[1..]; `negate` for not in
  kCase,        // when/then pairs, then the else when `has_else`
  kCaseSimple,  // args[0] the subject, then as kCase
  kCast,        // args[0] to `type`; `implicit` when the checker added it
  kCall,        // `fn`, args
};

enum class Image : uint8_t { kBefore, kAfter, kCurrent };
enum class SourceField : uint8_t { kTable, kSchema, kDatabase, kCommitTime };
enum class ArithOp : uint8_t { kAdd, kSub, kMul, kDiv, kMod };
enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

enum class Fn : uint8_t {
  kConcat,
  kSubstr,
  kUpper,
  kLower,
  kTrim,
  kLtrim,
  kRtrim,
  kReplace,
  kSplitPart,
  kLength,
  kStartsWith,
  kEndsWith,
  kContains,
  kCoalesce,
  kIf,
  kLookup,
  kToIsoUtc,
  kEpochMs,
  kEpochUs,
  kFromEpochMs,
  kTime24h,
  kParseTimestamp,
  kDate,
  kAbs,
  kRound,
  kFloor,
  kCeil,
};

using LookupMap = std::map<std::string, std::string, std::less<>>;

// One node of a compiled expression. Built once by the parser, never moved
// afterwards (literal text views point into `owned`), read-only after.
struct Node {
  NodeKind kind = NodeKind::kLiteral;
  ExprType type = ExprType::kNull;  // static type of the result
  uint32_t pos = 1;                 // 1-based column in the text
  Image image = Image::kCurrent;
  SourceField source_field = SourceField::kTable;
  ArithOp arith = ArithOp::kAdd;
  CompareOp compare = CompareOp::kEq;
  Fn fn = Fn::kConcat;
  bool negate = false;
  bool has_else = false;
  bool implicit = false;
  size_t column = 0;
  std::string name;  // column or function name, for messages
  ExprValue literal;
  std::string owned;  // storage of a literal's text
  LookupMap map;      // kCall lookup
  std::vector<std::unique_ptr<Node>> args;
};

using NodePtr = std::unique_ptr<Node>;

std::string_view OperatorName(ArithOp op);
std::string_view OperatorName(CompareOp op);
std::string_view FunctionName(Fn fn);

// The state of one Evaluate call: the row and the Evaluator's scratch.
class EvalState {
 public:
  EvalState(Evaluator& evaluator, const RowAccess& row) : ev_(evaluator), row_(row) {}

  Status Eval(const Node& node, ExprValue* out);
  const RowAccess& row() const { return row_; }
  // An empty buffer that stays valid (and is not handed out again) until the
  // next Evaluate call.
  std::string* Scratch();
  void CountUnchanged() { ++ev_.unchanged_reads_; }

 private:
  Status EvalColumn(const Node& node, ExprValue* out);
  Status EvalLogic(const Node& node, ExprValue* out);
  Status EvalIn(const Node& node, ExprValue* out);
  Status EvalCase(const Node& node, ExprValue* out);

  Evaluator& ev_;
  const RowAccess& row_;
};

// --- Values (expr_values.cc) ---

// Short text of a value for messages: 'text' quoted (cut after 60 bytes),
// numbers as digits, "null".
std::string Describe(const ExprValue& v);
// The text form of a non-NULL value (see expr.h), in scratch when it must be
// produced.
Status ToText(EvalState& st, const ExprValue& v, std::string_view* out);
// Appends the text form of a non-NULL value to `out`.
void AppendText(const ExprValue& v, std::string* out);
// Reads a column value. `name` is for messages.
Status FromProto(EvalState& st, const cdc::v1::Value* value, std::string_view name,
                 ExprValue* out);

// --- Casts and comparisons (expr_cast.cc) ---

// True when a value of static type `from` may be cast to `to`.
bool CanCast(ExprType from, ExprType to);
// Casts a non-NULL value; `implicit` casts (numeric widening) name no cast
// in their messages.
Status CastValue(EvalState& st, const ExprValue& in, ExprType to, ExprValue* out);
// Orders two non-NULL values: <0, 0, >0. Values that do not compare are an
// error naming `op`.
Status CompareValues(const ExprValue& a, const ExprValue& b, std::string_view op, int* out);
// Arithmetic on two non-NULL values.
Status Arith(EvalState& st, ArithOp op, const ExprValue& a, const ExprValue& b, ExprValue* out);
Status Negate(EvalState& st, const ExprValue& a, ExprValue* out);

// --- Functions (expr_functions.cc, expr_time.cc) ---

Status CallFunction(EvalState& st, const Node& node, ExprValue* out);
// Text functions, with NULL arguments already handled.
Status CallTextFunction(EvalState& st, const Node& node, const ExprValue* args, size_t n,
                        ExprValue* out);
// Numeric functions (abs, round, floor, ceil).
Status CallNumberFunction(EvalState& st, const Node& node, const ExprValue* args, size_t n,
                          ExprValue* out);
// Date and time functions.
Status CallTimeFunction(EvalState& st, const Node& node, const ExprValue* args, size_t n,
                        ExprValue* out);

// --- Type checking (expr_check.cc) ---

// "column N: <message>".
Status CompileError(uint32_t pos, std::string_view message);
bool IsNumeric(ExprType t);
// True when values of the two types may be compared (or that is checked at
// run time, for kAny).
bool Comparable(ExprType a, ExprType b);
// The type both branches of a case / coalesce / if convert to; false when
// there is none.
bool Unify(ExprType a, ExprType b, ExprType* out);
// Wraps `node` in an implicit cast to `to` when it is numeric of another type.
NodePtr Coerce(NodePtr node, ExprType to);
Result<NodePtr> MakeArith(ArithOp op, uint32_t pos, NodePtr l, NodePtr r);
Result<NodePtr> MakeCompare(CompareOp op, uint32_t pos, NodePtr l, NodePtr r);
Result<NodePtr> MakeLogic(NodeKind kind, uint32_t pos, NodePtr l, NodePtr r);
Result<NodePtr> MakeUnary(NodeKind kind, uint32_t pos, NodePtr operand);
// Looks `name` up (case-insensitive); false when there is no such function.
bool FindFunction(std::string_view name, Fn* fn);
// Checks arity and argument types and builds the call; lookup's map is
// copied from `scope` into the node. `written_name` is for messages.
Result<NodePtr> MakeCall(Fn fn, uint32_t pos, std::vector<NodePtr> args, const ExprScope& scope,
                         std::string_view written_name);

}  // namespace cdc::agent::transform::internal
