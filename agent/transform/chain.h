// A table's transform chain, compiled once per table shape: each step knows
// the row as the steps before it left it (column indexes, names, types and
// the key), so at run time nothing is looked up by name.
//
// Thread: a Chain is immutable once compiled and may be shared; each thread
// runs it with its own ChainRunner.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/table_shape.h"
#include "agent/transform/expr.h"
#include "agent/transform/spec.h"
#include "cdc/v1/change_event.pb.h"
#include "common/status.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace cdc::agent::transform {

// The expression type of a column of `kind`'s type `type` (as events spell
// it: "int4", "varchar(20)", "decimal(10,2)", "bigint unsigned").
ExprType ExprTypeOf(cdc::v1::SourceKind kind, const std::string& type);

// One step of a chain; see chain.cc.
class Step;

class Chain {
 public:
  ~Chain();
  // The shape of the rows the chain gives out: the message key columns and
  // the table name for the topic.
  const TableShape& output() const { return *output_; }
  // A route's topic template, or empty.
  const std::string& topic_template() const { return topic_template_; }
  // The route's topic for `event` (a row the chain gave out), before the
  // characters Kafka does not allow are replaced. NULL or a value without
  // plain text (a date, an array) gives "null".
  void RenderTopic(const cdc::v1::ChangeEvent& event, const std::string& source,
                   const std::string& prefix, std::string* out) const;
  // True when the route's topic names a column's value.
  bool TopicDependsOnRow() const {
    for (const TopicPart& p : topic_parts_) {
      if (p.kind == TopicPart::Kind::kColumn) return true;
    }
    return false;
  }

  struct TopicPart {
    enum class Kind { kText, kSource, kPrefix, kSchema, kTable, kColumn };
    Kind kind;
    std::string text;   // kText
    size_t column = 0;  // kColumn: index in output()
  };
  bool empty() const { return steps_.empty(); }
  // True when a step sends failed events to the dead-letter topic.
  bool has_dead_letter() const { return has_dead_letter_; }
  // An unwrap transform applies (last, wherever it stands in the list), with
  // these fields.
  bool unwrap() const { return unwrap_; }
  const std::vector<std::string>& unwrap_fields() const { return unwrap_fields_; }

 private:
  friend Result<std::shared_ptr<const Chain>> CompileChain(const std::vector<TransformSpec>&,
                                                           const TableShapePtr&);
  friend class ChainRunner;
  std::vector<std::unique_ptr<Step>> steps_;
  TableShapePtr output_;
  std::string topic_template_;
  std::vector<TopicPart> topic_parts_;
  bool has_dead_letter_ = false;
  bool unwrap_ = false;
  std::vector<std::string> unwrap_fields_;
};

// The text of a value as masks, hashes and topic templates use it: the
// value's own text for text-like kinds, decimal digits for numbers,
// lowercase hex for bytes. False for NULL, an unchanged value, dates, times
// and composite kinds.
bool ValueText(const cdc::v1::Value& v, std::string* out);

// Where lookup joins find the rows of the tables they read from: the
// agent's join state (agent/join_state.h), or a map in tests.
class JoinLookup {
 public:
  virtual ~JoinLookup() = default;
  // The stored row of table `from` ("schema.table") whose key is `key` (see
  // AppendJoinKeyPart), or nullptr when there is none.
  virtual Result<const cdc::v1::Row*> FindJoinRow(const std::string& from,
                                                  const std::string& key) = 0;
};

// What an aggregate step hands over for one event it counts; the
// aggregator (agent/aggregate.h) keeps the windows.
struct AggregateInput {
  const std::string* label = nullptr;  // the aggregate transform's
  const TableShape* table = nullptr;   // the row as the step received it
  int64_t commit_us = 0;
  // Per group_by column; nullptr when the image lacks it.
  std::vector<const cdc::v1::Column*> group;
  // Per measure, the column measured; nullptr for a count, or when the
  // image lacks the column.
  std::vector<const cdc::v1::Column*> measures;
};

class AggregateSink {
 public:
  virtual ~AggregateSink() = default;
  virtual Status AddToWindow(const AggregateInput& input) = 0;
};

// Appends one key column's value to a join key: its text (ValueText),
// length-prefixed so that keys of several columns cannot run together.
// False for a value without text (NULL, an unchanged value, a date).
bool AppendJoinKeyPart(const cdc::v1::Value& v, std::string* key);

// Compiles the transforms of `specs` that match `shape`'s table, in order.
// InvalidArgument names the transform, the table and what is wrong (an
// expression's error names its column in the text).
Result<std::shared_ptr<const Chain>> CompileChain(const std::vector<TransformSpec>& specs,
                                                  const TableShapePtr& shape);

// Counts of what the transforms did, for the log.
struct ChainCounters {
  uint64_t filtered = 0;      // events a filter dropped
  uint64_t dropped = 0;       // events dropped by on_error: drop
  uint64_t nulled = 0;        // values set NULL by on_error: null
  uint64_t dead_lettered = 0;  // events sent to the dead-letter topic
  uint64_t join_missed = 0;    // events a join found no row for
};

class ChainRunner {
 public:
  ChainRunner() = default;
  ~ChainRunner();
  ChainRunner(const ChainRunner&) = delete;
  ChainRunner& operator=(const ChainRunner&) = delete;

  // Runs `chain` on `event` (a row change of the chain's input shape).
  // Returns false when the event is dropped. An error is the run-time
  // failure of a transform whose on_error is fail, naming the transform,
  // the table and the event's position.
  Result<bool> Run(const Chain& chain, cdc::v1::ChangeEvent* event);

  const ChainCounters& counters() const { return counters_; }
  // Where join steps find rows; a chain with a join fails without one.
  void set_join_lookup(JoinLookup* lookup) { join_lookup_ = lookup; }
  // Where aggregate steps count events; a chain with one fails without it.
  void set_aggregate_sink(AggregateSink* sink) { aggregate_sink_ = sink; }
  // The last failure that a drop or null policy absorbed, for the log.
  const std::string& last_absorbed() const { return last_absorbed_; }
  // After Run returned false: whether the event goes to the dead-letter
  // topic (on_error: dead-letter), and why.
  bool dead_letter() const { return dead_letter_; }
  const std::string& dead_letter_reason() const { return dead_letter_reason_; }
  const std::string& dead_letter_transform() const { return dead_letter_transform_; }
  // The transform's dead_letter_topic; empty for the default.
  const std::string& dead_letter_topic() const { return dead_letter_topic_; }

 private:
  friend class Step;
  Evaluator evaluator_;
  std::vector<int> ints_[3];
  EVP_MD_CTX* digest_ = nullptr;
  JoinLookup* join_lookup_ = nullptr;
  AggregateSink* aggregate_sink_ = nullptr;
  AggregateInput aggregate_input_;
  ChainCounters counters_;
  std::string last_absorbed_;
  std::string scratch_;
  cdc::v1::Value value_;
  bool dead_letter_ = false;
  std::string dead_letter_reason_;
  std::string dead_letter_transform_;
  std::string dead_letter_topic_;
};

}  // namespace cdc::agent::transform
