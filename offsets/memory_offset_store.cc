#include <map>
#include <mutex>
#include <utility>

#include "offsets/offset_store.h"

namespace cdc::offsets {
namespace {

// Same rule as the RocksDB store, whose keys use '/' as the separator, so
// that tests of either store see the same behaviour.
Status CheckSourceName(std::string_view source) {
  if (source.empty() || source.find('/') != std::string_view::npos) {
    return Status::InvalidArgument("offset store: bad source name \"" + std::string(source) +
                                   "\": must be non-empty and contain no '/'");
  }
  return Status::OK();
}

class MemoryOffsetStore final : public OffsetStore {
 public:
  Result<std::optional<Position>> Load(std::string_view source) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    auto it = positions_.find(source);
    if (it == positions_.end()) return std::optional<Position>();
    return std::optional<Position>(it->second);
  }

  Status Store(std::string_view source, const Position& position) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    positions_.insert_or_assign(std::string(source), position);
    return Status::OK();
  }

  Status Reset(std::string_view source) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    auto it = positions_.find(source);
    if (it != positions_.end()) positions_.erase(it);
    auto state = states_.find(source);
    if (state != states_.end()) states_.erase(state);
    return Status::OK();
  }

  Result<std::vector<std::string>> ListSources() override {
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    names.reserve(positions_.size());
    for (const auto& [name, position] : positions_) names.push_back(name);
    return names;
  }

  Result<std::optional<std::string>> GetState(std::string_view source,
                                              std::string_view name) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    auto state = states_.find(source);
    if (state == states_.end()) return std::optional<std::string>();
    auto it = state->second.find(name);
    if (it == state->second.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status PutState(std::string_view source, std::string_view name,
                  std::string_view value) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    states_[std::string(source)].insert_or_assign(std::string(name), std::string(value));
    return Status::OK();
  }

  Status StoreWith(std::string_view source, const Position& position,
                   const std::vector<StateChange>& changes) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    Apply(source, changes);
    positions_.insert_or_assign(std::string(source), position);
    return Status::OK();
  }

  Status ChangeStates(std::string_view source, const std::vector<StateChange>& changes) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    Apply(source, changes);
    return Status::OK();
  }

  Result<std::vector<std::string>> ListStates(std::string_view source,
                                              std::string_view prefix) override {
    CDC_RETURN_IF_ERROR(CheckSourceName(source));
    std::lock_guard lock(mu_);
    std::vector<std::string> names;
    auto state = states_.find(source);
    if (state == states_.end()) return names;
    for (auto it = state->second.lower_bound(prefix);
         it != state->second.end() && it->first.starts_with(prefix); ++it) {
      names.push_back(it->first);
    }
    return names;
  }

 private:
  void Apply(std::string_view source, const std::vector<StateChange>& changes) {
    StringMap& states = states_[std::string(source)];
    for (const StateChange& c : changes) {
      if (c.value) {
        states.insert_or_assign(c.name, *c.value);
      } else if (auto it = states.find(c.name); it != states.end()) {
        states.erase(it);
      }
    }
  }

  using StringMap = std::map<std::string, std::string, std::less<>>;

  std::mutex mu_;
  std::map<std::string, Position, std::less<>> positions_;
  std::map<std::string, StringMap, std::less<>> states_;
};

}  // namespace

std::unique_ptr<OffsetStore> NewMemoryOffsetStore() {
  return std::make_unique<MemoryOffsetStore>();
}

}  // namespace cdc::offsets
