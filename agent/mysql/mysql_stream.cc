// Streaming: binlog events into change events, transaction boundaries into
// positions, DDL into schema history, and reconnecting when the server goes
// away.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "agent/mysql/mysql_source.h"
#include "agent/topic.h"
#include "decoders/binlog/charset.h"

namespace cdc::agent::mysql {

namespace {

// sql_mode bits of the QUERY event's status variables.
constexpr uint64_t kSqlModeRealAsFloat = 1;
constexpr uint64_t kSqlModeAnsiQuotes = 4;
constexpr uint64_t kSqlModeNoBackslashEscapes = 1u << 20;

constexpr auto kPollInterval = std::chrono::milliseconds(200);
constexpr auto kFirstRetryDelay = std::chrono::milliseconds(500);
constexpr auto kMaxRetryDelay = std::chrono::seconds(5);
constexpr unsigned int kErrorFatalBinlogRead = 1236;  // ER_MASTER_FATAL_ERROR_READING_BINLOG

// The first word of a statement, uppercased, after spaces and comments.
std::string FirstWord(std::string_view sql, size_t* end = nullptr) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "/*") {
      size_t close = sql.find("*/", i + 2);
      i = close == std::string_view::npos ? sql.size() : close + 2;
    } else if (sql.substr(i, 2) == "--" || sql[i] == '#') {
      size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && (std::isalpha(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
    ++i;
  }
  if (end != nullptr) *end = i;
  return word;
}

}  // namespace

bool MysqlSource::PushBatch(BatchQueue& out) {
  const bool open = in_txn_ || txn_pending_;
  if (open && skip_rows_ == 0 && txn_rows_ > pushed_txn_rows_) {
    // Cut inside a transaction: the batch ends after its first txn_rows_
    // rows, which a resume from this position skips. (While rows already
    // published are being skipped, the position stays where it was.)
    batch_.end_position = committed_.InTransaction(txn_rows_, ctx_.gtid);
  }
  // The snapshot's progress as of the batch's last event.
  if (batch_.end_position) batch_.end_position->snapshot = snapshot_;
  // The schema history becomes durable with a position. A batch without one
  // (part of a table read whole, or nothing new on an idle server after a
  // restart loaded the history) leaves it for the next that has one: with
  // exactly-once, states without a position would hold the Kafka transaction
  // open until it timed out.
  if (batch_.end_position) {
    if (std::optional<std::string> history = history_.TakeUnsent()) {
      batch_.states.emplace_back(SchemaHistory::kStateName, std::move(*history));
    }
  }
  if (batch_.events.empty() && !batch_.end_position && batch_.states.empty()) {
    batch_.bytes = 0;  // rows none of which became an event
    return true;
  }
  batch_.pool = pool_;
  if (!out.Push(std::move(batch_))) return false;
  if (open) pushed_txn_rows_ = std::max(pushed_txn_rows_, txn_rows_);
  batch_ = Batch();
  events_at_commit_ = 0;
  return true;
}

Status MysqlSource::OpenStream() {
  StreamStart start;
  start.file = committed_.file;
  start.pos = committed_.pos;
  if (mariadb_) start.mariadb_gtid = committed_.gtid_set;
  decoder_ = binlog::EventDecoder();
  tables_.clear();
  in_txn_ = false;
  txn_pending_ = false;
  // Rows of the transaction in progress already handed over, counted over
  // failed attempts and over a replay cut short by another failure.
  skip_rows_ += txn_rows_;
  if (txn_rows_ > 0) resume_txn_ = ctx_.gtid;
  txn_rows_ = 0;
  events_at_commit_ = batch_.events.size();
  file_ = committed_.file;
  read_at_ = {committed_.file, committed_.pos};
  // A chunk read but not published is read again.
  DropChunks();
  Status s = stream_.Open(my_, start);
  if (!s.ok()) {
    stream_.Close();
    return s;
  }
  decoder_.SetChecksum(stream_.checksum() ? binlog::ChecksumAlg::kCrc32
                                          : binlog::ChecksumAlg::kOff);
  log_->info("streaming the binlog of {} from {}{}", my_.host + ":" + std::to_string(my_.port),
             committed_.ToString(),
             skip_rows_ > 0 ? " (" + std::to_string(skip_rows_) + " rows already handed over)"
                            : std::string());
  return Status::OK();
}

Status MysqlSource::Stream(BatchQueue& out, const std::atomic<bool>& stop) {
  out_ = &out;
  stop_ = &stop;
  Status s = OpenStream();
  std::vector<std::string> events;
  std::chrono::steady_clock::time_point failed_at{};
  auto delay = std::chrono::steady_clock::duration(kFirstRetryDelay);
  while (!stop.load()) {
    if (s.ok()) {
      s = SnapshotStep();
      // An idle server: the stream may already be at the chunk's high mark.
      if (s.ok() && !chunks_.empty()) s = MaybePublishChunk();
      // While a snapshot has a chunk to start, do not wait for the stream
      // (the chunk reader wakes the wait when a read ends).
      const bool chunk_due = ChunkDue();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          chunk_due ? std::chrono::milliseconds(0) : kPollInterval);
      const auto now = std::chrono::steady_clock::now();
      if (snapshot_ && next_chunk_at_ > now) {
        // A chunk tried again later (locked rows, a lost connection).
        wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(next_chunk_at_ - now));
      }
      if (s.ok()) s = stream_.Poll(&events, wait);
      for (const std::string& bytes : events) {
        if (!s.ok()) break;
        // This event may lie past the high mark of the chunk being read.
        if (chunk_reader_ && chunk_reader_->marking()) s = AwaitChunk();
        if (s.ok()) s = HandleEvent(bytes);
        if (s.ok() && !chunks_.empty()) s = MaybePublishChunk();
      }
      if (!s.ok() && !s.retryable()) {
        // Fatal: hand over only what was complete at the last boundary or
        // push; the next run replays the rest of the transaction.
        batch_.events.resize(events_at_commit_);
        txn_rows_ = pushed_txn_rows_;
      }
      // Caught up with what the server sent: hand over what is decoded.
      if (!PushBatch(out)) return Status::OK();
      if (s.ok()) {
        if (!events.empty()) {
          failed_at = {};
          delay = kFirstRetryDelay;
        }
        continue;
      }
    }
    // The stream failed (or could not be opened).
    if (s.IsAborted()) return Status::OK();  // the queue closed: stopping
    if (!s.retryable()) {
      if (s.message().find("(error " + std::to_string(kErrorFatalBinlogRead) + ")") !=
          std::string::npos) {
        return Status::IOError(
            s.message() + "; the server no longer has the binlog at " + committed_.ToString() +
            " (purged, or another replica uses server_id " + std::to_string(my_.server_id) +
            "): changes after it cannot be read. Check source.server_id, then run `cdc-agent "
            "offsets reset` to start over with a new snapshot");
      }
      return s;
    }
    stream_.Close();
    auto now = std::chrono::steady_clock::now();
    if (failed_at == std::chrono::steady_clock::time_point{}) {
      failed_at = now;
      log_->warn("{}; reconnecting for up to {} s", s.message(), my_.reconnect_timeout_s);
    }
    if (now - failed_at >= std::chrono::seconds(my_.reconnect_timeout_s)) {
      return Status::IOError(s.message() + "; gave up reconnecting after " +
                             std::to_string(my_.reconnect_timeout_s) +
                             " s (source.reconnect_timeout_s)");
    }
    // Hand over what is complete while waiting; then sleep, watching stop.
    if (!PushBatch(out)) return Status::OK();
    auto wake = now + delay;
    while (!stop.load() && std::chrono::steady_clock::now() < wake) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    delay = std::min<std::chrono::steady_clock::duration>(delay * 2, kMaxRetryDelay);
    if (stop.load()) break;
    s = OpenStream();
    if (s.ok()) log_->info("reconnected");
  }
  return Status::OK();
}

