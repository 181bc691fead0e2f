// Turns decoded pgoutput tuples into cdc.v1 change events.
//
// Thread: the source's reader thread. Pure apart from the TypeRegistry it
// reads; no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/batch.h"
#include "agent/debezium_json.h"
#include "agent/table_shape.h"
#include "agent/topic.h"
#include "cdc/v1/change_event.pb.h"
#include "common/status.h"
#include "decoders/pgoutput/decoder.h"
#include "decoders/pgoutput/types.h"

namespace cdc::agent::postgres {

struct ColumnInfo {
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  std::string type_name;
  bool identity = false;  // part of the replica identity (pgoutput's key flag)
};

// What the source knows about one published table.
struct RelationInfo {
  uint32_t oid = 0;
  std::string schema;
  std::string table;
  char replica_identity = 'd';
  std::vector<ColumnInfo> columns;
  // Indexes into `columns` of the Kafka key: the primary key, or the replica
  // identity index columns when there is no primary key; empty means a null
  // Kafka key.
  std::vector<int> key_indexes;
  bool included = true;  // matches source.tables
  std::string topic;
  // What the dispatch stage needs of it (ShapeOf).
  TableShapePtr shape;
  // With kafka.format debezium-json: DebeziumTableOf(*this).
  std::shared_ptr<const DebeziumTableInfo> debezium;
};

// The table facts Debezium's form needs and events do not carry: every
// column with its type (a domain's base type), the type modifier's numeric
// precision and scale, bit length and fractional-second digits (of an
// array's element too), an enum's labels, and which columns are NOT NULL
// (`not_null` names them). Column defaults are not given.
DebeziumTableInfo DebeziumTableOf(const RelationInfo& rel, const pgoutput::TypeRegistry& types,
                                  const std::vector<std::string>& not_null);

// Converts a tuple into columns. With `identity_only`, only replica identity
// columns are emitted (the 'K' old tuple of an update or delete). 'u' datums
// become Value.unchanged. The error names the table and column. With
// `spares`, a column without a value takes a kept one.
Status TupleToColumns(const RelationInfo& rel, const pgoutput::TypeRegistry& types,
                      const pgoutput::Tuple& tuple, bool identity_only,
                      google::protobuf::RepeatedPtrField<cdc::v1::Column>* out,
                      EventSpares* spares = nullptr);

// Fills the RowKey from a row image holding the key columns (looked up by
// name). Returns false when the relation has no key or a key column is
// missing, null or unchanged in that image.
bool BuildKey(const RelationInfo& rel, const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row,
              cdc::v1::RowKey* key);

// Sets rel->key_indexes from key column names (in key order); names that are
// not columns of the relation are ignored.
void SetKeyColumns(const std::vector<std::string>& names, RelationInfo* rel);

// The relation as the dispatch stage sees it.
TableShapePtr ShapeOf(const RelationInfo& rel);

// Sets the per-table fields of the event's source and key_columns.
void FillTableFields(const RelationInfo& rel, cdc::v1::ChangeEvent* event);

}  // namespace cdc::agent::postgres
