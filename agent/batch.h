// Batches: how change events travel from a source's reader thread to the
// sink thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/event_spares.h"
#include "agent/table_shape.h"
#include "cdc/v1/change_event.pb.h"
#include "offsets/position.h"

namespace cdc::agent {

struct DebeziumTableInfo;

// One event bound for Kafka. The sink serializes it.
struct OutEvent {
  // The table's shape: a row change that the dispatch stage gives its topic
  // and key (agent/dispatch.h). Null: `topic` and the key are set already.
  TableShapePtr table;
  std::string topic;
  // Null Kafka key when false (a table without a primary key).
  bool has_key = false;
  cdc::v1::RowKey key;
  cdc::v1::ChangeEvent event;
  // With kafka.format debezium-json: what the source knows of the table that
  // the event does not carry (declared scales, every column); may be null.
  std::shared_ptr<const DebeziumTableInfo> debezium_table;
  // Set for a message that must replace one already in the topic (a key no
  // longer in the table): its key bytes as found there, and its partition.
  std::optional<std::string> key_bytes;
  int32_t partition = -1;  // -1: the partitioner's choice by key
  // Headers after the ones every event carries (a dead letter's reason).
  std::vector<std::pair<std::string, std::string>> extra_headers;
  // Set by the unwrap transform: the message's value is this row, not the
  // event (which keeps the op and the position for the headers).
  std::optional<cdc::v1::Row> row;
  // What Clear kept of the event's sub-messages, for the next fill; not a
  // part of the event.
  EventSpares spares;

  // Resets every field as a new OutEvent has them, but keeps the memory of
  // the messages and strings: `spares` takes the rows of columns whole
  // (each column with its name and type, its value cleared) and the source
  // block, which protobuf's Clear would empty or free. A field added above
  // is reset here too.
  void Clear() {
    table.reset();
    topic.clear();
    has_key = false;
    key.Clear();
    spares.Keep(&event);
    event.Clear();
    debezium_table.reset();
    key_bytes.reset();
    partition = -1;
    extra_headers.clear();
    row.reset();
  }
};

// Events that go back to the source that filled them once the encoder is
// done with them, so that a source that runs steadily fills the same
// messages again instead of allocating each event, its columns and their
// strings anew. The source's reader thread takes (Append), the encoder
// thread gives back (Recycle); they meet under a lock once per batch.
class EventPool {
 public:
  // Keeps at most `max_events` events given back and not yet taken (and
  // those the filling thread took and has not filled yet); batches hold at
  // most `batch_events` (0: max_events). See MakeEventPool for the bound a
  // source's pool has.
  explicit EventPool(size_t max_events, size_t batch_events = 0)
      : max_events_(max_events),
        first_room_(std::min(batch_events != 0 ? batch_events : max_events, kFirstRoom)) {}
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;

  // Appends an event to `events`: a recycled one, or a new one when none
  // is ready. A recycled event's kept sub-messages move to `spares` when
  // given (the filler's), else they are freed: an event must not gather
  // the spares of every round it makes. A new batch gets room for 256
  // events (at most `max_events`) with its first, so that it does not move
  // its events as it grows. Only the thread that fills the source's batches
  // calls it.
  OutEvent& Append(std::vector<OutEvent>* events, EventSpares* spares = nullptr) {
    if (events->capacity() == 0) events->reserve(first_room_);
    if (ready_.empty()) {
      std::lock_guard lock(mu_);
      ready_.swap(returned_);
    }
    if (ready_.empty()) return events->emplace_back();
    events->push_back(std::move(ready_.back()));
    ready_.pop_back();
    OutEvent& out = events->back();
    if (spares != nullptr) {
      spares->TakeFrom(&out.spares);
    } else {
      out.spares = EventSpares();
    }
    return out;
  }

  // Takes back the events for which keep(index) is true, cleared, up to
  // the pool's bound; the others are freed. (A cleared event keeps in its
  // spares its rows of columns and its source block.)
  template <typename Keep>
  void Recycle(std::vector<OutEvent>* events, Keep keep) {
    size_t kept = 0;
    for (size_t i = 0; i < events->size(); ++i) {
      if (!keep(i)) continue;
      OutEvent& e = (*events)[i];
      e.Clear();
      if (kept != i) (*events)[kept] = std::move(e);
      ++kept;
    }
    events->resize(kept);
    std::lock_guard lock(mu_);
    const size_t room = max_events_ > returned_.size() ? max_events_ - returned_.size() : 0;
    if (events->size() > room) events->resize(room);
    // Moves the fewer of the two: a moved event is built anew.
    if (events->size() > returned_.size()) returned_.swap(*events);
    for (OutEvent& e : *events) returned_.push_back(std::move(e));
    events->clear();
  }

