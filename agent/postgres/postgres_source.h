// PostgresSource: the change stream of one PostgreSQL database, read through
// a logical replication slot with the pgoutput plugin.
//
// On start it makes sure the publication and the slot exist and streams; the
// initial snapshot is read in chunks while it streams (postgres_snapshot.cc
// says how the two stay consistent), and its progress is part of the
// position. It resumes from the stored offset; a stored offset whose slot has
// vanished is a fatal error (changes may have been lost), never silently
// skipped.
//
// Thread: Run() on the source's reader thread, which owns its connections and
// all decoding state; OnDurable() from the sink thread (an atomic store).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "agent/config.h"
#include "agent/postgres/catalog.h"
#include "agent/postgres/event_builder.h"
#include "agent/postgres/pg_connection.h"
#include "agent/postgres/replication_protocol.h"
#include "agent/snapshot_ghosts.h"
#include "agent/snapshot_requests.h"
#include "agent/source.h"
#include "agent/transaction_metadata.h"
#include "decoders/pgoutput/decoder.h"
#include "decoders/pgoutput/types.h"
#include "offsets/offset_store.h"

namespace spdlog {
class logger;
}

namespace cdc::agent::postgres {

// Session settings of every connection: pgoutput formats values with the
// walsender's settings, and the type converter expects exactly these.
extern const char* const kSessionOptions;

class PostgresSource : public Source {
 public:
  // `store` must outlive the source.
  PostgresSource(const AgentConfig& config, offsets::OffsetStore* store);
  ~PostgresSource() override;

  Status Run(BatchQueue& out, const std::atomic<bool>& stop) override;
  Status CheckTransformsNow(const std::atomic<bool>& stop) override;
  void OnDurable(const offsets::Position& position) override;

 private:
  struct SlotInfo {
    bool exists = false;
    bool active = false;
    std::string plugin;
    std::string database;
    uint64_t confirmed_flush = 0;
  };

  // postgres_source.cc: connections, publication, slot.
  Status Start(BatchQueue& out, const std::atomic<bool>& stop);
  Status Connect(const std::atomic<bool>& stop);
  // The conninfo of a connection (the replication one, or one for SQL), with
  // the session settings that the text of values is parsed with.
  std::string SessionConnInfo(bool replication) const;
  Status CheckServer();
  // Sets *created when the publication did not exist.
  Status EnsurePublication(bool* created);
  Result<SlotInfo> ReadSlot();
  // An error when the publication was created now but the slot is older.
  Status CheckPublicationNotNewer(bool publication_created) const;
  Status DropSlot();
  // Creates the slot; returns its consistent point.
  Result<uint64_t> CreateSlot();
  bool TableIncluded(const std::string& schema, const std::string& table) const;
  std::string Endpoint() const;

