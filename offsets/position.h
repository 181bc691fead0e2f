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
#include <string>
#include <string_view>

#include "common/status.h"

namespace cdc::offsets {

// PostgreSQL LSN, printed as "16/B374D848".
std::string FormatLsn(uint64_t lsn);
// Parses "X/Y" (hex). InvalidArgument on anything else.
Result<uint64_t> ParseLsn(std::string_view text);

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
  // with " txn=ID+N" inside a transaction.
  std::string ToString() const;
  // Parses the human form back (used by `offsets set`).
  static Result<Position> Parse(std::string_view text);

  friend bool operator==(const Position&, const Position&) = default;

 private:
  // Parse without the " txn=" part.
  static Result<Position> ParseBoundary(std::string_view text);
};

}  // namespace cdc::offsets