Status MysqlSource::HandleEvent(std::string_view bytes) {
  auto event = decoder_.Decode(bytes);
  if (!event.ok()) return event.status().WithContext(file_ + " after " + committed_.ToString());
  CDC_RETURN_IF_ERROR(HandleDecoded(*event));
  // Where the stream has read to only grows (the rotate that opens a dump
  // by GTID names the file's start).
  BinlogPos at = read_at_;
  if (const auto* r = std::get_if<binlog::Rotate>(&event->body)) {
    at = {file_, r->position};
  } else if (event->header.log_pos != 0) {
    at = {file_, event->header.log_pos};
  }
  if (CompareBinlogPos(at, read_at_) > 0) read_at_ = std::move(at);
  if (event->header.type == static_cast<uint8_t>(binlog::EventType::kTransactionPayload)) {
    const uint32_t log_pos = event->header.log_pos;
    while (true) {
      auto inner = decoder_.NextPayloadEvent();
      if (!inner.ok()) return inner.status().WithContext(file_ + ":" + std::to_string(log_pos));
      if (!inner->has_value()) break;
      (*inner)->header.log_pos = log_pos;
      CDC_RETURN_IF_ERROR(HandleDecoded(**inner));
    }
  }
  return Status::OK();
}

Status MysqlSource::HandleDecoded(const binlog::Event& event) {
  const auto& body = event.body;
  const binlog::EventHeader& header = event.header;
  if (const auto* rows = std::get_if<binlog::RowsEvent>(&body)) {
    return HandleRows(header, *rows);
  }
  if (const auto* map = std::get_if<binlog::TableMap>(&body)) return HandleTableMap(*map, header);
  if (std::holds_alternative<binlog::Xid>(body)) return Commit(header);
  // XA PREPARE ends the binlog's group of an XA transaction (its rows are
  // published now); XA COMMIT or XA ROLLBACK comes later as a statement of
  // its own. Resuming after the prepare starts at the next group.
  if (header.type == static_cast<uint8_t>(binlog::EventType::kXaPrepare)) return Commit(header);
  if (const auto* q = std::get_if<binlog::Query>(&body)) return HandleQuery(header, *q);
  if (const auto* mg = std::get_if<binlog::MariaGtid>(&body)) {
    CDC_RETURN_IF_ERROR(BeginTransaction(mg->ToString(), CommitTimeUs(*mg, header)));
    txn_maria_gtid_ = offsets::MariaGtidSet::Entry{mg->domain_id, mg->server_id, mg->seq_no};
    // MariaDB writes no BEGIN after a GTID. A standalone GTID (DDL) starts a
    // transaction of one statement, which commits itself.
    in_txn_ = !mg->standalone();
    return Status::OK();
  }
  if (const auto* g = std::get_if<binlog::MysqlGtid>(&body)) {
    CDC_RETURN_IF_ERROR(BeginTransaction(g->anonymous ? "" : g->ToString(), CommitTimeUs(*g, header)));
    // MySQL: a BEGIN follows for a transaction; a DDL follows alone and
    // commits itself.
    in_txn_ = false;
    if (!g->anonymous) {
      txn_mysql_gtid_ = std::make_pair(g->sid, static_cast<uint64_t>(g->gno));
      txn_mysql_tag_ = g->tag;
    }
    return Status::OK();
  }
  if (const auto* r = std::get_if<binlog::Rotate>(&body)) {
    file_ = std::string(r->next_file);
    // A real rotate (not the one that opens a dump) moves the position to
    // the next file, so a resume never names a file that was purged.
    if (header.log_pos != 0 && !in_txn_) {
      committed_.file = file_;
      committed_.pos = r->position;
      batch_.end_position = committed_;
    }
    return Status::OK();
  }
  if (const auto* fd = std::get_if<binlog::FormatDescription>(&body)) {
    ctx_.kind = KindOf(*fd);
    server_version_ = ddl::VersionNumber(fd->server_version);
    return Status::OK();
  }
  if (const auto* skipped = std::get_if<binlog::Skipped>(&body)) return CheckSkipped(*skipped, header);
  return Status::OK();
}