  // postgres_snapshot.cc
  // The table being read and how.
  struct SnapshotTable {
    RelationInfo rel;
    std::string select_list;
    std::string from;              // "ONLY schema.table", or the partitioned table
    std::vector<std::string> key;  // quoted key columns; empty: no key
    // SnapshotProgress::after_columns for this table as it is now.
    std::vector<std::string> cursor_columns;
    bool by_block = false;  // no key: ranges of heap blocks
    // A partitioned table without a key: ranges of heap blocks of one
    // partition after another (`leaf`, by oid; 0 when none is left), read
    // from `leaf_from`; the next partition to read after it, 0 when none.
    bool by_partition = false;
    uint32_t leaf = 0;
    std::string leaf_from;
    std::string leaf_filter;  // "tableoid = ... AND " when read through the table
    uint32_t next_leaf = 0;
    uint64_t next_leaf_blocks = 0;
    uint64_t next_block = 0;
    uint64_t end_block = 0;
    double rows_per_block = 100;
  };
  // A chunk being read, or read and waiting for its watermark in the stream.
  struct PendingChunk {
    std::shared_ptr<const SnapshotTable> table;  // as described when it was read
    std::string mark;  // the watermark message's content
    PgResult rows;
    std::vector<std::string> after_columns;  // the cursor after this chunk
    std::vector<std::string> next_after;
    bool table_done = false;
  };
  // Starts a snapshot of every captured table (snapshot_).
  Status BeginSnapshot();
  // Takes the tables of new `cdc-agent snapshot` requests into snapshot_.
  Status TakeSnapshotRequests();
  // Starts reading the next chunk, or takes in the one being read. A keyed
  // table's next chunk is read while the chunks before it wait for their
  // watermarks and are published (up to kChunksAhead of them); a chunk that
  // waits too long for a row lock is given up and tried again, smaller, a
  // little later.
  Status SnapshotStep(BatchQueue& out, const std::atomic<bool>& stop);
  // The tables the publication (or source.tables) captures.
  Result<std::vector<TableName>> CapturedTables();
  // The first table's rows are published: once that is durable, publishes
  // a DELETE for each key its topic holds that the table no longer has
  // (agent/snapshot_ghosts.h), then ends the table. At a boundary only.
  Status PublishGhostDeletes(BatchQueue& out, const std::atomic<bool>& stop);
  // Describes the snapshot's first table into snapshot_table_ and checks the
  // cursor (`after_columns`, `after`) against it: a cursor that does not fit
  // is cleared, and *fits (when given) says so. For a chunk, called in its
  // transaction on chunk_sql_ with the table locked against DDL; the queries
  // that lock the table run on `conn`, the catalog's on sql_.
  Status DescribeSnapshotTable(const Catalog::RelationRef& ref, PgConnection& conn,
                               const std::vector<std::string>& after_columns,
                               std::vector<std::string>* after, bool* fits = nullptr);
  // For a partitioned table without a key (t->by_partition): the partition
  // to read next and its range of blocks, from the cursor's partition
  // (`cursor_leaf`, with t's next and end block) unless `from_start`, and
  // the partition after it.
  Status DescribePartitionBlocks(const Catalog::RelationRef& ref, PgConnection& conn,
                                 bool from_start, uint64_t cursor_leaf, SnapshotTable* t);
  // The relation as the catalog has it now; `keys` gets its key columns.
  Result<RelationInfo> DescribeRelation(const Catalog::RelationRef& ref, const std::string& schema,
                                        const std::string& table, std::vector<std::string>* keys);
  // The relation's shape: the one made before while its columns are the
  // same, so that the dispatch stage compiles its transforms once per change.
  TableShapePtr ShapeFor(const RelationInfo& rel);
  // Compiles the transforms against every captured table (CheckShape).
  Status CheckTransforms();
  Status NextSnapshotTable();
  // Begins the next chunk's transaction on chunk_sql_ and sends its read
  // (into reading_): from the snapshot's cursor, or on from the last chunk
  // waiting for its watermark.
  Status StartChunk(const Catalog::RelationRef& ref);
  // Takes in the chunk being read once its rows are in: writes its
  // watermark and commits, which ends its row locks, and queues it.
  Status PollChunk();
  Status FinishChunk();
  // A chunk's read failed: given up and tried again later (OK), or the
  // error to stop the stream with.
  Status ChunkFailed(Status s);
  // Forgets the chunk being read and those waiting (a reconnect reads them
  // again), and a failure of a read; closing chunk_sql_ rolls back the
  // read's transaction.
  void DropChunks();
  // A logical message in the stream: the pending chunk's watermark publishes
  // its rows as READ events at `lsn`. A keyed chunk of more than
  // batch_max_events rows goes out in batches of that size, each ending with
  // the position of a chunk that would have ended at its last row.
  Status HandleWatermark(BatchQueue& out, const pgoutput::LogicalMessage& msg, uint64_t lsn);

  // postgres_stream.cc
  // Streams from `start_lsn`; after a retryable failure reconnects with
  // growing pauses for up to source.reconnect_timeout_s and goes on from the
  // last whole transaction decoded.
  Status StreamAndReconnect(BatchQueue& out, const std::atomic<bool>& stop, uint64_t start_lsn);
  Status Stream(BatchQueue& out, const std::atomic<bool>& stop, uint64_t start_lsn);
  // Forgets the transaction being decoded: its events still in the batch are
  // dropped, since the server sends it again from its start, and the changes
  // of it already handed over are skipped when it comes again.
  void DropOpenTransaction();
  // Counts a row change or TRUNCATE of the open transaction, and drops the
  // events it made (those from batch index `first` on) while it is one of
  // the changes to skip.
  void CountChange(size_t first);
  // Skips the changes of the next transaction that `position` says are
  // durable.
  void ResumeInside(const offsets::Position& position);
  Status HandleXLogData(BatchQueue& out, const XLogData& data);
  Status HandleRelation(const pgoutput::Relation& rel);
  // A column of `type_oid`, with its type (and those it depends on) known.
  Result<ColumnInfo> DescribeColumn(std::string name, uint32_t type_oid, int32_t type_modifier);
  // Sets rel->debezium (DebeziumTableOf) when kafka.format is debezium-json.
  Status DescribeForDebezium(RelationInfo* rel);
  Status HandleRow(const pgoutput::Message& msg, uint64_t lsn);
  Status HandleTruncate(const pgoutput::Truncate& msg, uint64_t lsn);
  Status SendStatus(bool reply_requested);
  // `snapshot`: an event of the snapshot (outside any source transaction).
  // A row change of `rel`; the dispatch stage gives it its topic and key.
  cdc::v1::ChangeEvent& NewEvent(const RelationInfo& rel, cdc::v1::Op op, uint64_t lsn,
                                 bool snapshot = false);
  bool PushBatch(BatchQueue& out);

