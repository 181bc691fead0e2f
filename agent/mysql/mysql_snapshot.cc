// The initial snapshot: every row of the captured tables as READ events, read
// in one consistent-snapshot transaction whose binlog position is where the
// stream then starts, so nothing is missed and nothing is read twice.
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include "agent/mysql/mysql_source.h"
#include "agent/mysql/text_values.h"
#include "agent/topic.h"
#include "common/clock.h"

namespace cdc::agent::mysql {

Status MysqlSource::Snapshot(BatchQueue& out, const std::atomic<bool>& stop,
                             offsets::Position* at) {
  // The rows are read as fast as Kafka takes them: a long pause while the
  // queue is full must not make the server drop the connection.
  CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION net_write_timeout = 3600"));
  // Values as stored: no PAD_CHAR_TO_FULL_LENGTH padding of CHAR columns.
  CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION sql_mode = ''"));
  CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  if (mariadb_) {
    // MariaDB reports the binlog position of the snapshot itself.
    CDC_RETURN_IF_ERROR(sql_.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT"));
    CDC_ASSIGN_OR_RETURN(QueryResult st, sql_.Query("SHOW STATUS LIKE 'binlog_snapshot_%'"));
    std::string file;
    uint64_t pos = 0;
    for (const auto& row : st.rows) {
      if (row.size() < 2 || !row[0] || !row[1]) continue;
      if (*row[0] == "Binlog_snapshot_file") file = *row[1];
      if (*row[0] == "Binlog_snapshot_position") {
        auto [ptr, ec] = std::from_chars(row[1]->data(), row[1]->data() + row[1]->size(), pos);
        if (ec != std::errc() || ptr != row[1]->data() + row[1]->size()) {
          return Status::Corruption(sql_.endpoint() + ": Binlog_snapshot_position '" + *row[1] +
                                    "' is not a number");
        }
      }
    }
    if (file.empty()) {
      return Status::InvalidArgument(sql_.endpoint() +
                                     ": no binlog_snapshot_file: the binary log is off");
    }
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> gtid,
                         sql_.Scalar("SELECT BINLOG_GTID_POS(" + sql_.QuoteLiteral(file) + ", " +
                                     std::to_string(pos) + ")"));
    *at = offsets::Position::Mysql(file, pos, gtid.value_or(""));
  } else {
    // MySQL: a global read lock held only while the transaction starts and
    // the position is read. Waiting for it behind a long query would block
    // every writer of the server meanwhile: give up after 10 s instead.
    CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION lock_wait_timeout = 10"));
    Status lock = sql_.Execute("FLUSH TABLES WITH READ LOCK");
    if (!lock.ok()) {
      return lock.WithContext(
          "the snapshot needs a moment's global read lock (grant RELOAD to the agent's user; "
          "if a long query held it up, retry when it is done; or use snapshot: never)");
    }
    Status s = sql_.Execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
    Result<offsets::Position> pos = s.ok() ? CurrentPosition() : Result<offsets::Position>(s);
    Status unlock = sql_.Execute("UNLOCK TABLES");
    if (!pos.ok()) return pos.status();
    CDC_RETURN_IF_ERROR(unlock);
    *at = *pos;
  }
  CDC_ASSIGN_OR_RETURN(Catalog catalog, ReadSchema(sql_, my_));
  const BinlogPos binlog_at{at->file, at->pos};
  if (CompareBinlogPos(binlog_at, history_.high()) >= 0) {
    CDC_RETURN_IF_ERROR(history_.Record(binlog_at, catalog));
  }
  std::vector<const InfoTable*> tables;
  for (const auto& [key, table] : catalog.tables) {
    if (my_.Includes(key.first, key.second)) tables.push_back(&table);
  }
  log_->info("snapshot of {} tables at {} started", tables.size(), at->ToString());
  const int64_t started_us = WallClockMicros();
  uint64_t event_index = 0;
  for (const InfoTable* table : tables) {
    if (stop.load()) break;
    Status s = SnapshotTable(out, stop, *table, *at, started_us, &event_index);
    if (s.IsAborted()) break;
    CDC_RETURN_IF_ERROR(s);
  }
  if (stop.load()) {
    sql_.Close();  // ends the snapshot transaction
    log_->info("snapshot interrupted by stop; it starts over on the next run");
    return Status::OK();
  }
  CDC_RETURN_IF_ERROR(sql_.Execute("COMMIT"));
  batch_.end_position = *at;
  if (!PushBatch(out)) return Status::OK();
  log_->info("snapshot done: {} rows", event_index);
  return Status::OK();
}

Status MysqlSource::SnapshotTable(BatchQueue& out, const std::atomic<bool>& stop,
                                  const InfoTable& info, const offsets::Position& at,
                                  int64_t started_us, uint64_t* event_index) {
  const std::string name = info.schema + "." + info.table;
  Result<binlog::TableSchema> described = SchemaFromInfo(info);
  if (!described.ok()) return described.status().WithContext("snapshot of " + name);
  binlog::TableSchema schema = std::move(described).value();
  std::string select = "SELECT ";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    select += (i ? ", " : "") + SnapshotSelectExpr(schema.columns[i], mariadb_);
  }
  select += " FROM " + MysqlConnection::QuoteIdent(info.schema) + "." +
            MysqlConnection::QuoteIdent(info.table);
  const std::string topic = TopicName(topic_prefix_, info.schema, info.table);
  const std::shared_ptr<const DebeziumTableInfo> debezium = DebeziumFacts(schema);
  RowContext ctx;
  ctx.kind = mariadb_ ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL;
  ctx.server_name = config_.source.name;
  ctx.file = at.file;
  ctx.pos = at.pos;
  ctx.commit_time_us = started_us;
  binlog::RowChange change;
  uint64_t rows = 0;
  Status s = sql_.Stream(select, [&](const RowView& row) -> Status {
    if (stop.load()) return Status::Aborted("stopped");
    if (row.size() != schema.columns.size()) {
      return Status::Corruption("snapshot of " + name + ": " + std::to_string(row.size()) +
                                " values for " + std::to_string(schema.columns.size()) +
                                " columns");
    }
    change.after.present.assign(row.size(), true);
    change.after.values.resize(row.size());
    for (size_t i = 0; i < row.size(); ++i) {
      cdc::v1::Value& v = change.after.values[i];
      v.Clear();
      if (!row[i]) {
        v.set_null(true);
        continue;
      }
      CDC_RETURN_IF_ERROR(
          TextToValue(schema.columns[i], *row[i], &v).WithContext("snapshot of " + name));
    }
    ctx.event_index = (*event_index)++;
    OutEvent& e = batch_.events.emplace_back();
    e.topic = topic;
    e.debezium_table = debezium;
    e.has_key = BuildRowEvent(schema, binlog::RowsKind::kWrite, change, ctx, &e.event, &e.key);
    e.event.set_op(cdc::v1::OP_READ);
    e.event.mutable_source()->set_snapshot(true);
    ++rows;
    if (static_cast<int>(batch_.events.size()) >= config_.batch_max_events && !PushBatch(out)) {
      return Status::Aborted("stopped");
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  log_->info("snapshot of {}: {} rows", name, rows);
  return Status::OK();
}

}  // namespace cdc::agent::mysql
