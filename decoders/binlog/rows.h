// Row images of binlog rows events (WRITE/UPDATE/DELETE_ROWS v0..v2 and
// MySQL's PARTIAL_UPDATE_ROWS) decoded into exact, typed cdc.v1.Values.
//
// Spec: https://dev.mysql.com/doc/dev/mysql-server/latest/classbinary__log_1_1Rows__event.html
// and the per-type storage formats in
// https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_data_types.html
//   row := null_bitmap(present columns) value* ; an UPDATE has a before row
//   then an after row, each with its own present-columns bitmap.
// Column values are little-endian except DECIMAL, the *2 temporal types and
// BIT, which are big-endian.
//
// Value mapping (see the README):
//   TINYINT..BIGINT       int_value, or uint_value when unsigned
//   DECIMAL               decimal_value, exact, with the column's scale
//   FLOAT / DOUBLE        float_value / double_value
//   BIT(n)                bits_value, n characters
//   YEAR                  int_value (0 for the zero year)
//   DATE                  date_value, zero parts kept (0000-00-00 is 0/0/0)
//   TIME, TIME2           time_value (signed micros; precision from meta)
//   DATETIME, DATETIME2   timestamp_value without zone; zero -> zero=true;
//                         a zero month or day -> invalid_text
//   TIMESTAMP, TIMESTAMP2 timestamp_value with zone (UTC); 0 -> zero=true
//   CHAR/VARCHAR/TEXT     text_value converted from the column charset to UTF-8
//   BINARY(n)             bytes_value padded with 0x00 to n bytes (the binlog
//                         strips trailing zeros; the server returns them)
//   VARBINARY/BLOB        bytes_value; also any string column whose charset is
//                         unknown (never guessed)
//   ENUM / SET            enum_value / set_value labels when known; otherwise
//                         uint_value (index / bitmask)
//   JSON (MySQL)          json_value: binary JSON printed as JSON text; a
//                         partial update without its before image: error_value
//   GEOMETRY              geometry_value {srid, wkb}
//   NULL                  null
//
// Pure code: no I/O, no logging.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cdc/v1/change_event.pb.h"
#include "common/byte_reader.h"
#include "common/status.h"
#include "decoders/binlog/events.h"

namespace cdc::binlog {

// Collation id 63: binary strings.
inline constexpr uint16_t kBinaryCollation = 63;

// Everything the row decoder needs to know about one column. Built from a
// TABLE_MAP (SchemaFromTableMap) and, where the server does not write full
// metadata, completed from the schema the source tracks.
struct ColumnSchema {
  std::string name;       // "@1", "@2", ... when unknown
  uint8_t type = 0;       // binlog type from TABLE_MAP (real type for STRING)
  uint16_t meta = 0;      // TABLE_MAP metadata of the column
  bool is_unsigned = false;
  uint16_t collation = 0;  // 0 = unknown; 63 = binary
  bool is_json = false;    // MariaDB JSON (a text column): json_value
  bool nullable = true;    // the TABLE_MAP's null bit: false for NOT NULL
  std::vector<std::string> enum_values;
  std::vector<std::string> set_values;
  uint32_t geometry_type = 0;
  // SQL type for Column.type, e.g. "int unsigned", "decimal(10,2)",
  // "varchar", "datetime(6)"; derived from type/meta when not known better.
  std::string type_name;
};

struct TableSchema {
  std::string schema;
  std::string table;
  std::vector<ColumnSchema> columns;
  std::vector<uint32_t> primary_key;  // column indexes, in key order
};

// The schema a TABLE_MAP alone gives: types and metadata, plus names,
// signedness, charsets, enum/set labels and the primary key when the server
// wrote binlog_row_metadata. STRING columns get their real type (ENUM, SET,
// STRING) from the metadata bytes.
TableSchema SchemaFromTableMap(const TableMap& map);

// One row image. `present[i]` is false for columns the image omits (minimal
// or noblob row images); their `values[i]` are unset.
struct RowImage {
  std::vector<bool> present;
  std::vector<cdc::v1::Value> values;
};

struct RowChange {
  RowImage before;  // DELETE, UPDATE
  RowImage after;   // WRITE, UPDATE
};

// Where DecodeRows puts the values of each row as it decodes them, so that
// a caller fills its own messages (a change event's columns) straight from
// the event's bytes, with no row image between them.
//
// For each row: BeginRow, then for each image the event has (the before
// image, then the after image) BeginImage with the columns the image holds
// (their indexes, in column order); the target puts in `slots[k]` the value
// to set for `present[k]`, and the decoder sets exactly one case on each
// (one call an image, none a column); then EndRow. A failed row ends
// without EndRow, some of its values unset.
class RowTarget {
 public:
  virtual ~RowTarget() = default;
  virtual void BeginRow() = 0;
  virtual void BeginImage(bool after, const std::vector<uint32_t>& present,
                          cdc::v1::Value** slots) = 0;
  // A non-OK status stops the decoding and is returned by DecodeRows.
  virtual Status EndRow() = 0;
};

// Decodes every row of `event` with `schema` (which must have
// event.column_count columns) into `target`; what the callback form below
// says of values, JSON partial updates and errors holds for it too.
Status DecodeRows(const RowsEvent& event, const TableSchema& schema, RowTarget* target);

// Decodes every row of `event` with `schema` (which must have
// event.column_count columns) and calls `on_row` for each, in order; stops at
// the first error `on_row` returns. PARTIAL_UPDATE_ROWS JSON diffs are applied
// to the before image's value. When the before image lacks the column
// (binlog_row_image=MINIMAL) the after-image value is error_value {message:
// "JSON partial update of column <name> cannot be applied: the before image
// does not carry it (set binlog_row_image=FULL)", raw: the diff bytes as in
// the event, without their length prefix} and decoding goes on; a diff against
// a NULL before image, or one that does not apply, is a Corruption.
// Errors name the table, the row index, the column and the byte offset.
Status DecodeRows(const RowsEvent& event, const TableSchema& schema,
                  const std::function<Status(RowChange&)>& on_row);

// Decodes one non-null value of `column` at the reader's position.
Status DecodeValue(const ColumnSchema& column, ByteReader* reader, cdc::v1::Value* out);

// MySQL binary JSON (the JSON column format) as JSON text, exact: numbers as
// stored, strings escaped, opaque values (DECIMAL, DATE, TIME, DATETIME inside
// JSON) in MySQL's own text form.
Result<std::string> BinaryJsonToText(std::string_view data);

}  // namespace cdc::binlog
