// Column values of the MySQL/MariaDB initial snapshot, read with the text
// protocol, turned into the same cdc.v1.Values the binlog decoder gives for
// the same stored values, so that the READ event of a row and the INSERT
// event of the same row are identical.
//
// The snapshot selects every column with SnapshotSelectExpr over a connection
// with character_set_results utf8mb4 and time_zone '+00:00', and passes each
// non-NULL value to TextToValue with the column's schema (SchemaFromInfo).
//
// Exactness of FLOAT and DOUBLE rests on the server printing a DOUBLE
// expression in a form that reads back to the same double: its shortest
// round-trip form, up to 17 significant digits. MariaDB 10.11 does
// (0.30000000000000004, 1.401298464324817e-45, 1.7976931348623157e308);
// MySQL 8.0 is expected to (not verified here) and needs 8.0.17+ for
// CAST(... AS DOUBLE). MySQL JSON text is the server's own printing of the
// document, the form binlog::BinaryJsonToText reproduces; any difference
// between the two is a difference of that reproduction.
//
// Pure code: no I/O, no logging.
#pragma once

#include <string>
#include <string_view>

#include "cdc/v1/change_event.pb.h"
#include "common/status.h"
#include "decoders/binlog/rows.h"

namespace cdc::agent::mysql {

// The select-list expression for `column` whose text form converts exactly:
//   FLOAT, DOUBLE          CAST(`c` AS DOUBLE): the stored value in full (the
//                          server prints a FLOAT column with 6 digits and a
//                          DOUBLE(M,D) column with D decimals otherwise)
//   ENUM/SET, no labels    `c`+0: the index or bitmask the decoder gives then
//   CHAR/VARCHAR/TEXT in a charset other than utf8mb3/utf8mb4 (or unknown)
//                          CAST(`c` AS BINARY): the stored bytes, converted
//                          to UTF-8 as the decoder converts them
//   everything else        `c` (backticks in the name doubled)
// `mariadb` selects the server dialect; both take the same forms today.
std::string SnapshotSelectExpr(const binlog::ColumnSchema& column, bool mariadb);

// Converts one non-NULL text-protocol value of `column`, selected with
// SnapshotSelectExpr (bytes exactly as the server sent them; BINARY, BLOB,
// BIT and GEOMETRY are raw bytes), into `out` with the mapping of
// binlog::DecodeValue. Corruption naming the column and the text when the
// text is not a value of the column's type.
Status TextToValue(const binlog::ColumnSchema& column, std::string_view text,
                   cdc::v1::Value* out);

}  // namespace cdc::agent::mysql
