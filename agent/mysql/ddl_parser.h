// A parser of the MySQL/MariaDB DDL statements that change tables, for the
// schema history of the MySQL source: the binlog's QUERY events carry each
// DDL statement as the client sent it (DROP TABLE and CREATE TABLE ...
// SELECT as the server rewrote them), and following them in binlog order
// gives every table's columns at every position, whatever
// binlog_row_metadata is.
//
// Grammar: https://dev.mysql.com/doc/refman/8.4/en/sql-data-definition-statements.html
// and https://mariadb.com/kb/en/data-definition/. Understood:
//   CREATE [TEMPORARY] TABLE [IF NOT EXISTS] t (columns, keys, checks) [options]
//       [[IGNORE|REPLACE] [AS] SELECT ... | START TRANSACTION]
//   CREATE TABLE t LIKE s, CREATE TABLE t (LIKE s)
//   ALTER [ONLINE|IGNORE] TABLE [IF EXISTS] t op, op, ...  with op one of
//       ADD [COLUMN] [IF NOT EXISTS] c def [FIRST | AFTER x], ADD [COLUMN] (defs)
//       MODIFY [COLUMN] [IF EXISTS] c def [FIRST | AFTER x]
//       CHANGE [COLUMN] [IF EXISTS] old new def [FIRST | AFTER x]
//       RENAME COLUMN a TO b, DROP [COLUMN] [IF EXISTS] c
//       ADD [CONSTRAINT [n]] PRIMARY KEY (cols), DROP PRIMARY KEY
//       ADD [CONSTRAINT [n]] CHECK (json_valid(c))
//       CONVERT TO CHARACTER SET cs [COLLATE co], [DEFAULT] CHARACTER SET/COLLATE
//       RENAME [TO|AS] t2; every other clause (keys, indexes, engine,
//       partitions, ALTER COLUMN defaults, ...) leaves the columns as they are
//   RENAME TABLE a TO b [, c TO d ...], DROP [TEMPORARY] TABLE [IF EXISTS] t, ...
//   TRUNCATE [TABLE] t, CREATE/ALTER/DROP DATABASE|SCHEMA [IF [NOT] EXISTS] d
//   executable comments /*!NNNNN ... */ and MariaDB's /*M!NNNNNN ... */
// Statements that cannot change a table's columns (users, grants, routines,
// views, triggers, events, indexes, SET, ...) are kIgnored.
//
// Pure code: no I/O, no logging.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cdc::agent::mysql::ddl {

// How the server that wrote the statement reads it.
struct ParseOptions {
  bool mariadb = false;              // JSON is a LONGTEXT with a json_valid check
  bool ansi_quotes = false;          // sql_mode ANSI_QUOTES: "x" is an identifier
  bool no_backslash_escapes = false; // sql_mode NO_BACKSLASH_ESCAPES
  bool real_as_float = false;        // sql_mode REAL_AS_FLOAT: REAL is FLOAT
  // The server's version as in executable comments (10.11.6 -> 101106,
  // 8.0.36 -> 80036); 0 runs every executable comment.
  uint32_t server_version = 0;
};

// A table name; `db` is empty when the statement did not qualify it.
struct TableRef {
  std::string db;
  std::string table;
};

// One column definition, as written: the type in information_schema's
// terms, and the charset and collation when the definition names them.
struct ColumnDef {
  std::string name;
  std::string data_type;    // information_schema DATA_TYPE: "int", "varchar", "longtext", ...
  std::string column_type;  // COLUMN_TYPE: "int(10) unsigned", "enum('a','b''c')", ...
  bool textual = false;     // takes a charset: char, varchar, the text types, enum, set
  std::string charset;      // CHARACTER SET (lowercase); empty: the table's default
  std::string collation;    // COLLATE (lowercase); empty: the charset's default
  bool binary_collation = false;  // CHAR(n) BINARY: the charset's _bin collation
  bool is_json = false;     // MySQL json, MariaDB JSON, or CHECK (json_valid(c))
  bool primary_key = false; // PRIMARY KEY in the column definition
};

enum class Place { kLast, kFirst, kAfter };

struct AlterOp {
  enum class Kind {
    kAddColumn,       // def, place, after, if_not_exists
    kModifyColumn,    // def (def.name is the column), place, after, if_exists
    kChangeColumn,    // column -> def, place, after, if_exists
    kRenameColumn,    // column -> new_name
    kDropColumn,      // column, if_exists
    kAddPrimaryKey,   // key_columns
    kDropPrimaryKey,
    kJsonCheck,       // column: CHECK (json_valid(column)) added
    kConvertCharset,  // charset, collation: every text column and the default
    kDefaultCharset,  // charset, collation: the table default only
    kRenameTable,     // new_table
  };
  Kind kind = Kind::kAddColumn;
  std::string column;
  std::string new_name;
  ColumnDef def;
  Place place = Place::kLast;
  std::string after;
  bool if_exists = false;
  bool if_not_exists = false;
  std::vector<std::string> key_columns;
  std::string charset;
  std::string collation;
  TableRef new_table;
};

struct Statement {
  enum class Kind {
    kIgnored,         // cannot change a table's columns
    kUnparsed,        // may change tables, not understood: see `error`, `tables`
    kCreateTable,     // table, if_not_exists, columns, primary_key, charset, collation,
                      // like, columns_unknown
    kAlterTable,      // table, if_exists, ops
    kRenameTables,    // renames
    kDropTables,      // tables, if_exists
    kTruncate,        // table
    kCreateDatabase,  // database, if_not_exists, charset, collation
    kAlterDatabase,   // database (empty: the default database), charset, collation
    kDropDatabase,    // database, if_exists
  };
  Kind kind = Kind::kIgnored;
  TableRef table;
  bool temporary = false;  // TEMPORARY tables are the session's own, never in the binlog's rows
  bool if_exists = false;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<std::string> primary_key;
  std::string charset;
  std::string collation;
  bool has_like = false;
  TableRef like;
  bool columns_unknown = false;  // CREATE ... SELECT without a column list
  std::vector<AlterOp> ops;
  std::vector<std::pair<TableRef, TableRef>> renames;
  std::vector<TableRef> tables;  // DROP TABLE; for kUnparsed, the tables named before the error
  std::string database;
  std::string error;  // kUnparsed: what was not understood, and where
};

// Parses one statement. Never fails: what it cannot read is kUnparsed, with
// the tables it had read so far (empty when not even the name was read).
Statement Parse(std::string_view sql, const ParseOptions& options);

// A charset name as information_schema gives it: "utf8" -> "utf8mb3",
// others lowercased.
std::string NormalCharset(std::string_view name);

// "10.11.6-MariaDB-log" -> 101106, "8.0.36" -> 80036; 0 when unreadable.
uint32_t VersionNumber(std::string_view server_version);

}  // namespace cdc::agent::mysql::ddl