Status MysqlSource::CheckSkipped(const binlog::Skipped& skipped, const binlog::EventHeader& header) {
  using binlog::EventType;
  const auto type = static_cast<EventType>(skipped.type);
  const std::string where = binlog::EventTypeName(skipped.type) + " at " + file_ + ":" +
                            std::to_string(header.log_pos);
  if (type >= EventType::kMariaQueryCompressed && type <= EventType::kMariaDeleteRowsCompressed) {
    // Skipping these would lose the changes they carry.
    return Status::NotSupported(where + ": compressed binlog events (log_bin_compress=ON) are "
                                        "not supported; set log_bin_compress=OFF on the server, "
                                        "and take a new snapshot (`cdc-agent offsets reset`)");
  }
  if (type == EventType::kIncident) {
    return Status::Corruption(where + ": the server recorded an incident (events may be missing "
                                      "from its binlog); check the server's error log, then "
                                      "take a new snapshot (`cdc-agent offsets reset`)");
  }
  return Status::OK();
}

Status MysqlSource::BeginTransaction(std::string gtid, int64_t commit_time_us) {
  if (resume_txn_) {
    // The first transaction after a position inside one must be that one.
    std::string expected = std::move(*resume_txn_);
    resume_txn_.reset();
    if (!expected.empty() && gtid != expected) {
      return Status::Corruption(
          "the stored position says " + std::to_string(skip_rows_) + " rows of transaction " +
          expected + " after " + committed_.ToString() + " are published, but the binlog has " +
          (gtid.empty() ? std::string("a transaction without GTID") : "transaction " + gtid) +
          " there; set a position at a transaction boundary with `cdc-agent offsets set`");
    }
  }
  // A transaction whose commit was not seen ends where the next begins;
  // the same GTID again is the replay of the open one after a reconnect.
  if (txmeta_ && (gtid.empty() || txmeta_->open_id() != gtid)) txmeta_->OnCommit(batch_);
  in_txn_ = true;
  txn_commit_time_us_ = commit_time_us;
  txn_pending_ = true;
  ctx_.gtid = std::move(gtid);
  ctx_.event_index = 0;
  txn_maria_gtid_.reset();
  txn_mysql_gtid_.reset();
  txn_mysql_tag_.clear();
  txn_rows_ = 0;
  pushed_txn_rows_ = 0;
  return Status::OK();
}

