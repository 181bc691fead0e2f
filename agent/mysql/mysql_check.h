// `cdc-agent check` for a MySQL/MariaDB source: the prerequisites, one
// problem per line with its fix.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"
#include "common/status.h"

namespace cdc::agent::mysql {

class MysqlConnection;

// What makes the server unusable as a source, whatever the user's grants:
// the binary log off, binlog_format not ROW, binlog_row_image not FULL,
// MariaDB's log_bin_compress on, source.server_id equal to the server's own.
// One line each with its fix; empty when none. `check` lists them, `run`
// refuses to start on any.
Result<std::vector<std::string>> ServerSettingProblems(MysqlConnection& conn,
                                                       const MysqlSourceConfig& config);

// Connects with the configured credentials and returns every problem found
// (empty when the source is ready); what works but costs something goes to
// `warnings` (binlog_row_metadata not FULL). Changes nothing on the server.
std::vector<std::string> CheckMysql(const MysqlSourceConfig& config,
                                    std::vector<std::string>* warnings);

// The privileges the rows of SHOW GRANTS give, as "PRIVILEGE ON object"
// pairs: {"REPLICATION SLAVE", "*.*"}. Exposed for tests.
struct Grant {
  std::string privilege;  // uppercase, e.g. "SELECT", "ALL PRIVILEGES"
  std::string object;     // "*.*", "`db`.*", "`db`.`t`" as the server prints it
};
std::vector<Grant> ParseGrants(const std::vector<std::string>& show_grants_rows);

// True when `grants` give `privilege` on `db`.`table` (table empty: on the
// whole database; db empty: globally).
bool HasPrivilege(const std::vector<Grant>& grants, const std::string& privilege,
                  const std::string& db = "", const std::string& table = "");

}  // namespace cdc::agent::mysql
