// Internal to the configuration loader (config*.cc): the text helpers shared
// by the YAML reader (config.cc) and the text side (config_text.cc:
// environment substitution, table names, ConnInfo and Describe). Not part of
// the contract; the MySQL source also reads table names in statements with
// SplitMysqlName. All functions are pure and thread-safe; none throws.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "agent/config.h"
#include "common/status.h"

namespace cdc::agent::config_internal {

using Keys = std::span<const std::string_view>;

inline constexpr size_t kMaxPgNameLength = 63;  // NAMEDATALEN - 1

// A value echoed in a message: quoted, on one line.
std::string Quote(std::string_view s);

// The choices separated by ", ", with `last_sep` before the last one.
std::string JoinChoices(Keys choices, const char* last_sep);

// Optimal string alignment distance: edits, plus swaps of adjacent letters.
size_t EditDistance(std::string_view a, std::string_view b);

// True if `s` is not empty and `ok` holds for each of its characters.
bool AllOf(std::string_view s, bool (*ok)(char));
bool IsNameChar(char c);    // [A-Za-z0-9_.-]
bool IsPgNameChar(char c);  // [a-z0-9_]

// The whole of `text` as a decimal integer, with an optional leading '+'.
// False if it is not one or does not fit.
bool ParseInt(std::string_view text, long long* out);

// "schema.table" or "table" (schema public), each part plain or in double
// quotes. InvalidArgument with a short reason when the text is not one.
Result<TableName> ParseTableName(std::string_view text);

// "name" or "database.name", each part plain or in backquotes (a doubled
// backquote inside stands for one): the one or two parts. InvalidArgument
// with a short reason otherwise (empty part, unterminated backquote, a space
// outside backquotes, more than two parts).
Result<std::vector<std::string>> SplitMysqlName(std::string_view text);

// "database.table" (SplitMysqlName with both parts).
Result<TableName> ParseMysqlTableName(std::string_view text);

// host:port or [ipv6]:port with a port in 1..65535.
bool IsHostPort(std::string_view entry);

// `s` without leading and trailing spaces and tabs.
std::string_view Trim(std::string_view s);

// The text with each ${NAME} replaced by env(NAME). InvalidArgument naming
// `origin` and the line for a bad reference or an unset variable.
Result<std::string> SubstituteEnv(const std::string& text, const EnvLookup& env,
                                  const std::string& origin);

}  // namespace cdc::agent::config_internal