Status MysqlSource::Commit(const binlog::EventHeader& header) {
  if (skip_rows_ > 0) {
    return Status::Corruption(
        "the transaction after " + committed_.ToString() + " has " + std::to_string(txn_rows_) +
        " rows, fewer than the " + std::to_string(txn_rows_ + skip_rows_) +
        " the stored position says are published; set a position at a transaction boundary "
        "with `cdc-agent offsets set`");
  }
  if (txn_maria_gtid_) {
    maria_gtids_.Update(txn_maria_gtid_->domain, txn_maria_gtid_->server_id, txn_maria_gtid_->seq);
    committed_.gtid_set = maria_gtids_.ToString();
  } else if (txn_mysql_gtid_) {
    CDC_RETURN_IF_ERROR(
        mysql_gtids_.Add(txn_mysql_gtid_->first, txn_mysql_tag_, txn_mysql_gtid_->second));
    committed_.gtid_set = mysql_gtids_.ToString();
  }
  committed_.kind = offsets::Position::Kind::kMysql;
  committed_.file = file_;
  committed_.pos = header.log_pos;
  if (txmeta_) txmeta_->OnCommit(batch_, file_, header.log_pos);
  batch_.end_position = committed_;
  events_at_commit_ = batch_.events.size();
  in_txn_ = false;
  txn_pending_ = false;
  txn_maria_gtid_.reset();
  txn_mysql_gtid_.reset();
  txn_rows_ = 0;
  pushed_txn_rows_ = 0;
  txn_commit_time_us_ = 0;
  skip_rows_ = 0;
  return Status::OK();
}

