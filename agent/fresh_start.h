// Whether a source with no stored position (neither in Kafka nor in
// offsets.path) may start afresh: on a first run, or after `offsets reset`.
// Anything else is a lost position, and starting afresh would leave a gap.
#pragma once

#include <atomic>
#include <set>
#include <string>
#include <string_view>

#include "agent/config.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent {

// The local state that `offsets reset` leaves (a non-empty value says when):
// the next run starts over even though topics hold events of earlier runs.
// The first durable position clears it.
inline constexpr std::string_view kStartOverState = "start-over";

// OK on a first run (none of `topics`, those of the captured tables, holds a
// committed event) or after `offsets reset`; otherwise an error that names
// the topic and the two ways on: `offsets set` to a known position, or
// `offsets reset --yes`.
Status CheckFreshStart(const AgentConfig& config, offsets::OffsetStore& store,
                       const std::set<std::string>& topics, const std::atomic<bool>& stop);

// Marks `source` in `store` to start over (for `offsets reset`).
Status MarkStartOver(offsets::OffsetStore& store, std::string_view source);

// Clears the mark once a position is durable; a no-op without one.
Status ClearStartOver(offsets::OffsetStore& store, std::string_view source);

}  // namespace cdc::agent
