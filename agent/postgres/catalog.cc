#include "agent/postgres/catalog.h"

#include <cstdlib>

namespace cdc::agent::postgres {

namespace {

uint32_t ToOid(const char* text) { return static_cast<uint32_t>(std::strtoul(text, nullptr, 10)); }

constexpr const char* kTypeQuery =
    "SELECT typname, typtype, typelem, typbasetype, typdelim, typcategory, typtypmod "
    "FROM pg_catalog.pg_type WHERE oid = $1::oid";

constexpr const char* kPrimaryKeyQuery =
    "SELECT a.attname FROM pg_catalog.pg_index i "
    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord";

constexpr const char* kIdentityIndexQuery =
    "SELECT a.attname FROM pg_catalog.pg_index i "
    "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
    "JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
    "WHERE i.indrelid = $1::oid AND i.indisreplident ORDER BY k.ord";

constexpr const char* kEnumLabelsQuery =
    "SELECT enumlabel FROM pg_catalog.pg_enum WHERE enumtypid = $1::oid ORDER BY enumsortorder";

constexpr const char* kNotNullQuery =
    "SELECT attname FROM pg_catalog.pg_attribute "
    "WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped AND attnotnull";

constexpr const char* kColumnsQuery =
    "SELECT attname, atttypid, atttypmod FROM pg_catalog.pg_attribute "
    "WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum";

}  // namespace

Status Catalog::EnsureType(uint32_t oid, pgoutput::TypeRegistry* registry) {
  // Bounded: a domain over an array of a domain is as deep as it gets.
  for (int depth = 0; depth < 8 && registry->Find(oid) == nullptr; ++depth) {
    CDC_ASSIGN_OR_RETURN(PgResult res, conn_->Query(kTypeQuery, {std::to_string(oid)}));
    if (PQntuples(res.get()) != 1) {
      // Dropped since the WAL being decoded was written: its values pass
      // through as text rather than stopping the stream at this position.
      pgoutput::PgType gone;
      gone.oid = oid;
      gone.name = "oid:" + std::to_string(oid);
      gone.kind = pgoutput::PgType::Kind::kOther;
      registry->Add(std::move(gone));
      break;
    }
    pgoutput::PgType type;
    type.oid = oid;
    type.name = PQgetvalue(res.get(), 0, 0);
    char typtype = PQgetvalue(res.get(), 0, 1)[0];
    uint32_t elem = ToOid(PQgetvalue(res.get(), 0, 2));
    uint32_t base = ToOid(PQgetvalue(res.get(), 0, 3));
    type.delimiter = PQgetvalue(res.get(), 0, 4)[0];
    char category = PQgetvalue(res.get(), 0, 5)[0];
    uint32_t next = 0;
    if (typtype == 'e') {
      type.kind = pgoutput::PgType::Kind::kEnum;
      CDC_ASSIGN_OR_RETURN(PgResult labels, conn_->Query(kEnumLabelsQuery, {std::to_string(oid)}));
      for (int i = 0; i < PQntuples(labels.get()); ++i) {
        type.labels.emplace_back(PQgetvalue(labels.get(), i, 0));
      }
    } else if (typtype == 'd') {
      type.kind = pgoutput::PgType::Kind::kDomain;
      type.base_oid = base;
      type.base_typmod = static_cast<int32_t>(std::strtol(PQgetvalue(res.get(), 0, 6), nullptr, 10));
      next = base;
    } else if (typtype == 'b' && category == 'A' && elem != 0) {
      type.kind = pgoutput::PgType::Kind::kArray;
      type.element_oid = elem;
      next = elem;
    } else if (typtype == 'b') {
      type.kind = pgoutput::PgType::Kind::kBase;
    } else {
      type.kind = pgoutput::PgType::Kind::kOther;
    }
    registry->Add(std::move(type));
    if (next == 0) break;
    oid = next;
  }
  return Status::OK();
}

Result<std::vector<std::string>> Catalog::KeyColumns(uint32_t relation_oid) {
  std::vector<std::string> names;
  for (const char* sql : {kPrimaryKeyQuery, kIdentityIndexQuery}) {
    CDC_ASSIGN_OR_RETURN(PgResult res, conn_->Query(sql, {std::to_string(relation_oid)}));
    for (int i = 0; i < PQntuples(res.get()); ++i) names.emplace_back(PQgetvalue(res.get(), i, 0));
    if (!names.empty()) break;
  }
  return names;
}

Result<std::vector<std::string>> Catalog::NotNullColumns(uint32_t relation_oid) {
  CDC_ASSIGN_OR_RETURN(PgResult res, conn_->Query(kNotNullQuery, {std::to_string(relation_oid)}));
  std::vector<std::string> names;
  for (int i = 0; i < PQntuples(res.get()); ++i) names.emplace_back(PQgetvalue(res.get(), i, 0));
  return names;
}

Result<Catalog::RelationRef> Catalog::FindRelation(const std::string& schema,
                                                   const std::string& table) {
  CDC_ASSIGN_OR_RETURN(
      PgResult res,
      conn_->Query("SELECT c.oid, c.relkind FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2 "
                   "AND c.relkind IN ('r', 'p')",
                   {schema, table}));
  if (PQntuples(res.get()) != 1) {
    return Status::NotFound("postgres: table " + schema + "." + table + " does not exist");
  }
  RelationRef ref;
  ref.oid = ToOid(PQgetvalue(res.get(), 0, 0));
  ref.kind = PQgetvalue(res.get(), 0, 1)[0];
  return ref;
}

Result<std::vector<Catalog::Column>> Catalog::Columns(uint32_t relation_oid) {
  CDC_ASSIGN_OR_RETURN(PgResult res, conn_->Query(kColumnsQuery, {std::to_string(relation_oid)}));
  std::vector<Column> columns;
  columns.reserve(PQntuples(res.get()));
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    Column c;
    c.name = PQgetvalue(res.get(), i, 0);
    c.type_oid = ToOid(PQgetvalue(res.get(), i, 1));
    c.type_modifier = static_cast<int32_t>(std::strtol(PQgetvalue(res.get(), i, 2), nullptr, 10));
    columns.push_back(std::move(c));
  }
  return columns;
}

}  // namespace cdc::agent::postgres
