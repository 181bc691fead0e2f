#include "agent/postgres/postgres_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "agent/fresh_start.h"
#include "agent/topic.h"
#include "agent/postgres/postgres_check.h"

namespace cdc::agent::postgres {

const char* const kSessionOptions =
    "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3 "
    "-c lc_monetary=C -c bytea_output=hex -c client_encoding=UTF8";

namespace {

std::shared_ptr<spdlog::logger> SourceLogger(const std::string& name) {
  std::string logger_name = "source." + name;
  auto log = spdlog::get(logger_name);
  if (!log) {
    log = spdlog::default_logger()->clone(logger_name);
    spdlog::register_logger(log);
  }
  return log;
}

}  // namespace

PostgresSource::PostgresSource(const AgentConfig& config, offsets::OffsetStore* store)
    : config_(config),
      pg_(config.source.postgres),
      store_(store),
      log_(SourceLogger(config.source.name)),
      topic_prefix_(config.kafka.topic_prefix.empty() ? config.source.name
                                                      : config.kafka.topic_prefix),
      requests_(SnapshotRequestDir(config.offsets.path)) {
  pool_ = MakeEventPool(config.batch_max_events, config.queue_max_batches);
  if (config.kafka.transaction_metadata) {
    txmeta_.emplace(TransactionMetadata::TopicFor(topic_prefix_));
  }
}

PostgresSource::~PostgresSource() = default;

std::string PostgresSource::Endpoint() const {
  return "postgres " + pg_.host + ":" + std::to_string(pg_.port) + "/" + pg_.database;
}

void PostgresSource::OnDurable(const offsets::Position& position) {
  if (position.kind != offsets::Position::Kind::kPostgres) return;
  requests_.Durable(position);
  durable_signal_.Reached(position);
  uint64_t prev = durable_lsn_.load(std::memory_order_relaxed);
  while (position.lsn > prev &&
         !durable_lsn_.compare_exchange_weak(prev, position.lsn, std::memory_order_release)) {
  }
}

Status PostgresSource::Connect(const std::atomic<bool>& stop) {
  sql_.SetStopFlag(&stop);
  repl_.SetStopFlag(&stop);
  chunk_sql_.SetStopFlag(&stop);
  DropChunks();
  CDC_RETURN_IF_ERROR(sql_.Connect(SessionConnInfo(false), Endpoint()));
  CDC_RETURN_IF_ERROR(repl_.Connect(SessionConnInfo(true), Endpoint() + " (replication)"));
  catalog_ = std::make_unique<Catalog>(&sql_);
  return Status::OK();
}

std::string PostgresSource::SessionConnInfo(bool replication) const {
  return pg_.ConnInfo(replication) + " options='" + std::string(kSessionOptions) + "'";
}

Status PostgresSource::CheckServer() {
  CDC_ASSIGN_OR_RETURN(PgResult res, sql_.Query("SHOW wal_level"));
  std::string level = PQgetvalue(res.get(), 0, 0);
  if (level != "logical") {
    return Status::InvalidArgument(Endpoint() + " has wal_level=" + level +
                                   "; set wal_level = logical in postgresql.conf and restart "
                                   "PostgreSQL");
  }
  return Status::OK();
}

bool PostgresSource::TableIncluded(const std::string& schema, const std::string& table) const {
  if (pg_.tables.empty()) return true;
  return std::any_of(pg_.tables.begin(), pg_.tables.end(), [&](const TableName& t) {
    return t.schema == schema && t.table == table;
  });
}

Status PostgresSource::EnsurePublication(bool* created) {
  *created = false;
  // Said before the publication exists: creating it is what makes the
  // application's writes to such tables fail.
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> bare, TablesWithoutReplicaIdentity(sql_, pg_));
  if (!bare.empty()) log_->warn("{}", ReplicaIdentityWarning(pg_.publication, bare));
  CDC_ASSIGN_OR_RETURN(
      PgResult res,
      sql_.Query("SELECT puballtables FROM pg_catalog.pg_publication WHERE pubname = $1",
                 {pg_.publication}));
  std::string pub = PgConnection::QuoteIdent(pg_.publication);
  // Changes of a partition are published as changes of its partitioned
  // table, which is the table a user names and the snapshot reads.
  const std::string with = " WITH (publish_via_partition_root = true)";
  if (PQntuples(res.get()) == 0) {
    *created = true;
    if (pg_.tables.empty()) {
      log_->info("creating publication {} FOR ALL TABLES", pg_.publication);
      return sql_.Exec("CREATE PUBLICATION " + pub + " FOR ALL TABLES" + with);
    }
    std::string list;
    for (const auto& t : pg_.tables) {
      if (!list.empty()) list += ", ";
      list += PgConnection::QuoteIdent(t.schema) + "." + PgConnection::QuoteIdent(t.table);
    }
    log_->info("creating publication {} FOR TABLE {}", pg_.publication, list);
    return sql_.Exec("CREATE PUBLICATION " + pub + " FOR TABLE " + list + with);
  }
  bool all_tables = std::string(PQgetvalue(res.get(), 0, 0)) == "t";
  if (all_tables || pg_.tables.empty()) {
    if (!all_tables) {
      log_->warn("publication {} is not FOR ALL TABLES: only its tables are captured",
                 pg_.publication);
    }
    return Status::OK();
  }
  CDC_ASSIGN_OR_RETURN(
      PgResult tables,
      sql_.Query("SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables "
                 "WHERE pubname = $1",
                 {pg_.publication}));
  std::set<std::pair<std::string, std::string>> present;
  for (int i = 0; i < PQntuples(tables.get()); ++i) {
    present.emplace(PQgetvalue(tables.get(), i, 0), PQgetvalue(tables.get(), i, 1));
  }
  for (const auto& t : pg_.tables) {
    if (present.count({t.schema, t.table}) != 0) continue;
    log_->info("adding {} to publication {}", t.ToString(), pg_.publication);
    CDC_RETURN_IF_ERROR(sql_.Exec("ALTER PUBLICATION " + pub + " ADD TABLE " +
                                  PgConnection::QuoteIdent(t.schema) + "." +
                                  PgConnection::QuoteIdent(t.table)));
  }
  return Status::OK();
}

