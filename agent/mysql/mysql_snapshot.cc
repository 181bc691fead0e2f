// The snapshot: every row of the captured tables as READ events, read in
// primary-key chunks while the stream flows, and resumable at any chunk.
//
// How one chunk stays consistent with the stream. The chunk is read in a
// short READ COMMITTED transaction with a locking read (LOCK IN SHARE MODE /
// FOR SHARE, NOWAIT), which returns each row's latest committed version and
// share-locks it; while the locks are held, the binlog's end is read (SHOW
// MASTER STATUS: the high mark), then the transaction commits. A transaction
// that changed one of the chunk's rows before the read released its row
// locks only after writing its binlog, so it lies before the high mark; a
// later change of those rows waits for the chunk's locks and is written
// after it. The reader publishes the chunk's rows once the stream has read
// up to the high mark and is between transactions: every change before that
// point is already in the rows, every change after it is newer than them.
// The table's metadata lock, taken by the transaction's first read of it,
// keeps DDL out until the high mark, so the columns read are the table's
// columns there.
//
// A chunk is published whole, at a transaction boundary; the position after
// it carries the next chunk's start (the last key of its range), so a restart
// reads on from there.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "agent/mysql/mysql_source.h"
#include "agent/mysql/text_values.h"
#include "agent/topic.h"
#include "common/clock.h"

namespace cdc::agent::mysql {

namespace {

// A table without a primary key is read whole, in one chunk.
constexpr const char* kWholeCursor = "#whole";
constexpr int kMinChunkRows = 64;
constexpr int kSnapshotReadTimeoutS = 600;
constexpr unsigned int kErrorLockWaitTimeout = 1205;  // MariaDB's NOWAIT failure too
constexpr unsigned int kErrorLockDeadlock = 1213;
constexpr unsigned int kErrorLockNowait = 3572;       // MySQL 8
constexpr unsigned int kErrorNoSuchTable = 1146;

bool IsBinaryType(const InfoColumn& c) {
  static constexpr std::string_view kBinary[] = {"binary",   "varbinary",  "tinyblob", "blob",
                                                 "mediumblob", "longblob", "bit"};
  return std::find(std::begin(kBinary), std::end(kBinary), c.data_type) != std::end(kBinary);
}

std::string HexLiteral(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out + "'";
}

// "(k1 > v1) OR (k1 = v1 AND k2 > v2) ..." for op ">", and the same with
// "<" and a last "<=" for op "<=": a row comparison in a form both MySQL
// and MariaDB turn into an index range.
std::string KeyCompare(const std::vector<std::string>& keys,
                       const std::vector<std::string>& values, bool greater) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string term;
    for (size_t j = 0; j < i; ++j) term += keys[j] + " = " + values[j] + " AND ";
    const bool last = i + 1 == keys.size();
    term += keys[i] + (greater ? " > " : (last ? " <= " : " < ")) + values[i];
    out += (i ? " OR (" : "(") + term + ")";
  }
  return "(" + out + ")";
}

}  // namespace

Status MysqlSource::BeginSnapshot() {
  CDC_ASSIGN_OR_RETURN(Catalog catalog, ReadSchema(sql_, my_));
  offsets::SnapshotProgress snap;
  for (const auto& [key, table] : catalog.tables) {
    if (my_.Includes(key.first, key.second)) snap.tables.push_back({key.first, key.second});
  }
  if (snap.tables.empty()) {
    log_->info("snapshot: no table to read");
    return Status::OK();
  }
  OrderForSnapshot(&snap.tables);
  snap.started_us = WallClockMicros();
  log_->info("snapshot of {} tables started, in chunks of up to {} rows, while streaming",
             snap.tables.size(), my_.snapshot_chunk_rows);
  snapshot_ = std::move(snap);
  return Status::OK();
}

