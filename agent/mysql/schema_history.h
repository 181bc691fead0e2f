// SchemaHistory: the columns of every captured MySQL/MariaDB table, per
// binlog position, kept in the offset store beside the source position.
//
// Servers that do not write binlog_row_metadata=FULL give only column types
// in TABLE_MAP events; names, signedness, charsets, enum labels and the
// primary key come from the history. It starts from information_schema,
// read once (first start, or after `offsets reset`/`set`), and follows the
// DDL statements of the binlog from there (SchemaCatalog); each table's
// columns are recorded from the position of the statement that changed
// them on. A restart at an older position then decodes old rows events with
// the columns they were written with.
//
// Thread: owned by the source's reader thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/mysql/schema_catalog.h"
#include "agent/mysql/table_schema.h"
#include "common/status.h"
#include "offsets/offset_store.h"

namespace cdc::agent::mysql {

// A binlog position; ordered by the file's sequence number, then offset.
struct BinlogPos {
  std::string file;
  uint64_t pos = 0;
  std::string ToString() const { return file + ":" + std::to_string(pos); }
};
// <0, 0, >0 like strcmp. Files compare by their numeric extension
// ("binlog.000010" after "binlog.000009", "binlog.1000000" after
// "binlog.999999"), then by name.
int CompareBinlogPos(const BinlogPos& a, const BinlogPos& b);

class SchemaHistory {
 public:
  // The state blob name in the offset store.
  static constexpr const char* kStateName = "mysql_schema_history";

  // Loads what is stored for `source` (nothing on a first run).
  Status Load(offsets::OffsetStore* store, const std::string& source);

  // True when nothing was ever recorded.
  bool empty() const { return tables_.empty() && high_.file.empty(); }
  // The newest position recorded.
  const BinlogPos& high() const { return high_; }
  // Changes with every Load and Record: a pointer Find returned before is
  // only valid, and only means the same columns, while this stays the same.
  uint64_t generation() const { return generation_; }

  // The columns of db.table at `at`: the newest version recorded at or
  // before it (InfoTable::unknown set when they are not known). nullptr
  // when none was recorded or the table was dropped.
  const InfoTable* Find(const std::string& db, const std::string& table,
                        const BinlogPos& at) const;

  // Every table and database as of high(): what the next DDL applies to.
  Catalog Latest() const;

  // Records `current` (every followed table and database) as of `at`: a
  // table that differs from the version in effect gets a new version at
  // `at`; a table in effect but absent from `current` gets a dropped
  // version; databases are kept as they are now. Stores the history before
  // returning. `at` must not be before high().
  Status Record(const BinlogPos& at, const Catalog& current);

  // The stored form of the history when it was loaded or recorded since the
  // last call, for the source to hand over with its next batch (exactly once
  // commits it to Kafka with the position); nullopt otherwise.
  std::optional<std::string> TakeUnsent() {
    std::optional<std::string> out = std::move(unsent_);
    unsent_.reset();
    return out;
  }

 private:
  struct Version {
    BinlogPos at;
    bool dropped = false;
    InfoTable table;
  };
  using Key = std::pair<std::string, std::string>;

  const Version* InEffect(const Key& key, const BinlogPos& at) const;
  Status Save();

  offsets::OffsetStore* store_ = nullptr;
  std::string source_;
  std::map<Key, std::vector<Version>> tables_;
  std::map<std::string, DatabaseDefaults> databases_;
  BinlogPos high_;
  std::optional<std::string> unsent_;
  uint64_t generation_ = 0;
};

}  // namespace cdc::agent::mysql
