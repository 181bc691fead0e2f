#include "agent/mysql/mysql_check.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "agent/mysql/mysql_connection.h"

namespace cdc::agent::mysql {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// "`db`.`t`" / "db.*" / "*.*" -> {"db", "t"}; backquotes removed.
std::pair<std::string, std::string> SplitObject(std::string_view object) {
  std::string parts[2];
  int part = 0;
  bool quoted = false;
  for (size_t i = 0; i < object.size(); ++i) {
    char c = object[i];
    if (c == '`') {
      if (quoted && i + 1 < object.size() && object[i + 1] == '`') {
        parts[part] += '`';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted && part == 0) {
      part = 1;
    } else {
      parts[part] += c;
    }
  }
  return {parts[0], parts[1]};
}

bool Covers(const std::string& object, const std::string& db, const std::string& table) {
  auto [odb, otable] = SplitObject(object);
  if (odb == "*") return true;  // global
  if (db.empty() || odb != db) return false;
  if (otable == "*") return true;
  return !table.empty() && otable == table;
}

}  // namespace

std::vector<Grant> ParseGrants(const std::vector<std::string>& rows) {
  std::vector<Grant> out;
  for (const std::string& row : rows) {
    std::string_view text = row;
    if (Upper(text.substr(0, 6)) != "GRANT ") continue;
    const std::string upper = Upper(text);
    size_t on = upper.find(" ON ");
    size_t to = upper.find(" TO ", on == std::string::npos ? 0 : on);
    if (on == std::string::npos || to == std::string::npos) continue;  // a role grant
    std::string object(Trim(text.substr(on + 4, to - on - 4)));
    // Privileges, with column lists "(a, b)" dropped.
    std::string privileges;
    int depth = 0;
    for (char c : upper.substr(6, on - 6)) {
      if (c == '(') ++depth;
      if (depth == 0) privileges += c;
      if (c == ')') --depth;
    }
    size_t start = 0;
    while (start <= privileges.size()) {
      size_t comma = privileges.find(',', start);
      std::string_view p = Trim(std::string_view(privileges).substr(
          start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!p.empty()) out.push_back(Grant{std::string(p), object});
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

bool HasPrivilege(const std::vector<Grant>& grants, const std::string& privilege,
                  const std::string& db, const std::string& table) {
  for (const Grant& g : grants) {
    if (!Covers(g.object, db, table)) continue;
    if (g.privilege == privilege || g.privilege == "ALL PRIVILEGES" || g.privilege == "ALL") {
      return true;
    }
  }
  return false;
}

Result<std::vector<std::string>> ServerSettingProblems(MysqlConnection& conn,
                                                       const MysqlSourceConfig& config) {
  std::vector<std::string> problems;
  const std::string& at = conn.endpoint();
  CDC_ASSIGN_OR_RETURN(QueryResult vars,
                       conn.Query("SELECT @@global.log_bin, @@global.binlog_format, "
                                  "@@global.binlog_row_image, @@global.server_id"));
  if (vars.rows.size() != 1 || vars.rows[0].size() != 4) {
    return Status::Corruption(at + ": unexpected answer to the binlog settings query");
  }
  const auto& v = vars.rows[0];
  std::string log_bin = v[0].value_or(""), format = v[1].value_or("");
  std::string image = v[2].value_or(""), server_id = v[3].value_or("");
  if (log_bin != "1" && log_bin != "ON") {
    problems.push_back(at + ": the binary log is off; start the server with log_bin "
                            "(log-bin=NAME in its configuration) and restart it");
  }
  if (format != "ROW") {
    problems.push_back(at + ": binlog_format is " + format +
                       ", not ROW; set binlog_format=ROW in the server configuration");
  }
  if (image != "FULL") {
    problems.push_back(at + ": binlog_row_image is " + image +
                       ", not FULL; set binlog_row_image=FULL in the server configuration");
  }
  if (conn.is_mariadb()) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> compress,
                         conn.Scalar("SELECT @@global.log_bin_compress"));
    if (compress.value_or("0") != "0" && compress.value_or("OFF") != "OFF") {
      problems.push_back(at + ": log_bin_compress is ON: cdc-agent does not read compressed "
                              "binlog events; set log_bin_compress=OFF");
    }
  }
  if (server_id == std::to_string(config.server_id)) {
    problems.push_back(at + ": source.server_id " + server_id +
                       " is the server's own server_id; choose a number no server or replica "
                       "of this replication topology uses");
  }
  return problems;
}

std::vector<std::string> CheckMysql(const MysqlSourceConfig& config,
                                    std::vector<std::string>* warnings) {
  std::vector<std::string> problems;
  MysqlConnection conn;
  Status s = conn.Connect(config);
  if (!s.ok()) {
    problems.push_back(s.message() + "; check source.host, source.port, source.user and "
                                     "source.password, and that the server accepts the user "
                                     "from this host");
    return problems;
  }
  const std::string& at = conn.endpoint();
  Result<std::vector<std::string>> settings = ServerSettingProblems(conn, config);
  if (!settings.ok()) {
    problems.push_back(at + ": cannot read the binlog settings: " + settings.status().message());
    return problems;
  }
  problems = std::move(settings).value();
  Result<std::optional<std::string>> metadata = conn.Scalar("SELECT @@global.binlog_row_metadata");
  const std::string row_metadata = metadata.ok() ? metadata->value_or("") : "";
  if (row_metadata != "FULL") {
    warnings->push_back(
        at + ": binlog_row_metadata is " + (row_metadata.empty() ? "not available" : row_metadata) +
        ", not FULL: the agent follows the binlog's DDL statements for column names, keys and "
        "charsets, and stops at one it cannot parse; with binlog_row_metadata=FULL (MySQL "
        "8.0.1+, MariaDB 10.5+) every rows event carries its own columns, so such a statement "
        "only warns. Set binlog_row_metadata=FULL in the server configuration");
  }
  const std::string ours = std::to_string(config.server_id);
  // Other replicas that registered with the server.
  if (auto hosts = conn.Query("SHOW SLAVE HOSTS"); hosts.ok()) {
    for (const auto& row : hosts->rows) {
      if (!row.empty() && row[0] && *row[0] == ours) {
        problems.push_back(at + ": source.server_id " + ours +
                           " is used by a replica of this server (SHOW SLAVE HOSTS); choose "
                           "another");
      }
    }
  }

  auto grants_result = conn.Query("SHOW GRANTS FOR CURRENT_USER()");
  if (!grants_result.ok()) {
    problems.push_back(at + ": cannot read the user's grants: " +
                       grants_result.status().message());
    return problems;
  }
  std::vector<std::string> rows;
  for (const auto& row : grants_result->rows) {
    if (!row.empty() && row[0]) rows.push_back(*row[0]);
  }
  std::vector<Grant> grants = ParseGrants(rows);
  const std::string user = config.user;
  if (!HasPrivilege(grants, "REPLICATION SLAVE") && !HasPrivilege(grants, "REPLICATION REPLICA")) {
    problems.push_back(at + ": user " + user +
                       " lacks REPLICATION SLAVE, needed to read the binlog; run GRANT "
                       "REPLICATION SLAVE ON *.* TO '" + user + "'@'%'");
  }
  // MariaDB 10.5+ split REPLICATION CLIENT into BINLOG MONITOR (same grant name works).
  if (!HasPrivilege(grants, "REPLICATION CLIENT") && !HasPrivilege(grants, "BINLOG MONITOR")) {
    problems.push_back(at + ": user " + user +
                       " lacks REPLICATION CLIENT, needed to read the binlog position; run "
                       "GRANT REPLICATION CLIENT ON *.* TO '" + user + "'@'%'");
  }
  std::set<std::string> databases(config.databases.begin(), config.databases.end());
  if (config.databases.empty() && config.tables.empty()) {
    if (!HasPrivilege(grants, "SELECT")) {
      problems.push_back(at + ": user " + user +
                         " lacks SELECT on *.*, needed for the snapshot and the schema of every "
                         "captured table; run GRANT SELECT ON *.* TO '" + user +
                         "'@'%' or list source.databases");
    }
  }
  for (const std::string& db : databases) {
    if (!HasPrivilege(grants, "SELECT", db)) {
      problems.push_back(at + ": user " + user + " lacks SELECT on " +
                         MysqlConnection::QuoteIdent(db) + ".*; run GRANT SELECT ON " +
                         MysqlConnection::QuoteIdent(db) + ".* TO '" + user + "'@'%'");
    }
  }
  for (const TableName& t : config.tables) {
    if (databases.count(t.schema) != 0) continue;
    if (!HasPrivilege(grants, "SELECT", t.schema, t.table)) {
      const std::string name =
          MysqlConnection::QuoteIdent(t.schema) + "." + MysqlConnection::QuoteIdent(t.table);
      problems.push_back(at + ": user " + user + " lacks SELECT on " + name +
                         "; run GRANT SELECT ON " + name + " TO '" + user + "'@'%'");
    }
  }
  // The configured databases and tables exist.
  for (const std::string& db : databases) {
    auto found = conn.Scalar(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
        conn.QuoteLiteral(db));
    if (found.ok() && found->value_or("0") == "0") {
      problems.push_back(at + ": source.databases: database " + db +
                         " does not exist (or the user cannot see it)");
    }
  }
  for (const TableName& t : config.tables) {
    auto found = conn.Scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                             conn.QuoteLiteral(t.schema) +
                             " AND TABLE_NAME = " + conn.QuoteLiteral(t.table));
    if (found.ok() && found->value_or("0") == "0") {
      problems.push_back(at + ": source.tables: table " + t.ToString() +
                         " does not exist (or the user cannot see it)");
    }
  }
  return problems;
}

}  // namespace cdc::agent::mysql