 private:
  static constexpr size_t kFirstRoom = 256;
  const size_t max_events_;
  const size_t first_room_;
  std::mutex mu_;
  std::vector<OutEvent> returned_;  // guarded by mu_
  std::vector<OutEvent> ready_;     // the filling thread's
};

// The pool of a source whose batches hold up to `batch_max_events` events
// and wait in a queue of `queue_max_batches`: it keeps as many events as the
// pipeline can have in flight (the batch being filled, the queued ones and
// the one being encoded). A smaller bound frees and builds events anew
// whenever the queue's depth changes: the encoder gives back batches the
// filler has no room for yet, and the filler then builds new ones. The
// pool keeps them while the source is idle too: as much memory as a full
// pipeline holds.
inline std::shared_ptr<EventPool> MakeEventPool(int batch_max_events, int queue_max_batches) {
  const auto batch = static_cast<size_t>(batch_max_events);
  return std::make_shared<EventPool>(batch * (static_cast<size_t>(queue_max_batches) + 2), batch);
}

// A run of events in source order. `end_position`, when set, is the
// position right after the batch's last event: a transaction boundary, or a
// position inside a transaction that counts the changes before the cut
// (Position::txn_changes). Once every event of this batch and of all earlier
// batches is durable in Kafka, so is that position: a restart from it
// replays nothing that was published and skips nothing. Only snapshot
// batches, which cannot resume half-way, have none.
// `states` are source state blobs (name, value) that must become durable
// with this batch's position (the MySQL schema history); a later blob of the
// same name replaces an earlier one.
// A batch owns its events until the sink has serialized them.
struct Batch {
  std::vector<OutEvent> events;
  // Where the events go once encoded; null: they are freed.
  std::shared_ptr<EventPool> pool;
  std::optional<offsets::Position> end_position;
  std::vector<std::pair<std::string, std::string>> states;
};

// Bounded FIFO of batches between one producer thread (the source reader) and
// one consumer thread (the next stage). Push blocks while the queue is full,
// so a slow broker slows the reader instead of growing memory. Synchronises
// once per batch, never per event.
template <typename BatchT>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t max_batches) : max_batches_(max_batches) {}

  // Blocks while full. Returns false (and drops the batch) once closed.
  bool Push(BatchT batch) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || queue_.size() < max_batches_; });
    if (closed_) return false;
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
    return true;
  }

  enum class PushResult { kPushed, kTimedOut, kClosed };

  // Like Push, but waits at most `timeout` for room. `batch` is moved from
  // only when the result is kPushed, so the caller can do other work (keep
  // its database connection alive) and try again.
  template <typename Duration>
  PushResult TryPushFor(BatchT& batch, Duration timeout) {
    std::unique_lock lock(mu_);
    if (!not_full_.wait_for(lock, timeout,
                            [&] { return closed_ || queue_.size() < max_batches_; })) {
      return PushResult::kTimedOut;
    }
    if (closed_) return PushResult::kClosed;
    queue_.push_back(std::move(batch));
    not_empty_.notify_one();
    return PushResult::kPushed;
  }

  // Waits up to `timeout` for a batch. Returns nullopt on timeout, or when the
  // queue is closed and drained.
  template <typename Duration>
  std::optional<BatchT> Pop(Duration timeout) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, timeout, [&] { return closed_ || !queue_.empty(); })) {
      return std::nullopt;
    }
    if (queue_.empty()) return std::nullopt;
    BatchT b = std::move(queue_.front());
    queue_.pop_front();
    not_full_.notify_one();
    return b;
  }

  // After Close, Push fails and Pop drains what is left.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

  bool closed_and_empty() {
    std::lock_guard lock(mu_);
    return closed_ && queue_.empty();
  }

 private:
  const size_t max_batches_;
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<BatchT> queue_;
  bool closed_ = false;
};

using BatchQueue = BoundedQueue<Batch>;

}  // namespace cdc::agent
