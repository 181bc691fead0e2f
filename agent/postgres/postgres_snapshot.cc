// The snapshot: every row of the captured tables as READ events, read in
// key-ordered chunks while the stream flows, and resumable at any chunk.
//
// How one chunk stays consistent with the stream. The chunk is read in its own
// short transaction with SELECT ... FOR SHARE, which waits for every writer of
// those rows to finish and returns each row's latest committed version; then
// a non-transactional logical message (the watermark) is written to the WAL,
// and the transaction commits. Every transaction that changed one of the
// chunk's rows before the read therefore commits before the watermark, and
// every later change of those rows waits for the chunk's locks, so it commits
// after it. The reader publishes the chunk's rows when the watermark comes by
// in the stream: every change before that point is already in the rows, every
// change after it is newer than them. No exported snapshot and no long
// transaction is needed, so the snapshot can start from any stream position
// and go on after a restart from the last chunk published.
//
// A chunk is published at its watermark (a transaction boundary). A keyed
// table's chunk goes out in batches of batch_max_events; the position after
// each carries where the next read starts (the key of the batch's last row),
// so a restart reads on from there with a new watermark. A chunk of a table
// without a key goes out in one batch, its position carrying the next block.
//
// The chunks are read on a connection of their own, the read sent without
// waiting for its rows, so the server reads the next chunk of a keyed table
// while the reader publishes the one before. Each chunk has its own
// watermark, written after its rows are read, so the argument above holds
// for each, and the chunks go out in the order of their watermarks. The
// chunks read ahead are not part of any stored position: a restart reads
// them again.
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <random>
#include <string_view>
#include <utility>

#include "agent/chunk_size.h"
#include "agent/postgres/postgres_source.h"
#include "common/clock.h"

