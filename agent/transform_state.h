// What the stateful transforms keep between events: the rows lookup joins
// read (JoinState), the open windows of aggregates (Aggregator), and the
// StateJournal through which their changes become durable with the source
// position.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  // States offsets.path holds and the Kafka offsets topic does not, for the
  // next batch to carry there.
  std::vector<std::pair<std::string, std::string>> unsent;

  // Fills `unsent` with the join rows, aggregate windows and watermark of
  // `source` in `store` whose names `in_kafka` lacks.
  Status FindUnsent(offsets::OffsetStore& store, const std::string& source,
                    const std::set<std::string>& in_kafka) {
    std::vector<std::string> names;
    for (std::string_view prefix : {JoinState::kPrefix, Aggregator::kPrefix}) {
      CDC_ASSIGN_OR_RETURN(std::vector<std::string> found, store.ListStates(source, prefix));
      names.insert(names.end(), found.begin(), found.end());
    }
    names.emplace_back(Aggregator::kWatermark);
    for (const std::string& name : names) {
      if (in_kafka.count(name) > 0) continue;
      CDC_ASSIGN_OR_RETURN(std::optional<std::string> value, store.GetState(source, name));
      if (value) unsent.emplace_back(name, std::move(*value));
    }
    return Status::OK();
  }

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