Result<BinlogPos> MysqlSource::BinlogEnd() {
  Result<QueryResult> status = sql_.Query("SHOW MASTER STATUS");
  if (!status.ok() && !mariadb_) status = sql_.Query("SHOW BINARY LOG STATUS");  // MySQL 8.4
  if (!status.ok()) return status.status();
  if (status->rows.empty() || status->rows[0].size() < 2 || !status->rows[0][0] ||
      !status->rows[0][1]) {
    return Status::InvalidArgument(sql_.endpoint() +
                                   ": SHOW MASTER STATUS is empty: the binary log is off");
  }
  BinlogPos end;
  end.file = *status->rows[0][0];
  const std::string& pos = *status->rows[0][1];
  auto [ptr, ec] = std::from_chars(pos.data(), pos.data() + pos.size(), end.pos);
  if (ec != std::errc() || ptr != pos.data() + pos.size()) {
    return Status::Corruption(sql_.endpoint() + ": SHOW MASTER STATUS position '" + pos +
                              "' is not a number");
  }
  return end;
}

void MysqlSource::NextSnapshotTable() {
  if (FinishSnapshotTable(&snapshot_)) log_->info("snapshot done: {} rows", snapshot_rows_);
  requests_.Finished(snapshot_, committed_);
  // The progress moved without events: record it at the next boundary (not
  // while resuming inside a transaction, whose position must stay).
  if (!in_txn_ && !txn_pending_ && skip_rows_ == 0 && !resume_txn_) {
    batch_.end_position = committed_;
  }
}

Status MysqlSource::TakeSnapshotRequests() {
  CDC_ASSIGN_OR_RETURN(std::vector<TableName> requested, requests_.Poll());
  std::vector<TableName> tables;
  for (const TableName& t : requested) {
    if (!my_.Includes(t.schema, t.table)) {
      log_->warn("snapshot request: {} is not captured (source.databases, source.tables); left "
                 "out", t.ToString());
      continue;
    }
    tables.push_back(t);
  }
  if (tables.empty()) {
    requests_.Finished(snapshot_, committed_);
    return Status::OK();
  }
  const bool running = snapshot_.has_value();
  const size_t added = AddToSnapshot(tables, &snapshot_, WallClockMicros());
  log_->info("snapshot requested of {} tables: {} added{}", tables.size(), added,
             running ? " to the snapshot in progress" : ", a new snapshot started");
  // Recorded with the next position, so a restart goes on with it.
  if (added > 0 && !in_txn_ && !txn_pending_ && skip_rows_ == 0 && !resume_txn_) {
    batch_.end_position = committed_;
  }
  return Status::OK();
}

Status MysqlSource::SnapshotStep() {
  CDC_RETURN_IF_ERROR(TakeSnapshotRequests());
  if (!snapshot_ || pending_chunk_ || std::chrono::steady_clock::now() < next_chunk_at_) {
    return Status::OK();
  }
  if (!sql_.connected()) CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSnapshotReadTimeoutS));
  if (RowsDone(*snapshot_)) return PublishGhostDeletes();
  if (chunk_rows_ == 0) chunk_rows_ = my_.snapshot_chunk_rows;
  const offsets::SnapshotProgress::Table name = snapshot_->tables.front();
  const std::string table = name.schema + "." + name.name;
  CDC_RETURN_IF_ERROR(TakeTopicMarks(config_.kafka,
                                     TopicName(topic_prefix_, name.schema, name.name),
                                     &*snapshot_, *stop_));
  bool gone = false;
  Status s = ReadChunk(&gone);
  if (s.ok()) {
    if (gone) {
      log_->warn("snapshot: table {} no longer exists (dropped or renamed); going on with the "
                 "next", table);
      NextSnapshotTable();
    }
    chunk_rows_ = std::min(chunk_rows_ * 2, my_.snapshot_chunk_rows);
    chunk_failures_ = 0;
    return Status::OK();
  }
  const unsigned int error = sql_.last_errno();
  if (!sql_.connected() || IsConnectionError(error)) {
    // Read again after a reconnect; a server that is gone fails the stream too.
    sql_.Close();
    next_chunk_at_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    log_->warn("snapshot of {}: {}; trying again", table, s.message());
    return Status::OK();
  }
  (void)sql_.Execute("ROLLBACK");
  if (error == kErrorLockWaitTimeout || error == kErrorLockDeadlock || error == kErrorLockNowait) {
    chunk_rows_ = std::max(kMinChunkRows, chunk_rows_ / 2);
    next_chunk_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    if (++chunk_failures_ % 100 == 0) {
      log_->warn("snapshot of {}: {} chunks in a row met locked rows; a transaction that holds "
                 "rows of the table a long time holds up the snapshot",
                 table, chunk_failures_);
    }
    return Status::OK();
  }
  return s.WithContext("snapshot of " + table);
}

