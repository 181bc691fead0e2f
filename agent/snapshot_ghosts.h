// Deletes for rows a topic still holds but the table no longer has: a new
// snapshot over a topic that already holds events (after `offsets reset`, on
// a new node without history, or `cdc-agent snapshot --tables`) publishes a
// DELETE and a tombstone for every key of the table's topic that the
// snapshot did not touch, so a compacted topic never keeps a row that no
// longer exists.
//
// How: when a table's snapshot begins, the end offset of each partition of
// its topic is kept in the snapshot's progress (its "marks"). Every row the
// snapshot reads arrives as a READ after them, and every change meanwhile
// as its event after them. When the last chunk is published the table's
// progress says "rows done"; once everything handed over is durable, the
// topic is read back: a key whose last record before the marks is live and
// that has no record after them was in none of the chunks and has not
// changed since, so it is no longer in the table. The deletes and the
// table's end are committed together; a restart between redoes the check.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "cdc/v1/change_event.pb.h"
#include "common/status.h"
#include "offsets/position.h"

namespace cdc::agent {

// The cursor of a table whose rows are all published and whose topic is yet
// to be checked for keys no longer in the table.
inline constexpr std::string_view kRowsDoneCursor = "(rows published)";

// Takes the first table's topic marks when its snapshot begins (no cursor,
// no rows yet, no marks). A table resumed from progress without marks (an
// older agent) keeps none: its topic is not checked.
Status TakeTopicMarks(const KafkaConfig& config, const std::string& topic,
                      offsets::SnapshotProgress* snapshot, const std::atomic<bool>& stop);

// The first table's rows are all published: true when its topic is still to
// be checked (it held events when the table's snapshot began; its cursor
// becomes kRowsDoneCursor), false when the table is done.
bool MarkRowsDone(offsets::SnapshotProgress* snapshot);
bool RowsDone(const offsets::SnapshotProgress& snapshot);

// A key of the topic that is no longer in the table: as the source reads it
// (a RowKey), and as the topic holds it (its bytes and partition, which the
// DELETE and its tombstone keep, so that compaction drops the old row).
struct GhostKey {
  cdc::v1::RowKey key;
  std::string bytes;
  int32_t partition = 0;
};

struct GhostKeys {
  std::vector<GhostKey> keys;
  // Keys no longer in the table that cannot be read back as a RowKey
  // (kafka.format debezium-json names no value kinds).
  size_t undecodable = 0;
  // Why the topic was not checked (it was re-created or truncated since the
  // table's snapshot began; transforms apply to the table); empty when it
  // was.
  std::string not_checked;
};

// The keys of `topic` no longer in `table` ("schema.table", see above).
// Not looked for when transforms apply to the table: a filter may have
// kept its READs out of the topic, a route sent them elsewhere. `tick` is
// called about once a second while the topic is read (a source keeps its
// database connection alive with it).
Result<GhostKeys> FindGhostKeys(const AgentConfig& config, const std::string& table,
                                const std::string& topic,
                                const std::map<int32_t, int64_t>& marks,
                                const std::atomic<bool>& stop,
                                const std::function<Status()>& tick = {});

// Tells a source's reader thread that a position it handed over is durable.
// Reached() from the sink's thread (OnDurable) or at start with the stored
// position; WaitFor() from the reader's.
class DurableSignal {
 public:
  void Reached(const offsets::Position& position);
  // Waits until `position`, the end of the last batch handed over, is
  // durable: OK, Aborted on `stop`, or a retryable IOError after `timeout`.
  Status WaitFor(const offsets::Position& position, std::chrono::milliseconds timeout,
                 const std::atomic<bool>& stop);

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::optional<offsets::Position> last_;
};

}  // namespace cdc::agent
