// `cdc-agent check` for a MySQL/MariaDB source: the prerequisites, one
// problem per line with its fix.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"

namespace cdc::agent::mysql {

// Connects with the configured credentials and returns every problem found
// (empty when the source is ready). Changes nothing on the server.
std::vector<std::string> CheckMysql(const MysqlSourceConfig& config);

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
