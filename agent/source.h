// Source: one database's change stream.
#pragma once

#include <atomic>

#include "agent/batch.h"
#include "common/status.h"
#include "offsets/position.h"

namespace cdc::agent {

class Source {
 public:
  virtual ~Source() = default;

  // Runs on the source's own reader thread until `stop` becomes true or a
  // fatal error happens. Connects, snapshots if configured, streams changes
  // as Batches into `out` (blocking while it is full). Returns OK after a
  // requested stop; otherwise the error, with a message that says what to do.
  virtual Status Run(BatchQueue& out, const std::atomic<bool>& stop) = 0;

  // Any thread: every event up to `position` is durable in Kafka and stored
  // in the offset store. The source may now confirm it to the database.
  virtual void OnDurable(const offsets::Position& position) = 0;
};

}  // namespace cdc::agent
