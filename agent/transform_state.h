// What the stateful transforms keep between events: the rows lookup joins
// read (JoinState), the open windows of aggregates (Aggregator), and the
// StateJournal through which their changes become durable with the source
// position.
#pragma once

#include <memory>

#include "agent/aggregate.h"
#include "agent/config.h"
#include "agent/join_state.h"
#include "agent/state_journal.h"
#include "offsets/offset_store.h"

namespace cdc::agent {

struct TransformState {
  StateJournal journal;
  std::unique_ptr<JoinState> joins;        // null without a join transform
  std::unique_ptr<Aggregator> aggregates;  // null without an aggregate transform

  // The state `config`'s transforms need, with what `store` holds for the
  // source; null when no transform keeps state.
  static std::unique_ptr<TransformState> For(const AgentConfig& config,
                                             offsets::OffsetStore* store) {
    if (!JoinState::Needed(config.transforms) && !Aggregator::Needed(config.transforms)) {
      return nullptr;
    }
    auto state = std::make_unique<TransformState>();
    if (JoinState::Needed(config.transforms)) {
      state->joins = std::make_unique<JoinState>(config.transforms, store, config.source.name,
                                                 &state->journal);
    }
    if (Aggregator::Needed(config.transforms)) {
      state->aggregates = std::make_unique<Aggregator>(config.transforms, store,
                                                       config.source.name, &state->journal);
    }
    return state;
  }
};

}  // namespace cdc::agent
