// `cdc-agent check` for a PostgreSQL source: the prerequisites, one problem
// per line with its fix.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"
#include "common/status.h"

namespace cdc::agent::postgres {

class PgConnection;

// Connects with the configured credentials and returns every problem found
// (empty when the source is ready); what works but may hurt goes to
// `warnings` (tables the publication would make the application unable to
// update). Changes nothing on the server.
std::vector<std::string> CheckPostgres(const PostgresSourceConfig& config,
                                       std::vector<std::string>* warnings);

// The tables ("schema.table", quoted where needed) the source's publication
// publishes, or would publish once created (every table for FOR ALL TABLES,
// else source.tables or the publication's own list), that have neither a
// primary key nor another replica identity: once published, the
// application's UPDATE and DELETE on them fail ("cannot update table ...
// because it does not have a replica identity and publishes updates").
Result<std::vector<std::string>> TablesWithoutReplicaIdentity(PgConnection& conn,
                                                             const PostgresSourceConfig& config);

// One line naming `tables` and the two fixes.
std::string ReplicaIdentityWarning(const std::string& publication,
                                   const std::vector<std::string>& tables);

}  // namespace cdc::agent::postgres
