// Table schemas of the MySQL/MariaDB source from information_schema.
//
// Servers that do not write binlog_row_metadata=FULL give only column types
// and type metadata in a TABLE_MAP; names, signedness, enum/set labels,
// collations, MariaDB JSON and the primary key then come from
// information_schema (the source runs the SQL and fills InfoTable). The
// snapshot has no TABLE_MAP at all and builds the whole schema from
// information_schema, with the type codes and metadata a server would write
// for the same columns, so that a column's type_name (and its decoded values)
// are the same whichever way the schema was obtained.
//
// Pure code: no I/O, no logging.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "decoders/binlog/rows.h"

namespace cdc::agent::mysql {

// One column as information_schema.COLUMNS describes it (values lowercased
// where SQL gives names).
struct InfoColumn {
  std::string name;          // COLUMN_NAME
  std::string data_type;     // DATA_TYPE: "int", "varchar", "enum", "decimal", "datetime",
                             // "json" (MySQL), "longtext" (MariaDB JSON), ...
  std::string column_type;   // COLUMN_TYPE: "int(10) unsigned", "enum('a','b''c')",
                             // "decimal(10,2)", "datetime(6)", "bit(5)", "binary(4)", ...
  std::string charset;       // CHARACTER_SET_NAME, empty when none
  std::string collation;     // COLLATION_NAME, empty when none
  uint16_t collation_id = 0; // information_schema.COLLATIONS.ID of `collation`, 0 when none
  bool is_json = false;      // MariaDB: a CHECK json_valid(`col`) constraint; MySQL: data_type json
  uint32_t key_ordinal = 0;  // 1-based position in the PRIMARY KEY, 0 when not part of it
  bool nullable = true;      // IS_NULLABLE; true when not known (a followed DDL)
};

struct InfoTable {
  std::string schema;
  std::string table;
  std::vector<InfoColumn> columns;  // in ORDINAL_POSITION order
  // The table's default charset and collation (TABLE_COLLATION), which
  // columns added later without one take; empty when not known.
  std::string charset;
  std::string collation;
  // Non-empty when the columns are not known: the DDL statement that could
  // not be followed, where it was and why (`columns` is then empty).
  std::string unknown;
};

// Fills in what the TABLE_MAP lacked in `schema` (from
// binlog::SchemaFromTableMap): names, is_unsigned, collation (63 for the
// binary string types, whose information_schema charset is empty), is_json,
// enum/set labels, geometry type and primary key; then sets every column's
// type_name from the merged column. What the TABLE_MAP carried wins when both
// are present. InvalidArgument when the column count differs or a column's
// information_schema type cannot have the TABLE_MAP's binlog type (e.g.
// LONG against varchar): the table changed since its schema was read, and the
// message names the table and the column. `schema` is unchanged on error.
Status MergeInfoSchema(const InfoTable& info, binlog::TableSchema* schema);

// Marks the columns of `schema` (from a TABLE_MAP with full metadata) that
// `info` marks JSON, by name: MariaDB writes its JSON columns as LONGTEXT.
void MarkJsonColumns(const InfoTable& info, binlog::TableSchema* schema);

// A complete TableSchema from information_schema alone (for the snapshot):
// binlog type codes and metadata as the server writes them in a TABLE_MAP
// (decimal(10,2) -> NEWDECIMAL meta (10 << 8) | 2; datetime(3) -> DATETIME2
// meta 3; varchar(n) -> VARCHAR meta n * the charset's bytes per character;
// char(n) -> STRING with the real type; enum -> ENUM; text types -> BLOB meta
// 1..4; ...), then MergeInfoSchema, so type_name is what a TABLE_MAP of the
// same table gives. NotSupported for a type the binlog decoder does not
// decode to the same value as the text protocol gives (MariaDB uuid, inet4,
// inet6) or does not know; InvalidArgument for a COLUMN_TYPE that cannot be
// parsed. Errors name the table and the column.
Result<binlog::TableSchema> SchemaFromInfo(const InfoTable& info);

// The labels of "enum('a','b''c')" or "set(...)" as information_schema
// prints them: quotes doubled inside labels, and the backslash escapes MySQL
// and MariaDB print (\\, \0, \n, \r, \Z, \t, \b, \', \"). InvalidArgument when
// the text is not an enum or set type.
Result<std::vector<std::string>> ParseEnumLabels(std::string_view column_type);

}  // namespace cdc::agent::mysql