Status MysqlSource::HandleQuery(const binlog::EventHeader& header, const binlog::Query& query) {
  size_t after_word = 0;
  const std::string word = FirstWord(query.sql, &after_word);
  const std::string next = FirstWord(query.sql.substr(after_word));
  if (word == "BEGIN" || (word == "XA" && next == "START")) {
    // Without a GTID event before it (MySQL 5.6 and older without GTIDs),
    // BEGIN is where the transaction starts.
    if (!txn_pending_) CDC_RETURN_IF_ERROR(BeginTransaction(""));
    in_txn_ = true;
    txn_pending_ = false;
    return Status::OK();
  }
  if (word == "COMMIT" || (word == "ROLLBACK" && next != "TO")) return Commit(header);
  // XA COMMIT and XA ROLLBACK end their group: alone after the prepare, or
  // (MySQL, an XA transaction rolled back before its prepare) after its rows.
  if (word == "XA" && (next == "COMMIT" || next == "ROLLBACK")) return Commit(header);
  if (word == "SAVEPOINT" || word == "ROLLBACK" || word == "RELEASE") return Status::OK();
  // DDL (also inside executable comments, where the first word is hidden):
  // the parser tells what changes tables and ignores the rest.
  if (word.empty() || word == "CREATE" || word == "ALTER" || word == "DROP" ||
      word == "RENAME" || word == "TRUNCATE") {
    CDC_RETURN_IF_ERROR(FollowDdl(header, query));
  }
  // A statement outside BEGIN..COMMIT is a transaction of its own; XA END is
  // inside its transaction.
  if (!in_txn_) return Commit(header);
  return Status::OK();
}

void MysqlSource::PlaceAt(const binlog::EventHeader& header) {
  ctx_.file = file_;
  ctx_.pos = header.log_pos;
  ctx_.commit_time_us = RowCommitTimeUs(txn_commit_time_us_, header);
}

void MysqlSource::AddTruncate(const TableName& table, const binlog::EventHeader& header) {
  OutEvent& out = batch_.events.emplace_back();
  if (auto shape = shapes_.find({table.schema, table.table}); shape != shapes_.end()) {
    out.table = shape->second;  // the table's transforms apply
  } else {
    out.topic = TopicName(topic_prefix_, table.schema, table.table);
  }
  out.event.set_op(cdc::v1::OP_TRUNCATE);
  if (config_.kafka.format == EventFormat::kDebeziumJson) {
    // The columns, for the schema of Debezium's TRUNCATE message.
    const InfoTable* info = history_.Find(table.schema, table.table, BinlogPos{file_, header.log_pos});
    if (info != nullptr && info->unknown.empty()) {
      Result<binlog::TableSchema> schema = SchemaFromInfo(*info);
      if (schema.ok()) out.debezium_table = DebeziumFacts(*schema);
    }
  }
  PlaceAt(header);
  FillSource(ctx_, table.schema, table.table, out.event.mutable_source());
  ++ctx_.event_index;
  if (txmeta_) txmeta_->OnEvent(batch_);
}

