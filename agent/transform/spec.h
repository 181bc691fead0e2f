// The transforms of the config file (`transforms:`), as read: a chain
// applied in order to each event of the tables each one names. Compiled
// against a table's shape by CompileChain (agent/transform/chain.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent::transform {

// What happens to an event when a transform cannot compute a value for it
// (a cast that fails, a division by zero).
enum class ErrorPolicy {
  kFail,  // the agent stops with the error; nothing after the event is published
  kDrop,  // the event is not published; counted and logged
  kNull,  // the value becomes NULL; counted and logged (compute)
  kDeadLetter,  // the event as the source gave it goes to the dead-letter topic
};

struct MaskSpec {
  enum class Kind {
    kNull,      // NULL
    kValue,     // a fixed text
    kKeepLast,  // every character but the last `keep_last` replaced by '*'
    kHash,      // hex SHA-256 of the salt and the value's text
  };
  std::string column;
  Kind kind = Kind::kNull;
  std::string value;  // kValue
  int keep_last = 0;  // kKeepLast
};

struct AggregateMeasure {
  enum class Fn { kCount, kSum, kMin, kMax };
  std::string name;    // the output column
  Fn fn = Fn::kCount;
  std::string column;  // kSum, kMin, kMax: the column measured
};

struct TransformSpec {
  enum class Kind { kFilter, kProject, kMask, kCompute, kSplit, kRoute, kUnwrap, kJoin, kAggregate };
  Kind kind = Kind::kFilter;
  // "transforms[2] (mask)", for messages.
  std::string label;
  // "schema.table" patterns with * and ? (MySQL: "database.table"); empty
  // means every captured table.
  std::vector<std::string> tables;
  ErrorPolicy on_error = ErrorPolicy::kFail;
  // With kDeadLetter: the topic; empty means "<topic_prefix>.dead-letter".
  std::string dead_letter_topic;

  // filter: keep an event when its op is one of `ops` (empty: any op) and
  // `when` (empty: always) is true.
  std::vector<cdc::v1::Op> ops;
  std::string when;

  // project: keep only `include` (empty: every column), then drop
  // `exclude`, then rename; `rename_table` names the table in the topic.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::vector<std::pair<std::string, std::string>> rename;
  std::string rename_table;

  // mask
  std::vector<MaskSpec> masks;
  std::string salt;  // for kHash, from the environment variable the config names

  // compute: each column, new or replaced, from an expression, in order.
  std::vector<std::pair<std::string, std::string>> computes;
  // Named code tables for lookup('name', value [, default]).
  std::map<std::string, std::map<std::string, std::string>> maps;

  // split: `split_column` into the columns `into` by `delimiter` (the last
  // takes the rest; missing parts are NULL), or into the named groups of
  // `regex` (which must match the whole value); `keep_source` false drops
  // the column split.
  std::string split_column;
  std::string delimiter;
  std::vector<std::string> into;
  std::string regex;
  bool keep_source = true;

  // unwrap: publish the row alone, with these fields as extra columns
  // "__<field>": op, table, schema, database, source (the source name),
  // commit_time (epoch microseconds), position (the cdc-position text).
  std::vector<std::string> unwrap_fields;

  // join: add `join_columns` of the row of table `join_from` ("schema.table")
  // whose key columns equal the event's `join_on` columns (in the order of
  // that table's key), named `join_prefix` + column; with
  // `join_missing_drop` an event without a match is dropped, else the
  // columns are NULL.
  std::string join_from;
  std::vector<std::string> join_on;
  std::vector<std::string> join_columns;
  std::string join_prefix;
  bool join_missing_drop = false;

  // aggregate: per tumbling window of `window_ms` (by the events' commit
  // time) and per value of the `group_by` columns, the `measures` of the
  // events whose op is in `ops` (empty: inserts), published to
  // `aggregate_topic` once the source's commit times pass the window's end
  // by `grace_ms`. The events themselves go on.
  int64_t window_ms = 0;
  int64_t grace_ms = 0;
  std::vector<std::string> group_by;
  std::vector<AggregateMeasure> measures;
  std::string aggregate_topic;

  // route: the topic from a template (empty: unchanged) with ${source},
  // ${schema}, ${table} and ${<column>}; the key from these columns (empty:
  // unchanged).
  std::string topic;
  std::vector<std::string> key;
};

// True if `name` ("schema.table") matches `pattern`: '*' any run of
// characters, '?' one character, everything else itself.
bool TableMatches(std::string_view pattern, std::string_view name);

// True if a transform of `specs` applies to `table` ("schema.table").
bool AnyTransformApplies(const std::vector<TransformSpec>& specs, std::string_view table);

}  // namespace cdc::agent::transform