Status MysqlSource::ReadChunk(bool* gone) {
  const offsets::SnapshotProgress::Table& name = snapshot_->tables.front();
  const TableName table_name{name.schema, name.name};
  const std::string qualified =
      MysqlConnection::QuoteIdent(name.schema) + "." + MysqlConnection::QuoteIdent(name.name);
  // Values as stored: no PAD_CHAR_TO_FULL_LENGTH padding of CHAR columns.
  CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION sql_mode = ''"));
  CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"));
  CDC_RETURN_IF_ERROR(sql_.Execute("START TRANSACTION"));
  // The first read of the table takes its metadata lock for the rest of the
  // transaction: the columns read next stay the table's columns until the
  // high mark.
  Status opened = sql_.Execute("SELECT 1 FROM " + qualified + " LIMIT 0");
  if (!opened.ok() && sql_.last_errno() == kErrorNoSuchTable) {
    (void)sql_.Execute("ROLLBACK");
    *gone = true;
    return Status::OK();
  }
  CDC_RETURN_IF_ERROR(opened);
  CDC_ASSIGN_OR_RETURN(Catalog catalog, ReadSchema(sql_, my_, &table_name));
  auto found = catalog.tables.find({name.schema, name.name});
  if (found == catalog.tables.end()) {
    (void)sql_.Execute("ROLLBACK");
    *gone = true;
    return Status::OK();
  }
  const InfoTable& info = found->second;
  const std::string table = name.schema + "." + name.name;
  Result<binlog::TableSchema> described = SchemaFromInfo(info);
  if (!described.ok()) return described.status();
  binlog::TableSchema schema = std::move(described).value();

  // The key, in key order.
  std::vector<const InfoColumn*> key_columns;
  for (const InfoColumn& c : info.columns) {
    if (c.key_ordinal > 0) key_columns.push_back(&c);
  }
  std::sort(key_columns.begin(), key_columns.end(),
            [](const InfoColumn* a, const InfoColumn* b) { return a->key_ordinal < b->key_ordinal; });
  // A FLOAT or DOUBLE shows as text that need not compare equal to it (the
  // server compares `f <= '1.1'` as doubles, and 1.1 as a FLOAT is more than
  // 1.1), so a key cursor could skip or repeat rows: such a table is read
  // whole, as one without a key.
  if (std::any_of(key_columns.begin(), key_columns.end(), [](const InfoColumn* c) {
        return c->column_type.rfind("float", 0) == 0 || c->column_type.rfind("double", 0) == 0;
      })) {
    key_columns.clear();
  }
  PendingChunk chunk;
  std::vector<std::string> keys;
  for (const InfoColumn* c : key_columns) {
    // The type and collation too: a key whose order changed starts over.
    chunk.after_columns.push_back(c->name + " " + c->column_type +
                                  (c->collation.empty() ? "" : " " + c->collation));
    keys.push_back(MysqlConnection::QuoteIdent(c->name));
  }
  if (keys.empty()) chunk.after_columns = {kWholeCursor};

  std::vector<std::string>& after = snapshot_->after;
  if (!after.empty() &&
      (snapshot_->after_columns != chunk.after_columns || after.size() != keys.size())) {
    log_->warn("snapshot: {} is no longer keyed as when its last chunk was read; reading it "
               "again from its start (its rows read so far may come twice)", table);
    after.clear();
    snapshot_->after_columns.clear();
  }
  auto literal = [&](size_t i, std::string_view value) {
    return IsBinaryType(*key_columns[i]) ? HexLiteral(value) : sql_.QuoteLiteral(value);
  };

  std::string where;
  std::string order;
  if (!keys.empty()) {
    order = " ORDER BY ";
    for (size_t i = 0; i < keys.size(); ++i) order += (i ? ", " : "") + keys[i];
    if (!after.empty()) {
      std::vector<std::string> values;
      for (size_t i = 0; i < keys.size(); ++i) values.push_back(literal(i, after[i]));
      where = KeyCompare(keys, values, /*greater=*/true);
    }
    // The chunk's upper end, read without row locks: the key chunk_rows_
    // rows on.
    std::string key_list;
    for (size_t i = 0; i < keys.size(); ++i) key_list += (i ? ", " : "") + keys[i];
    CDC_ASSIGN_OR_RETURN(
        QueryResult upper,
        sql_.Query("SELECT " + key_list + " FROM " + qualified +
                   (where.empty() ? "" : " WHERE " + where) + order + " LIMIT 1 OFFSET " +
                   std::to_string(chunk_rows_ - 1)));
    if (upper.rows.empty()) {
      // Fewer rows than a chunk left: the last chunk ends at the highest key
      // now. Rows inserted above it later come through the stream, and a
      // row being inserted there now cannot make the chunk give up.
      std::string desc = " ORDER BY ";
      for (size_t i = 0; i < keys.size(); ++i) desc += (i ? ", " : "") + keys[i] + " DESC";
      CDC_ASSIGN_OR_RETURN(upper, sql_.Query("SELECT " + key_list + " FROM " + qualified +
                                             (where.empty() ? "" : " WHERE " + where) + desc +
                                             " LIMIT 1"));
      chunk.table_done = true;
    }
    if (!upper.rows.empty() && upper.rows[0].size() == keys.size()) {
      std::vector<std::string> values;
      for (size_t i = 0; i < keys.size(); ++i) {
        chunk.next_after.push_back(upper.rows[0][i].value_or(""));
        values.push_back(literal(i, chunk.next_after.back()));
      }
      const std::string upto = KeyCompare(keys, values, /*greater=*/false);
      where = where.empty() ? upto : where + " AND " + upto;
    } else {
      // Nothing left to read.
      where = "FALSE";
    }
  } else {
    chunk.table_done = true;
  }

  // NOWAIT: a row locked by a writer makes the chunk give up at once rather
  // than wait, so the agent never takes part in a deadlock (whose victim
  // could be the application's transaction).
  const bool old_mysql = !mariadb_ && sql_.server_version().rfind("5.", 0) == 0;
  if (old_mysql) CDC_RETURN_IF_ERROR(sql_.Execute("SET SESSION innodb_lock_wait_timeout = 1"));
  const std::string lock =
      mariadb_ ? " LOCK IN SHARE MODE NOWAIT" : (old_mysql ? " LOCK IN SHARE MODE" : " FOR SHARE NOWAIT");
  std::string select = "SELECT ";
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    select += (i ? ", " : "") + SnapshotSelectExpr(schema.columns[i], mariadb_);
  }
  for (const std::string& k : keys) select += ", " + k;
  select += " FROM " + qualified + (where.empty() ? "" : " WHERE " + where) + order + lock;
  CDC_ASSIGN_OR_RETURN(chunk.rows, sql_.Query(select));
  CDC_ASSIGN_OR_RETURN(chunk.high, BinlogEnd());
  CDC_RETURN_IF_ERROR(sql_.Execute("COMMIT"));

  chunk.key_count = keys.size();
  chunk.shape = ShapeFor(schema);
  chunk.debezium = DebeziumFacts(schema);
  chunk.ctx.kind = mariadb_ ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL;
  chunk.ctx.server_name = config_.source.name;
  chunk.ctx.file = chunk.high.file;
  chunk.ctx.pos = chunk.high.pos;
  // Every row of one snapshot carries its start, also after a restart.
  chunk.ctx.commit_time_us = snapshot_->started_us;
  chunk.schema = std::move(schema);
  pending_chunk_ = std::move(chunk);
  return MaybePublishChunk();
}

