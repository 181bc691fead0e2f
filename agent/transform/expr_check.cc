// Type rules of the expression language: which operands each operator and
// function accepts, and the static type of its result.
#include <string>

#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {
namespace {

// What a function argument may be. Every kind also accepts NULL and kAny
// (checked again at run time).
enum class Arg : uint8_t { kText, kInt, kNumber, kTimestamp, kBool, kValue };

constexpr uint8_t kVariadic = 255;

struct FnSpec {
  std::string_view name;
  Fn fn;
  uint8_t min_args;
  uint8_t max_args;
  Arg args[3];       // argument i has kind args[min(i, 2)]
  ExprType result;   // kAny: worked out from the arguments
};

constexpr FnSpec kFunctions[] = {
    {"concat", Fn::kConcat, 1, kVariadic, {Arg::kValue, Arg::kValue, Arg::kValue}, ExprType::kText},
    {"substr", Fn::kSubstr, 2, 3, {Arg::kText, Arg::kInt, Arg::kInt}, ExprType::kText},
    {"upper", Fn::kUpper, 1, 1, {Arg::kText}, ExprType::kText},
    {"lower", Fn::kLower, 1, 1, {Arg::kText}, ExprType::kText},
    {"trim", Fn::kTrim, 1, 2, {Arg::kText, Arg::kText}, ExprType::kText},
    {"ltrim", Fn::kLtrim, 1, 2, {Arg::kText, Arg::kText}, ExprType::kText},
    {"rtrim", Fn::kRtrim, 1, 2, {Arg::kText, Arg::kText}, ExprType::kText},
    {"replace", Fn::kReplace, 3, 3, {Arg::kText, Arg::kText, Arg::kText}, ExprType::kText},
    {"split_part", Fn::kSplitPart, 3, 3, {Arg::kText, Arg::kText, Arg::kInt}, ExprType::kText},
    {"length", Fn::kLength, 1, 1, {Arg::kText}, ExprType::kInt},
    {"starts_with", Fn::kStartsWith, 2, 2, {Arg::kText, Arg::kText}, ExprType::kBool},
    {"ends_with", Fn::kEndsWith, 2, 2, {Arg::kText, Arg::kText}, ExprType::kBool},
    {"contains", Fn::kContains, 2, 2, {Arg::kText, Arg::kText}, ExprType::kBool},
    {"coalesce", Fn::kCoalesce, 1, kVariadic, {Arg::kValue, Arg::kValue, Arg::kValue}, ExprType::kAny},
    {"if", Fn::kIf, 3, 3, {Arg::kBool, Arg::kValue, Arg::kValue}, ExprType::kAny},
    {"lookup", Fn::kLookup, 2, 3, {Arg::kText, Arg::kValue, Arg::kText}, ExprType::kText},
    {"to_iso_utc", Fn::kToIsoUtc, 1, 1, {Arg::kTimestamp}, ExprType::kText},
    {"epoch_ms", Fn::kEpochMs, 1, 1, {Arg::kTimestamp}, ExprType::kInt},
    {"epoch_us", Fn::kEpochUs, 1, 1, {Arg::kTimestamp}, ExprType::kInt},
    {"from_epoch_ms", Fn::kFromEpochMs, 1, 1, {Arg::kInt}, ExprType::kTimestamp},
    {"time_24h", Fn::kTime24h, 1, 1, {Arg::kText}, ExprType::kText},
    {"parse_timestamp", Fn::kParseTimestamp, 1, 1, {Arg::kText}, ExprType::kTimestamp},
    {"date", Fn::kDate, 1, 1, {Arg::kTimestamp}, ExprType::kDate},
    {"abs", Fn::kAbs, 1, 1, {Arg::kNumber}, ExprType::kAny},
    {"round", Fn::kRound, 1, 2, {Arg::kNumber, Arg::kInt}, ExprType::kAny},
    {"floor", Fn::kFloor, 1, 1, {Arg::kNumber}, ExprType::kAny},
    {"ceil", Fn::kCeil, 1, 1, {Arg::kNumber}, ExprType::kAny},
};

const FnSpec& SpecOf(Fn fn) {
  for (const FnSpec& s : kFunctions) {
    if (s.fn == fn) return s;
  }
  return kFunctions[0];  // unreachable: every Fn has a row
}

bool Accepts(Arg kind, ExprType t) {
  if (t == ExprType::kNull || t == ExprType::kAny) return true;
  switch (kind) {
    case Arg::kText: return t == ExprType::kText;
    case Arg::kInt: return t == ExprType::kInt;
    case Arg::kNumber: return IsNumeric(t);
    case Arg::kTimestamp: return t == ExprType::kTimestamp;
    case Arg::kBool: return t == ExprType::kBool;
    case Arg::kValue: return true;
  }
  return false;
}

std::string_view KindName(Arg kind) {
  switch (kind) {
    case Arg::kText: return "text";
    case Arg::kInt: return "an int";
    case Arg::kNumber: return "a number";
    case Arg::kTimestamp: return "a timestamp";
    case Arg::kBool: return "a bool";
    case Arg::kValue: return "a value";
  }
  return "a value";
}

std::string ArityText(const FnSpec& s) {
  auto plural = [](int n) { return n == 1 ? std::string(" argument") : std::string(" arguments"); };
  if (s.max_args == kVariadic) return "at least " + std::to_string(s.min_args) + plural(s.min_args);
  if (s.min_args == s.max_args) return std::to_string(s.min_args) + plural(s.min_args);
  if (s.max_args == s.min_args + 1) {
    return std::to_string(s.min_args) + " or " + std::to_string(s.max_args) + " arguments";
  }
  return std::to_string(s.min_args) + " to " + std::to_string(s.max_args) + " arguments";
}

std::string TypeText(ExprType t) { return std::string(ExprTypeName(t)); }

NodePtr NewNode(NodeKind kind, ExprType type, uint32_t pos) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->type = type;
  n->pos = pos;
  return n;
}

