// Helpers of the tests of stateful transforms (join, aggregate).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/transform_state.h"
#include "offsets/offset_store.h"

namespace cdc::agent::testing {

// A PostgreSQL agent's config (topic prefix "p") with `transforms_yaml`, the
// items of its `transforms:` list.
inline AgentConfig TransformsConfig(const std::string& transforms_yaml) {
  const std::string yaml =
      "name: a\nsource:\n  type: postgres\n  user: u\n  database: d\nkafka:\n  brokers: "
      "127.0.0.1:9092\n  topic_prefix: p\noffsets:\n  path: /tmp/x\ntransforms:\n" +
      transforms_yaml;
  Result<AgentConfig> c = ParseConfig(yaml, [](const std::string&) { return std::nullopt; });
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? *c : AgentConfig();
}

// What the pipeline does once the first `batches` batches, ending at
// `position`, are durable: their state goes to `store` with the position.
inline void MakeDurable(TransformState& state, offsets::OffsetStore& store, uint64_t batches,
                        const offsets::Position& position) {
  uint64_t seq = 0;
  std::vector<offsets::StateChange> changes = state.journal.TakeDurable(batches, &seq);
  ASSERT_TRUE(store.StoreWith("a", position, changes).ok());
  state.journal.Retire(changes, seq);
}

}  // namespace cdc::agent::testing
