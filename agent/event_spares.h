// EventSpares: the sub-messages of a recycled event (agent/batch.h,
// EventPool) that protobuf's Clear would free, kept cleared for the source
// that fills the next event: each column's value, the source block and its
// position. Without them a steady stream allocates and frees these objects
// for every change.
//
// A kept message is cleared before it is kept, so a message handed out
// again is indistinguishable from a new one; only its memory is older.
//
// Thread: not thread-safe. An event's spares travel with the event from the
// encoder thread back to the source's reader thread (EventPool).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "cdc/v1/change_event.pb.h"

namespace cdc::agent {

class EventSpares {
 public:
  // At most this many values are kept; more are freed.
  static constexpr size_t kMaxValues = 4096;
  // And this many source blocks, and as many positions of each kind: a
  // filler needs one of each per event, and gets one back per event.
  static constexpr size_t kMaxSources = 64;

  // Spares are memory, not content: a copy of an event starts without any.
  EventSpares() = default;
  EventSpares(const EventSpares&) {}
  EventSpares& operator=(const EventSpares&) { return *this; }
  EventSpares(EventSpares&&) noexcept = default;
  EventSpares& operator=(EventSpares&&) noexcept = default;

  // Takes from `event` the messages its Clear would free and keeps them,
  // cleared. Call just before `event->Clear()`.
  void Keep(cdc::v1::ChangeEvent* event);

  // Moves what `other` keeps into this one, up to the bounds.
  void TakeFrom(EventSpares* other);

  // `column`'s value: its own, else a kept one set on it, else a new one.
  // The fillers call it on columns just added to a cleared event, which
  // have no value of their own.
  cdc::v1::Value* ValueOf(cdc::v1::Column* column);

  // `event`'s source block, set from a kept one when the event has none.
  cdc::v1::Source* SourceOf(cdc::v1::ChangeEvent* event);

  // `source`'s MySQL or PostgreSQL position, likewise.
  cdc::v1::MysqlPosition* MysqlOf(cdc::v1::Source* source);
  cdc::v1::PostgresPosition* PostgresOf(cdc::v1::Source* source);

  size_t values() const { return values_.size(); }
  size_t sources() const { return sources_.size(); }
  size_t positions() const { return mysql_.size() + postgres_.size(); }

 private:
  void KeepValue(cdc::v1::Value* value);  // takes ownership
  void KeepSource(cdc::v1::Source* source);

  std::vector<std::unique_ptr<cdc::v1::Value>> values_;
  std::vector<std::unique_ptr<cdc::v1::Source>> sources_;
  std::vector<std::unique_ptr<cdc::v1::MysqlPosition>> mysql_;
  std::vector<std::unique_ptr<cdc::v1::PostgresPosition>> postgres_;
};

}  // namespace cdc::agent
