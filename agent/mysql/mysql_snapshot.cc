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
//
// Chunks are read on a connection and a thread of their own (ChunkReader):
// while the reader publishes one chunk, the server reads the next, from the
// end of the one before. Each has its own high mark, and they are published
// in the order read, so each meets the rule above. The stream handles no
// event past a chunk's high mark before it has the chunk: once the read of
// the mark begins, it waits for the chunk before its next event. A chunk
// read ahead is in no stored position: a restart or a reconnect of the
// stream reads it again.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "agent/chunk_size.h"
#include "agent/mysql/mysql_source.h"
#include "agent/mysql/text_values.h"
#include "agent/topic.h"
#include "common/clock.h"

namespace cdc::agent::mysql {

namespace {

constexpr int kMinChunkRows = 64;
constexpr int kSnapshotReadTimeoutS = 600;
// Chunks read and waiting for their high marks, the one being read included.
constexpr size_t kChunksAhead = 2;
constexpr unsigned int kErrorLockWaitTimeout = 1205;  // MariaDB's NOWAIT failure too
constexpr unsigned int kErrorLockDeadlock = 1213;
constexpr unsigned int kErrorLockNowait = 3572;       // MySQL 8

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

void MysqlSource::NextSnapshotTable() {
  chunk_rows_ = 0;  // the next table's rows have a size of their own
  if (FinishSnapshotTable(&snapshot_)) log_->info("snapshot done: {} rows", snapshot_rows_);
  requests_.Finished(snapshot_, committed_);
  // The progress moved without events: record it at the next boundary (not
  // while resuming inside a transaction, whose position must stay).
  if (AtBoundary()) {
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
  if (added > 0 && AtBoundary()) {
    batch_.end_position = committed_;
  }
  return Status::OK();
}

bool MysqlSource::ChunkDue() const {
  if (!snapshot_ || (chunk_reader_ && !chunk_reader_->idle()) ||
      chunks_.size() >= kChunksAhead || std::chrono::steady_clock::now() < next_chunk_at_) {
    return false;
  }
  // The table's rows are out: its topic's check waits for a boundary.
  if (chunks_.empty() && RowsDone(*snapshot_)) return AtBoundary();
  // Read ahead within one table only: the next table begins once this one's
  // chunks are out.
  return chunks_.empty() || (!chunks_.back().read.gone && !chunks_.back().read.table_done);
}

Status MysqlSource::AwaitChunk() {
  std::optional<ChunkReader::Outcome> outcome = chunk_reader_->Wait(*stop_);
  if (!outcome) return stop_->load() ? Status::Aborted("stopping") : Status::OK();
  CDC_RETURN_IF_ERROR(TakeChunk(std::move(*outcome)));
  return MaybePublishChunk();
}

void MysqlSource::DropChunks() {
  chunks_.clear();
  if (chunk_reader_) chunk_reader_->Discard();
}

Status MysqlSource::SnapshotStep() {
  CDC_RETURN_IF_ERROR(TakeSnapshotRequests());
  if (!snapshot_) {
    chunk_reader_.reset();  // the snapshot is done: its connection closes
    return Status::OK();
  }
  if (chunk_reader_) {
    if (std::optional<ChunkReader::Outcome> outcome = chunk_reader_->Take()) {
      CDC_RETURN_IF_ERROR(TakeChunk(std::move(*outcome)));
    }
  }
  if (!ChunkDue()) return Status::OK();
  const offsets::SnapshotProgress::Table name = snapshot_->tables.front();
  ChunkRequest request;
  request.table = {name.schema, name.name};
  if (chunks_.empty()) {
    if (!sql_.connected()) CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSnapshotReadTimeoutS));
    if (RowsDone(*snapshot_)) {
      Status s = PublishGhostDeletes();
      // A lost connection is opened again for the next try.
      if (!s.ok() && s.retryable()) sql_.Close();
      return s;
    }
    CDC_RETURN_IF_ERROR(TakeTopicMarks(config_.kafka,
                                       TopicName(topic_prefix_, name.schema, name.name),
                                       &*snapshot_, *stop_));
    request.after_columns = snapshot_->after_columns;
    request.after = snapshot_->after;
  } else {
    // On from the chunk read last, which no position holds yet: a restart
    // reads it and this one again.
    request.after_columns = chunks_.back().read.after_columns;
    request.after = chunks_.back().read.next_after;
  }
  if (chunk_rows_ == 0) chunk_rows_ = FirstChunkRows(my_.snapshot_chunk_rows);
  request.rows = chunk_rows_;
  if (!chunk_reader_) {
    chunk_reader_ = std::make_unique<ChunkReader>(my_, mariadb_, config_.offsets.path,
                                                  [this] { stream_.Wake(); });
  }
  chunk_reader_->Submit(std::move(request));
  return Status::OK();
}

Status MysqlSource::TakeChunk(ChunkReader::Outcome outcome) {
  const offsets::SnapshotProgress::Table& front = snapshot_->tables.front();
  const std::string table = outcome.chunk.table.ToString();
  if (!outcome.lost) chunk_lost_at_ = {};  // the connection read (or failed otherwise)
  if (!outcome.status.ok()) {
    if (outcome.lost) {
      // Read again after a reconnect, for as long as the stream would try
      // to reconnect (a server that is gone fails the stream too).
      const auto now = std::chrono::steady_clock::now();
      if (chunk_lost_at_ == std::chrono::steady_clock::time_point{}) chunk_lost_at_ = now;
      if (now - chunk_lost_at_ >= std::chrono::seconds(my_.reconnect_timeout_s)) {
        return Status::IOError("snapshot of " + front.schema + "." + front.name + ": " +
                               outcome.status.message() + "; gave up reconnecting after " +
                               std::to_string(my_.reconnect_timeout_s) +
                               " s (source.reconnect_timeout_s)");
      }
      next_chunk_at_ = now + std::chrono::seconds(1);
      log_->warn("snapshot of {}: {}; trying again", front.schema + "." + front.name,
                 outcome.status.message());
      return Status::OK();
    }
    const unsigned int error = outcome.error;
    if (error == kErrorLockWaitTimeout || error == kErrorLockDeadlock ||
        error == kErrorLockNowait) {
      chunk_rows_ = std::max(kMinChunkRows, chunk_rows_ / 2);
      next_chunk_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      if (++chunk_failures_ % 100 == 0) {
        log_->warn("snapshot of {}: {} chunks in a row met locked rows; a transaction that "
                   "holds rows of the table a long time holds up the snapshot",
                   front.schema + "." + front.name, chunk_failures_);
      }
      return Status::OK();
    }
    return outcome.status.WithContext("snapshot of " + front.schema + "." + front.name);
  }
  if (outcome.chunk.table != TableName{front.schema, front.name}) {
    return Status::OK();  // read for a table the snapshot has left: not used
  }
  uint64_t bytes = 0;
  for (const auto& row : outcome.chunk.rows.rows) {
    for (const std::optional<std::string>& value : row) bytes += value ? value->size() : 0;
  }
  chunk_rows_ = NextChunkRows(chunk_rows_, my_.snapshot_chunk_rows,
                              outcome.chunk.rows.rows.size(), bytes);
  chunk_failures_ = 0;
  PendingChunk chunk;
  chunk.read = std::move(outcome.chunk);
  if (chunk.read.spill) {
    log_->info("snapshot of {}: read whole (no key to read it by in parts), {} of its rows ({} "
               "MB) wait in a temporary file in {} until they are published",
               table, chunk.read.spill->rows(), chunk.read.spill->bytes() >> 20,
               config_.offsets.path);
  }
  if (chunk.read.restarted) {
    log_->warn("snapshot: {} is no longer keyed as when its last chunk was read; reading it "
               "again from its start (its rows read so far may come twice)", table);
  }
  if (!chunk.read.gone) {
    chunk.shape = ShapeFor(chunk.read.schema);
    chunk.debezium = DebeziumFacts(chunk.read.schema);
    chunk.ctx.kind = mariadb_ ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL;
    chunk.ctx.server_name = config_.source.name;
    chunk.ctx.file = chunk.read.high.file;
    chunk.ctx.pos = chunk.read.high.pos;
    // Every row of one snapshot carries its start, also after a restart.
    chunk.ctx.commit_time_us = snapshot_->started_us;
  }
  chunks_.push_back(std::move(chunk));
  return Status::OK();
}

Status MysqlSource::MaybePublishChunk() {
  while (!chunks_.empty() && AtBoundary()) {
    if (chunks_.front().read.gone) {
      log_->warn("snapshot: table {} no longer exists (dropped or renamed); going on with the "
                 "next", chunks_.front().read.table.ToString());
      chunks_.pop_front();
      NextSnapshotTable();
      continue;
    }
    if (CompareBinlogPos(read_at_, chunks_.front().read.high) < 0) break;
    PendingChunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    if (CompareBinlogPos({committed_.file, committed_.pos}, chunk.read.high) > 0) {
      // A transaction past the high mark was published before the stream
      // found a boundary: its rows may be newer than the chunk's, so the
      // chunk is read again, and those after it.
      log_->debug("snapshot: the stream passed the high mark {} of a chunk of {} between "
                  "transactions; reading it again", chunk.read.high.ToString(),
                  chunk.read.table.ToString());
      DropChunks();
      break;
    }
    CDC_RETURN_IF_ERROR(PublishChunk(std::move(chunk)));
  }
  return Status::OK();
}

Status MysqlSource::PublishChunk(PendingChunk chunk) {
  const std::string table = snapshot_->tables.front().schema + "." + snapshot_->tables.front().name;
  const binlog::TableSchema& schema = chunk.read.schema;
  const size_t width = schema.columns.size();
  const size_t held = chunk.read.rows.rows.size();
  RowSpill* const spill = chunk.read.spill.get();
  const size_t n = held + (spill != nullptr ? spill->rows() : 0);
  const size_t cut_every = static_cast<size_t>(std::max(1, config_.batch_max_events));
  const uint64_t first_index = snapshot_->rows;
  size_t counted = 0;  // rows added to snapshot_rows_
  binlog::RowChange change;
  std::vector<std::optional<std::string>> spilled;  // the row read back last
  if (chunk.read.key_count == 0) {
    if (n > cut_every) {
      log_->info("snapshot of {}: publishing its {} rows read whole; no position is stored "
                 "until the last of them is in Kafka", table, n);
    }
    // What the batch holds before the table (the stream's changes, a table
    // before it) goes with its own position, which none of the table's
    // batches may carry but its last.
    if (!PushBatch(*out_)) return Status::Aborted("stopping");
  }
  for (size_t r = 0; r < n; ++r) {
    if (r >= held) {
      Result<bool> next = spill->Next(&spilled);
      if (!next.ok()) return next.status().WithContext("snapshot of " + table);
      if (!*next) {
        return Status::Corruption("snapshot of " + table + ": its temporary file ended after " +
                                  std::to_string(r - held) + " of its " +
                                  std::to_string(spill->rows()) + " rows");
      }
    }
    std::vector<std::optional<std::string>>& row = r < held ? chunk.read.rows.rows[r] : spilled;
    if (row.size() != width + chunk.read.key_count) {
      return Status::Corruption("snapshot of " + table + ": " + std::to_string(row.size()) +
                                " values for " + std::to_string(width + chunk.read.key_count) +
                                " columns");
    }
    change.after.present.assign(width, true);
    change.after.values.resize(width);
    for (size_t i = 0; i < width; ++i) {
      cdc::v1::Value& v = change.after.values[i];
      EmptyValue(&v);  // TextToValue sets one case on it
      if (!row[i]) {
        v.set_null(true);
        continue;
      }
      CDC_RETURN_IF_ERROR(TextToValue(schema.columns[i], *row[i], &v));
      batch_.bytes += row[i]->size();
    }
    chunk.ctx.event_index = first_index + r;
    OutEvent& e = pool_->Append(&batch_.events, &spares_);
    e.table = chunk.shape;
    e.debezium_table = chunk.debezium;
    BuildRowEvent(schema, binlog::RowsKind::kWrite, change, chunk.ctx, &e.event, nullptr, &spares_);
    e.event.set_op(cdc::v1::OP_READ);
    e.event.mutable_source()->set_snapshot(true);
    const bool cut_here = (r + 1) % cut_every == 0 ||
                          batch_.bytes >= static_cast<size_t>(config_.batch_max_bytes);
    if (chunk.read.key_count > 0 && cut_here && r + 1 < n) {
      // A cut after this row: the rows before it reflect the table at the
      // high mark as a chunk ending here would, so a resume reads on from
      // this row's key with a new high mark.
      snapshot_->rows = first_index + r + 1;
      snapshot_rows_ += r + 1 - counted;
      counted = r + 1;
      snapshot_->after_columns = chunk.read.after_columns;
      snapshot_->after.clear();
      for (size_t k = 0; k < chunk.read.key_count; ++k) {
        snapshot_->after.push_back(row[width + k].value_or(""));
      }
      // Between transactions: no row change lies between committed_ and
      // here, so a resume from committed_ replays nothing that was published.
      batch_.end_position = committed_;
      events_at_commit_ = batch_.events.size();
      if (!PushBatch(*out_)) return Status::Aborted("stopping");
    } else if (chunk.read.key_count == 0 && cut_here && r + 1 < n) {
      // A table read whole has no row to go on from: its rows go out in
      // batches without a position, which the sink holds in one Kafka
      // transaction (at least once: no position is stored) until the
      // batch of its last row, with the position after the table. A stop
      // ends it here: the sink aborts what it holds of it.
      if (batch_.end_position) {
        return Status::Corruption("snapshot of " + table + ": a batch inside a table read whole "
                                  "has a position");
      }
      if (!PushBatch(*out_) || stop_->load()) return Status::Aborted("stopping");
    }
    if (r < held) std::vector<std::optional<std::string>>().swap(row);
  }
  snapshot_->rows = first_index + n;
  snapshot_rows_ += n - counted;
  batch_.end_position = committed_;
  events_at_commit_ = batch_.events.size();
  if (chunk.read.table_done) {
    log_->info("snapshot of {}: {} rows", table, snapshot_->rows);
    // A table without a key has no keys in its topic to check.
    const bool keyed = chunk.read.after_columns != std::vector<std::string>{kWholeCursor};
    if (!keyed || !MarkRowsDone(&*snapshot_)) NextSnapshotTable();
  } else {
    snapshot_->after_columns = std::move(chunk.read.after_columns);
    snapshot_->after = std::move(chunk.read.next_after);
  }
  return Status::OK();
}

Status MysqlSource::PublishGhostDeletes() {
  if (!AtBoundary()) return Status::OK();
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