Result<PostgresSource::SlotInfo> PostgresSource::ReadSlot() {
  CDC_ASSIGN_OR_RETURN(
      PgResult res,
      sql_.Query("SELECT plugin, database, active, confirmed_flush_lsn::text "
                 "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
                 {pg_.slot}));
  SlotInfo info;
  if (PQntuples(res.get()) == 0) return info;
  info.exists = true;
  info.plugin = PQgetvalue(res.get(), 0, 0);
  info.database = PQgetvalue(res.get(), 0, 1);
  info.active = std::string(PQgetvalue(res.get(), 0, 2)) == "t";
  if (!PQgetisnull(res.get(), 0, 3)) {
    auto lsn = offsets::ParseLsn(PQgetvalue(res.get(), 0, 3));
    if (lsn.ok()) info.confirmed_flush = *lsn;
  }
  return info;
}

Status PostgresSource::DropSlot() {
  return sql_.Exec("SELECT pg_catalog.pg_drop_replication_slot(" +
                   PgConnection::QuoteLiteral(pg_.slot) + ")");
}

Result<uint64_t> PostgresSource::CreateSlot() {
  std::string sql = "CREATE_REPLICATION_SLOT " + PgConnection::QuoteIdent(pg_.slot) +
                    " LOGICAL pgoutput NOEXPORT_SNAPSHOT";
  CDC_ASSIGN_OR_RETURN(PgResult res, repl_.Query(sql));
  if (PQntuples(res.get()) != 1 || PQnfields(res.get()) < 3) {
    return Status::IOError(Endpoint() + ": unexpected reply to CREATE_REPLICATION_SLOT");
  }
  CDC_ASSIGN_OR_RETURN(uint64_t lsn, offsets::ParseLsn(PQgetvalue(res.get(), 0, 1)));
  log_->info("created replication slot {} at {}", pg_.slot, offsets::FormatLsn(lsn));
  return lsn;
}

Status PostgresSource::CheckPublicationNotNewer(bool publication_created) const {
  if (!publication_created) return Status::OK();
  // pgoutput reads publications as of the WAL it decodes, so a slot cannot
  // decode WAL older than its publication.
  return Status::InvalidArgument(
      "publication '" + pg_.publication + "' did not exist, but replication slot '" + pg_.slot +
      "' does: PostgreSQL cannot decode the slot's older WAL with it; run `cdc-agent offsets "
      "reset --config FILE` and drop the slot (SELECT pg_drop_replication_slot('" + pg_.slot +
      "')) to start over");
}

Status PostgresSource::Run(BatchQueue& out, const std::atomic<bool>& stop) {
  Status s = Start(out, stop);
  // A chunk being read ends its transaction and row locks now, not when the
  // source is destroyed after the sink's last flush.
  DropChunks();
  // A statement cancelled because of a stop request is a clean stop.
  if (s.IsAborted() && stop.load()) return Status::OK();
  return s;
}

Status PostgresSource::CheckTransformsNow(const std::atomic<bool>& stop) {
  if (!checks_shapes()) return Status::OK();
  CDC_RETURN_IF_ERROR(Connect(stop));
  return CheckTransforms();
}

