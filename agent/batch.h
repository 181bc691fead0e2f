// Batches: how change events travel from a source's reader thread to the
// sink thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <initializer_list>
#include <iterator>
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
  // Set by a source that filled the event's rows with ColumnFill given
  // `table`: each row as wide as `table` holds its columns in its order,
  // named and typed as it names them. Whatever changes the rows otherwise
  // (a transform) clears it. Clear then keeps such rows as named by
  // `table` (EventSpares::Keep), for the next fill of the same table.
  bool rows_named_by_table = false;
  // What Clear kept of the event's sub-messages, for the next fill; not a
  // part of the event.
  EventSpares spares;

  // Resets every field as a new OutEvent has them, but keeps the memory of
  // the messages and strings: `spares` takes the rows of columns whole
  // (each column with its name and type, its value emptied) and the source
  // block, which protobuf's Clear would empty or free. A field added above
  // is reset here too.
  void Clear() {
    spares.Keep(&event, rows_named_by_table ? table.get() : nullptr);
    rows_named_by_table = false;
    event.Clear();
    table.reset();
    topic.clear();
    has_key = false;
    key.Clear();
    debezium_table.reset();
    key_bytes.reset();
    partition = -1;
    extra_headers.clear();
    row.reset();
  }
};

// The events of a batch, in order, with the interface of a vector. Unlike
// a vector it keeps the events it drops (resize, clear) past its size,
// cleared (OutEvent::Clear), and hands them out again as the next ones it
// is given (emplace_back): a batch's list refilled moves no event (unless
// it grows past its capacity, as a vector), and each event it hands out
// keeps the memory of the one it was.
class EventList {
 public:
  using value_type = OutEvent;
  using iterator = OutEvent*;
  using const_iterator = const OutEvent*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  EventList() = default;
  // From the events of a vector (tests and one-off batches).
  // Implicit: a vector of events reads as a list.
  EventList(std::vector<OutEvent> events)
      : slots_(std::move(events)), size_(slots_.size()) {}
  EventList(std::initializer_list<OutEvent> events) : EventList(std::vector<OutEvent>(events)) {}
  // A copy holds copies of the events, none kept past them.
  EventList(const EventList& other) : slots_(other.begin(), other.end()), size_(other.size_) {}
  EventList& operator=(const EventList& other) {
    if (this != &other) *this = EventList(other);
    return *this;
  }
  EventList(EventList&& other) noexcept
      : slots_(std::move(other.slots_)), size_(std::exchange(other.size_, 0)) {
    other.slots_.clear();
  }
  EventList& operator=(EventList&& other) noexcept {
    slots_ = std::move(other.slots_);
    size_ = std::exchange(other.size_, 0);
    other.slots_.clear();
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Events kept past the size, ready to be handed out again.
  size_t kept() const { return slots_.size() - size_; }
  size_t capacity() const { return slots_.capacity(); }
  void reserve(size_t n) { slots_.reserve(n); }

  OutEvent& operator[](size_t i) { return slots_[i]; }
  const OutEvent& operator[](size_t i) const { return slots_[i]; }
  OutEvent& back() { return slots_[size_ - 1]; }
  const OutEvent& back() const { return slots_[size_ - 1]; }
  iterator begin() { return slots_.data(); }
  iterator end() { return slots_.data() + size_; }
  const_iterator begin() const { return slots_.data(); }
  const_iterator end() const { return slots_.data() + size_; }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  // An event at the end, as a new one reads: a kept one (with its spares,
  // which the caller may take), or a new one.
  OutEvent& emplace_back() {
    if (size_ == slots_.size()) slots_.emplace_back();
    return slots_[size_++];
  }
  OutEvent& emplace_back(OutEvent&& event) { return emplace_back() = std::move(event); }
  void push_back(OutEvent&& event) { emplace_back() = std::move(event); }
  void push_back(const OutEvent& event) { emplace_back() = event; }
  // Inserts `event` before `at`; the events from `at` on move one along.
  iterator insert(iterator at, OutEvent&& event) {
    const auto i = static_cast<size_t>(at - begin());
    push_back(std::move(event));
    std::rotate(begin() + i, end() - 1, end());
    return begin() + i;
  }
  // Shrinking clears the events past `n` and keeps them.
  void resize(size_t n) {
    while (size_ > n) slots_[--size_].Clear();
    while (size_ < n) emplace_back();
  }
  void clear() { resize(0); }
  // Moves the events `other` keeps to the ones this list keeps; `other`,
  // which must be empty, is left without any.
  void TakeKept(EventList* other) {
    for (size_t i = other->size_; i < other->slots_.size(); ++i) {
      slots_.push_back(std::move(other->slots_[i]));
    }
    other->slots_.clear();
  }
  // Clears every event and keeps it, but frees those for which
  // keep(index) is false; the events kept past the size stay kept. Moves
  // events only when some are freed.
  template <typename Keep>
  void ClearKeeping(Keep keep) {
    size_t kept = 0;
    for (size_t i = 0; i < size_; ++i) {
      if (!keep(i)) continue;  // reads event i: the swaps touch slots below i only
      if (kept != i) std::swap(slots_[kept], slots_[i]);
      ++kept;
    }
    for (size_t i = 0; i < kept; ++i) slots_[i].Clear();
    if (kept < size_) {
      // The others, freed with what they held; the kept ones past them
      // move down.
      slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(kept),
                   slots_.begin() + static_cast<std::ptrdiff_t>(size_));
    }
    size_ = 0;
  }
  // Frees the kept events past the first `n` kept ones.
  void TrimKept(size_t n) {
    if (kept() > n) slots_.resize(size_ + n);
  }

