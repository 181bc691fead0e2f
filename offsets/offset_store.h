// OffsetStore: where a source's durable position is kept.
//
// Keys are source names; a source stores a Position only after Kafka has
// acknowledged every event before it. Store() returns OK only once the write
// is durable (synced): a crash after an OK Store() never loses it.
// Besides positions, sources may keep small named state blobs (snapshot
// progress, schema history) through Get/Put.
//
// Implementations are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "offsets/position.h"

namespace cdc::offsets {

// A change of a named state blob: a new value, or (nullopt) its removal.
struct StateChange {
  std::string name;
  std::optional<std::string> value;
};

class OffsetStore {
 public:
  virtual ~OffsetStore() = default;

  // The stored position of `source`, or nullopt if none.
  virtual Result<std::optional<Position>> Load(std::string_view source) = 0;
  // Durably stores `position` for `source`.
  virtual Status Store(std::string_view source, const Position& position) = 0;
  // Removes the position and every state blob of `source`.
  virtual Status Reset(std::string_view source) = 0;
  // Names of all sources with a stored position.
  virtual Result<std::vector<std::string>> ListSources() = 0;

  // Named state blobs of a source.
  virtual Result<std::optional<std::string>> GetState(std::string_view source,
                                                      std::string_view name) = 0;
  virtual Status PutState(std::string_view source, std::string_view name,
                          std::string_view value) = 0;
  // Stores `position` and applies `changes` (in order) in one atomic,
  // durable write.
  virtual Status StoreWith(std::string_view source, const Position& position,
                           const std::vector<StateChange>& changes) = 0;
  // Applies `changes` in one atomic, durable write, the position untouched.
  virtual Status ChangeStates(std::string_view source, const std::vector<StateChange>& changes) = 0;
  // The names of the state blobs of `source` that begin with `prefix`, in
  // byte order.
  virtual Result<std::vector<std::string>> ListStates(std::string_view source,
                                                      std::string_view prefix) = 0;
};

// In-memory store for tests; loses everything on destruction.
std::unique_ptr<OffsetStore> NewMemoryOffsetStore();

// RocksDB store at `path` (created if missing). IOError with the path,
// RocksDB's message and a hint that fits if it cannot be opened (locked by
// another agent; damaged; a path this user cannot create or write).
Result<std::unique_ptr<OffsetStore>> OpenRocksDbOffsetStore(const std::string& path);

// The RocksDB store at `path` opened read only, without its lock (a running
// agent may hold it): for `offsets show`. A missing store reads as empty;
// writes fail.
Result<std::unique_ptr<OffsetStore>> OpenRocksDbOffsetStoreReadOnly(const std::string& path);

// For `cdc-agent check`: whether the RocksDB store at `path` can be used,
// without creating or changing anything. An existing store is opened read
// only (its files are read and checked); a missing one needs its nearest
// existing parent to be a directory this user can write. OK, or one line that
// says what is wrong and how to fix it.
Status CheckRocksDbOffsetStore(const std::string& path);

}  // namespace cdc::offsets
