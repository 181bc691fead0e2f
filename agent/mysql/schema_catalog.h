// SchemaCatalog: the tables and databases of a MySQL/MariaDB server as the
// DDL statements of its binlog leave them. information_schema gives the
// starting state once; every later change comes from the statements
// themselves, applied in binlog order, so the columns of a table at any
// position are known however far behind the server the reader is.
//
// Pure code: no I/O, no logging. Thread: the source's reader thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/mysql/ddl_parser.h"
#include "agent/mysql/table_schema.h"

namespace cdc::agent::mysql {

using TableKey = std::pair<std::string, std::string>;  // database, table

struct DatabaseDefaults {
  std::string charset;
  std::string collation;  // empty: the charset's default
};

struct Catalog {
  std::map<std::string, DatabaseDefaults> databases;
  std::map<TableKey, InfoTable> tables;
};

// What a statement is applied with.
struct DdlContext {
  std::string default_db;      // the database the statement ran in (QUERY event)
  std::string server_charset;  // character_set_server (collation_server's charset); may be empty
  std::string where;           // "binlog.000003:1234", for the reasons of unknown tables
  // lower_case_table_names is not 0: the server stores database and table
  // names in lowercase, whatever case a statement wrote them in.
  bool lowercase_names = false;
  // The databases whose tables are followed; others are left out.
  std::function<bool(const std::string& db)> tracked;
};

// "\"<sql, on one line, cut at 300 bytes>\" at <where> (<why>)": how an
// unknown table's reason names the statement.
std::string DescribeStatement(std::string_view sql, const std::string& where,
                              const std::string& why);

// Applies one parsed statement (text `sql`) to `catalog`. A statement that
// is not understood, or that does not fit what the catalog holds (an ALTER
// of a column it does not have, a table copied or renamed from one it does
// not know), leaves the tables it names unknown (InfoTable::unknown says
// which statement, where and why) instead of guessing. Returns the tracked
// tables the statement left unknown; a kUnparsed statement naming no table
// returns {"", ""} when the default database is tracked, as it may have
// changed any table.
std::vector<TableKey> ApplyDdl(const ddl::Statement& stmt, std::string_view sql,
                               const DdlContext& ctx, Catalog* catalog);

}  // namespace cdc::agent::mysql
