// Source positions: values that parse, print, compare and encode.
//
// A Position is where a source resumes: for PostgreSQL the end LSN of the
// last transaction whose events are all durable in Kafka; for MySQL/MariaDB
// the binlog file and offset after that transaction's commit and the GTID set
// executed so far. Inside a large source transaction it also carries how many
// of the next transaction's changes are already durable (`txn_changes`) and
// that transaction's identity (`txn_id`), so a restart resumes inside it
// without publishing those changes again.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cdc::offsets {

// PostgreSQL LSN, printed as "16/B374D848".
std::string FormatLsn(uint64_t lsn);
// The same text appended to `out` (without a format string's parsing: it is
// written for every event's position header).
void AppendLsn(uint64_t lsn, std::string* out);
// Parses "X/Y" (hex). InvalidArgument on anything else.
Result<uint64_t> ParseLsn(std::string_view text);

// A snapshot that reads tables in key chunks while the stream flows: the
// tables it has still to read (the first is being read) and where that
// table's next chunk starts. It is part of the position, so it becomes durable
// with the events of each chunk, and a restart goes on after the last chunk
// published.
struct SnapshotProgress {
  struct Table {
    std::string schema;  // PostgreSQL schema; MySQL/MariaDB database
    std::string name;
    friend bool operator==(const Table&, const Table&) = default;
  };
  std::vector<Table> tables;
  // The first table's cursor, as text: the values of `after_columns` at the
  // upper end of its last published chunk (its key columns), or, for a table
  // without a key, what the source defines. Empty: the table is read from
  // its start. A source reads the table again from its start when the
  // columns are no longer the ones it would use.
  std::vector<std::string> after_columns;
  std::vector<std::string> after;
  uint64_t rows = 0;       // rows of the first table published so far
  int64_t started_us = 0;  // when the snapshot started (wall clock); its events carry it
  // The end offset of each partition of the first table's topic when its
  // snapshot began, by partition. Keys the topic held before them that the
  // snapshot does not touch (no READ, no change since) are no longer in the
  // table: they get a DELETE when the table is done. nullopt: not taken yet.
  std::optional<std::map<int32_t, int64_t>> topic_marks;

  friend bool operator==(const SnapshotProgress&, const SnapshotProgress&) = default;
};

struct Position {
  enum class Kind : uint8_t { kNone = 0, kPostgres = 1, kMysql = 2 };

  Kind kind = Kind::kNone;
  // kPostgres
  uint64_t lsn = 0;
  // kMysql
  std::string file;
  uint64_t pos = 0;
  std::string gtid_set;  // MySQL "uuid:1-5,uuid2:1-3" or MariaDB "0-1-100,1-2-7"
  // Changes of the transaction that follows the position already durable
  // (0: none, the position is a transaction boundary). PostgreSQL counts
  // each row change or TRUNCATE the server sends (of any table in the
  // publication); MySQL/MariaDB counts the rows of captured tables. A resume
  // inside a transaction therefore expects the same capture settings.
  uint64_t txn_changes = 0;
  // With txn_changes > 0: that transaction's identity, checked on resume
  // (PostgreSQL: its commit LSN "X/Y"; MySQL/MariaDB: its GTID, or empty
  // without GTIDs).
  std::string txn_id;
  // A snapshot in progress, when there is one.
  std::optional<SnapshotProgress> snapshot;

  static Position Postgres(uint64_t lsn);
  static Position Mysql(std::string file, uint64_t pos, std::string gtid_set);
  // This position, `changes` changes into the transaction `id` after it.
  Position InTransaction(uint64_t changes, std::string id) const;
  // True when the position is a transaction boundary.
  bool at_boundary() const { return txn_changes == 0; }

  // Stable binary encoding for the offset store (versioned, checked on decode).
  std::string Encode() const;
  static Result<Position> Decode(std::string_view bytes);

  // Human form: "pg:16/B374D848", "mysql:binlog.000003:4567 gtid=...",
  // with " txn=ID+N" inside a transaction and " snapshot=SCHEMA.TABLE+ROWS"
  // (", N more" tables) while a snapshot is in progress.
  std::string ToString() const;
  // Parses the human form back (used by `offsets set`), without a snapshot:
  // a snapshot's progress is not set by hand.
  static Result<Position> Parse(std::string_view text);

  friend bool operator==(const Position&, const Position&) = default;

 private:
  // Parse without the " txn=" part.
  static Result<Position> ParseBoundary(std::string_view text);
};

}  // namespace cdc::offsets
