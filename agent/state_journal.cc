#include "agent/state_journal.h"

#include <algorithm>

namespace cdc::agent {

void StateJournal::Stage(std::string name, std::optional<std::string> value,
                         std::vector<std::pair<std::string, std::string>>* states) {
  ++seq_;
  states->emplace_back(name, value ? *value : std::string());
  {
    std::lock_guard lock(mu_);
    pending_[name] = Pending{seq_, value};
  }
  unmarked_.push_back({std::move(name), std::move(value)});
}

std::optional<std::optional<std::string>> StateJournal::Staged(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(name);
  if (it == pending_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<std::string> StateJournal::StagedNames(std::string_view prefix) {
  std::vector<std::string> names;
  std::lock_guard lock(mu_);
  for (const auto& [name, pending] : pending_) {
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

void StateJournal::EndBatch(uint64_t batch, bool has_end_position) {
  if (!has_end_position) return;
  std::lock_guard lock(mu_);
  marks_.push_back(Mark{batch, seq_, std::move(unmarked_)});
  unmarked_.clear();
}

std::vector<offsets::StateChange> StateJournal::TakeDurable(uint64_t batches, uint64_t* seq) {
  std::vector<offsets::StateChange> out;
  *seq = 0;
  std::lock_guard lock(mu_);
  std::unordered_map<std::string, size_t> at;
  while (!marks_.empty() && marks_.front().batch <= batches) {
    for (offsets::StateChange& c : marks_.front().changes) {
      auto [it, added] = at.emplace(c.name, out.size());
      if (added) {
        out.push_back(std::move(c));
      } else {
        out[it->second].value = std::move(c.value);
      }
    }
    *seq = marks_.front().seq;
    marks_.pop_front();
  }
  return out;
}

void StateJournal::Retire(const std::vector<offsets::StateChange>& changes, uint64_t seq) {
  std::lock_guard lock(mu_);
  for (const offsets::StateChange& c : changes) {
    auto it = pending_.find(c.name);
    if (it != pending_.end() && it->second.seq <= seq) pending_.erase(it);
  }
}

}  // namespace cdc::agent
