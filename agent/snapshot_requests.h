// Snapshot requests: `cdc-agent snapshot --tables ...` asks a running agent
// to read chosen tables again (an incremental snapshot), by leaving a file in
// a folder beside offsets.path. The agent's source looks there about once a
// second and adds the tables to its snapshot (started if none runs); the file
// is removed once the position where those tables were read is durable.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/config.h"
#include "common/status.h"
#include "offsets/position.h"

namespace cdc::agent {

// offsets.path + ".requests".
std::string SnapshotRequestDir(const std::string& offsets_path);

struct SnapshotRequest {
  std::string path;
  std::vector<TableName> tables;
};

// Writes a request for `tables` (created whole: written aside, then renamed)
// into `dir`, creating it; returns the file's path.
Result<std::string> WriteSnapshotRequest(const std::string& dir,
                                         const std::vector<TableName>& tables);

// The requests in `dir`, oldest first; none when it does not exist. A file
// that cannot be read as a request is an error naming it.
Result<std::vector<SnapshotRequest>> ReadSnapshotRequests(const std::string& dir);

// Adds `tables` to `snapshot` (a new one, starting now, when there is none),
// after the tables already there; a table already queued is not added again.
// Returns how many were added.
size_t AddToSnapshot(const std::vector<TableName>& tables,
                     std::optional<offsets::SnapshotProgress>* snapshot, int64_t now_us);

// The first table of `snapshot` is read: drops it with its cursor, and the
// whole snapshot when it was the last. True when the snapshot is done.
bool FinishSnapshotTable(std::optional<offsets::SnapshotProgress>* snapshot);

// Watches the request folder for one source: Poll() (the source's thread,
// at most once a second) hands new requests' tables to the snapshot;
// Finished() (the source's thread) notes where the requests whose tables are
// no longer queued were done; Durable() (the sink's thread) removes a request
// once that position is durable.
class SnapshotRequestWatcher {
 public:
  explicit SnapshotRequestWatcher(std::string dir) : dir_(std::move(dir)) {}

  // New requests' tables, each table once. A damaged file is an error.
  Result<std::vector<TableName>> Poll();
  // The requests none of whose tables is in `snapshot` are done at `at`.
  void Finished(const std::optional<offsets::SnapshotProgress>& snapshot,
                const offsets::Position& at);
  // `position` is durable in Kafka.
  void Durable(const offsets::Position& position);

 private:
  struct Accepted {
    SnapshotRequest request;
    std::optional<offsets::Position> done_at;
  };
  const std::string dir_;
  int64_t next_poll_us_ = 0;
  std::mutex mu_;
  std::vector<Accepted> accepted_;
};

}  // namespace cdc::agent