Status MysqlSource::MaybePublishChunk() {
  if (!pending_chunk_ || in_txn_ || txn_pending_ || skip_rows_ > 0 || resume_txn_ ||
      CompareBinlogPos(read_at_, pending_chunk_->high) < 0) {
    return Status::OK();
  }
  PendingChunk chunk = std::move(*pending_chunk_);
  pending_chunk_.reset();
  if (CompareBinlogPos({committed_.file, committed_.pos}, chunk.high) > 0) {
    // A transaction past the high mark was published before the stream
    // found a boundary (XA leaves none): its rows may be newer than the
    // chunk's, so the chunk is read again.
    return Status::OK();
  }
  const std::string table = snapshot_->tables.front().schema + "." + snapshot_->tables.front().name;
  const binlog::TableSchema& schema = chunk.schema;
  const size_t width = schema.columns.size();
  const size_t n = chunk.rows.rows.size();
  const size_t cut_every = static_cast<size_t>(std::max(1, config_.batch_max_events));
  const uint64_t first_index = snapshot_->rows;
  size_t counted = 0;  // rows added to snapshot_rows_
  binlog::RowChange change;
  for (size_t r = 0; r < n; ++r) {
    std::vector<std::optional<std::string>>& row = chunk.rows.rows[r];
    if (row.size() != width + chunk.key_count) {
      return Status::Corruption("snapshot of " + table + ": " + std::to_string(row.size()) +
                                " values for " + std::to_string(width + chunk.key_count) +
                                " columns");
    }
    change.after.present.assign(width, true);
    change.after.values.resize(width);
    for (size_t i = 0; i < width; ++i) {
      cdc::v1::Value& v = change.after.values[i];
      v.Clear();
      if (!row[i]) {
        v.set_null(true);
        continue;
      }
      CDC_RETURN_IF_ERROR(TextToValue(schema.columns[i], *row[i], &v));
    }
    chunk.ctx.event_index = first_index + r;
    OutEvent& e = pool_->Append(&batch_.events, &spares_);
    e.table = chunk.shape;
    e.debezium_table = chunk.debezium;
    BuildRowEvent(schema, binlog::RowsKind::kWrite, change, chunk.ctx, &e.event, nullptr, &spares_);
    e.event.set_op(cdc::v1::OP_READ);
    e.event.mutable_source()->set_snapshot(true);
    if (chunk.key_count > 0 && (r + 1) % cut_every == 0 && r + 1 < n) {
      // A cut after this row: the rows before it reflect the table at the
      // high mark as a chunk ending here would, so a resume reads on from
      // this row's key with a new high mark.
      snapshot_->rows = first_index + r + 1;
      snapshot_rows_ += r + 1 - counted;
      counted = r + 1;
      snapshot_->after_columns = chunk.after_columns;
      snapshot_->after.clear();
      for (size_t k = 0; k < chunk.key_count; ++k) {
        snapshot_->after.push_back(row[width + k].value_or(""));
      }
      // Between transactions: no row change lies between committed_ and
      // here, so a resume from committed_ replays nothing that was published.
      batch_.end_position = committed_;
      events_at_commit_ = batch_.events.size();
      if (!PushBatch(*out_)) return Status::Aborted("stopping");
    }
    std::vector<std::optional<std::string>>().swap(row);
  }
  snapshot_->rows = first_index + n;
  snapshot_rows_ += n - counted;
  batch_.end_position = committed_;
  events_at_commit_ = batch_.events.size();
  if (chunk.table_done) {
    log_->info("snapshot of {}: {} rows", table, snapshot_->rows);
    // A table without a key has no keys in its topic to check.
    const bool keyed = chunk.after_columns != std::vector<std::string>{kWholeCursor};
    if (!keyed || !MarkRowsDone(&*snapshot_)) NextSnapshotTable();
  } else {
    snapshot_->after_columns = std::move(chunk.after_columns);
    snapshot_->after = std::move(chunk.next_after);
  }
  return Status::OK();
}

