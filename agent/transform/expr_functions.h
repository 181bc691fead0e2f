// Internal to the expression module: helpers shared by the function files.
#pragma once

#include <string>
#include <string_view>

#include "agent/transform/expr_node.h"

namespace cdc::agent::transform::internal {

// "substr('abc', 1, -1)": the call as evaluated, for messages.
std::string CallText(const Node& n, const ExprValue* args, size_t count);
// "<CallText>: <why>".
Status CallError(const Node& n, const ExprValue* args, size_t count, std::string_view why);
// Argument i as an int; an error naming the function when a kAny argument
// held something else.
Status ArgInt(const Node& n, const ExprValue* args, size_t i, int64_t* out);

}  // namespace cdc::agent::transform::internal
