// MysqlSource: the change stream of one MySQL or MariaDB server, read from
// its ROW binlog as a replica.
//
// On a first run it streams from the server's current end and, with
// snapshot: initial, reads the captured tables meanwhile in key chunks
// (mysql_snapshot.cc says how the two stay consistent); the snapshot's
// progress is part of the position. It resumes from the stored position: by
// GTID on MariaDB servers with GTIDs, by file:pos otherwise. A stored
// position the server no longer has (purged binlogs) is a fatal error,
// never silently skipped. When the connection breaks (server restart,
// network), it reconnects from the start of the transaction it was in and
// drops the rows it had already handed over, for up to reconnect_timeout_s.
//
// Thread: Run() on the source's reader thread, which owns the connections
// and all decoding state, but for the snapshot's chunk reads (ChunkReader's
// thread and connection); OnDurable() from the sink thread (no-op: the
// server keeps binlogs by its own retention, not by replica progress).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agent/config.h"
#include "agent/mysql/binlog_stream.h"
#include "agent/mysql/chunk_reader.h"
#include "agent/mysql/mysql_connection.h"
#include "agent/mysql/row_event_builder.h"
#include "agent/mysql/schema_history.h"
#include "agent/snapshot_ghosts.h"
#include "agent/snapshot_requests.h"
#include "agent/source.h"
#include "agent/transaction_metadata.h"
#include "decoders/binlog/events.h"
#include "decoders/binlog/rows.h"
#include "offsets/gtid_set.h"
#include "offsets/offset_store.h"

namespace spdlog {
class logger;
}

namespace cdc::agent::mysql {

// True when the tables of `db` are followed by the schema history: the
// captured databases, and the databases of the captured tables (so that a
// table renamed into a captured name, as online schema change tools do, has
// known columns).
bool FollowsDatabase(const MysqlSourceConfig& config, const std::string& db);

// Every table of the followed databases as information_schema shows it now
// (MariaDB JSON columns marked), with the databases' and the tables' default
// charsets: the starting state of the schema history. With `only`, that one
// table (and its database's defaults).
Result<Catalog> ReadSchema(MysqlConnection& conn, const MysqlSourceConfig& config,
                           const TableName* only = nullptr);

class MysqlSource : public Source {
 public:
  // `store` must outlive the source.
  MysqlSource(const AgentConfig& config, offsets::OffsetStore* store);
  ~MysqlSource() override;

  Status Run(BatchQueue& out, const std::atomic<bool>& stop) override;
  Status CheckTransformsNow(const std::atomic<bool>& stop) override;
  void OnDurable(const offsets::Position& position) override;

 private:
  friend class MysqlSourceTestPeer;  // replays binlog files through the decoding
  // A decoded TABLE_MAP of a captured table.
  struct MappedTable {
    binlog::TableSchema schema;
    std::string topic;
    TableShapePtr shape;
    // With kafka.format debezium-json: DebeziumTableOf(schema).
    std::shared_ptr<const DebeziumTableInfo> debezium;
    // What it was made from: a TABLE_MAP equal to `map`, with the same
    // history version in effect, maps to the same table.
    binlog::TableMap map;
    const InfoTable* info = nullptr;
    uint64_t history_generation = 0;
  };

  // DebeziumTableOf(schema) when kafka.format is debezium-json, else null.
  std::shared_ptr<const DebeziumTableInfo> DebeziumFacts(const binlog::TableSchema& schema) const;

  // The shape of `schema` for the dispatch stage: the one made before while
  // the table's columns have not changed (every transaction maps its tables
  // again), so that the stage compiles its transforms once per change.
  TableShapePtr ShapeFor(const binlog::TableSchema& schema);
  // Compiles the transforms against every captured table (CheckShape).
  Status CheckTransforms();

  // mysql_source.cc
  Status Start(BatchQueue& out, const std::atomic<bool>& stop);
  Status CheckServer();
  Result<offsets::Position> CurrentPosition();
  Status RecordSchema(const BinlogPos& at);

  // mysql_snapshot.cc
  // A chunk read and waiting for the stream to reach its high mark.
  // Its rows become READ events when it is published: as text they take a
  // fraction of the memory.
  struct PendingChunk {
    ChunkRows read;
    TableShapePtr shape;
    std::shared_ptr<const DebeziumTableInfo> debezium;
    RowContext ctx;
  };
  // Starts a snapshot of every captured table (snapshot_).
  Status BeginSnapshot();
  // Takes the tables of new `cdc-agent snapshot` requests into snapshot_.
  Status TakeSnapshotRequests();
  // Takes a chunk the chunk reader has read, and has it read the next: up to
  // kChunksAhead chunks wait for their high marks, read in key order within
  // one table. A chunk that meets a locked row is given up and read again,
  // smaller, a little later.
  Status SnapshotStep();
  // The chunk reader can start a read now.
  bool ChunkDue() const;
  Status TakeChunk(ChunkReader::Outcome outcome);
  // Waits for the chunk being read and takes it, then publishes what is due.
  Status AwaitChunk();
  // Between transactions, with nothing of a transaction to replay.
  bool AtBoundary() const {
    return !in_txn_ && !txn_pending_ && skip_rows_ == 0 && !resume_txn_;
  }
  // Drops the chunks read and the read in progress: they are read again.
  void DropChunks();
  // The first table's rows are published: once that is durable, publishes
  // a DELETE for each key its topic holds that the table no longer has
  // (agent/snapshot_ghosts.h), then ends the table. At a boundary only.
  Status PublishGhostDeletes();
  // Publishes the waiting chunks, oldest first, while the stream has read
  // up to the high mark of the next and is between transactions. A keyed
  // chunk of more than batch_max_events rows goes out in batches of that
  // size, each ending with the position of a chunk that would have ended at
  // its last row.
  Status MaybePublishChunk();
  Status PublishChunk(PendingChunk chunk);
  void NextSnapshotTable();