Status MysqlSource::PublishGhostDeletes() {
  if (in_txn_ || txn_pending_ || skip_rows_ > 0 || resume_txn_) return Status::OK();
  const offsets::SnapshotProgress::Table name = snapshot_->tables.front();
  const std::string table = name.schema + "." + name.name;
  const std::string topic = TopicName(topic_prefix_, name.schema, name.name);
  // Everything handed over is durable first, so that the topic shows it.
  batch_.end_position = committed_;
  offsets::Position handed = committed_;
  handed.snapshot = snapshot_;
  if (!PushBatch(*out_)) return Status::OK();
  Status waited = durable_signal_.WaitFor(
      handed,
      std::chrono::milliseconds(config_.kafka.delivery_timeout_ms +
                                config_.kafka.commit_interval_ms),
      *stop_);
  if (waited.IsAborted()) return Status::OK();
  CDC_RETURN_IF_ERROR(waited);
  CDC_ASSIGN_OR_RETURN(GhostKeys ghosts, FindGhostKeys(config_, table, topic,
                                                        *snapshot_->topic_marks, *stop_));
  std::vector<GhostKey>& keys = ghosts.keys;
  size_t unmatched = 0;
  std::optional<binlog::TableSchema> schema;
  if (!keys.empty()) {
    const TableName table_name{name.schema, name.name};
    CDC_ASSIGN_OR_RETURN(Catalog catalog, ReadSchema(sql_, my_, &table_name));
    auto found = catalog.tables.find({name.schema, name.name});
    if (found == catalog.tables.end()) {
      log_->warn("snapshot: table {} no longer exists (dropped or renamed): the {} keys its "
                 "topic holds that it did not read get no DELETE",
                 table, keys.size());
      keys.clear();
    } else {
      CDC_ASSIGN_OR_RETURN(schema, SchemaFromInfo(found->second));
    }
  }
  size_t published = 0;
  if (!keys.empty()) {
    const std::shared_ptr<const DebeziumTableInfo> debezium = DebeziumFacts(*schema);
    RowContext ctx;
    ctx.kind = mariadb_ ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL;
    ctx.server_name = config_.source.name;
    ctx.file = committed_.file;
    ctx.pos = committed_.pos;
    ctx.commit_time_us = snapshot_->started_us;
    binlog::RowChange change;
    const size_t n = schema->columns.size();
    for (GhostKey& ghost : keys) {
      // The before image holds the key columns, as a minimal row image does;
      // a key column the table no longer has leaves the key out.
      change.before.present.assign(n, false);
      change.before.values.assign(n, cdc::v1::Value());
      bool all_found = true;
      for (const cdc::v1::Column& c : ghost.key.columns()) {
        bool found = false;
        for (size_t i = 0; i < n; ++i) {
          if (schema->columns[i].name != c.name()) continue;
          change.before.present[i] = true;
          change.before.values[i] = c.value();
          found = true;
        }
        all_found = all_found && found;
      }
      if (!all_found) {
        ++unmatched;
        continue;
      }
      ctx.event_index = snapshot_->rows + published++;
      OutEvent& e = batch_.events.emplace_back();
      e.topic = topic;
      e.debezium_table = debezium;
      BuildRowEvent(*schema, binlog::RowsKind::kDelete, change, ctx, &e.event, nullptr);
      e.event.mutable_source()->set_snapshot(true);
      // The key as the topic holds it, where it holds it (also when the
      // table's primary key has changed since): compaction then drops the
      // old row.
      e.has_key = true;
      e.key = std::move(ghost.key);
      e.key_bytes = std::move(ghost.bytes);
      e.partition = ghost.partition;
      // Many deletes go in several batches, each with the position the
      // table's rows ended at: after a restart the check runs again, and the
      // keys deleted by then count as touched.
      if (static_cast<int>(batch_.events.size()) >= config_.batch_max_events) {
        batch_.end_position = committed_;
        if (!PushBatch(*out_)) return Status::OK();
      }
    }
    log_->info("snapshot of {}: {} keys in its topic are no longer in the table: a DELETE and "
               "a tombstone for each",
               table, published);
  }
  if (ghosts.undecodable + unmatched > 0) {
    log_->warn("snapshot of {}: {} keys in its topic are no longer in the table, but they "
               "cannot be read back as this table's keys (kafka.format debezium-json, or key "
               "columns the table no longer has): they get no DELETE; delete them from the "
               "topic by hand (a tombstone per key)",
               table, ghosts.undecodable + unmatched);
  }
  if (!ghosts.not_checked.empty()) {
    log_->warn("snapshot of {}: its topic was not checked for keys no longer in the table: {}",
               table, ghosts.not_checked);
  }
  NextSnapshotTable();
  return Status::OK();
}

}  // namespace cdc::agent::mysql