Status PostgresSource::Start(BatchQueue& out, const std::atomic<bool>& stop) {
  CDC_RETURN_IF_ERROR(Connect(stop));
  CDC_RETURN_IF_ERROR(CheckServer());
  bool publication_created = false;
  CDC_RETURN_IF_ERROR(EnsurePublication(&publication_created));
  CDC_RETURN_IF_ERROR(CheckTransforms());
  CDC_ASSIGN_OR_RETURN(SlotInfo slot, ReadSlot());
  if (slot.exists && slot.active) {
    // Another agent of this name that was just fenced, or the last run's
    // connection the server has not noticed is gone yet, lets go soon.
    log_->info("replication slot {} is in use by another connection; waiting up to {} s for it",
               pg_.slot, pg_.reconnect_timeout_s);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(pg_.reconnect_timeout_s);
    while (slot.exists && slot.active && !stop.load() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      CDC_ASSIGN_OR_RETURN(slot, ReadSlot());
    }
    if (stop.load()) return Status::OK();
    // Whoever held the slot may have published further since the position
    // was read; if it was another agent of this name, it has been fenced
    // and what Kafka holds now is final.
    if (!slot.active) CDC_RETURN_IF_ERROR(ReloadPosition());
  }
  CDC_ASSIGN_OR_RETURN(std::optional<offsets::Position> stored, store_->Load(config_.source.name));
  if (stored && stored->kind != offsets::Position::Kind::kPostgres) {
    return Status::InvalidArgument("offsets: the stored position of source '" +
                                   config_.source.name + "' is not a PostgreSQL position (" +
                                   stored->ToString() +
                                   "); run `cdc-agent offsets reset` or use another offsets.path");
  }
  if (slot.exists && slot.plugin != "pgoutput") {
    return Status::InvalidArgument("replication slot '" + pg_.slot + "' uses plugin " +
                                   slot.plugin + ", not pgoutput; set source.slot to another name");
  }
  if (slot.exists && slot.database != pg_.database) {
    return Status::InvalidArgument("replication slot '" + pg_.slot + "' belongs to database " +
                                   slot.database + "; set source.slot to another name");
  }
  if (slot.exists && slot.active) {
    return Status::IOError("replication slot '" + pg_.slot +
                               "' is in use by another connection for " +
                               std::to_string(pg_.reconnect_timeout_s) +
                               " s (source.reconnect_timeout_s); is another cdc-agent running?",
                           true);
  }

  uint64_t start_lsn = 0;
  if (stored) {
    if (slot.exists) CDC_RETURN_IF_ERROR(CheckPublicationNotNewer(publication_created));
    if (!slot.exists) {
      return Status::IOError(
          "replication slot '" + pg_.slot + "' no longer exists but offsets hold position " +
          stored->ToString() +
          ": changes after it may have been lost; to start over with a new snapshot run "
          "`cdc-agent offsets reset --config FILE`");
    }
    start_lsn = stored->lsn;
    durable_signal_.Reached(*stored);
    ResumeInside(*stored);
    snapshot_ = stored->snapshot;
    // The slot may already be confirmed further (caught-up confirmations are
    // not stored); never report less than it has.
    durable_lsn_.store(std::max(start_lsn, slot.confirmed_flush));
    log_->info("resuming from stored position {}", stored->ToString());
  } else {
    const bool snapshot = pg_.snapshot == SnapshotMode::kInitial;
    if (slot.exists) {
      // No position in Kafka nor in offsets.path: a first run that stopped
      // before its first commit, or positions lost. The slot has kept every
      // change after its confirmed position, which only ever moves to
      // positions durable in Kafka; a snapshot covers what came before.
      CDC_RETURN_IF_ERROR(CheckPublicationNotNewer(publication_created));
      start_lsn = slot.confirmed_flush;
      log_->warn("no position is stored (neither in Kafka nor in offsets.path) but replication "
                 "slot {} exists: streaming from its confirmed position {}{}",
                 pg_.slot, offsets::FormatLsn(start_lsn),
                 snapshot ? ", with a snapshot of every captured table" : "");
    } else {
      CDC_ASSIGN_OR_RETURN(std::vector<TableName> tables, CapturedTables());
      std::set<std::string> topics;
      for (const TableName& t : tables) topics.insert(TopicName(topic_prefix_, t.schema, t.table));
      Status fresh = CheckFreshStart(config_, *store_, topics, stop);
      if (fresh.IsAborted() && stop.load()) return Status::OK();
      CDC_RETURN_IF_ERROR(fresh);
      if (stop.load()) return Status::OK();
      CDC_ASSIGN_OR_RETURN(start_lsn, CreateSlot());
    }
    if (snapshot) CDC_RETURN_IF_ERROR(BeginSnapshot());
  }
  return StreamAndReconnect(out, stop, start_lsn);
}

}  // namespace cdc::agent::postgres