  const AgentConfig& config_;
  const PostgresSourceConfig& pg_;
  offsets::OffsetStore* store_;
  std::shared_ptr<spdlog::logger> log_;
  std::string topic_prefix_;
  std::optional<TransactionMetadata> txmeta_;  // with kafka.transaction_metadata

  PgConnection sql_;
  PgConnection repl_;
  std::unique_ptr<Catalog> catalog_;
  pgoutput::TypeRegistry types_;
  std::unordered_map<uint32_t, RelationInfo> relations_;
  std::map<std::pair<std::string, std::string>, TableShapePtr> shapes_;  // by schema, table
  // The snapshot in progress, as of the events decoded so far.
  std::optional<offsets::SnapshotProgress> snapshot_;
  std::shared_ptr<const SnapshotTable> snapshot_table_;
  // The connection the snapshot's chunks are read on, apart from sql_ (the
  // catalog's): connected for the first chunk, closed when the snapshot is
  // done.
  PgConnection chunk_sql_;
  std::optional<PendingChunk> reading_;       // sent, its rows not yet in
  std::deque<PendingChunk> pending_chunks_;   // committed, oldest watermark first
  // A chunk's read that failed while a batch was handed over; SnapshotStep
  // returns it.
  Status chunk_error_;
  SnapshotRequestWatcher requests_;
  DurableSignal durable_signal_;
  std::string snapshot_run_;  // makes watermarks of this run unique
  uint64_t chunk_seq_ = 0;
  int chunk_rows_ = 0;
  int chunk_failures_ = 0;  // chunks given up in a row
  uint64_t snapshot_rows_ = 0;
  std::chrono::steady_clock::time_point next_chunk_at_{};

  // Transaction being decoded.
  bool in_txn_ = false;
  uint32_t xid_ = 0;
  uint64_t commit_lsn_ = 0;  // Begin.final_lsn
  int64_t commit_time_us_ = 0;
  uint64_t event_index_ = 0;
  uint64_t txn_changes_ = 0;         // changes of it decoded (skipped ones included)
  uint64_t pushed_txn_changes_ = 0;  // of those, handed over (or durable before a resume)
  // Changes of the next transaction to skip (already durable or handed
  // over), and that transaction's commit LSN, which must match.
  uint64_t skip_changes_ = 0;
  std::string skip_txn_;
  bool skip_checked_ = true;  // the transaction to skip in has begun

  Batch batch_;
  // Events of encoded batches, filled again by the stream and the snapshot.
  std::shared_ptr<EventPool> pool_;
  EventSpares spares_;  // what recycled events kept, for the events filled next
  google::protobuf::RepeatedPtrField<cdc::v1::Column> scratch_before_;
  google::protobuf::RepeatedPtrField<cdc::v1::Column> scratch_after_;
  size_t events_at_commit_ = 0;    // batch_.events.size() at the last commit decoded
  uint64_t last_commit_end_ = 0;   // end LSN of the last commit decoded
  uint64_t last_pushed_end_ = 0;   // end position of the last batch pushed
  uint64_t keepalive_wal_end_ = 0;
  std::atomic<uint64_t> durable_lsn_{0};
  std::chrono::steady_clock::time_point next_status_{};
  uint64_t events_decoded_ = 0;
  bool streaming_ = false;  // START_REPLICATION succeeded
};

}  // namespace cdc::agent::postgres