Status MysqlSource::FollowDdl(const binlog::EventHeader& header, const binlog::Query& query) {
  ddl::ParseOptions options;
  options.mariadb = mariadb_;
  options.ansi_quotes = query.sql_mode && (*query.sql_mode & kSqlModeAnsiQuotes) != 0;
  options.real_as_float = query.sql_mode && (*query.sql_mode & kSqlModeRealAsFloat) != 0;
  options.no_backslash_escapes =
      query.sql_mode && (*query.sql_mode & kSqlModeNoBackslashEscapes) != 0;
  options.server_version = server_version_;
  const ddl::Statement stmt = ddl::Parse(query.sql, options);
  using Kind = ddl::Statement::Kind;
  if (stmt.kind == Kind::kTruncate) {
    TableName t{stmt.table.db.empty() ? std::string(query.schema) : stmt.table.db,
                stmt.table.table};
    if (my_.Includes(t.schema, t.table)) AddTruncate(t, header);
    return Status::OK();
  }
  if (stmt.kind == Kind::kIgnored) return Status::OK();
  // Table ids may stand for other columns from here on.
  tables_.clear();
  const BinlogPos at{file_, header.log_pos};
  // Replaying what was read before: the history holds the statement already.
  if (CompareBinlogPos(at, history_.high()) <= 0) return Status::OK();
  Catalog catalog = history_.Latest();
  DdlContext ctx;
  ctx.default_db = std::string(query.schema);
  if (query.collation_server) {
    const binlog::Charset* cs = binlog::CharsetOfCollation(*query.collation_server);
    if (cs != nullptr) ctx.server_charset = cs->name;
  }
  ctx.where = at.ToString();
  ctx.lowercase_names = lowercase_names_;
  ctx.tracked = [this](const std::string& db) { return FollowsDatabase(my_, db); };
  const std::vector<TableKey> unknown = ApplyDdl(stmt, query.sql, ctx, &catalog);
  CDC_RETURN_IF_ERROR(history_.Record(at, catalog));
  for (const TableKey& key : unknown) {
    const bool captured = key.first.empty() || my_.Includes(key.first, key.second);
    const InfoTable* info = key.first.empty() ? nullptr : history_.Find(key.first, key.second, at);
    std::string what = info != nullptr ? info->unknown
                                       : DescribeStatement(query.sql, ctx.where, stmt.error);
    std::string table = key.first.empty() ? "a table of " + ctx.default_db
                                          : key.first + "." + key.second;
    if (captured && !full_metadata_) {
      return Status::NotSupported(
          "cannot follow the DDL statement " + what + ", which changes " + table +
          ": the columns of its later rows are unknown. To continue: set "
          "binlog_row_metadata=FULL on the server (then rows events carry their columns) and "
          "restart, or run `cdc-agent offsets reset` to start over with a new snapshot");
    }
    log_->warn("cannot follow the DDL statement {}, which changes {}; its rows events must carry "
               "full metadata (binlog_row_metadata=FULL)", what, table);
  }
  return Status::OK();
}

Status MysqlSource::HandleTableMap(const binlog::TableMap& map, const binlog::EventHeader& header) {
  if (!my_.Includes(map.schema, map.table)) {
    tables_[map.table_id] = std::nullopt;
    return Status::OK();
  }
  const BinlogPos at{file_, header.log_pos};
  const InfoTable* info = history_.Find(map.schema, map.table, at);
  auto known = tables_.find(map.table_id);
  if (known != tables_.end() && known->second && known->second->info == info &&
      known->second->history_generation == history_.generation() && known->second->map == map) {
    // The table of an earlier transaction, unchanged: each transaction maps
    // its tables again.
    return Status::OK();
  }
  MappedTable mapped;
  mapped.schema = binlog::SchemaFromTableMap(map);
  mapped.topic = TopicName(topic_prefix_, map.schema, map.table);
  if (map.metadata.column_names.size() == map.column_types.size()) {
    // Full metadata: the TABLE_MAP is the authority. It does not mark
    // MariaDB's JSON columns (LONGTEXT with a json_valid check): the history
    // does, by name.
    if (info != nullptr) MarkJsonColumns(*info, &mapped.schema);
  } else {
    // No full metadata: names, keys and labels from the schema history.
    if (info == nullptr) {
      return Status::NotFound("rows of " + map.schema + "." + map.table + " at " + at.ToString() +
                              " but its columns are unknown (no binlog_row_metadata=FULL and "
                              "no schema history for it); set binlog_row_metadata=FULL on the "
                              "server, or run `cdc-agent offsets reset` to start over");
    }
    if (!info->unknown.empty()) {
      return Status::NotSupported(
          "rows of " + map.schema + "." + map.table + " at " + at.ToString() +
          " without binlog_row_metadata=FULL, but its columns are unknown since the DDL "
          "statement " + info->unknown + ". To continue: run `cdc-agent offsets reset` to start "
          "over with a new snapshot");
    }
    CDC_RETURN_IF_ERROR(MergeInfoSchema(*info, &mapped.schema)
                            .WithContext("TABLE_MAP of " + map.schema + "." + map.table + " at " +
                                         at.ToString()));
  }
  mapped.debezium = DebeziumFacts(mapped.schema);
  mapped.shape = ShapeFor(mapped.schema);
  mapped.map = map;
  mapped.info = info;
  mapped.history_generation = history_.generation();
  tables_[map.table_id] = std::move(mapped);
  return Status::OK();
}

