// `cdc-agent check` for a PostgreSQL source: the prerequisites, one problem
// per line with its fix.
#pragma once

#include <string>
#include <vector>

#include "agent/config.h"

namespace cdc::agent::postgres {

// Connects with the configured credentials and returns every problem found
// (empty when the source is ready). Changes nothing on the server.
std::vector<std::string> CheckPostgres(const PostgresSourceConfig& config);

}  // namespace cdc::agent::postgres
