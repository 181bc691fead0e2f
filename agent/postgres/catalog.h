// Catalog lookups the PostgreSQL source needs beside the replication stream:
// user types (enums, domains, arrays) and the key columns of a table.
//
// Thread: the source's reader thread, on its ordinary SQL connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/postgres/pg_connection.h"
#include "common/status.h"
#include "decoders/pgoutput/types.h"

namespace cdc::agent::postgres {

class Catalog {
 public:
  explicit Catalog(PgConnection* conn) : conn_(conn) {}

  // Adds `oid` and every type it depends on (array element, domain base) to
  // `registry` when missing, with an enum's labels.
  Status EnsureType(uint32_t oid, pgoutput::TypeRegistry* registry);

  // The Kafka key columns of a table: its primary key in key order, or the
  // columns of its replica identity index when it has no primary key; empty
  // when it has neither.
  Result<std::vector<std::string>> KeyColumns(uint32_t relation_oid);

  // The names of the table's NOT NULL columns.
  Result<std::vector<std::string>> NotNullColumns(uint32_t relation_oid);

  struct RelationRef {
    uint32_t oid = 0;
    char kind = 'r';  // pg_class.relkind: 'r' table, 'p' partitioned table
  };
  // The table schema.table; NotFound if there is no such table.
  Result<RelationRef> FindRelation(const std::string& schema, const std::string& table);

  struct Column {
    std::string name;
    uint32_t type_oid = 0;       // pg_attribute.atttypid: a domain, not its base type
    int32_t type_modifier = -1;  // pg_attribute.atttypmod
  };
  // The live columns of a table in attnum order (the columns of SELECT *),
  // typed as declared: what pgoutput's Relation message says of them.
  Result<std::vector<Column>> Columns(uint32_t relation_oid);

 private:
  PgConnection* conn_;
};

}  // namespace cdc::agent::postgres
