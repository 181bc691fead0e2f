// The initial snapshot: every row of the captured tables as READ events, read
// in the snapshot exported when the slot was created.
#include <spdlog/spdlog.h>

#include <chrono>

#include "agent/postgres/postgres_source.h"
#include "common/clock.h"

namespace cdc::agent::postgres {

Status PostgresSource::Snapshot(BatchQueue& out, const std::atomic<bool>& stop,
                                uint64_t consistent_lsn) {
  CDC_RETURN_IF_ERROR(sql_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  CDC_RETURN_IF_ERROR(sql_.Exec("SET TRANSACTION SNAPSHOT " + PgConnection::QuoteLiteral(snapshot_name_)));

  std::vector<TableName> tables = pg_.tables;
  if (tables.empty()) {
    CDC_ASSIGN_OR_RETURN(
        PgResult res,
        sql_.Query("SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables "
                   "WHERE pubname = $1 ORDER BY 1, 2",
                   {pg_.publication}));
    for (int i = 0; i < PQntuples(res.get()); ++i) {
      tables.push_back({PQgetvalue(res.get(), i, 0), PQgetvalue(res.get(), i, 1)});
    }
  }
  log_->info("snapshot of {} tables at {} started", tables.size(), offsets::FormatLsn(consistent_lsn));
  int64_t started_us = WallClockMicros();
  uint64_t event_index = 0;
  for (const auto& table : tables) {
    if (stop.load()) break;
    CDC_RETURN_IF_ERROR(SnapshotTable(out, stop, table, consistent_lsn, started_us, &event_index));
  }
  CDC_RETURN_IF_ERROR(sql_.Exec(stop.load() ? "ROLLBACK" : "COMMIT"));
  if (stop.load()) {
    log_->info("snapshot interrupted by stop; it starts over on the next run");
    return Status::OK();
  }
  batch_.end_position = offsets::Position::Postgres(consistent_lsn);
  last_commit_end_ = consistent_lsn;
  if (!PushBatch(out)) return Status::Aborted("stopped");
  log_->info("snapshot done: {} rows", event_index);
  return Status::OK();
}

Status PostgresSource::SnapshotTable(BatchQueue& out, const std::atomic<bool>& stop,
                                     const TableName& table, uint64_t consistent_lsn,
                                     int64_t started_us, uint64_t* event_index) {
  CDC_ASSIGN_OR_RETURN(Catalog::RelationRef ref, catalog_->FindRelation(table.schema, table.table));
  uint32_t oid = ref.oid;
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> keys, catalog_->KeyColumns(oid));

  RelationInfo rel;
  rel.oid = oid;
  rel.schema = table.schema;
  rel.table = table.table;
  rel.topic = TopicName(topic_prefix_, table.schema, table.table);
  // The columns are typed from pg_attribute, not from the query result: a
  // result gives a domain column its base type, so READ events would name
  // "int4" where the stream's Relation message names "posint".
  CDC_ASSIGN_OR_RETURN(std::vector<Catalog::Column> columns, catalog_->Columns(oid));
  std::string select_list;
  for (const Catalog::Column& c : columns) {
    CDC_ASSIGN_OR_RETURN(ColumnInfo col, DescribeColumn(c.name, c.type_oid, c.type_modifier));
    rel.columns.push_back(std::move(col));
    if (!select_list.empty()) select_list += ", ";
    select_list += PgConnection::QuoteIdent(c.name);
  }
  SetKeyColumns(keys, &rel);
  CDC_RETURN_IF_ERROR(DescribeForDebezium(&rel));

  std::string qualified = PgConnection::QuoteIdent(table.schema) + "." + PgConnection::QuoteIdent(table.table);
  // Rows of inheritance children belong to the children's own topics; a
  // partitioned table's rows are its partitions' rows.
  std::string from = ref.kind == 'p' ? qualified : "ONLY " + qualified;
  // The columns are named so that the result matches rel.columns one to one.
  CDC_RETURN_IF_ERROR(sql_.Exec("DECLARE cdc_snapshot NO SCROLL CURSOR FOR SELECT " + select_list +
                                " FROM " + from));
  std::string fetch = "FETCH " + std::to_string(pg_.snapshot_chunk_rows) + " FROM cdc_snapshot";

  uint64_t rows = 0;
  cdc::v1::RowKey key;
  while (!stop.load()) {
    CDC_ASSIGN_OR_RETURN(PgResult res, sql_.Query(fetch));
    PGresult* r = res.get();
    int n = PQntuples(r);
    if (n == 0) break;
    for (int row = 0; row < n; ++row) {
      cdc::v1::ChangeEvent event;
      for (size_t c = 0; c < rel.columns.size(); ++c) {
        const ColumnInfo& info = rel.columns[c];
        cdc::v1::Column* col = event.add_after();
        col->set_name(info.name);
        col->set_type(info.type_name);
        if (PQgetisnull(r, row, static_cast<int>(c))) {
          col->mutable_value()->set_null(true);
          continue;
        }
        std::string_view text(PQgetvalue(r, row, static_cast<int>(c)),
                              PQgetlength(r, row, static_cast<int>(c)));
        Status s = pgoutput::TextToValue(types_, info.type_oid, info.type_modifier, text,
                                         col->mutable_value());
        if (!s.ok()) return s.WithContext("snapshot of " + table.ToString() + " column " + info.name);
      }
      bool has_key = BuildKey(rel, event.after(), &key);
      cdc::v1::ChangeEvent& e = NewEvent(rel, cdc::v1::OP_READ, 0, has_key, &key);
      e.mutable_source()->set_snapshot(true);
      e.mutable_source()->mutable_postgres()->set_commit_lsn(consistent_lsn);
      e.mutable_source()->set_commit_time_us(started_us);
      e.mutable_source()->set_event_index((*event_index)++);
      *e.mutable_after() = std::move(*event.mutable_after());
      ++rows;
      if (static_cast<int>(batch_.events.size()) >= config_.batch_max_events && !PushBatch(out)) {
        return Status::Aborted("stopped");
      }
    }
  }
  CDC_RETURN_IF_ERROR(sql_.Exec("CLOSE cdc_snapshot"));
  log_->info("snapshot of {}: {} rows", table.ToString(), rows);
  return Status::OK();
}

}  // namespace cdc::agent::postgres
