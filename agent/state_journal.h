// State that transforms keep (lookup join rows, open aggregate windows) on
// its way to offsets.path. A change is staged by the dispatch stage: it goes
// into its batch's `states` (so with exactly-once delivery it reaches the
// Kafka offsets topic in the same transaction as the events and the
// position) and waits here until the position of its batch is durable; then
// it is written to offsets.path with that position, in one atomic write.
// Until then, readers find it here before what offsets.path holds.
//
// Threads: Stage, Staged and EndBatch on the dispatcher's thread;
// TakeDurable and Retire on the sink's (the durable callback).
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "offsets/offset_store.h"

namespace cdc::agent {

class StateJournal {
 public:
  // Stages a new value of state `name` (nullopt: its removal) and adds it to
  // `states`, the batch's (a removal as an empty value: a tombstone in
  // Kafka).
  void Stage(std::string name, std::optional<std::string> value,
             std::vector<std::pair<std::string, std::string>>* states);

  // The staged value of `name` that offsets.path does not hold yet: nullopt
  // when there is none; an empty optional inside for a staged removal.
  std::optional<std::optional<std::string>> Staged(const std::string& name);
  // The names of staged values that begin with `prefix`.
  std::vector<std::string> StagedNames(std::string_view prefix);

  // Ends the `batch`-th batch (counted from 1, in the order the sink gets
  // them): what was staged since the last call becomes durable with it, or,
  // for a batch without an end position, with the next batch that has one.
  void EndBatch(uint64_t batch, bool has_end_position);

  // The changes of the batches up to the `batches`-th, now durable, merged
  // in order, to write with their position; `*seq` tells Retire which ones
  // they were.
  std::vector<offsets::StateChange> TakeDurable(uint64_t batches, uint64_t* seq);
  // After `changes` (from TakeDurable) are in offsets.path.
  void Retire(const std::vector<offsets::StateChange>& changes, uint64_t seq);

 private:
  struct Pending {
    uint64_t seq = 0;
    std::optional<std::string> value;
  };
  struct Mark {
    uint64_t batch = 0;
    uint64_t seq = 0;
    std::vector<offsets::StateChange> changes;
  };

  uint64_t seq_ = 0;                          // dispatcher thread
  std::vector<offsets::StateChange> unmarked_;  // dispatcher thread
  std::mutex mu_;
  std::unordered_map<std::string, Pending> pending_;
  std::deque<Mark> marks_;
};

}  // namespace cdc::agent