std::shared_ptr<const DebeziumTableInfo> MysqlSource::DebeziumFacts(
    const binlog::TableSchema& schema) const {
  if (config_.kafka.format != EventFormat::kDebeziumJson) return nullptr;
  return std::make_shared<const DebeziumTableInfo>(DebeziumTableOf(schema));
}

TableShapePtr MysqlSource::ShapeFor(const binlog::TableSchema& schema) {
  return KeepShape(schema, mariadb_ ? cdc::v1::SOURCE_KIND_MARIADB : cdc::v1::SOURCE_KIND_MYSQL,
                   &shapes_[{schema.schema, schema.table}]);
}

Status MysqlSource::HandleRows(const binlog::EventHeader& header, const binlog::RowsEvent& rows) {
  auto it = tables_.find(rows.table_id);
  if (it == tables_.end()) {
    return Status::Corruption("rows event for table id " + std::to_string(rows.table_id) +
                              " without a TABLE_MAP before it at " + file_ + ":" +
                              std::to_string(header.log_pos));
  }
  if (!it->second) return Status::OK();  // not captured
  const MappedTable& table = *it->second;
  PlaceAt(header);
  // The event's rows count towards the batch they start in (a rows event
  // holds about 8 KiB of rows, binlog_row_event_max_size, or one larger row).
  batch_.bytes += rows.rows.size();
  size_t first = 0;      // the current row's first event
  bool filling = false;  // a row's event is being filled
  Status decoded = DecodeRowEvents(
      rows, table.schema, table.shape.get(), ctx_, &spares_,
      [&]() {
        filling = true;
        first = batch_.events.size();
        OutEvent& out = pool_->Append(&batch_.events, &spares_);
        out.table = table.shape;
        out.rows_named_by_table = true;
        out.debezium_table = table.debezium;
        return &out.event;
      },
      [&](cdc::v1::ChangeEvent* event) {
        filling = false;
        ++ctx_.event_index;
        if (event->op() == cdc::v1::OP_UPDATE &&
            SplitKeyChange(table.schema, event, &scratch_key_, &split_insert_.event,
                           &scratch_insert_key_)) {
          // A primary key change: the DELETE of the old key, then the INSERT.
          split_insert_.table = table.shape;
          split_insert_.debezium_table = table.debezium;
          split_insert_.event.mutable_source()->set_event_index(ctx_.event_index++);
          batch_.events.push_back(std::move(split_insert_));
          split_insert_.Clear();
        }
        ++txn_rows_;
        if (skip_rows_ > 0) {
          // Handed over before the reconnect that replays this transaction.
          --skip_rows_;
          if (txmeta_) txmeta_->OnSkipped(batch_, first);
          batch_.events.resize(first);
          return Status::OK();
        }
        if (txmeta_) txmeta_->OnEvents(batch_, first);
        if (batch_.Full(config_.batch_max_events, config_.batch_max_bytes) &&
            !PushBatch(*out_)) {
          return Status::Aborted("stopped");
        }
        return Status::OK();
      });
  if (!decoded.ok() && filling) {
    // A row that failed to decode leaves no event behind; its values were
    // not all set, so its columns are not kept as named by the table.
    for (size_t i = first; i < batch_.events.size(); ++i) {
      batch_.events[i].rows_named_by_table = false;
    }
    batch_.events.resize(first);
  }
  return decoded.WithContext(file_ + ":" + std::to_string(header.log_pos));
}

}  // namespace cdc::agent::mysql
