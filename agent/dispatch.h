// The dispatch stage: one place, between the sources and the encoder, that
// turns each source's decoded rows into Kafka messages-to-be. For each event
// that names its table's shape it runs the table's transforms (which may
// drop the event or reshape it), then names the topic
// (<topic_prefix>.<schema>.<table>, or the route the transforms chose) and
// builds the message key from the key columns. Both sources hand over rows
// and nothing else; what is common to them lives here.
//
// Events without a shape (transaction metadata, the deletes of rows a
// snapshot no longer found, which carry the exact key bytes of the topic)
// pass through as the source made them.
//
// Thread: one Dispatcher per thread (it caches per shape).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/batch.h"
#include "agent/config.h"
#include "agent/table_shape.h"
#include "agent/transform/chain.h"
#include "common/status.h"

namespace cdc::agent {

// Builds `key` from the key columns of `shape` found in `event`'s row: the
// before image of a DELETE, else the after image, else (an UPDATE whose new
// row lacks the key: a minimal row image) the before image. False, with
// `key` empty, when the table has no key or a key column is missing, NULL
// or an unchanged TOAST value in that image.
bool BuildRowKey(const TableShape& shape, const cdc::v1::ChangeEvent& event, cdc::v1::RowKey* key);

// The chain of `specs` for `shape`'s table; an error ends with what to do
// ("fix the transform in the config file"). The dispatcher and the start-up
// check (SetTransformCheck) compile through it alike.
Result<std::shared_ptr<const transform::Chain>> CompileTableChain(
    const std::vector<transform::TransformSpec>& specs, const TableShapePtr& shape);

struct TransformState;

class Dispatcher {
 public:
  // `state`, when a transform keeps state (agent/transform_state.h): kept up
  // to date from the events and read by the transforms; it must outlive the
  // dispatcher.
  explicit Dispatcher(const AgentConfig& config, TransformState* state = nullptr);

  // Dispatches every event of `batch` in place, keeping the source order of
  // what remains. The batch's position and states are untouched: a dropped
  // event still counts as published. An error is a table whose transforms
  // do not compile against its columns, or a transform that failed with
  // on_error: fail; nothing of the batch may then be published.
  Status Apply(Batch* batch);

  // What the transforms did so far.
  const transform::ChainCounters& counters() const { return runner_.counters(); }

 private:
  struct TableRoute {
    TableShapePtr shape;  // keeps the cache key alive
    std::shared_ptr<const transform::Chain> chain;  // null: no transform applies
    std::string topic;    // when the topic does not depend on the row
    bool topic_per_row = false;  // a route's template names a column
    bool key_changed = false;  // the chain gives other key columns
    bool join_source = false;  // a lookup join reads the table's rows
  };
  Result<const TableRoute*> RouteOf(const TableShapePtr& shape);
  // Makes `out`'s value the row alone (the unwrap transform).
  void Unwrap(const transform::Chain& chain, const TableShape& shape, OutEvent* out);
  // Events dropped, values set NULL and dead letters so far.
  uint64_t Absorbed() const {
    const transform::ChainCounters& c = runner_.counters();
    return c.dropped + c.nulled + c.dead_lettered;
  }

  const std::vector<transform::TransformSpec> specs_;
  const std::string source_name_;
  const std::string topic_prefix_;
  TransformState* const state_;
  transform::ChainRunner runner_;
  uint64_t absorbed_logged_ = 0;
  std::string topic_scratch_;
  cdc::v1::ChangeEvent original_;  // an event before its chain, for a dead letter
  cdc::v1::Source last_source_;    // of the last event with a commit time, for aggregates
  uint64_t batches_ = 0;           // batches applied so far
  // By shape; a source makes a new shape only when a table's columns change.
  std::unordered_map<const TableShape*, TableRoute> routes_;
  const TableShape* last_shape_ = nullptr;
  const TableRoute* last_route_ = nullptr;
};

}  // namespace cdc::agent
