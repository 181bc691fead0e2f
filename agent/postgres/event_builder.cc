#include "agent/postgres/event_builder.h"

#include <algorithm>

#include "agent/row_key.h"

namespace cdc::agent::postgres {

DebeziumTableInfo DebeziumTableOf(const RelationInfo& rel, const pgoutput::TypeRegistry& types,
                                  const std::vector<std::string>& not_null) {
  constexpr int32_t kVarHeader = 4;  // numeric's type modifier is offset by it
  using Kind = pgoutput::PgType::Kind;
  DebeziumTableInfo table;
  table.columns.reserve(rel.columns.size());
  for (const ColumnInfo& c : rel.columns) {
    DebeziumColumnInfo& info = table.columns.emplace_back();
    info.name = c.name;
    info.optional = std::find(not_null.begin(), not_null.end(), c.name) == not_null.end();
    // A domain is its base type, with the domain's modifier when the column
    // has none (bounded: domains over domains are few).
    int32_t typmod = c.type_modifier;
    const pgoutput::PgType* type = types.Find(c.type_oid);
    for (int depth = 0; depth < 8 && type != nullptr && type->kind == Kind::kDomain; ++depth) {
      if (typmod < 0) typmod = type->base_typmod;
      type = types.Find(type->base_oid);
    }
    if (type == nullptr) continue;
    info.type = type->name;
    // An array's modifier is its element's.
    const pgoutput::PgType* element =
        type->kind == Kind::kArray ? types.Find(type->element_oid) : type;
    if (element == nullptr) continue;
    if (element->kind == Kind::kEnum) info.allowed = element->labels;
    const std::string& name = element->name;
    if (name == "numeric" && typmod >= kVarHeader) {
      const int32_t mod = typmod - kVarHeader;
      info.length = (mod >> 16) & 0xffff;
      // PostgreSQL 15 keeps the scale in 11 bits, signed.
      info.scale = ((mod & 0x7ff) ^ 0x400) - 0x400;
    } else if ((name == "bit" || name == "varbit" || name == "time" || name == "timetz" ||
                name == "timestamp" || name == "timestamptz") &&
               typmod >= 0) {
      info.length = typmod;
    }
  }
  return table;
}

Status TupleToColumns(const RelationInfo& rel, const pgoutput::TypeRegistry& types,
                      const pgoutput::Tuple& tuple, bool identity_only,
                      google::protobuf::RepeatedPtrField<cdc::v1::Column>* out,
                      EventSpares* spares) {
  if (tuple.columns.size() != rel.columns.size()) {
    return Status::Corruption("table " + rel.schema + "." + rel.table + ": tuple has " +
                              std::to_string(tuple.columns.size()) + " columns, relation has " +
                              std::to_string(rel.columns.size()));
  }
  // Every column in the relation's order: named as its shape names them.
  ColumnFill fill(out, spares, identity_only ? nullptr : rel.shape.get());
  for (size_t i = 0; i < rel.columns.size(); ++i) {
    const ColumnInfo& info = rel.columns[i];
    if (identity_only && !info.identity) continue;
    const pgoutput::Datum& d = tuple.columns[i];
    cdc::v1::Value* v = fill.Next(info.name, info.type_name);
    switch (d.kind) {
      case pgoutput::DatumKind::kNull:
        v->set_null(true);
        break;
      case pgoutput::DatumKind::kUnchanged:
        v->set_unchanged(true);
        break;
      case pgoutput::DatumKind::kText: {
        Status s = pgoutput::TextToValue(types, info.type_oid, info.type_modifier, d.bytes, v);
        if (!s.ok()) return s.WithContext("table " + rel.schema + "." + rel.table + " column " + info.name);
        break;
      }
      case pgoutput::DatumKind::kBinary:
        return Status::NotSupported("table " + rel.schema + "." + rel.table + " column " +
                                    info.name + ": binary tuple data was not requested");
    }
  }
  return Status::OK();
}

bool BuildKey(const RelationInfo& rel,
              const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row,
              cdc::v1::RowKey* key) {
  key->Clear();
  if (rel.key_indexes.empty()) return false;
  for (int idx : rel.key_indexes) {
    const std::string& name = rel.columns[idx].name;
    const cdc::v1::Column* found = nullptr;
    for (const auto& c : row) {
      if (c.name() == name) {
        found = &c;
        break;
      }
    }
    if (found == nullptr || found->value().kind_case() == cdc::v1::Value::kNull ||
        found->value().kind_case() == cdc::v1::Value::kUnchanged) {
      key->Clear();
      return false;
    }
    AddKeyColumn(*found, key);
  }
  return true;
}

void SetKeyColumns(const std::vector<std::string>& names, RelationInfo* rel) {
  rel->key_indexes.clear();
  for (const auto& name : names) {
    for (size_t i = 0; i < rel->columns.size(); ++i) {
      if (rel->columns[i].name == name) rel->key_indexes.push_back(static_cast<int>(i));
    }
  }
}

TableShapePtr ShapeOf(const RelationInfo& rel) {
  auto shape = std::make_shared<TableShape>();
  shape->kind = cdc::v1::SOURCE_KIND_POSTGRES;
  shape->schema = rel.schema;
  shape->table = rel.table;
  shape->columns.reserve(rel.columns.size());
  for (const ColumnInfo& c : rel.columns) shape->columns.push_back({c.name, c.type_name});
  for (int idx : rel.key_indexes) shape->key.push_back(static_cast<size_t>(idx));
  return shape;
}

void FillTableFields(const RelationInfo& rel, cdc::v1::ChangeEvent* event) {
  cdc::v1::Source* src = event->mutable_source();
  if (!SameText(src->schema(), rel.schema)) src->set_schema(rel.schema);
  if (!SameText(src->table(), rel.table)) src->set_table(rel.table);
  for (int idx : rel.key_indexes) event->add_key_columns(rel.columns[idx].name);
}

}  // namespace cdc::agent::postgres
