// Source positions: values that parse, print, compare and encode.
//
// A Position is where a source resumes. It moves only at a transaction
// boundary: for PostgreSQL it is the end LSN of the last transaction whose
// events are all durable in Kafka; for MySQL/MariaDB the binlog file and
// offset after that transaction's commit and the GTID set executed so far.
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

  static Position Postgres(uint64_t lsn);
  static Position Mysql(std::string file, uint64_t pos, std::string gtid_set);

  // Stable binary encoding for the offset store (versioned, checked on decode).
  std::string Encode() const;
  static Result<Position> Decode(std::string_view bytes);

  // Human form: "pg:16/B374D848", "mysql:binlog.000003:4567 gtid=..." .
  std::string ToString() const;
  // Parses the human form back (used by `offsets set`).
  static Result<Position> Parse(std::string_view text);

  friend bool operator==(const Position&, const Position&) = default;
};

}  // namespace cdc::offsets
