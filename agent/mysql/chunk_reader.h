// The snapshot's chunk reads of the MySQL/MariaDB source, on a connection and
// a thread of their own, so that the server reads the next chunk while the
// source's reader publishes the one before.
//
// ReadChunkRows is the read itself (mysql_snapshot.cc says why it is
// consistent with the stream). ChunkReader runs one read at a time on its
// thread: the reader submits a request, goes on with the stream, and takes
// the outcome when `on_done` tells it one is there.
//
// The reader must take a chunk before it handles any binlog event past the
// chunk's high mark (mysql_snapshot.cc says why). It cannot know the mark
// before the read ends, so marking() tells it when the mark is being read:
// every event it received before marking() turned true lies at or before
// the mark; from then on it waits for the outcome (Wait) before handling
// another event.
//
// Thread: idle, marking, Submit, Take, Wait, Discard and the destructor from
// the source's reader thread; the read on the ChunkReader's own thread,
// which alone touches its connection. `on_done` is called on that thread,
// without a lock held.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/config.h"
#include "agent/row_spill.h"
#include "agent/mysql/mysql_connection.h"
#include "agent/mysql/schema_history.h"
#include "agent/mysql/table_schema.h"
#include "decoders/binlog/rows.h"

namespace cdc::agent::mysql {

// The cursor of a table without a primary key (read whole, in one chunk).
inline constexpr const char* kWholeCursor = "#whole";

// The chunk to read: `rows` rows at most of `table`, after the key `after`
// (empty: from the table's start), whose key columns were `after_columns`.
struct ChunkRequest {
  TableName table;
  std::vector<std::string> after_columns;
  std::vector<std::string> after;
  int rows = 0;
};

// One chunk as read, with its high mark.
struct ChunkRows {
  TableName table;
  // The table no longer exists (dropped or renamed); nothing else is set.
  bool gone = false;
  // The table is no longer keyed as the request's cursor says: the chunk
  // was read from the table's start.
  bool restarted = false;
  BinlogPos high;  // the binlog's end while the chunk's row locks were held
  // Each row: the table's columns, then its key columns again as the
  // server shows them (the cursor of a cut after that row).
  QueryResult rows;
  // A table read whole: its rows past the first kChunkBytes held in memory,
  // after those of `rows`, in a file (agent/row_spill.h); null when none.
  std::unique_ptr<RowSpill> spill;
  size_t key_count = 0;
  binlog::TableSchema schema;
  std::vector<std::string> after_columns;  // the cursor after it
  std::vector<std::string> next_after;
  bool table_done = false;  // the table's last chunk
};

// The table the last chunk was read from, as described then; a chunk of it
// whose SHOW CREATE TABLE text is the same (but for the next AUTO_INCREMENT
// value) is not described again from information_schema.
struct DescribedTable {
  TableName table;
  std::string create;  // CreateTableShape of its SHOW CREATE TABLE
  InfoTable info;
};

// SHOW CREATE TABLE's text without the table's next AUTO_INCREMENT value,
// which moves with inserts and says nothing of the columns.
std::string CreateTableShape(std::string text);

// The binlog's end: SHOW MASTER STATUS (SHOW BINARY LOG STATUS on MySQL
// 8.4), its file and position. With `executed_gtids`, also MySQL's
// Executed_Gtid_Set of the same statement ("" where it has none).
Result<BinlogPos> BinlogEnd(MysqlConnection& conn, bool mariadb,
                            std::string* executed_gtids = nullptr);

// Reads the chunk of `request` on `conn` in a READ COMMITTED transaction
// with a locking read that gives up at once on a locked row, and its high
// mark; `before_mark` is called just before the mark is read. `described`
// is the table described last, kept up to date. On an error
// the transaction may still be open: the caller rolls it back or closes the
// connection. The session must read committed rows and have an empty
// sql_mode (ChunkReader sets both at connect). A table read whole keeps its
// rows past kChunkBytes in a RowSpill made in `spill_dir`; when that fails,
// `spill_failed` is set beside the error.
Result<ChunkRows> ReadChunkRows(MysqlConnection& conn, const MysqlSourceConfig& config,
                                bool mariadb, const ChunkRequest& request,
                                const std::function<void()>& before_mark,
                                DescribedTable* described, const std::string& spill_dir,
                                bool* spill_failed);

class ChunkReader {
 public:
  struct Outcome {
    Status status;
    unsigned int error = 0;  // the server's error number of a failure
    bool lost = false;       // the connection failed; a later read reconnects
    ChunkRows chunk;         // when status is OK
  };

  // Connects at the first request. `config` must outlive the reader. A
  // table read whole keeps most of its rows in a file in `spill_dir`.
  ChunkReader(const MysqlSourceConfig& config, bool mariadb, std::string spill_dir,
              std::function<void()> on_done);
  // Interrupts a read in progress (its connection is shut down) and joins.
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  // No read in progress and no outcome waiting: Submit may be called.
  bool idle() const;
  // The read in progress has begun to read its high mark (until its
  // outcome is taken).
  bool marking() const { return marking_.load(); }
  void Submit(ChunkRequest request);
  // The outcome of the last request, once there.
  std::optional<Outcome> Take();
  // Waits for the outcome of the read in progress and takes it; nullopt
  // when `stop` is set first or no read is in progress.
  std::optional<Outcome> Wait(const std::atomic<bool>& stop);
  // Drops the outcome waiting and that of the read in progress.
  void Discard();

 private:
  // Take's work, with mu_ held.
  std::optional<Outcome> TakeLocked();
  void Loop();
  Outcome Read(const ChunkRequest& request);
  void CloseConnection();

  const MysqlSourceConfig& config_;
  const bool mariadb_;
  const std::string spill_dir_;
  const std::function<void()> on_done_;
  MysqlConnection conn_;  // the thread's alone, as is described_
  DescribedTable described_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<ChunkRequest> request_;
  std::optional<Outcome> outcome_;
  bool busy_ = false;        // a request submitted and its outcome not taken or dropped
  uint64_t generation_ = 0;  // raised by Discard
  // A duplicate of conn_'s socket while connected, to interrupt a read
  // (shutdown); the library may close its own descriptor on an error.
  int interrupt_fd_ = -1;
  std::atomic<bool> marking_{false};
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace cdc::agent::mysql
