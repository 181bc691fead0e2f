#include "agent/postgres/postgres_check.h"

#include "agent/postgres/pg_connection.h"
#include "agent/postgres/postgres_source.h"

namespace cdc::agent::postgres {

namespace {

std::string Value(PgConnection& conn, const std::string& sql,
                  const std::vector<std::string>& params = {}) {
  auto res = conn.Query(sql, params);
  if (!res.ok() || PQntuples(res->get()) == 0) return "";
  return PQgetvalue(res->get(), 0, 0);
}

}  // namespace

std::vector<std::string> CheckPostgres(const PostgresSourceConfig& config) {
  std::vector<std::string> problems;
  std::string endpoint =
      "postgres " + config.host + ":" + std::to_string(config.port) + "/" + config.database;
  std::string options = " options='" + std::string(kSessionOptions) + "'";
  PgConnection sql;
  Status s = sql.Connect(config.ConnInfo(false) + options, endpoint);
  if (!s.ok()) {
    problems.push_back(s.message() +
                       " (check source.host, source.port, source.user, source.password and "
                       "that the server is running)");
    return problems;
  }
  std::string level = Value(sql, "SHOW wal_level");
  if (level != "logical") {
    problems.push_back(endpoint + ": wal_level is " + level +
                       ", logical decoding needs logical: set wal_level = logical in "
                       "postgresql.conf and restart PostgreSQL");
  }
  if (Value(sql, "SELECT rolreplication OR rolsuper FROM pg_catalog.pg_roles "
                 "WHERE rolname = current_user") != "t") {
    problems.push_back(endpoint + ": role " + config.user +
                       " lacks the REPLICATION attribute: ALTER ROLE " +
                       PgConnection::QuoteIdent(config.user) + " REPLICATION");
  }
  PgConnection repl;
  s = repl.Connect(config.ConnInfo(true) + options, endpoint + " (replication)");
  if (!s.ok()) {
    problems.push_back(s.message() +
                       " (allow a replication connection for this user in pg_hba.conf)");
  }
  for (const auto& t : config.tables) {
    if (Value(sql,
              "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
              "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
              {t.schema, t.table}) != "1") {
      problems.push_back(endpoint + ": table " + t.ToString() +
                         " in source.tables does not exist");
    }
  }
  std::string plugin = Value(sql,
                             "SELECT plugin FROM pg_catalog.pg_replication_slots "
                             "WHERE slot_name = $1",
                             {config.slot});
  if (!plugin.empty() && plugin != "pgoutput") {
    problems.push_back(endpoint + ": replication slot " + config.slot + " uses plugin " + plugin +
                       "; set source.slot to another name");
  }
  if (plugin.empty() && level == "logical") {
    std::string free_slots = Value(
        sql,
        "SELECT current_setting('max_replication_slots')::int - "
        "(SELECT count(*) FROM pg_catalog.pg_replication_slots)");
    if (free_slots == "0") {
      problems.push_back(endpoint +
                         ": no free replication slot: raise max_replication_slots or drop an "
                         "unused slot");
    }
  }
  return problems;
}

}  // namespace cdc::agent::postgres
