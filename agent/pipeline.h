// The pipeline: one source's reader thread feeding the Kafka sink through a
// bounded queue, with durable positions written to the offset store.
#pragma once

#include <atomic>

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

// Gives `source` the check that config.transforms compile against each
// captured table (Source::SetShapeCheck); nothing without transforms.
void SetTransformCheck(const AgentConfig& config, Source& source);

}  // namespace cdc::agent
