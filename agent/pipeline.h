// The pipeline: one source's reader thread feeding the Kafka sink through a
// bounded queue, with durable positions written to the offset store.
#pragma once

#include <atomic>
#include <mutex>
#include <set>
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
  void Add(std::string name) {
    std::lock_guard lock(mu_);
    names_.insert(std::move(name));
  }
  bool Has(const std::string& name) const {
    std::lock_guard lock(mu_);
    return names_.count(name) > 0;
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> names_;
};

// Gives `source` the check that config.transforms compile against each
// captured table (Source::SetShapeCheck), noting each table in `checked`,
// and then that every lookup join reads a captured table; nothing without
// transforms.
void SetTransformCheck(const AgentConfig& config, Source& source, CheckedTables* checked);

// The first lookup join whose `from` table `checked` lacks, as an error
// that says what to do.
Status CheckJoinSources(const AgentConfig& config, const CheckedTables& checked);

}  // namespace cdc::agent