// Unifies the result arguments [first, end) of coalesce / if, converting
// numeric ones to the common type.
Status UnifyArgs(std::string_view fn, std::vector<NodePtr>& args, size_t first, ExprType* out) {
  ExprType t = ExprType::kNull;
  for (size_t i = first; i < args.size(); ++i) {
    ExprType next = ExprType::kNull;
    if (!Unify(t, args[i]->type, &next)) {
      return CompileError(args[i]->pos, std::string(fn) + " mixes " + TypeText(t) + " and " +
                                            TypeText(args[i]->type));
    }
    t = next;
  }
  for (size_t i = first; i < args.size(); ++i) args[i] = Coerce(std::move(args[i]), t);
  *out = t;
  return Status::OK();
}

}  // namespace

Status CompileError(uint32_t pos, std::string_view message) {
  return Status::InvalidArgument("column " + std::to_string(pos) + ": " + std::string(message));
}

bool IsNumeric(ExprType t) {
  return t == ExprType::kInt || t == ExprType::kDouble || t == ExprType::kDecimal;
}

bool Comparable(ExprType a, ExprType b) {
  if (a == ExprType::kNull || b == ExprType::kNull) return true;
  if (a == ExprType::kAny || b == ExprType::kAny) return true;
  if (IsNumeric(a) && IsNumeric(b)) return true;
  return a == b;
}

bool Unify(ExprType a, ExprType b, ExprType* out) {
  if (a == b || b == ExprType::kNull) {
    *out = a;
  } else if (a == ExprType::kNull) {
    *out = b;
  } else if (a == ExprType::kAny || b == ExprType::kAny) {
    *out = ExprType::kAny;
  } else if (IsNumeric(a) && IsNumeric(b)) {
    *out = (a == ExprType::kDouble || b == ExprType::kDouble) ? ExprType::kDouble
                                                                : ExprType::kDecimal;
  } else {
    return false;
  }
  return true;
}

NodePtr Coerce(NodePtr node, ExprType to) {
  if (!IsNumeric(to) || !IsNumeric(node->type) || node->type == to) return node;
  NodePtr cast = NewNode(NodeKind::kCast, to, node->pos);
  cast->implicit = true;
  cast->args.push_back(std::move(node));
  return cast;
}

Result<NodePtr> MakeArith(ArithOp op, uint32_t pos, NodePtr l, NodePtr r) {
  auto ok = [](ExprType t) {
    return IsNumeric(t) || t == ExprType::kNull || t == ExprType::kAny;
  };
  ExprType t = ExprType::kAny;
  if (!ok(l->type) || !ok(r->type) || !Unify(l->type, r->type, &t)) {
    return CompileError(pos, "'" + std::string(OperatorName(op)) + "' needs numbers, got " +
                                 TypeText(l->type) + " and " + TypeText(r->type));
  }
  NodePtr n = NewNode(NodeKind::kArith, t, l->pos);
  n->arith = op;
  n->args.push_back(std::move(l));
  n->args.push_back(std::move(r));
  return n;
}