namespace cdc::agent::postgres {

namespace {

constexpr const char* kWatermarkPrefix = "cdc-agent";
// A table without a key is read in ranges of heap blocks; its cursor columns
// are {kBlocksCursor}, its values {next block, end block}.
constexpr const char* kBlocksCursor = "#blocks";
// A partitioned table without a key is read in ranges of heap blocks of
// one partition after another, by oid: its cursor columns are
// {kPartitionBlocksCursor}, its values {partition oid, next block, end
// block}.
constexpr const char* kPartitionBlocksCursor = "#partition-blocks";
// Of the pg_class row `c`: its heap blocks now, and its rows per block as
// its statistics have them (100 without any).
const std::string kBlocksOfC =
    "pg_catalog.pg_relation_size(c.oid) / current_setting('block_size')::bigint";
const std::string kRowsPerBlockOfC =
    "CASE WHEN c.relpages > 0 AND c.reltuples > 0 THEN c.reltuples / c.relpages ELSE 100 END";
// How long a chunk waits for a row lock before it gives up and tries again
// later: well under PostgreSQL's deadlock_timeout (1 s by default), so an
// application transaction that waits on a chunk is never the one a deadlock
// check aborts while the chunk waits on it.
constexpr const char* kLockTimeout = "200ms";
constexpr int kMinChunkRows = 64;
// Chunks read and waiting for their watermarks before the next is read: the
// server reads one while the reader publishes the one before.
constexpr size_t kChunksAhead = 2;

bool ParseU64(std::string_view text, uint64_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

std::string RandomRunId() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(WallClockMicros());
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// "ROW(a, b)" of quoted names, or "a" for one.
std::string RowOf(const std::vector<std::string>& items) {
  if (items.size() == 1) return items[0];
  std::string out = "ROW(";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out + ")";
}

// "$first, $first+1, ..." for `n` parameters, as a row.
std::string ParamRow(size_t first, size_t n) {
  std::vector<std::string> params;
  for (size_t i = 0; i < n; ++i) params.push_back("$" + std::to_string(first + i));
  return RowOf(params);
}

}  // namespace

Result<std::vector<TableName>> PostgresSource::CapturedTables() {
  std::vector<TableName> tables = pg_.tables;
  if (!tables.empty()) return tables;
  // Without the publication yet (`check` before the first run), the tables
  // the publication FOR ALL TABLES the agent creates will hold.
  CDC_ASSIGN_OR_RETURN(
      PgResult res,
      sql_.Query("SELECT schemaname, tablename FROM pg_catalog.pg_publication_tables "
                 "WHERE pubname = $1 "
                 "UNION ALL SELECT schemaname, tablename FROM pg_catalog.pg_tables "
                 "WHERE schemaname <> 'information_schema' AND schemaname NOT LIKE 'pg\\_%' "
                 "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1) "
                 "ORDER BY 1, 2",
                 {pg_.publication}));
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    tables.push_back({PQgetvalue(res.get(), i, 0), PQgetvalue(res.get(), i, 1)});
  }
  return tables;
}

Status PostgresSource::BeginSnapshot() {
  CDC_ASSIGN_OR_RETURN(std::vector<TableName> tables, CapturedTables());
  if (tables.empty()) {
    log_->info("snapshot: no table to read");
    return Status::OK();
  }
  offsets::SnapshotProgress snap;
  for (const TableName& t : tables) snap.tables.push_back({t.schema, t.table});
  OrderForSnapshot(&snap.tables);
  snap.started_us = WallClockMicros();
  snapshot_ = std::move(snap);
  log_->info("snapshot of {} tables started, in chunks of up to {} rows, while streaming",
             tables.size(), pg_.snapshot_chunk_rows);
  return Status::OK();
}

Result<RelationInfo> PostgresSource::DescribeRelation(const Catalog::RelationRef& ref,
                                                     const std::string& schema,
                                                     const std::string& table,
                                                     std::vector<std::string>* keys) {
  RelationInfo rel;
  rel.oid = ref.oid;
  rel.schema = schema;
  rel.table = table;
  rel.topic = TopicName(topic_prefix_, schema, table);
  // The columns are typed from pg_attribute, not from the query result: a
  // result gives a domain column its base type, so READ events would name
  // "int4" where the stream's Relation message names "posint".
  CDC_ASSIGN_OR_RETURN(std::vector<Catalog::Column> columns, catalog_->Columns(ref.oid));
  for (const Catalog::Column& c : columns) {
    CDC_ASSIGN_OR_RETURN(ColumnInfo col, DescribeColumn(c.name, c.type_oid, c.type_modifier));
    rel.columns.push_back(std::move(col));
  }
  CDC_ASSIGN_OR_RETURN(*keys, catalog_->KeyColumns(ref.oid));
  SetKeyColumns(*keys, &rel);
  rel.shape = ShapeFor(rel);
  return rel;
}

TableShapePtr PostgresSource::ShapeFor(const RelationInfo& rel) {
  TableShapePtr made = ShapeOf(rel);
  TableShapePtr& known = shapes_[{rel.schema, rel.table}];
  if (!known || !SameShape(*known, *made)) known = std::move(made);
  return known;
}

Status PostgresSource::CheckTransforms() {
  if (!checks_shapes()) return Status::OK();
  CDC_ASSIGN_OR_RETURN(std::vector<TableName> tables, CapturedTables());
  for (const TableName& name : tables) {
    Result<Catalog::RelationRef> found = catalog_->FindRelation(name.schema, name.table);
    if (!found.ok() && found.status().IsNotFound()) continue;  // the stream tells when it comes
    if (!found.ok()) return found.status();
    std::vector<std::string> keys;
    CDC_ASSIGN_OR_RETURN(RelationInfo rel, DescribeRelation(*found, name.schema, name.table, &keys));
    CDC_RETURN_IF_ERROR(CheckShape(rel.shape));
  }
  return ShapesChecked();
}

Status PostgresSource::DescribeSnapshotTable(const Catalog::RelationRef& ref, PgConnection& conn,
                                             const std::vector<std::string>& after_columns,
                                             std::vector<std::string>* after, bool* fits_out) {
  const offsets::SnapshotProgress::Table& name = snapshot_->tables.front();
  SnapshotTable t;
  std::vector<std::string> keys;
  CDC_ASSIGN_OR_RETURN(t.rel, DescribeRelation(ref, name.schema, name.name, &keys));
  for (const ColumnInfo& c : t.rel.columns) {
    if (!t.select_list.empty()) t.select_list += ", ";
    t.select_list += PgConnection::QuoteIdent(c.name);
  }
  CDC_RETURN_IF_ERROR(DescribeForDebezium(&t.rel));
  for (const std::string& k : keys) t.key.push_back(PgConnection::QuoteIdent(k));
  const std::string qualified =
      PgConnection::QuoteIdent(name.schema) + "." + PgConnection::QuoteIdent(name.name);
  // Rows of inheritance children belong to the children's own topics; a
  // partitioned table's rows are its partitions' rows.
  t.from = ref.kind == 'p' ? qualified : "ONLY " + qualified;
  if (!keys.empty()) {
    t.cursor_columns = keys;
  } else if (ref.kind == 'p') {
    t.by_block = true;
    t.by_partition = true;
    t.cursor_columns = {kPartitionBlocksCursor};
  } else {
    t.by_block = true;
    t.cursor_columns = {kBlocksCursor};
  }

  // The cursor fits the table as it is now, or the table is read again.
  bool fits = after->empty() || after_columns == t.cursor_columns;
  uint64_t cursor_leaf = 0;
  if (fits && t.by_partition && !after->empty()) {
    fits = after->size() == 3 && ParseU64((*after)[0], &cursor_leaf) &&
           ParseU64((*after)[1], &t.next_block) && ParseU64((*after)[2], &t.end_block);
  } else if (fits && t.by_block && !after->empty()) {
    fits = after->size() == 2 && ParseU64((*after)[0], &t.next_block) &&
           ParseU64((*after)[1], &t.end_block);
  }
  if (fits_out != nullptr) *fits_out = fits;
  if (!fits) after->clear();
  if (t.by_partition) {
    CDC_RETURN_IF_ERROR(DescribePartitionBlocks(ref, conn, after->empty(), cursor_leaf, &t));
  } else if (t.by_block) {
    if (after->empty()) {
      // The table's end now bounds the read: rows that land beyond it later
      // (inserted, or moved by an update) come through the stream.
      // On the chunk's connection, which holds the table's lock already:
      // another connection would queue behind DDL that waits for that lock.
      CDC_ASSIGN_OR_RETURN(
          PgResult size,
          conn.Query("SELECT " + kBlocksOfC + " FROM pg_catalog.pg_class c WHERE c.oid = $1::oid",
                     {std::to_string(ref.oid)}));
      t.next_block = 0;
      if (!ParseU64(PQgetvalue(size.get(), 0, 0), &t.end_block)) t.end_block = 0;
    }
    CDC_ASSIGN_OR_RETURN(
        PgResult density,
        conn.Query("SELECT " + kRowsPerBlockOfC + " FROM pg_catalog.pg_class c "
                   "WHERE c.oid = $1::oid",
                   {std::to_string(ref.oid)}));
    t.rows_per_block = std::max(1.0, std::atof(PQgetvalue(density.get(), 0, 0)));
  }
  snapshot_table_ = std::make_shared<const SnapshotTable>(std::move(t));
  return Status::OK();
}

Status PostgresSource::DescribePartitionBlocks(const Catalog::RelationRef& ref, PgConnection& conn,
                                               bool from_start, uint64_t cursor_leaf,
                                               SnapshotTable* t) {
  // The table's partitions that hold rows of their own, by oid, with their
  // size now and their rows per block (on the chunk's connection, which
  // holds the table's lock, so none is attached or detached meanwhile).
  CDC_ASSIGN_OR_RETURN(
      PgResult leaves,
      conn.Query("SELECT c.oid, n.nspname, c.relname, " + kBlocksOfC + ", " + kRowsPerBlockOfC +
                 ", pg_catalog.has_table_privilege(c.oid, 'SELECT') AND "
                 "pg_catalog.has_any_column_privilege(c.oid, 'UPDATE') "
                 "FROM pg_catalog.pg_partition_tree($1::oid::regclass) p "
                 "JOIN pg_catalog.pg_class c ON c.oid = p.relid "
                 "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                 "WHERE p.isleaf AND c.relkind = 'r' ORDER BY c.oid",
                 {std::to_string(ref.oid)}));
  PGresult* r = leaves.get();
  struct Leaf {
    uint64_t oid = 0;
    uint64_t blocks = 0;
    int row = 0;
  };
  std::vector<Leaf> list;
  for (int i = 0; i < PQntuples(r); ++i) {
    Leaf leaf;
    leaf.row = i;
    if (!ParseU64(PQgetvalue(r, i, 0), &leaf.oid) || !ParseU64(PQgetvalue(r, i, 3), &leaf.blocks)) {
      return Status::Corruption("snapshot of " + t->rel.schema + "." + t->rel.table +
                                ": unreadable partition size");
    }
    list.push_back(leaf);
  }
  // The partition the cursor names, or the first with blocks after it (the
  // cursor's partition was detached or dropped meanwhile: its rows are no
  // longer the table's). Each is read up to its size when the chunk before
  // its first was read: rows that land beyond it later come through the
  // stream, as for a table read by blocks.
  size_t at = 0;
  if (!from_start) {
    while (at < list.size() && list[at].oid < cursor_leaf) ++at;
  }
  const bool fresh = from_start || at >= list.size() || list[at].oid != cursor_leaf;
  if (fresh) {
    while (at < list.size() && list[at].blocks == 0) ++at;
    if (at < list.size()) {
      t->next_block = 0;
      t->end_block = list[at].blocks;
    }
  }
  t->leaf = 0;
  t->next_leaf = 0;
  if (at >= list.size()) return Status::OK();  // no partition left to read
  t->leaf = static_cast<uint32_t>(list[at].oid);
  // Straight from the partition where the agent may read it so; else
  // through the table, whose grants are the ones a read through it checks
  // (each chunk then also looks at the same blocks of the other partitions).
  if (std::string_view(PQgetvalue(r, list[at].row, 5)) == "t") {
    t->leaf_from = "ONLY " + PgConnection::QuoteIdent(PQgetvalue(r, list[at].row, 1)) + "." +
                   PgConnection::QuoteIdent(PQgetvalue(r, list[at].row, 2));
    t->leaf_filter.clear();
  } else {
    t->leaf_from = t->from;
    t->leaf_filter = "tableoid = " + std::to_string(list[at].oid) + "::oid AND ";
  }
  t->rows_per_block = std::max(1.0, std::atof(PQgetvalue(r, list[at].row, 4)));
  for (size_t next = at + 1; next < list.size(); ++next) {
    if (list[next].blocks == 0) continue;
    t->next_leaf = static_cast<uint32_t>(list[next].oid);
    t->next_leaf_blocks = list[next].blocks;
    break;
  }
  return Status::OK();
}

Status PostgresSource::NextSnapshotTable() {
  snapshot_table_.reset();
  chunk_rows_ = 0;  // the next table's rows have a size of their own
  if (FinishSnapshotTable(&snapshot_)) log_->info("snapshot done: {} rows", snapshot_rows_);
  if (!snapshot_) chunk_sql_.Close();
  requests_.Finished(snapshot_, offsets::Position::Postgres(last_commit_end_));
  // The progress moved without events: record it at the next boundary (not
  // while resuming inside a transaction, whose position must stay).
  if (!in_txn_ && skip_changes_ == 0) {
    batch_.end_position = offsets::Position::Postgres(last_commit_end_);
  }
  return Status::OK();
}

Status PostgresSource::TakeSnapshotRequests() {
  CDC_ASSIGN_OR_RETURN(std::vector<TableName> requested, requests_.Poll());
  std::vector<TableName> tables;
  for (const TableName& t : requested) {
    if (!TableIncluded(t.schema, t.table)) {
      log_->warn("snapshot request: {} is not captured (source.tables); left out", t.ToString());
      continue;
    }
    tables.push_back(t);
  }
  if (tables.empty()) {
    requests_.Finished(snapshot_, offsets::Position::Postgres(last_commit_end_));
    return Status::OK();
  }
  const bool running = snapshot_.has_value();
  const size_t added = AddToSnapshot(tables, &snapshot_, WallClockMicros());
  log_->info("snapshot requested of {} tables: {} added{}", tables.size(), added,
             running ? " to the snapshot in progress" : ", a new snapshot started");
  // Recorded with the next position, so a restart goes on with it.
  if (added > 0 && !in_txn_ && skip_changes_ == 0) {
    batch_.end_position = offsets::Position::Postgres(last_commit_end_);
  }
  return Status::OK();
}

Status PostgresSource::SnapshotStep(BatchQueue& out, const std::atomic<bool>& stop) {
  CDC_RETURN_IF_ERROR(TakeSnapshotRequests());
  if (!chunk_error_.ok()) return std::exchange(chunk_error_, Status::OK());
  if (!snapshot_) return Status::OK();
  // Every time: the loop's poll wakes on the chunk's socket, and a chunk's
  // rows come only as fast as they are taken in.
  if (reading_) return PollChunk();
  if (std::chrono::steady_clock::now() < next_chunk_at_) return Status::OK();
  if (!pending_chunks_.empty()) {
    // Read ahead only within a keyed table: a cut inside a chunk resumes
    // by key, whatever was read after it.
    const PendingChunk& last = pending_chunks_.back();
    if (pending_chunks_.size() >= kChunksAhead || last.table_done || last.table->key.empty()) {
      return Status::OK();
    }
  } else if (RowsDone(*snapshot_)) {
    return PublishGhostDeletes(out, stop);
  }
  const offsets::SnapshotProgress::Table name = snapshot_->tables.front();
  const std::string table = name.schema + "." + name.name;
  Result<Catalog::RelationRef> found = catalog_->FindRelation(name.schema, name.name);
  if (!found.ok()) {
    if (!found.status().IsNotFound()) return found.status();
    if (!pending_chunks_.empty()) return Status::OK();  // its chunks read so far go out first
    log_->warn("snapshot: table {} no longer exists (dropped or renamed); going on with the next",
               table);
    return NextSnapshotTable();
  }
  if (chunk_rows_ == 0) chunk_rows_ = FirstChunkRows(pg_.snapshot_chunk_rows);
  CDC_RETURN_IF_ERROR(TakeTopicMarks(config_.kafka,
                                     TopicName(topic_prefix_, name.schema, name.name),
                                     &*snapshot_, stop));
  return ChunkFailed(StartChunk(*found));
}

Status PostgresSource::ChunkFailed(Status s) {
  if (s.ok()) return s;
  reading_.reset();
  const offsets::SnapshotProgress::Table& name = snapshot_->tables.front();
  const std::string table = name.schema + "." + name.name;
  // The failed statement ran on chunk_sql_, or on sql_ for the catalog.
  const std::string state =
      chunk_sql_.last_sqlstate().empty() ? sql_.last_sqlstate() : chunk_sql_.last_sqlstate();
  // A stop, or a connection that failed: the stream's reconnect deals with it.
  if (s.IsAborted() || s.retryable() || PQstatus(chunk_sql_.raw()) != CONNECTION_OK) return s;
  (void)chunk_sql_.Exec("ROLLBACK");
  // 55P03: lock_timeout; 40P01: deadlock; 40001: serialization failure;
  // 57014: statement_timeout; 42P01: the table went away meanwhile.
  if (state == "55P03" || state == "40P01" || state == "40001" || state == "57014" ||
      state == "42P01") {
    chunk_rows_ = std::max(kMinChunkRows, chunk_rows_ / 2);
    next_chunk_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
    if (++chunk_failures_ % 100 == 0) {
      log_->warn("snapshot of {}: {} chunks in a row gave up ({}); a transaction that holds rows "
                 "or the table a long time (idle in transaction, prepared) holds up the snapshot",
                 table, chunk_failures_, s.message());
    } else {
      log_->debug("snapshot of {}: chunk given up ({}); trying again with {} rows", table,
                  s.message(), chunk_rows_);
    }
    return Status::OK();
  }
  if (state == "42501") {
    return Status::InvalidArgument(
        "snapshot of " + table + ": " + s.message() + "; the snapshot reads rows with SELECT ... "
        "FOR SHARE, which needs SELECT and UPDATE on one column: GRANT SELECT, UPDATE (<a "
        "column>) ON " + table + " TO " + PgConnection::QuoteIdent(pg_.user));
  }
  return s.WithContext("snapshot of " + table);
}

void PostgresSource::DropChunks() {
  reading_.reset();
  pending_chunks_.clear();
  chunk_error_ = Status::OK();
  chunk_sql_.Close();
}

Status PostgresSource::StartChunk(const Catalog::RelationRef& ref) {
  if (!chunk_sql_.connected()) {
    CDC_RETURN_IF_ERROR(chunk_sql_.Connect(SessionConnInfo(false), Endpoint() + " (snapshot)"));
  }
  PgConnection& sql = chunk_sql_;
  CDC_RETURN_IF_ERROR(sql.Exec("BEGIN ISOLATION LEVEL READ COMMITTED"));
  CDC_RETURN_IF_ERROR(sql.Exec(std::string("SET LOCAL lock_timeout = '") + kLockTimeout + "'"));
  // The commit must not wait for a synchronous standby: the agent's own
  // walsender could be the one it waits for.
  CDC_RETURN_IF_ERROR(sql.Exec("SET LOCAL synchronous_commit = local"));
  // No DDL on the table until the watermark is written: the columns read
  // now are the table's columns at the watermark.
  const offsets::SnapshotProgress::Table& name = snapshot_->tables.front();
  const std::string qualified =
      PgConnection::QuoteIdent(name.schema) + "." + PgConnection::QuoteIdent(name.name);
  CDC_RETURN_IF_ERROR(sql.Exec("LOCK TABLE " + std::string(ref.kind == 'p' ? "" : "ONLY ") +
                               qualified + " IN ACCESS SHARE MODE"));
  // The cursor this chunk starts after: the snapshot's, or the end of the
  // last chunk read ahead.
  const bool ahead = !pending_chunks_.empty();
  std::vector<std::string> ahead_after;
  if (ahead) ahead_after = pending_chunks_.back().next_after;
  std::vector<std::string>& after = ahead ? ahead_after : snapshot_->after;
  bool fits = true;
  CDC_RETURN_IF_ERROR(DescribeSnapshotTable(
      ref, sql, ahead ? pending_chunks_.back().after_columns : snapshot_->after_columns, &after,
      &fits));
  if (!fits && ahead) {
    // The key changed since the chunks waiting were read: they go out
    // first, and the table is read again after them.
    next_chunk_at_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
    return sql.Exec("ROLLBACK");
  }
  if (!fits) {
    log_->warn("snapshot: {}.{} is no longer keyed as when its last chunk was read; reading it "
               "again from its start (its rows read so far may come twice)",
               name.schema, name.name);
    snapshot_->after_columns.clear();
  }
  const SnapshotTable& t = *snapshot_table_;
  PendingChunk chunk;
  chunk.table = snapshot_table_;
  chunk.after_columns = t.cursor_columns;
  std::string where;
  std::vector<std::string> params;
  std::string order;
  if (!t.key.empty()) {
    order = " ORDER BY ";
    for (size_t i = 0; i < t.key.size(); ++i) order += (i ? ", " : "") + t.key[i];
    std::string lower;
    if (!after.empty()) {
      lower = RowOf(t.key) + " > " + ParamRow(1, t.key.size());
      params = after;
    }
    // The chunk's upper end, read without row locks: the key chunk_rows_
    // rows on.
    std::string key_list;
    for (size_t i = 0; i < t.key.size(); ++i) key_list += (i ? ", " : "") + t.key[i];
    CDC_ASSIGN_OR_RETURN(
        PgResult upper,
        sql.Query("SELECT " + key_list + " FROM " + t.from +
                      (lower.empty() ? "" : " WHERE " + lower) + order + " LIMIT 1 OFFSET " +
                      std::to_string(chunk_rows_ - 1),
                  params));
    where = lower;
    if (PQntuples(upper.get()) == 1) {
      for (size_t i = 0; i < t.key.size(); ++i) {
        chunk.next_after.emplace_back(PQgetvalue(upper.get(), 0, static_cast<int>(i)));
      }
      where += (where.empty() ? "" : " AND ") + RowOf(t.key) +
               " <= " + ParamRow(params.size() + 1, t.key.size());
      params.insert(params.end(), chunk.next_after.begin(), chunk.next_after.end());
    } else {
      chunk.table_done = true;  // fewer rows than a chunk left: read to the end
    }
  } else if (t.by_partition && t.leaf == 0) {
    where = "FALSE";  // no partition left to read
    chunk.table_done = true;
  } else if (t.by_block) {
    const uint64_t blocks =
        std::max<uint64_t>(1, static_cast<uint64_t>(chunk_rows_ / t.rows_per_block));
    const uint64_t upto = std::min(t.end_block, t.next_block + blocks);
    where = t.leaf_filter + "ctid >= '(" + std::to_string(t.next_block) +
            ",0)'::tid AND ctid < '(" + std::to_string(upto) + ",0)'::tid";
    chunk.next_after = {std::to_string(upto), std::to_string(t.end_block)};
    chunk.table_done = upto >= t.end_block;
    if (t.by_partition) {
      // The partition's blocks, then the next partition's from its start.
      chunk.next_after.insert(chunk.next_after.begin(), std::to_string(t.leaf));
      if (chunk.table_done && t.next_leaf != 0) {
        chunk.next_after = {std::to_string(t.next_leaf), "0", std::to_string(t.next_leaf_blocks)};
        chunk.table_done = false;
      }
    }
  }
  // The rows come in while the reader goes on with the stream (PollChunk).
  const std::string& from = t.by_partition && t.leaf != 0 ? t.leaf_from : t.from;
  CDC_RETURN_IF_ERROR(sql.Send("SELECT " + t.select_list + " FROM " + from +
                                   (where.empty() ? "" : " WHERE " + where) + order + " FOR SHARE",
                               params));
  reading_ = std::move(chunk);
  return Status::OK();
}

Status PostgresSource::PollChunk() {
  if (!reading_) return Status::OK();
  Result<bool> ready = chunk_sql_.Ready();
  if (!ready.ok()) return ChunkFailed(ready.status());
  if (!*ready) return Status::OK();
  return ChunkFailed(FinishChunk());
}

Status PostgresSource::FinishChunk() {
  CDC_ASSIGN_OR_RETURN(reading_->rows, chunk_sql_.Receive());
  if (snapshot_run_.empty()) snapshot_run_ = RandomRunId();
  reading_->mark = pg_.slot + "/" + snapshot_run_ + "/" + std::to_string(++chunk_seq_);
  CDC_RETURN_IF_ERROR(
      chunk_sql_.Query("SELECT pg_catalog.pg_logical_emit_message(false, $1, $2)",
                       {kWatermarkPrefix, reading_->mark})
          .status());
  // The commit makes the WAL durable up to the watermark, so the walsender
  // sends it at once.
  CDC_RETURN_IF_ERROR(chunk_sql_.Exec("COMMIT"));
  PGresult* rows = reading_->rows.get();
  chunk_rows_ = NextChunkRows(chunk_rows_, pg_.snapshot_chunk_rows,
                              static_cast<uint64_t>(PQntuples(rows)), PQresultMemorySize(rows));
  pending_chunks_.push_back(std::move(*reading_));
  reading_.reset();
  chunk_failures_ = 0;
  return Status::OK();
}

Status PostgresSource::HandleWatermark(BatchQueue& out, const pgoutput::LogicalMessage& msg,
                                       uint64_t lsn) {
  if (msg.transactional || msg.prefix != kWatermarkPrefix || pending_chunks_.empty() ||
      msg.content != pending_chunks_.front().mark) {
    return Status::OK();
  }
  PendingChunk chunk = std::move(pending_chunks_.front());
  pending_chunks_.pop_front();
  const SnapshotTable& t = *chunk.table;
  const int64_t started_us = snapshot_->started_us;
  PGresult* r = chunk.rows.get();
  const int n = PQntuples(r);
  // Where the key columns are among the selected ones: a chunk read in key
  // order may be cut after any row, with that row's key as the cursor.
  std::vector<int> key_at;
  if (!t.key.empty()) {
    for (const std::string& k : t.cursor_columns) {
      for (size_t c = 0; c < t.rel.columns.size(); ++c) {
        if (t.rel.columns[c].name == k) key_at.push_back(static_cast<int>(c));
      }
    }
    if (key_at.size() != t.cursor_columns.size()) key_at.clear();
  }
  const uint64_t first_index = snapshot_->rows;
  // The watermark is outside any transaction: a boundary to resume after.
  // `lsn` is the end of its WAL record (what pgoutput sends for a message),
  // so a resume from it starts with the first commit after the watermark.
  last_commit_end_ = lsn;
  for (int row = 0; row < n; ++row) {
    // Swapped with the event's recycled columns below, to be filled again.
    google::protobuf::RepeatedPtrField<cdc::v1::Column>& after = scratch_after_;
    after.Clear();
    ColumnFill fill(&after, &spares_, t.rel.shape.get());
    for (size_t c = 0; c < t.rel.columns.size(); ++c) {
      const ColumnInfo& info = t.rel.columns[c];
      cdc::v1::Value* value = fill.Next(info.name, info.type_name);
      if (PQgetisnull(r, row, static_cast<int>(c))) {
        value->set_null(true);
        continue;
      }
      std::string_view text(PQgetvalue(r, row, static_cast<int>(c)),
                            PQgetlength(r, row, static_cast<int>(c)));
      batch_.bytes += text.size();
      Status s = pgoutput::TextToValue(types_, info.type_oid, info.type_modifier, text, value);
      if (!s.ok()) {
        return s.WithContext("snapshot of " + t.rel.schema + "." + t.rel.table + " column " +
                             info.name);
      }
    }
    fill.Done();
    cdc::v1::ChangeEvent& e = NewEvent(t.rel, cdc::v1::OP_READ, lsn, /*snapshot=*/true);
    cdc::v1::Source* src = e.mutable_source();
    src->mutable_postgres()->set_commit_lsn(lsn);
    // Every row of one snapshot carries its start, also after a restart.
    src->set_commit_time_us(started_us);
    src->set_event_index(first_index + static_cast<uint64_t>(row));
    e.mutable_after()->Swap(&after);
    if (!key_at.empty() && row + 1 < n &&
        batch_.Full(config_.batch_max_events, config_.batch_max_bytes)) {
      // A cut after this row: the chunk's rows before it reflect the table
      // at the watermark as a chunk ending here would, so a resume reads on
      // from this row's key with a new watermark.
      snapshot_->rows = first_index + static_cast<uint64_t>(row) + 1;
      snapshot_->after_columns = chunk.after_columns;
      snapshot_->after.clear();
      for (int k : key_at) snapshot_->after.emplace_back(PQgetvalue(r, row, k), PQgetlength(r, row, k));
      batch_.end_position = offsets::Position::Postgres(lsn);
      events_at_commit_ = batch_.events.size();
      if (!PushBatch(out)) return Status::OK();  // stopping
    }
  }
  snapshot_->rows = first_index + static_cast<uint64_t>(n);
  snapshot_rows_ += static_cast<uint64_t>(n);
  events_at_commit_ = batch_.events.size();
  if (chunk.table_done) {
    log_->info("snapshot of {}.{}: {} rows", t.rel.schema, t.rel.table, snapshot_->rows);
    // A table without a key has no keys in its topic to check.
    if (t.key.empty() || !MarkRowsDone(&*snapshot_)) CDC_RETURN_IF_ERROR(NextSnapshotTable());
  } else {
    snapshot_->after_columns = std::move(chunk.after_columns);
    snapshot_->after = std::move(chunk.next_after);
  }
  batch_.end_position = offsets::Position::Postgres(last_commit_end_);
  return Status::OK();
}

Status PostgresSource::PublishGhostDeletes(BatchQueue& out, const std::atomic<bool>& stop) {
  if (in_txn_ || skip_changes_ > 0) return Status::OK();
  const offsets::SnapshotProgress::Table name = snapshot_->tables.front();
  const std::string table = name.schema + "." + name.name;
  // Everything handed over is durable first, so that the topic shows it.
  batch_.end_position = offsets::Position::Postgres(last_commit_end_);
  offsets::Position handed = *batch_.end_position;
  handed.snapshot = snapshot_;
  if (!PushBatch(out)) return Status::OK();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(config_.kafka.delivery_timeout_ms +
                                                  config_.kafka.commit_interval_ms);
  while (true) {
    Status waited = durable_signal_.WaitFor(handed, std::chrono::seconds(1), stop);
    if (waited.ok()) break;
    if (waited.IsAborted()) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) return waited;
    // The server ends a connection that stays silent for wal_sender_timeout.
    CDC_RETURN_IF_ERROR(SendStatus(false));
  }
  CDC_ASSIGN_OR_RETURN(
      GhostKeys ghosts,
      FindGhostKeys(config_, table, TopicName(topic_prefix_, name.schema, name.name),
                    *snapshot_->topic_marks, stop, [this] { return SendStatus(false); }));
  std::vector<GhostKey>& keys = ghosts.keys;
  if (!keys.empty()) {
    Result<Catalog::RelationRef> found = catalog_->FindRelation(name.schema, name.name);
    if (!found.ok() && !found.status().IsNotFound()) return found.status();
    if (!found.ok()) {
      log_->warn("snapshot: table {} no longer exists (dropped or renamed): the {} keys its "
                 "topic holds that it did not read get no DELETE",
                 table, keys.size());
      keys.clear();
    } else {
      CDC_RETURN_IF_ERROR(
          DescribeSnapshotTable(*found, sql_, snapshot_->after_columns, &snapshot_->after));
    }
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const SnapshotTable& t = *snapshot_table_;
    cdc::v1::ChangeEvent& e =
        NewEvent(t.rel, cdc::v1::OP_DELETE, last_commit_end_, /*snapshot=*/true);
    cdc::v1::Source* src = e.mutable_source();
    src->mutable_postgres()->set_commit_lsn(last_commit_end_);
    src->set_commit_time_us(snapshot_->started_us);
    src->set_event_index(snapshot_->rows + i);
    // The before image holds the key columns, as a delete under the
    // default replica identity does.
    for (const cdc::v1::Column& k : keys[i].key.columns()) {
      cdc::v1::Column* col = e.add_before();
      *col = k;
      for (const ColumnInfo& info : t.rel.columns) {
        if (info.name == k.name()) col->set_type(info.type_name);
      }
    }
    // The key as the topic holds it, where it holds it: compaction then
    // drops the old row.
    OutEvent& ghost = batch_.events.back();
    ghost.table.reset();
    ghost.rows_named_by_table = false;  // key columns, in the key's order
    ghost.topic = t.rel.topic;
    ghost.has_key = true;
    ghost.key = std::move(keys[i].key);
    ghost.key_bytes = std::move(keys[i].bytes);
    ghost.partition = keys[i].partition;
    // Many deletes go in several batches, each with the position the table's
    // rows ended at: after a restart the check runs again, and the keys
    // deleted by then count as touched.
    if (static_cast<int>(batch_.events.size()) >= config_.batch_max_events) {
      batch_.end_position = offsets::Position::Postgres(last_commit_end_);
      if (!PushBatch(out)) return Status::OK();
    }
  }
  if (!keys.empty()) {
    log_->info("snapshot of {}: {} keys in its topic are no longer in the table: a DELETE and a "
               "tombstone for each",
               table, keys.size());
  }
  if (ghosts.undecodable > 0) {
    log_->warn("snapshot of {}: {} keys in its topic are no longer in the table, but they "
               "cannot be read back as keys (kafka.format debezium-json): they get no DELETE; "
               "delete them from the topic by hand (a tombstone per key)",
               table, ghosts.undecodable);
  }
  if (!ghosts.not_checked.empty()) {
    log_->warn("snapshot of {}: its topic was not checked for keys no longer in the table: {}",
               table, ghosts.not_checked);
  }
  return NextSnapshotTable();
}

}  // namespace cdc::agent::postgres
