// Windowed aggregates: the open tumbling windows of every `aggregate`
// transform, per table and per value of its group_by columns, and the
// results of the windows that close.
//
// Time is the source's commit time, never the clock: a window
// [start, start + window) closes once an event committed at or after its
// end plus the grace has been seen (the watermark: the highest commit time
// so far), and its result is published in the same batch, and so the same
// Kafka transaction, as the batch that closed it. An event of a window that
// has closed already is late: it is not counted, and is logged.
//
// Where the windows live: each open window of a group is a state blob
// "agg/<transform>/<schema.table>/<start>/<group>" (a serialized cdc.v1.Row:
// "__schema", "__table", "__spec" (what the row's layout depends on), then
// the result row as it stands), staged through
// the StateJournal at the end of each batch that changed it, and removed
// when the window closes; the watermark is the blob "aggw". So, like the
// join state, they move with the committed position, and a restart neither
// counts an event twice nor loses one.
//
// Thread: the dispatcher's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/batch.h"
#include "agent/state_journal.h"
#include "agent/transform/chain.h"
#include "agent/transform/spec.h"
#include "cdc/v1/change_event.pb.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent {

class Aggregator final : public transform::AggregateSink {
 public:
  static constexpr std::string_view kPrefix = "agg/";
  static constexpr std::string_view kWatermark = "aggw";

  // True when some transform of `specs` is an aggregate.
  static bool Needed(const std::vector<transform::TransformSpec>& specs);

  // The aggregator of `specs`; its windows are in `store` under `source`.
  Aggregator(const std::vector<transform::TransformSpec>& specs, offsets::OffsetStore* store,
             std::string source, StateJournal* journal);

  // Reads the open windows and the watermark from the store, once, before
  // the first batch (after any reload of the position from Kafka); windows
  // of an aggregate no longer configured are dropped, and logged.
  Status Load();

  // Each row change's commit time, in log order, before its transforms run.
  void Observe(int64_t commit_us) {
    if (commit_us > watermark_) watermark_ = commit_us;
  }

  // AggregateSink: counts one event into its window.
  Status AddToWindow(const transform::AggregateInput& input) override;

  // At a batch's end: the results of the windows the watermark has passed
  // are appended to `out` (stamped with `source`, the batch's last event's
  // source: its position), and what changed is staged into `states`.
  void EndBatch(const cdc::v1::Source& source, EventList* out,
                std::vector<std::pair<std::string, std::string>>* states);

  uint64_t late() const { return late_; }
  size_t open_windows() const { return windows_.size(); }

 private:
  struct Window {
    const transform::TransformSpec* spec = nullptr;
    std::string schema;
    std::string table;
    int64_t start_us = 0;
    // The result as it stands: window_start, window_end, the group_by
    // columns, then one column per measure.
    cdc::v1::Row row;
  };

  Status Restore(const std::string& name, const std::string& value);
  std::string StateValue(const Window& w) const;

  std::vector<transform::TransformSpec> specs_;  // the aggregates, by label
  offsets::OffsetStore* const store_;
  const std::string source_;
  StateJournal* const journal_;
  bool loaded_ = false;
  int64_t watermark_ = 0;
  int64_t staged_watermark_ = 0;
  // By state name: ordered so that windows close in start order.
  std::map<std::string, Window> windows_;
  std::set<std::string> dirty_;
  std::vector<std::string> stale_;  // windows to remove: their aggregate is gone or changed
  uint64_t late_ = 0;
  uint64_t late_logged_ = 0;
  std::string key_;
};

}  // namespace cdc::agent