 private:
  std::vector<OutEvent> slots_;  // [0, size_) the events; the rest kept
  size_t size_ = 0;
};

// Events that go back to the source that filled them once the encoder is
// done with them, so that a source that runs steadily fills the same
// messages again instead of allocating each event, its columns and their
// strings anew. The encoder thread gives back a batch's list of events
// whole (Recycle), the source's reader thread takes one for each batch it
// starts (Append); they meet under a lock once per batch, and the events
// of a list taken whole do not move (a list that runs out of kept events
// takes over another list's, moving those).
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
  // is ready. A list with no kept event left takes the events of a list
  // given back, when there is one: a new batch's empty list becomes that
  // list (no event moves), a list filled beyond what it kept takes them
  // over. A recycled event's kept sub-messages move to `spares` when given
  // (the filler's), else they are freed: an event must not gather the
  // spares of every round it makes. A new list gets room for 256 events (at
  // most `max_events`) with its first, so that it does not move its events
  // as it grows. Only the thread that fills the source's batches calls it.
  OutEvent& Append(EventList* events, EventSpares* spares = nullptr) {
    if (events->kept() == 0) TakeReturned(events);
    if (events->capacity() == 0) events->reserve(first_room_);
    const bool recycled = events->kept() > 0;
    OutEvent& out = events->emplace_back();
    if (recycled) {
      if (spares != nullptr) {
        spares->TakeFrom(&out.spares);
      } else {
        out.spares = EventSpares();
      }
    }
    return out;
  }

  // Takes back `events`, cleared, with the events it kept past its size,
  // up to the pool's bound; of its events, those for which keep(index) is
  // false are freed. `events` is left empty. (A cleared event keeps in its
  // spares its rows of columns and its source block.)
  template <typename Keep>
  void Recycle(EventList* events, Keep keep) {
    events->ClearKeeping(keep);
    size_t room;
    {
      std::lock_guard lock(mu_);
      room = max_events_ > returned_events_ ? max_events_ - returned_events_ : 0;
    }
    // What does not fit is freed outside the lock (the filler may wait on
    // it). Only the filler takes lists meanwhile, which makes more room.
    events->TrimKept(room);
    if (events->kept() == 0) {
      *events = EventList();
      return;
    }
    std::lock_guard lock(mu_);
    returned_events_ += events->kept();
    returned_.push_back(std::move(*events));
  }

 private:
  void TakeReturned(EventList* events) {
    std::lock_guard lock(mu_);
    if (returned_.empty()) return;
    EventList& list = returned_.back();
    returned_events_ -= list.kept();
    if (events->empty()) {
      *events = std::move(list);
    } else {
      events->TakeKept(&list);
    }
    returned_.pop_back();
  }

  static constexpr size_t kFirstRoom = 256;
  const size_t max_events_;
  const size_t first_room_;
  std::mutex mu_;
  std::vector<EventList> returned_;  // guarded by mu_
  size_t returned_events_ = 0;       // kept in returned_; guarded by mu_
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
// with this batch's position (the MySQL schema history), so only a batch
// with a position carries any; a later blob of the same name replaces an
// earlier one.
// A batch owns its events until the sink has serialized them.
struct Batch {
  EventList events;
  // The source bytes of the rows its events came from (binlog row images,
  // pgoutput messages, a snapshot's values): with the number of events,
  // what decides that a batch is full.
  size_t bytes = 0;
  // Where the events go once encoded; null: they are freed.
  std::shared_ptr<EventPool> pool;
  std::optional<offsets::Position> end_position;
  std::vector<std::pair<std::string, std::string>> states;

  // Whether a source hands this batch over before adding more events.
  bool Full(int max_events, int max_bytes) const {
    return events.size() >= static_cast<size_t>(max_events) ||
           bytes >= static_cast<size_t>(max_bytes);
  }
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
