// Source: one database's change stream.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "agent/batch.h"
#include "agent/table_shape.h"
#include "common/status.h"
#include "offsets/position.h"

namespace cdc::agent {

class Source {
 public:
  virtual ~Source() = default;

  // Runs on the source's own reader thread until `stop` becomes true or a
  // fatal error happens. Connects, snapshots if configured, streams changes
  // as Batches into `out` (blocking while it is full). Returns OK after a
  // requested stop; otherwise the error, with a message that says what to do.
  virtual Status Run(BatchQueue& out, const std::atomic<bool>& stop) = 0;

  // Connects and compiles the transforms against every captured table, as
  // Run does first (for `cdc-agent check`); OK without a shape check.
  virtual Status CheckTransformsNow(const std::atomic<bool>& /*stop*/) { return Status::OK(); }

  // Any thread: every event up to `position` is durable in Kafka and stored
  // in the offset store. The source may now confirm it to the database.
  virtual void OnDurable(const offsets::Position& position) = 0;

  // Set before Run: brings the offset store up to date with Kafka again. A
  // source that waited for a resource another agent held (a PostgreSQL
  // slot) calls it, since that agent may have published further meanwhile.
  void SetPositionReload(std::function<Status()> reload) { reload_ = std::move(reload); }

  // Set before Run: checks that the transforms fit a captured table. A
  // source with one calls it for every captured table at start, before it
  // hands over anything, so that a transform that does not fit stops the
  // agent before it publishes.
  void SetShapeCheck(std::function<Status(const TableShapePtr&)> check) {
    shape_check_ = std::move(check);
  }

  // Set before Run: called once the shape check has seen every captured
  // table at start, for checks across tables.
  void SetShapesChecked(std::function<Status()> done) { shapes_checked_ = std::move(done); }

  // Set before Run: tables ("schema.table") a new snapshot reads before the
  // others (the tables lookup joins read, so that the rows read after them
  // find their joined rows).
  void SetSnapshotFirst(std::vector<std::string> tables) { snapshot_first_ = std::move(tables); }

 protected:
  Status ReloadPosition() { return reload_ ? reload_() : Status::OK(); }
  // Moves the SetSnapshotFirst tables to the front, the order kept otherwise.
  void OrderForSnapshot(std::vector<offsets::SnapshotProgress::Table>* tables) const {
    if (snapshot_first_.empty()) return;
    std::stable_partition(tables->begin(), tables->end(), [&](const auto& t) {
      const std::string name = t.schema + "." + t.name;
      return std::find(snapshot_first_.begin(), snapshot_first_.end(), name) !=
             snapshot_first_.end();
    });
  }
  bool checks_shapes() const { return static_cast<bool>(shape_check_); }
  Status ShapesChecked() { return shapes_checked_ ? shapes_checked_() : Status::OK(); }
  Status CheckShape(const TableShapePtr& shape) {
    return shape_check_ ? shape_check_(shape) : Status::OK();
  }

 private:
  std::vector<std::string> snapshot_first_;
  std::function<Status()> reload_;
  std::function<Status(const TableShapePtr&)> shape_check_;
  std::function<Status()> shapes_checked_;
};

}  // namespace cdc::agent
