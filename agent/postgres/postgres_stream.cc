// Streaming: START_REPLICATION, pgoutput messages into change events, and
// standby status updates that confirm only what is durable in Kafka.
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "agent/postgres/postgres_source.h"
#include "common/clock.h"

namespace cdc::agent::postgres {

namespace {

struct CopyBuffer {
  char* data = nullptr;
  ~CopyBuffer() {
    if (data != nullptr) PQfreemem(data);
  }
};

}  // namespace

bool PostgresSource::PushBatch(BatchQueue& out) {
  if (in_txn_ && txn_changes_ > pushed_txn_changes_) {
    // Cut inside a transaction: the batch ends after its first txn_changes_
    // changes, which a resume from this position skips.
    batch_.end_position = offsets::Position::Postgres(last_commit_end_)
                              .InTransaction(txn_changes_, offsets::FormatLsn(commit_lsn_));
  }
  if (batch_.events.empty() && !batch_.end_position) {
    batch_.bytes = 0;  // messages none of which became an event
    return true;
  }
  // The snapshot's progress as of the batch's last event.
  if (batch_.end_position) batch_.end_position->snapshot = snapshot_;
  uint64_t end = batch_.end_position ? batch_.end_position->lsn : 0;
  batch_.pool = pool_;
  while (true) {
    // A chunk being read holds row locks until its rows are taken in:
    // they are taken in here too, also while Kafka is slow.
    if (reading_) {
      Status s = PollChunk();
      if (!s.ok() && chunk_error_.ok()) chunk_error_ = std::move(s);
    }
    BatchQueue::PushResult r =
        out.TryPushFor(batch_, std::chrono::milliseconds(reading_ ? 5 : 500));
    if (r == BatchQueue::PushResult::kClosed) return false;
    if (r == BatchQueue::PushResult::kPushed) break;
    // Kafka is slow and the queue is full: keep telling the server we are
    // alive, or it ends the connection after wal_sender_timeout.
    if (streaming_ && std::chrono::steady_clock::now() >= next_status_ && !SendStatus(false).ok()) {
      return false;
    }
  }
  if (end != 0) last_pushed_end_ = end;
  if (in_txn_) pushed_txn_changes_ = std::max(pushed_txn_changes_, txn_changes_);
  events_at_commit_ = 0;
  batch_ = Batch();
  return true;
}

cdc::v1::ChangeEvent& PostgresSource::NewEvent(const RelationInfo& rel, cdc::v1::Op op,
                                               uint64_t lsn, bool snapshot) {
  OutEvent& out = pool_->Append(&batch_.events, &spares_);
  out.table = rel.shape;
  // Its rows are filled in the relation's order (TupleToColumns, the
  // snapshot's rows), a whole row named as the shape names it.
  out.rows_named_by_table = true;
  out.debezium_table = rel.debezium;
  cdc::v1::ChangeEvent& e = out.event;
  e.set_op(op);
  cdc::v1::Source* src = spares_.SourceOf(&e);
  src->set_kind(cdc::v1::SOURCE_KIND_POSTGRES);
  // A kept block holds the strings of the event before: most often these.
  if (!SameText(src->server_name(), config_.source.name)) {
    src->set_server_name(config_.source.name);
  }
  if (!SameText(src->database(), pg_.database)) src->set_database(pg_.database);
  cdc::v1::PostgresPosition* position = spares_.PostgresOf(src);
  position->set_lsn(lsn);
  position->set_commit_lsn(commit_lsn_);
  src->set_transaction_id(xid_);
  src->set_commit_time_us(commit_time_us_);
  src->set_event_index(event_index_++);
  FillTableFields(rel, &e);
  ++events_decoded_;
  if (snapshot) {
    src->set_snapshot(true);
    src->set_transaction_id(0);
    return e;
  }
  if (!txmeta_ || skip_changes_ > 0) return e;
  txmeta_->OnEvent(batch_);
  return batch_.events.back().event;
}

Status PostgresSource::SendStatus(bool reply_requested) {
  uint64_t flush = durable_lsn_.load(std::memory_order_acquire);
  // Caught up: everything received is durable or was not published, so the
  // server's WAL end may be confirmed and the slot need not hold that WAL.
  // A chunk waiting for its watermark keeps the slot where it is, so a
  // reconnect cannot start past the watermark.
  if (!in_txn_ && !reading_ && pending_chunks_.empty() && batch_.events.empty() &&
      flush >= last_pushed_end_ &&
      last_commit_end_ <= last_pushed_end_ && keepalive_wal_end_ > flush) {
    flush = keepalive_wal_end_;
  }
  std::string msg = EncodeStandbyStatus(flush, flush, flush, WallClockMicros(), reply_requested);
  if (PQputCopyData(repl_.raw(), msg.data(), static_cast<int>(msg.size())) != 1 ||
      PQflush(repl_.raw()) != 0) {
    return Status::IOError(Endpoint() + ": sending standby status failed: " + repl_.LastError(), true);
  }
  next_status_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(pg_.status_interval_ms);
  return Status::OK();
}

Status PostgresSource::StreamAndReconnect(BatchQueue& out, const std::atomic<bool>& stop,
                                          uint64_t start_lsn) {
  constexpr auto kFirstDelay = std::chrono::milliseconds(500);
  constexpr auto kMaxDelay = std::chrono::seconds(15);
  std::chrono::steady_clock::time_point failed_at{};
  std::chrono::steady_clock::duration delay = kFirstDelay;
  // A failure starts a new episode (a new timeout) only when the stream
  // before it made progress (decoded a commit) or ran for a while (an idle
  // database): an error that comes back right after every START_REPLICATION
  // must reach the timeout.
  constexpr auto kLongEnough = std::chrono::seconds(60);
  uint64_t commit_at_start = last_commit_end_;
  auto started = std::chrono::steady_clock::now();
  bool streamed = true;  // this failure ended a Stream (not a reconnect attempt)
  Status s = Stream(out, stop, start_lsn);
  while (!s.ok() && !stop.load()) {
    if (s.IsAborted() || !s.retryable()) return s;
    const bool progressed =
        streamed && (last_commit_end_ != commit_at_start ||
                     std::chrono::steady_clock::now() - started >= kLongEnough);
    streamed = false;
    streaming_ = false;
    keepalive_wal_end_ = 0;
    repl_.Close();
    DropOpenTransaction();
    // A chunk read but not published is read again after the reconnect.
    DropChunks();
    // Hand over the whole transactions decoded before the failure.
    if (!PushBatch(out)) return Status::OK();
    const auto now = std::chrono::steady_clock::now();
    if (progressed || failed_at == std::chrono::steady_clock::time_point{}) {
      failed_at = now;
      delay = kFirstDelay;
      log_->warn("{}; reconnecting for up to {} s", s.message(), pg_.reconnect_timeout_s);
    }
    if (now - failed_at >= std::chrono::seconds(pg_.reconnect_timeout_s)) {
      return Status::IOError(s.message() + "; gave up reconnecting after " +
                             std::to_string(pg_.reconnect_timeout_s) +
                             " s (source.reconnect_timeout_s)");
    }
    const auto wake = now + delay;
    while (!stop.load() && std::chrono::steady_clock::now() < wake) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    delay = std::min<std::chrono::steady_clock::duration>(delay * 2, kMaxDelay);
    if (stop.load()) break;
    s = Connect(stop);
    if (s.ok()) {
      // The slot may be gone (dropped while the agent was away): that is not
      // something a retry fixes.
      Result<SlotInfo> slot = ReadSlot();
      if (!slot.ok()) {
        s = slot.status();
        continue;
      }
      if (!slot->exists) {
        return Status::IOError("replication slot '" + pg_.slot +
                               "' no longer exists (dropped while the agent was reconnecting): "
                               "changes after " + offsets::FormatLsn(last_commit_end_) +
                               " may have been lost; to start over with a new snapshot run "
                               "`cdc-agent offsets reset --config FILE`");
      }
      const uint64_t resume_at = std::max(last_commit_end_, start_lsn);
      log_->info("reconnected; resuming after the last whole transaction, at {}",
                 offsets::FormatLsn(resume_at));
      commit_at_start = last_commit_end_;
      started = std::chrono::steady_clock::now();
      streamed = true;
      s = Stream(out, stop, resume_at);
    }
  }
  if (s.IsAborted() && stop.load()) return Status::OK();
  return stop.load() ? Status::OK() : s;
}

void PostgresSource::DropOpenTransaction() {
  if (!in_txn_) return;
  in_txn_ = false;
  batch_.events.resize(std::min(batch_.events.size(), events_at_commit_));
  if (txmeta_) txmeta_->Forget();
  // The server sends the transaction again from its start: what of it was
  // handed over is skipped then.
  skip_changes_ = pushed_txn_changes_;
  skip_txn_ = offsets::FormatLsn(commit_lsn_);
  skip_checked_ = skip_changes_ == 0;
}

void PostgresSource::CountChange(size_t first) {
  ++txn_changes_;
  if (skip_changes_ == 0) return;
  --skip_changes_;
  if (txmeta_) txmeta_->OnSkipped(batch_, first);
  batch_.events.resize(first);
}

void PostgresSource::ResumeInside(const offsets::Position& position) {
  skip_changes_ = position.txn_changes;
  skip_txn_ = position.txn_id;
  skip_checked_ = skip_changes_ == 0;
}

Status PostgresSource::Stream(BatchQueue& out, const std::atomic<bool>& stop, uint64_t start_lsn) {
  std::string pubs = PgConnection::QuoteLiteral(PgConnection::QuoteIdent(pg_.publication));
  std::string sql = "START_REPLICATION SLOT " + PgConnection::QuoteIdent(pg_.slot) + " LOGICAL " +
                    offsets::FormatLsn(start_lsn) +
                    " (proto_version '1', publication_names " + pubs + ", messages 'true')";
  CDC_ASSIGN_OR_RETURN(PgResult res, repl_.Query(sql));
  if (PQresultStatus(res.get()) != PGRES_COPY_BOTH) {
    return Status::IOError(Endpoint() + ": START_REPLICATION did not start streaming");
  }
  log_->info("streaming from {}", offsets::FormatLsn(start_lsn));
  last_commit_end_ = std::max(last_commit_end_, start_lsn);
  last_pushed_end_ = std::max(last_pushed_end_, start_lsn);
  streaming_ = true;
  CDC_RETURN_IF_ERROR(SendStatus(false));
  if (durable_lsn_.load() == 0) {
    // Nothing stored yet (a new slot without snapshot): store the start so a
    // slot that only sees unpublished changes still advances.
    batch_.end_position = offsets::Position::Postgres(start_lsn);
    if (!PushBatch(out)) return Status::OK();
  }

  PGconn* conn = repl_.raw();
  while (!stop.load(std::memory_order_relaxed)) {
    CDC_RETURN_IF_ERROR(SnapshotStep(out, stop));
    CopyBuffer buf;
    int n = PQgetCopyData(conn, &buf.data, /*async=*/1);
    if (n > 0) {
      auto msg = ParseCopyData(std::string_view(buf.data, static_cast<size_t>(n)));
      if (!msg.ok()) return msg.status().WithContext(Endpoint());
      if (auto* x = std::get_if<XLogData>(&*msg)) {
        batch_.bytes += static_cast<size_t>(n);
        CDC_RETURN_IF_ERROR(HandleXLogData(out, *x));
      } else {
        const auto& k = std::get<Keepalive>(*msg);
        keepalive_wal_end_ = std::max(keepalive_wal_end_, k.wal_end);
        if (k.reply_requested) CDC_RETURN_IF_ERROR(SendStatus(true));
      }
      if (batch_.Full(config_.batch_max_events, config_.batch_max_bytes) && !PushBatch(out)) {
        return Status::OK();
      }
      if ((events_decoded_ & 1023) == 0 && std::chrono::steady_clock::now() >= next_status_) {
        CDC_RETURN_IF_ERROR(SendStatus(false));
      }
      continue;
    }
    if (n == 0) {
      // Nothing buffered: hand over what we have rather than wait for more.
      if (!PushBatch(out)) return Status::OK();
      // Asking for a reply makes the server send a keepalive with its WAL
      // end, which lets an idle slot advance past unpublished WAL.
      if (std::chrono::steady_clock::now() >= next_status_) CDC_RETURN_IF_ERROR(SendStatus(true));
      // Also woken by the rows of a snapshot chunk being read, which the
      // server sends only as fast as they are taken in (SnapshotStep).
      pollfd pfd[2] = {{PQsocket(conn), POLLIN, 0},
                       {reading_ ? PQsocket(chunk_sql_.raw()) : -1, POLLIN, 0}};
      int rc = poll(pfd, 2, 100);
      if (rc < 0 && errno != EINTR) {
        return Status::IOError(Endpoint() + ": poll failed on the replication socket", true);
      }
      if (PQconsumeInput(conn) == 0) {
        return Status::IOError(Endpoint() + ": replication connection lost: " + repl_.LastError(), true);
      }
      continue;
    }
    PgResult end(PQgetResult(conn));
    std::string why = end ? PQresultErrorMessage(end.get()) : "";
    if (why.empty()) why = repl_.LastError();
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (why.empty()) why = "the server closed the connection";
    // A lost connection or a server going away is retried; an error the
    // server reports about the stream itself (a publication dropped, a
    // decoding error) would come back at every retry.
    const bool retryable = PQstatus(conn) != CONNECTION_OK || !end ||
                           PQresultStatus(end.get()) != PGRES_FATAL_ERROR ||
                           PgConnection::Transient(end.get());
    return Status::IOError(Endpoint() + ": replication stream ended: " + why, retryable);
  }
  if (!PushBatch(out)) return Status::OK();
  return Status::OK();
}

Status PostgresSource::HandleXLogData(BatchQueue& out, const XLogData& data) {
  auto decoded = pgoutput::DecodeMessage(data.payload);
  if (!decoded.ok()) {
    return decoded.status().WithContext(Endpoint() + " at " + offsets::FormatLsn(data.start_lsn));
  }
  pgoutput::Message& msg = *decoded;
  if (auto* b = std::get_if<pgoutput::Begin>(&msg)) {
    in_txn_ = true;
    xid_ = b->xid;
    commit_lsn_ = b->final_lsn;
    commit_time_us_ = b->commit_time_us;
    event_index_ = 0;
    txn_changes_ = 0;
    pushed_txn_changes_ = skip_changes_;
    if (!skip_checked_) {
      skip_checked_ = true;
      if (offsets::FormatLsn(b->final_lsn) != skip_txn_) {
        return Status::Corruption(
            Endpoint() + ": the stored position says " + std::to_string(skip_changes_) +
            " changes of the transaction that commits at " + skip_txn_ +
            " are published, but the server sends the transaction that commits at " +
            offsets::FormatLsn(b->final_lsn) + " first after " +
            offsets::FormatLsn(last_commit_end_) +
            "; set a position at a transaction boundary with `cdc-agent offsets set`");
      }
    }
  } else if (auto* c = std::get_if<pgoutput::Commit>(&msg)) {
    if (skip_changes_ > 0) {
      return Status::Corruption(
          Endpoint() + ": the stored position says " + std::to_string(pushed_txn_changes_) +
          " changes of the transaction that commits at " + offsets::FormatLsn(commit_lsn_) +
          " are published, but it has only " + std::to_string(txn_changes_) +
          "; set a position at a transaction boundary with `cdc-agent offsets set`");
    }
    in_txn_ = false;
    txn_changes_ = 0;
    pushed_txn_changes_ = 0;
    if (txmeta_) txmeta_->OnCommit(batch_);
    last_commit_end_ = c->end_lsn;
    batch_.end_position = offsets::Position::Postgres(c->end_lsn);
    events_at_commit_ = batch_.events.size();
  } else if (auto* r = std::get_if<pgoutput::Relation>(&msg)) {
    CDC_RETURN_IF_ERROR(HandleRelation(*r));
  } else if (auto* t = std::get_if<pgoutput::Truncate>(&msg)) {
    const size_t first = batch_.events.size();
    CDC_RETURN_IF_ERROR(HandleTruncate(*t, data.start_lsn));
    CountChange(first);
  } else if (std::holds_alternative<pgoutput::Insert>(msg) ||
             std::holds_alternative<pgoutput::Update>(msg) ||
             std::holds_alternative<pgoutput::Delete>(msg)) {
    const size_t first = batch_.events.size();
    CDC_RETURN_IF_ERROR(HandleRow(msg, data.start_lsn));
    CountChange(first);
  } else if (auto* ty = std::get_if<pgoutput::Type>(&msg)) {
    CDC_RETURN_IF_ERROR(catalog_->EnsureType(ty->oid, &types_));
    const pgoutput::PgType* known = types_.Find(ty->oid);
    if (known != nullptr && known->kind == pgoutput::PgType::Kind::kOther &&
        known->name.rfind("oid:", 0) == 0) {
      pgoutput::PgType named = *known;
      named.name = std::string(ty->name);
      types_.Add(std::move(named));
    }
  } else if (auto* m = std::get_if<pgoutput::LogicalMessage>(&msg)) {
    CDC_RETURN_IF_ERROR(HandleWatermark(out, *m, m->lsn));
  }
  // Origin messages carry no row change.
  return Status::OK();
}

Result<ColumnInfo> PostgresSource::DescribeColumn(std::string name, uint32_t type_oid,
                                                  int32_t type_modifier) {
  CDC_RETURN_IF_ERROR(catalog_->EnsureType(type_oid, &types_));
  ColumnInfo col;
  col.name = std::move(name);
  col.type_oid = type_oid;
  col.type_modifier = type_modifier;
  col.type_name = pgoutput::TypeName(types_, type_oid);
  return col;
}

Status PostgresSource::HandleRelation(const pgoutput::Relation& r) {
  RelationInfo rel;
  rel.oid = r.oid;
  rel.schema = std::string(r.schema);
  rel.table = std::string(r.name);
  rel.replica_identity = r.replica_identity;
  rel.included = TableIncluded(rel.schema, rel.table);
  rel.topic = TopicName(topic_prefix_, rel.schema, rel.table);
  for (const auto& c : r.columns) {
    CDC_ASSIGN_OR_RETURN(ColumnInfo col,
                         DescribeColumn(std::string(c.name), c.type_oid, c.type_modifier));
    col.identity = c.key;
    rel.columns.push_back(std::move(col));
  }
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> keys, catalog_->KeyColumns(r.oid));
  SetKeyColumns(keys, &rel);
  rel.shape = ShapeFor(rel);
  CDC_RETURN_IF_ERROR(DescribeForDebezium(&rel));
  relations_[r.oid] = std::move(rel);
  return Status::OK();
}

Status PostgresSource::DescribeForDebezium(RelationInfo* rel) {
  if (config_.kafka.format != EventFormat::kDebeziumJson) return Status::OK();
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> not_null, catalog_->NotNullColumns(rel->oid));
  rel->debezium = std::make_shared<const DebeziumTableInfo>(DebeziumTableOf(*rel, types_, not_null));
  return Status::OK();
}

}  // namespace cdc::agent::postgres
