#include "agent/postgres/postgres_check.h"

#include "agent/postgres/pg_connection.h"
#include "agent/postgres/postgres_source.h"

namespace cdc::agent::postgres {

namespace {

// A text[] literal element, quoted: {"a\"b"}.
std::string ArrayItem(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Value(PgConnection& conn, const std::string& sql,
                  const std::vector<std::string>& params = {}) {
  auto res = conn.Query(sql, params);
  if (!res.ok() || PQntuples(res->get()) == 0) return "";
  return PQgetvalue(res->get(), 0, 0);
}

}  // namespace

Result<std::vector<std::string>> TablesWithoutReplicaIdentity(PgConnection& conn,
                                                             const PostgresSourceConfig& config) {
  // Ordinary tables and partitions (UPDATE and DELETE run on the leaf
  // tables), permanent ones, without a usable replica identity.
  std::string sql =
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) "
      "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind = 'r' AND c.relpersistence = 'p' "
      "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_%' "
      "AND (c.relreplident = 'n' "
      "  OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
      "      WHERE i.indrelid = c.oid AND i.indisprimary)) "
      "  OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
      "      WHERE i.indrelid = c.oid AND i.indisreplident))) ";
  std::vector<std::string> params;
  if (!config.tables.empty()) {
    // The configured tables, and the partitions of those that are partitioned.
    std::string list;
    for (const auto& t : config.tables) {
      params.push_back(PgConnection::QuoteIdent(t.schema) + "." + PgConnection::QuoteIdent(t.table));
      list += (list.empty() ? "$" : ", $") + std::to_string(params.size()) + "::text";
    }
    sql += "AND (c.oid IN (SELECT x::regclass FROM unnest(ARRAY[" + list +
           "]) AS x WHERE to_regclass(x) IS NOT NULL) OR c.oid IN (SELECT relid FROM "
           "unnest(ARRAY[" + list + "]) AS x, pg_partition_tree(to_regclass(x))))";
  } else {
    params.push_back(config.publication);
    // An existing publication that is not FOR ALL TABLES publishes its list.
    sql += "AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1 AND "
           "NOT puballtables) OR c.oid IN (SELECT (quote_ident(schemaname) || '.' || "
           "quote_ident(tablename))::regclass FROM pg_catalog.pg_publication_tables WHERE "
           "pubname = $1)) ";
  }
  sql += " ORDER BY (quote_ident(n.nspname) || '.' || quote_ident(c.relname)) COLLATE \"C\"";
  CDC_ASSIGN_OR_RETURN(PgResult res, conn.Query(sql, params));
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(res.get()); ++i) out.emplace_back(PQgetvalue(res.get(), i, 0));
  return out;
}

std::string ReplicaIdentityWarning(const std::string& publication,
                                   const std::vector<std::string>& tables) {
  std::string names;
  for (const auto& t : tables) names += (names.empty() ? "" : ", ") + t;
  return "publication " + publication + " publishes " + std::to_string(tables.size()) +
         " table(s) with neither a primary key nor a replica identity: " + names +
         ". Once published, the application's UPDATE and DELETE on them fail (\"cannot update "
         "table ... because it does not have a replica identity and publishes updates\"). Fix "
         "each before running the agent: add a primary key, or ALTER TABLE ... REPLICA IDENTITY "
         "FULL (the whole row is then logged as the before image); or list only other tables in "
         "source.tables";
}

std::vector<std::string> CheckPostgres(const PostgresSourceConfig& config,
                                       std::vector<std::string>* warnings) {
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
  if (config.snapshot == SnapshotMode::kInitial) {
    // The snapshot reads rows with SELECT ... FOR SHARE, which needs the
    // UPDATE privilege on one column of the table.
    std::string sql_text =
        "SELECT string_agg(quote_ident(n.nspname) || '.' || quote_ident(c.relname), ', ' "
        "ORDER BY 1) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg_toast%' "
        "AND NOT (pg_catalog.has_table_privilege(c.oid, 'SELECT') "
        "AND pg_catalog.has_any_column_privilege(c.oid, 'UPDATE'))";
    std::vector<std::string> params;
    if (!config.tables.empty()) {
      sql_text += " AND (n.nspname, c.relname) IN (SELECT * FROM unnest($1::text[], $2::text[]))";
      std::string schemas = "{";
      std::string names = "{";
      for (size_t i = 0; i < config.tables.size(); ++i) {
        const char* sep = i ? "," : "";
        schemas += sep + ArrayItem(config.tables[i].schema);
        names += sep + ArrayItem(config.tables[i].table);
      }
      params = {schemas + "}", names + "}"};
    } else {
      // Every table, or those of an existing publication that lists tables.
      sql_text +=
          " AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1 AND "
          "NOT puballtables) OR (n.nspname, c.relname) IN (SELECT schemaname, tablename FROM "
          "pg_catalog.pg_publication_tables WHERE pubname = $1))";
      params = {config.publication};
    }
    const std::string lacking = Value(sql, sql_text, params);
    if (!lacking.empty()) {
      warnings->push_back(
          endpoint + ": role " + config.user + " cannot read " + lacking +
          " for the snapshot, which reads rows with SELECT ... FOR SHARE: grant SELECT and "
          "UPDATE on one column, e.g. GRANT SELECT, UPDATE (<a column>) ON <table> TO " +
          PgConnection::QuoteIdent(config.user) + " (the agent changes no data)");
    }
  }
  if (level == "logical") {
    Result<std::vector<std::string>> bare = TablesWithoutReplicaIdentity(sql, config);
    if (!bare.ok()) {
      problems.push_back(endpoint + ": cannot read the tables' replica identities: " +
                         bare.status().message());
    } else if (!bare->empty()) {
      warnings->push_back(endpoint + ": " + ReplicaIdentityWarning(config.publication, *bare));
    }
  }
  return problems;
}

}  // namespace cdc::agent::postgres