Result<NodePtr> MakeCompare(CompareOp op, uint32_t pos, NodePtr l, NodePtr r) {
  if (!Comparable(l->type, r->type)) {
    return CompileError(pos, "'" + std::string(OperatorName(op)) + "' cannot compare " +
                                 TypeText(l->type) + " with " + TypeText(r->type));
  }
  NodePtr n = NewNode(NodeKind::kCompare, ExprType::kBool, l->pos);
  n->compare = op;
  n->args.push_back(std::move(l));
  n->args.push_back(std::move(r));
  return n;
}

Result<NodePtr> MakeLogic(NodeKind kind, uint32_t pos, NodePtr l, NodePtr r) {
  auto ok = [](ExprType t) {
    return t == ExprType::kBool || t == ExprType::kNull || t == ExprType::kAny;
  };
  if (!ok(l->type) || !ok(r->type)) {
    return CompileError(pos, std::string(kind == NodeKind::kAnd ? "'&&'" : "'||'") +
                                 " needs bools, got " + TypeText(l->type) + " and " +
                                 TypeText(r->type));
  }
  NodePtr n = NewNode(kind, ExprType::kBool, l->pos);
  n->args.push_back(std::move(l));
  n->args.push_back(std::move(r));
  return n;
}

Result<NodePtr> MakeUnary(NodeKind kind, uint32_t pos, NodePtr operand) {
  ExprType t = operand->type;
  bool maybe = t == ExprType::kNull || t == ExprType::kAny;
  if (kind == NodeKind::kNot && !maybe && t != ExprType::kBool) {
    return CompileError(pos, "'!' needs a bool, got " + TypeText(t));
  }
  if (kind == NodeKind::kNeg && !maybe && !IsNumeric(t)) {
    return CompileError(pos, "'-' needs a number, got " + TypeText(t));
  }
  NodePtr n = NewNode(kind, kind == NodeKind::kNot ? ExprType::kBool : t, pos);
  n->args.push_back(std::move(operand));
  return n;
}

bool FindFunction(std::string_view name, Fn* fn) {
  for (const FnSpec& s : kFunctions) {
    if (s.name.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      same = c == s.name[i];
    }
    if (same) {
      *fn = s.fn;
      return true;
    }
  }
  return false;
}

std::string_view FunctionName(Fn fn) { return SpecOf(fn).name; }

Result<NodePtr> MakeCall(Fn fn, uint32_t pos, std::vector<NodePtr> args, const ExprScope& scope,
                         std::string_view written_name) {
  const FnSpec& spec = SpecOf(fn);
  if (args.size() < spec.min_args || (spec.max_args != kVariadic && args.size() > spec.max_args)) {
    return CompileError(pos, std::string(spec.name) + " takes " + ArityText(spec) + ", got " +
                                 std::to_string(args.size()));
  }
  for (size_t i = 0; i < args.size(); ++i) {
    Arg kind = spec.args[i < 2 ? i : 2];
    if (!Accepts(kind, args[i]->type)) {
      return CompileError(args[i]->pos, "argument " + std::to_string(i + 1) + " of " +
                                            std::string(spec.name) + " must be " +
                                            std::string(KindName(kind)) + ", got " +
                                            TypeText(args[i]->type));
    }
  }
  NodePtr n = NewNode(NodeKind::kCall, spec.result, pos);
  n->fn = fn;
  n->name = std::string(written_name);
  switch (fn) {
    case Fn::kCoalesce:
      CDC_RETURN_IF_ERROR(UnifyArgs(spec.name, args, 0, &n->type));
      break;
    case Fn::kIf:
      CDC_RETURN_IF_ERROR(UnifyArgs(spec.name, args, 1, &n->type));
      break;
    case Fn::kAbs:
    case Fn::kRound:
    case Fn::kFloor:
    case Fn::kCeil:
      n->type = args[0]->type;
      break;
    case Fn::kLookup: {
      const Node& name = *args[0];
      if (name.kind != NodeKind::kLiteral || name.type != ExprType::kText) {
        return CompileError(name.pos, "the first argument of lookup must be a map name in quotes");
      }
      auto it = scope.maps.find(std::string(name.literal.text));
      if (it == scope.maps.end()) {
        std::string known;
        for (const auto& [map_name, unused] : scope.maps) {
          known += (known.empty() ? "" : ", ") + map_name;
        }
        return CompileError(name.pos, "unknown map '" + std::string(name.literal.text) +
                                          "' (the maps are: " +
                                          (known.empty() ? "none" : known) + ")");
      }
      n->map = LookupMap(it->second.begin(), it->second.end());
      break;
    }
    default:
      break;
  }
  n->args = std::move(args);
  return n;
}

}  // namespace cdc::agent::transform::internal
