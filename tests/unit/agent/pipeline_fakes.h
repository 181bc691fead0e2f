// Test doubles for the pipeline: a scripted Source and an offset store that
// records every Store call. Both are safe to use from the reader thread, the
// sink thread and the test thread at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/batch.h"
#include "agent/source.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent::testing {

// Upper bound for the waits of the test thread on a FakeSource.
inline constexpr auto kFakeDeadline = std::chrono::seconds(60);

// A Source that plays a script on the reader thread: push batches, run test
// actions, wait for positions to become durable, then either wait for the
// stop flag (and return OK) or return an error. A Push refused because the
// queue was closed ends the run with OK, as a stopping reader does. Run plays
// the script once: it moves the batches out.
class FakeSource : public Source {
 public:
  struct Step {
    std::optional<Batch> push;
    std::function<void()> action;
    uint64_t wait_durable_lsn = 0;
  };

  FakeSource& Push(Batch batch) {
    steps_.push_back(Step{std::move(batch), nullptr, 0});
    return *this;
  }
  FakeSource& Do(std::function<void()> action) {
    steps_.push_back(Step{std::nullopt, std::move(action), 0});
    return *this;
  }
  FakeSource& WaitDurable(uint64_t lsn) {
    steps_.push_back(Step{std::nullopt, nullptr, lsn});
    return *this;
  }
  // After the script: return `status` instead of waiting for the stop flag.
  FakeSource& ThenFail(Status status) {
    final_error_ = std::move(status);
    return *this;
  }

  Status Run(BatchQueue& out, const std::atomic<bool>& stop) override {
    {
      std::lock_guard lock(mu_);
      ++runs_;
    }
    for (Step& step : steps_) {
      if (step.push) {
        if (!out.Push(std::move(*step.push))) {
          std::lock_guard lock(mu_);
          push_refused_ = true;
          return Status::OK();
        }
        std::lock_guard lock(mu_);
        ++pushed_;
        cv_.notify_all();
      } else if (step.action) {
        step.action();
      } else if (!WaitFor([&] { return DurableLocked(step.wait_durable_lsn); }, stop)) {
        return Status::OK();
      }
    }
    {
      std::lock_guard lock(mu_);
      script_done_ = true;
      cv_.notify_all();
    }
    if (!final_error_.ok()) return final_error_;
    WaitFor([] { return false; }, stop);
    return Status::OK();
  }

  void OnDurable(const offsets::Position& position) override {
    std::lock_guard lock(mu_);
    durable_.push_back(position);
    cv_.notify_all();
  }

  // Test thread: waits until the whole script has run.
  bool WaitScriptDone() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kFakeDeadline, [&] { return script_done_; });
  }
  bool WaitDurableSeen(uint64_t lsn) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kFakeDeadline, [&] { return DurableLocked(lsn); });
  }

  std::vector<offsets::Position> durable() {
    std::lock_guard lock(mu_);
    return durable_;
  }
  int pushed() {
    std::lock_guard lock(mu_);
    return pushed_;
  }
  bool push_refused() {
    std::lock_guard lock(mu_);
    return push_refused_;
  }
  int runs() {
    std::lock_guard lock(mu_);
    return runs_;
  }

 private:
  bool DurableLocked(uint64_t lsn) const {
    for (const auto& p : durable_) {
      if (p.lsn == lsn) return true;
    }
    return false;
  }

  // Waits for `done` (under mu_) or the stop flag, checking the flag every
  // millisecond as a real reader checks it between network reads. Returns
  // false when stopped first.
  template <typename Pred>
  bool WaitFor(Pred done, const std::atomic<bool>& stop) {
    std::unique_lock lock(mu_);
    while (!done()) {
      if (stop.load()) return false;
      cv_.wait_for(lock, std::chrono::milliseconds(1));
    }
    return true;
  }

  std::vector<Step> steps_;
  Status final_error_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<offsets::Position> durable_;
  int pushed_ = 0;
  int runs_ = 0;
  bool push_refused_ = false;
  bool script_done_ = false;
};

// The in-memory store, with every Store call recorded in order.
class RecordingStore : public offsets::OffsetStore {
 public:
  Result<std::optional<offsets::Position>> Load(std::string_view source) override {
    return inner_->Load(source);
  }
  Status Store(std::string_view source, const offsets::Position& position) override {
    Status s = inner_->Store(source, position);
    std::lock_guard lock(mu_);
    if (s.ok()) stored_.push_back(position);
    return s;
  }
  Status Reset(std::string_view source) override { return inner_->Reset(source); }
  Result<std::vector<std::string>> ListSources() override { return inner_->ListSources(); }
  Result<std::optional<std::string>> GetState(std::string_view source,
                                              std::string_view name) override {
    return inner_->GetState(source, name);
  }
  Status PutState(std::string_view source, std::string_view name,
                  std::string_view value) override {
    return inner_->PutState(source, name, value);
  }
  Status StoreWith(std::string_view source, const offsets::Position& position,
                   const std::vector<offsets::StateChange>& changes) override {
    Status s = inner_->StoreWith(source, position, changes);
    std::lock_guard lock(mu_);
    if (s.ok()) stored_.push_back(position);
    return s;
  }
  Status ChangeStates(std::string_view source,
                      const std::vector<offsets::StateChange>& changes) override {
    return inner_->ChangeStates(source, changes);
  }
  Result<std::vector<std::string>> ListStates(std::string_view source,
                                              std::string_view prefix) override {
    return inner_->ListStates(source, prefix);
  }

  std::vector<offsets::Position> stored() {
    std::lock_guard lock(mu_);
    return stored_;
  }

 private:
  std::unique_ptr<offsets::OffsetStore> inner_ = offsets::NewMemoryOffsetStore();
  std::mutex mu_;
  std::vector<offsets::Position> stored_;
};

}  // namespace cdc::agent::testing