  // mysql_stream.cc
  Status Stream(BatchQueue& out, const std::atomic<bool>& stop);
  Status OpenStream();
  Status HandleEvent(std::string_view bytes);
  Status HandleDecoded(const binlog::Event& event);
  Status HandleTableMap(const binlog::TableMap& map, const binlog::EventHeader& header);
  Status HandleRows(const binlog::EventHeader& header, const binlog::RowsEvent& rows);
  Status HandleQuery(const binlog::EventHeader& header, const binlog::Query& query);
  // A DDL statement: TRUNCATE as an event; changes of tables into the schema
  // history, at the statement's position.
  Status FollowDdl(const binlog::EventHeader& header, const binlog::Query& query);
  // Events the decoder skips: an error for those that carry row changes.
  Status CheckSkipped(const binlog::Skipped& skipped, const binlog::EventHeader& header);
  // `commit_time_us`: the transaction's commit time when its GTID event
  // tells it (0: not known, the row events' own times are used).
  // An error when the source resumes inside a transaction and this is not
  // that transaction.
  Status BeginTransaction(std::string gtid, int64_t commit_time_us = 0);
  Status Commit(const binlog::EventHeader& header);
  // Sets ctx_'s file, position and commit time to those of the event.
  void PlaceAt(const binlog::EventHeader& header);
  void AddTruncate(const TableName& table, const binlog::EventHeader& header);
  bool PushBatch(BatchQueue& out);

  const AgentConfig& config_;
  const MysqlSourceConfig& my_;
  offsets::OffsetStore* store_;
  std::shared_ptr<spdlog::logger> log_;
  std::string topic_prefix_;
  std::optional<TransactionMetadata> txmeta_;  // with kafka.transaction_metadata

  MysqlConnection sql_;
  BinlogStream stream_;
  SchemaHistory history_;
  bool mariadb_ = false;
  // The server writes binlog_row_metadata=FULL (read at start).
  bool full_metadata_ = false;
  // lower_case_table_names is not 0 (read at start).
  bool lowercase_names_ = false;

  // Decoding state of the stream.
  binlog::EventDecoder decoder_;
  std::unordered_map<uint64_t, std::optional<MappedTable>> tables_;  // by table id; nullopt: not captured
  std::map<std::pair<std::string, std::string>, TableShapePtr> shapes_;  // by database, table
  cdc::v1::RowKey scratch_key_;
  cdc::v1::RowKey scratch_insert_key_;
  std::string file_;                 // current binlog file
  uint32_t server_version_ = 0;      // of the binlog's FORMAT_DESCRIPTION, as ddl::VersionNumber
  offsets::Position committed_;      // after the last whole transaction decoded
  offsets::MariaGtidSet maria_gtids_;
  offsets::MysqlGtidSet mysql_gtids_;

  // The transaction being decoded.
  bool in_txn_ = false;
  bool txn_pending_ = false;  // a GTID started a transaction; BEGIN may follow
  RowContext ctx_;
  std::optional<offsets::MariaGtidSet::Entry> txn_maria_gtid_;
  std::optional<std::pair<offsets::MysqlUuid, uint64_t>> txn_mysql_gtid_;
  std::string txn_mysql_tag_;
  // Rows of the current transaction already handed over before a reconnect:
  // the replay after reconnecting skips this many.
  uint64_t txn_rows_ = 0;
  int64_t txn_commit_time_us_ = 0;
  uint64_t skip_rows_ = 0;
  // txn_rows_ at the last batch handed over inside the transaction.
  uint64_t pushed_txn_rows_ = 0;
  // Set when resuming inside a transaction: its GTID (empty: not known),
  // checked when the first transaction begins.
  std::optional<std::string> resume_txn_;
  // batch_.events.size() at the last transaction boundary.
  size_t events_at_commit_ = 0;

  // Where the stream has read to: the end of the last event.
  BinlogPos read_at_;

  // The snapshot in progress, as of the events decoded so far.
  std::optional<offsets::SnapshotProgress> snapshot_;
  std::deque<PendingChunk> chunks_;  // read, oldest first
  // Reads chunks on a connection of its own while a snapshot runs. Declared
  // after stream_, which it wakes: it is destroyed first.
  std::unique_ptr<ChunkReader> chunk_reader_;
  SnapshotRequestWatcher requests_;
  DurableSignal durable_signal_;
  int chunk_rows_ = 0;
  int chunk_failures_ = 0;  // chunks given up in a row
  // When the chunk connection was first lost with no chunk read since; zero
  // when it reads.
  std::chrono::steady_clock::time_point chunk_lost_at_{};
  uint64_t snapshot_rows_ = 0;
  std::chrono::steady_clock::time_point next_chunk_at_{};

  Batch batch_;
  // Events of encoded batches, filled again by the stream and the snapshot.
  std::shared_ptr<EventPool> pool_;
  EventSpares spares_;     // what recycled events kept, for the events filled next
  OutEvent split_insert_;  // the INSERT half of a primary key change, until pushed
  BatchQueue* out_ = nullptr;  // during Stream
  const std::atomic<bool>* stop_ = nullptr;  // during Stream
};

}  // namespace cdc::agent::mysql
