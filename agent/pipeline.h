// The pipeline: one source's reader thread feeding the Kafka sink through a
// bounded queue, with durable positions written to the offset store.
#pragma once

#include <atomic>
#include <mutex>
#include <map>
#include <string>

#include "agent/config.h"
#include "agent/source.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent {

// Runs until `stop` becomes true (then: stop reading, deliver what was read,
// store the final durable position, return OK) or a fatal error (returned;
// positions already durable stay stored, nothing after them is). Runs the
// sink on the calling thread and the source on a thread of its own.
Status RunPipeline(const AgentConfig& config, Source& source, offsets::OffsetStore& store,
                   const std::atomic<bool>& stop);

// The tables ("schema.table") the shape check has seen: every captured
// table, once the source's start-up check is done. Thread-safe.
class CheckedTables {
 public:
  void Add(const TableShapePtr& shape) {
    std::lock_guard lock(mu_);
    shapes_[shape->schema + "." + shape->table] = shape;
  }
  // The shape of `name` the check saw last; null when none.
  TableShapePtr Find(const std::string& name) const {
    std::lock_guard lock(mu_);
    auto it = shapes_.find(name);
    return it == shapes_.end() ? nullptr : it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, TableShapePtr> shapes_;
};

// Gives `source` the check that config.transforms compile against each
// captured table (Source::SetShapeCheck), noting each table in `checked`,
// and then that every lookup join reads a captured table; nothing without
// transforms.
void SetTransformCheck(const AgentConfig& config, Source& source, CheckedTables* checked);

// The first lookup join whose `from` table `checked` lacks, or cannot be
// read by (no primary key, another number of key columns than `on`, a
// column it lacks), as an error that says what to do.
Status CheckJoinSources(const AgentConfig& config, const CheckedTables& checked);

}  // namespace cdc::agent
