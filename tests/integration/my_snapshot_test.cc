// The MariaDB source's chunked snapshot and its stored positions: rows
// written during the snapshot arrive once as changes, at most once as READs,
// never with an older state after a newer one; a snapshot killed half way
// resumes at its last committed chunk; snapshot: never starts at
// the server's end, a stop and restart (resuming by GTID, or by file:pos
// alone) neither loses nor repeats a row, and rows written before an ALTER
// while the agent was down decode with the columns they were written with.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;

class MySnapshotTest : public MyAgentTest {
 protected:
  // Starts the agent under a new server_id, waits until it streams, and
  // kills it 300 ms later, in the middle of the snapshot of t; with
  // `kill_when`, instead as soon as that says yes to the number of t's
  // messages a consumer has read committed. Returns the rows of t the stored
  // position counts as read (0 when it names none) and sets `stored` to that
  // position.
  uint64_t KillDuringSnapshot(const std::string& log_name, std::string* stored,
                              const std::function<bool(int64_t)>& kill_when = nullptr) {
    settings_.server_id = NextServerId();
    agent_ = std::make_unique<Process>();
    EXPECT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, dir_ + "/" + log_name));
    if (kill_when) {
      EXPECT_GT(WaitCommitted(env_, Topic("t"), kill_when, std::chrono::seconds(60)), 0)
          << "the kill's moment did not come in 60 s; stderr:\n" << agent_->Stderr();
    } else {
      EXPECT_TRUE(WaitForLog("streaming the binlog", 1, std::chrono::seconds(60))) << agent_->Stderr();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    agent_->Signal(SIGKILL);
    agent_->Wait(std::chrono::seconds(10));
    *stored = StoredPosition();
    const std::string mark = " snapshot=" + db_name_ + ".t+";
    const size_t at = stored->find(mark);
    return at == std::string::npos ? 0 : std::stoull(stored->substr(at + mark.size()));
  }

  // Starts the agent and reads t's topic until it is idle: each of `rows`
  // ids came once, as a READ.
  void ExpectEachRowReadOnceAfterStart(int rows) {
    StartAgent();
    auto lines = TailTopic(env_, Topic("t"), 2 * rows, std::chrono::milliseconds(5000));
    EXPECT_EQ(static_cast<int>(lines.size()), rows);
    auto ops = OpsByKey(lines, "id");
    ASSERT_EQ(static_cast<int>(ops.size()), rows);
    for (const auto& [id, list] : ops) {
      ASSERT_EQ(list.size(), 1u) << "row " << id;
      ASSERT_EQ(list[0], cdc::v1::OP_READ) << "row " << id;
    }
  }

  // Stops the agent while a writer thread inserts rows from `first` on, one
  // transaction each: 100 before the stop, as many as it manages while the
  // agent stops, and 100 after it exited. Then starts the agent again. With
  // `strip_gtid`, the stored position is first set to its file:pos part
  // alone (kept in file_pos_). Returns the last id written.
  int StopWhileWriting(int first, bool strip_gtid) {
    auto writer_db = Connect(db_name_);
    EXPECT_TRUE(writer_db->ok()) << writer_db->error();
    std::atomic<int> written{0};
    std::atomic<bool> stopped{false};
    std::string writer_error;
    int last = first - 1;
    std::thread writer([&] {
      int after_stop = 0;
      while (after_stop < 100 && written.load() < 100000) {
        if (stopped.load()) ++after_stop;
        std::string err = writer_db->Exec("INSERT INTO t VALUES (" + std::to_string(last + 1) +
                                          ", 'v" + std::to_string(last + 1) + "')");
        if (!err.empty()) {
          writer_error = err;
          return;
        }
        ++last;
        ++written;
      }
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (written.load() < 100 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    int code = StopAgent();
    stopped = true;
    writer.join();
    EXPECT_TRUE(writer_error.empty()) << writer_error;
    EXPECT_EQ(code, 0) << agent_->Stderr();
    if (strip_gtid) {
      std::string stored = StoredPosition();
      size_t gtid_at = stored.find(" gtid=");
      EXPECT_NE(gtid_at, std::string::npos) << stored;
      file_pos_ = stored.substr(0, gtid_at);
      EXPECT_EQ(file_pos_.rfind("mysql:binlog.", 0), 0u) << stored;
      CommandResult set = AgentCommand({"offsets", "set", "--position", file_pos_});
      EXPECT_EQ(set.exit_code, 0) << set.err;
      EXPECT_EQ(StoredPosition(), file_pos_);
    }
    StartAgent();
    return last;
  }

  std::string file_pos_;
};

// The events of each row: (op, v) in the order the consumer reads them.
std::map<int64_t, std::vector<std::pair<cdc::v1::Op, std::string>>> EventsById(
    const std::vector<TailLine>& lines) {
  std::map<int64_t, std::vector<std::pair<cdc::v1::Op, std::string>>> out;
  for (const auto& l : lines) {
    if (!l.has_value()) continue;
    const auto& e = l.value();
    const auto& image = e.op() == cdc::v1::OP_DELETE ? e.before() : e.after();
    const cdc::v1::Value* id = FindValue(image, "id");
    if (id == nullptr) continue;
    const cdc::v1::Value* v = FindValue(e.after(), "v");
    out[id->int_value()].emplace_back(e.op(), v ? v->text_value() : "");
  }
  return out;
}

// "u<N>" is version N; anything else (a first insert) is 0.
int Version(const std::string& v) { return v.rfind("u", 0) == 0 ? std::stoi(v.substr(1)) : 0; }

// Rows inserted, updated and deleted while the chunked snapshot reads the
// table: every row has at most one READ (exactly one when it lived through
// the snapshot untouched), no READ shows an older state than an event before
// it, and the last event of each row is the table's row.
TEST_F(MySnapshotTest, RowsWrittenDuringTheSnapshotArriveOnce) {
  constexpr int kExisting = 20000;
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("CREATE TABLE small (id INT PRIMARY KEY)");
  Sql("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_" + std::to_string(kExisting));
  Sql("INSERT INTO small VALUES (1), (2)");
  settings_.snapshot_chunk_rows = 300;
  auto writer_db = Connect(db_name_);
  ASSERT_TRUE(writer_db->ok());
  std::string writer_error;
  std::atomic<bool> done{false};
  std::atomic<int> changes{0};
  std::thread writer([&] {
    int next_id = kExisting + 1;
    for (int n = 1; !done || n < 1500; ++n) {
      const int old_id = 1 + (n * 7919) % kExisting;
      std::string sql;
      switch (n % 4) {
        case 0: sql = "INSERT INTO t VALUES (" + std::to_string(next_id++) + ", 'w')"; break;
        case 1:
        case 2: sql = "UPDATE t SET v = 'u" + std::to_string(n) + "' WHERE id = " +
                      std::to_string(old_id); break;
        default: sql = "DELETE FROM t WHERE id = " + std::to_string(old_id); break;
      }
      std::string err = writer_db->Exec(sql);
      if (!err.empty()) {
        writer_error = err;
        return;
      }
      changes = n;
    }
  });
  while (changes < 100) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  StartAgent();  // returns once the snapshot's last chunk is read
  done = true;
  writer.join();
  ASSERT_TRUE(writer_error.empty()) << writer_error;

  std::map<int64_t, std::string> want;
  for (const auto& row : db_->Rows("SELECT id, v FROM t")) want[std::stoll(*row[0])] = row[1].value_or("");
  auto lines = TailTopic(env_, Topic("t"), 1 << 30, std::chrono::milliseconds(5000));
  auto got = EventsById(lines);
  int untouched = 0;
  for (const auto& [id, events] : got) {
    int reads = 0;
    int highest = -1;
    bool deleted = false;
    for (const auto& [op, v] : events) {
      if (op == cdc::v1::OP_DELETE) {
        deleted = true;
        continue;
      }
      deleted = false;
      const int version = Version(v);
      if (op == cdc::v1::OP_READ) {
        ++reads;
        ASSERT_GE(version, highest) << "row " << id << ": a READ older than an earlier event";
      } else {
        ASSERT_GT(version, highest) << "row " << id << ": a change twice or out of order";
      }
      highest = std::max(highest, version);
    }
    ASSERT_LE(reads, 1) << "row " << id;
    const auto it = want.find(id);
    if (it == want.end()) {
      ASSERT_TRUE(deleted) << "row " << id << " is gone from the table, not from Kafka";
    } else {
      ASSERT_FALSE(deleted) << "row " << id;
      ASSERT_EQ(events.back().second, it->second) << "row " << id << ": last state differs";
    }
    if (id <= kExisting && events.size() == 1) {
      ASSERT_NE(events[0].first, cdc::v1::OP_INSERT) << "row " << id;
      ASSERT_NE(events[0].first, cdc::v1::OP_UPDATE) << "row " << id << " never read";
      if (events[0].first == cdc::v1::OP_READ) ++untouched;
    }
  }
  for (const auto& [id, v] : want) ASSERT_EQ(got.count(id), 1u) << "row " << id << " never arrived";
  EXPECT_GT(untouched, kExisting - changes.load());
  const ChangeEvent& first = lines[0].value();
  EXPECT_EQ(first.source().kind(), cdc::v1::SOURCE_KIND_MARIADB);

  auto small = TailTopic(env_, Topic("small"), 2);
  ASSERT_EQ(small.size(), 2u);
  EXPECT_EQ(small[0].value().op(), cdc::v1::OP_READ);
  EXPECT_TRUE(small[0].value().source().snapshot());
  EXPECT_EQ(small[1].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// kill -9 while the snapshot is half published: the next run reads on from
// the last committed chunk, so every row arrives as exactly one READ. A row
// lock held by the test stops the snapshot in the middle of `t`, so the kill
// lands there; a writer commits into w throughout.
TEST_F(MySnapshotTest, KilledMidSnapshotResumesAtItsLastChunk) {
  constexpr int kRows = 50000;
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_" + std::to_string(kRows));
  Sql("CREATE TABLE w (id INT PRIMARY KEY)");
  settings_.snapshot_chunk_rows = 500;
  auto locker = Connect(db_name_);
  ASSERT_TRUE(locker->ok());
  ASSERT_EQ(locker->Exec("START TRANSACTION"), "");
  ASSERT_EQ(locker->Exec("SELECT * FROM t WHERE id = 30000 FOR UPDATE"), "");

  settings_.server_id = NextServerId();
  agent_ = std::make_unique<Process>();
  ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, dir_ + "/agent-a"));
  ASSERT_TRUE(WaitForLog("streaming the binlog", 1, std::chrono::seconds(60))) << agent_->Stderr();
  auto writer_db = Connect(db_name_);
  ASSERT_TRUE(writer_db->ok());
  std::atomic<bool> stop_writer{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int id = 1; !stop_writer; ++id) {
      if (!writer_db->Exec("INSERT INTO w VALUES (" + std::to_string(id) + ")").empty()) return;
      written = id;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop_writer, writer};
  // The rows before the locked one are published and committed.
  auto early = TailTopic(env_, Topic("t"), 29000, std::chrono::milliseconds(30000));
  ASSERT_GE(early.size(), 29000u) << agent_->Stderr();
  agent_->Signal(SIGKILL);
  agent_->Wait(std::chrono::seconds(10));
  ASSERT_EQ(agent_->Stderr().find("snapshot done"), std::string::npos) << agent_->Stderr();
  ASSERT_EQ(locker->Exec("COMMIT"), "");

  StartAgent();
  const std::string log = agent_->Stderr();
  const size_t at = log.find(" snapshot=" + db_name_ + ".t+");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_EQ(log.find(" snapshot=" + db_name_ + ".t+0"), std::string::npos) << log;
  auto lines = TailTopic(env_, Topic("t"), 2 * kRows, std::chrono::milliseconds(5000));
  EXPECT_EQ(static_cast<int>(lines.size()), kRows);
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(static_cast<int>(ops.size()), kRows);
  for (const auto& [id, list] : ops) {
    ASSERT_EQ(list.size(), 1u) << "row " << id;
    ASSERT_EQ(list[0], cdc::v1::OP_READ) << "row " << id;
  }
  stop_writer = true;
  writer.join();
  ASSERT_GT(written.load(), 100);
  auto w_lines = TailTopic(env_, Topic("w"), 2 * written, std::chrono::milliseconds(5000));
  std::map<int64_t, int> inserts;
  std::map<int64_t, int> reads;
  for (const auto& l : w_lines) {
    const int64_t id = FindValue(l.value().after(), "id")->int_value();
    if (l.value().op() == cdc::v1::OP_INSERT) {
      ++inserts[id];
    } else {
      ASSERT_EQ(l.value().op(), cdc::v1::OP_READ);
      ASSERT_EQ(inserts[id], 1) << "w row " << id << ": a READ before its INSERT";
      ++reads[id];
    }
  }
  for (int id = 1; id <= written; ++id) {
    ASSERT_EQ(inserts[id], 1) << "w row " << id;
    ASSERT_LE(reads[id], 1) << "w row " << id;
  }
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// An ALTER between two chunks: the chunks read before it have the old
// columns, those read after it the new ones (each chunk describes its table
// again when the table's definition changed). A row lock holds the snapshot
// at row 15000 while the ALTER waits for that transaction, so the ALTER
// lands in the middle of the snapshot.
TEST_F(MySnapshotTest, AlterBetweenChunksGivesLaterChunksTheNewColumns) {
  constexpr int kRows = 20000;
  constexpr int kLocked = 15000;
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_" + std::to_string(kRows));
  settings_.snapshot_chunk_rows = 500;
  auto locker = Connect(db_name_);
  ASSERT_TRUE(locker->ok());
  ASSERT_EQ(locker->Exec("START TRANSACTION"), "");
  ASSERT_EQ(locker->Exec("SELECT * FROM t WHERE id = " + std::to_string(kLocked) + " FOR UPDATE"),
            "");
  settings_.server_id = NextServerId();
  agent_ = std::make_unique<Process>();
  ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, dir_ + "/agent"));
  auto early = TailTopic(env_, Topic("t"), kLocked - 1000, std::chrono::milliseconds(30000));
  ASSERT_GE(early.size(), static_cast<size_t>(kLocked - 1000)) << agent_->Stderr();

  // The ALTER waits for the locker's transaction (its metadata lock), and
  // the snapshot's next chunk waits for the ALTER.
  auto alterer = Connect(db_name_);
  ASSERT_TRUE(alterer->ok());
  std::string alter_error;
  std::thread alter([&] { alter_error = alterer->Exec("ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 7"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(locker->Exec("COMMIT"), "");
  alter.join();
  ASSERT_EQ(alter_error, "");

  auto lines = TailTopic(env_, Topic("t"), 2 * kRows, std::chrono::milliseconds(5000));
  std::map<int64_t, int> reads;
  bool new_columns = false;
  int with_c = 0;
  for (const auto& l : lines) {
    ASSERT_TRUE(l.has_value());
    const ChangeEvent& e = l.value();
    ASSERT_EQ(e.op(), cdc::v1::OP_READ);
    const int64_t id = FindValue(e.after(), "id")->int_value();
    ++reads[id];
    const cdc::v1::Value* c = FindValue(e.after(), "c");
    if (c == nullptr) {
      ASSERT_FALSE(new_columns) << "row " << id << ": old columns after a READ with the new";
      ASSERT_LT(id, kLocked) << "row " << id << " was read after the ALTER without its column";
      continue;
    }
    new_columns = true;
    ++with_c;
    ASSERT_EQ(c->int_value(), 7) << "row " << id;
    ASSERT_GT(id, kLocked - 1000) << "row " << id << " was read before the ALTER with its column";
  }
  ASSERT_EQ(static_cast<int>(reads.size()), kRows);
  for (const auto& [id, n] : reads) ASSERT_EQ(n, 1) << "row " << id;
  EXPECT_GE(with_c, kRows - kLocked);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// A chunk of more rows than batch_max_events goes out in batches, each
// ending with a position that reads on after its last row (by a composite
// key of text and number here). kill -9 while a large chunk is published
// lands between two of its batches, and the next run reads on from there:
// every row arrives as exactly one READ. (A run's chunks start at 256 rows
// and double up to snapshot_chunk_rows: SnapshotChunks.)
TEST_F(MySnapshotTest, KilledInsideAChunkResumesAfterItsLastBatch) {
  constexpr int kRows = 300000;  // a run resumed after 115,280 rows still meets a chunk of kChunk
  constexpr uint64_t kChunk = 50000;
  Sql("CREATE TABLE t (grp VARCHAR(10), id INT, v VARCHAR(20), PRIMARY KEY (grp, id))");
  Sql("INSERT INTO t SELECT CONCAT('g', seq % 7), seq, CONCAT('v', seq) FROM seq_1_to_" +
      std::to_string(kRows));
  settings_.snapshot_chunk_rows = static_cast<int>(kChunk);
  settings_.batch_max_events = 100;
  // Transactions of 20 ms: a chunk's batches commit in several. The kill
  // comes once a consumer has read committed rows into the first half of a
  // chunk that the last run did not reach; the rest of that chunk takes
  // longer to commit than the kill to land.
  settings_.kafka_extra = "  commit_interval_ms: 20\n";
  uint64_t stored_rows = 0;
  std::string stored;
  // The chunks of the last run: the stored position lies inside one of them
  // (not at its end), after whole batches of 100 from its start.
  std::vector<ChunkSpan> chunks;
  std::optional<ChunkSpan> inside;
  for (int attempt = 1; attempt <= 4 && !inside; ++attempt) {
    chunks = SnapshotChunks(stored_rows, kRows, static_cast<int>(kChunk));
    stored_rows = KillDuringSnapshot(
        "agent-kill" + std::to_string(attempt), &stored, [&](int64_t n) {
          // In the first half of a chunk of kChunk rows.
          std::optional<ChunkSpan> c = ChunkInside(chunks, static_cast<uint64_t>(n));
          return c && c->end - c->start == kChunk &&
                 static_cast<uint64_t>(n) - c->start < kChunk / 2;
        });
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(agent_->Stderr().find("snapshot done"), std::string::npos)
        << "the snapshot ended before the kill; stderr:\n" << agent_->Stderr();
    inside = ChunkInside(chunks, stored_rows);
  }
  ASSERT_TRUE(inside) << "every kill resumed at a chunk's end: " << stored;
  EXPECT_EQ((stored_rows - inside->start) % 100, 0u) << stored;

  ExpectEachRowReadOnceAfterStart(kRows);
  EXPECT_EQ(StopAgent(), 0);
}

// A FLOAT shows as the shortest text that reads back as that float, and the
// server compares `f <= '19.1'` as doubles: a key cursor through such a key
// lost the last group of rows (19.1 as a FLOAT is more than 19.1) and could
// repeat or skip a group at a cut, so a table keyed by a FLOAT is read whole.
TEST_F(MySnapshotTest, FloatKeyedTableIsReadWholeAndOnce) {
  constexpr int kRows = 200000;
  constexpr uint64_t kChunk = 50000;
  Sql("CREATE TABLE t (f FLOAT, id INT, PRIMARY KEY (f, id))");
  Sql("INSERT INTO t SELECT seq % 20 + 0.1, seq FROM seq_1_to_" + std::to_string(kRows));
  settings_.snapshot_chunk_rows = static_cast<int>(kChunk);
  settings_.batch_max_events = 100;
  std::string stored;
  EXPECT_EQ(KillDuringSnapshot("agent-kill", &stored), 0u) << "read in parts: " << stored;
  ASSERT_FALSE(HasFailure());

  ExpectEachRowReadOnceAfterStart(kRows);
  EXPECT_EQ(StopAgent(), 0);
}

// A table without a key is read whole, in one chunk: its rows past 8 MiB of
// values wait in a file rather than in memory until the stream reaches the
// chunk's high mark, and go out in batches of batch_max_events that Kafka
// commits in one transaction with the position after the table. Stopped or
// killed while they go out, a run leaves none of them visible and no
// progress stored; the next run reads the table again: each row once.
TEST_F(MySnapshotTest, KeylessTableWaitsInAFileAndIsPublishedOnce) {
  constexpr int kRows = 200000;
  Sql("CREATE TABLE t (id INT, v VARCHAR(400))");  // 60 MB of values
  Sql("INSERT INTO t SELECT seq, REPEAT('x', 300) FROM seq_1_to_" + std::to_string(kRows));
  settings_.batch_max_events = 100;
  // Kafka transactions of 20 ms: the table's batches would be committed in
  // several were it not for the rule above.
  settings_.kafka_extra = "  commit_interval_ms: 20\n";
  // Starts a run and sends it `signal` while it publishes the table;
  // returns its stderr.
  auto interrupt = [&](int signal, const std::string& log_name) {
    settings_.server_id = NextServerId();
    agent_ = std::make_unique<Process>();
    EXPECT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()},
                              dir_ + "/" + log_name));
    EXPECT_TRUE(WaitForLog("publishing its", 1, std::chrono::seconds(60))) << agent_->Stderr();
    // Publishing them took 2 s here; Kafka transactions were committed from
    // 0.2 s on before the rule above.
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    agent_->Signal(signal);
    const int code = agent_->Wait(std::chrono::seconds(30));
    if (signal == SIGTERM) {
      EXPECT_EQ(code, 0) << agent_->Stderr();
    }
    const std::string stored = StoredPosition();
    const std::string progress = " snapshot=" + db_name_ + ".t+";
    const size_t rows_at = stored.find(progress);
    EXPECT_TRUE(rows_at == std::string::npos ||
                std::stoull(stored.substr(rows_at + progress.size())) == 0)
        << "progress stored inside a table read whole: " << stored;
    return agent_->Stderr();
  };

  // Changes of another table flow meanwhile: the batch the stream has
  // filled when the table's publication begins carries a position, which
  // none of the table's rows may share.
  Sql("CREATE TABLE w (id INT PRIMARY KEY)");
  auto writer_db = Connect(db_name_);
  ASSERT_TRUE(writer_db->ok()) << writer_db->error();
  std::atomic<bool> writing{true};
  std::string writer_error;
  std::thread writer([&] {
    for (int id = 1; writing.load() && writer_error.empty(); ++id) {
      writer_error = writer_db->Exec("INSERT INTO w VALUES (" + std::to_string(id) + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  const std::string stopped = interrupt(SIGTERM, "agent-stop");
  if (!HasFailure()) interrupt(SIGKILL, "agent-kill");
  writing = false;
  writer.join();
  ASSERT_TRUE(writer_error.empty()) << writer_error;
  ASSERT_FALSE(HasFailure());
  // More than the first 8 MiB (about 27,000 of these rows) waited in the file.
  const std::string mark = db_name_ + ".t: read whole (no key to read it by in parts), ";
  const size_t at = stopped.find(mark);
  ASSERT_NE(at, std::string::npos) << stopped;
  EXPECT_GT(std::stoi(stopped.substr(at + mark.size())), kRows / 2) << stopped;
  EXPECT_NE(stopped.find("are aborted and come again at the next start"), std::string::npos)
      << "the stop came after the table was out; stderr:\n" << stopped;

  ExpectEachRowReadOnceAfterStart(kRows);
  EXPECT_EQ(StopAgent(), 0);
}

// Only tables the agent does not capture change: the stored position still
// follows the binlog (their transactions are boundaries too), so a restart
// does not read them again and purging old binlogs does not strand the agent.
TEST_F(MySnapshotTest, PositionAdvancesWhenOnlyUncapturedTablesChange) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  Sql("CREATE TABLE other (id INT PRIMARY KEY, v VARCHAR(40))");
  settings_.tables = {db_name_ + ".t"};
  StartAgent();
  Sql("INSERT INTO t VALUES (1)");
  ASSERT_EQ(TailTopic(env_, Topic("t"), 1).size(), 1u);
  for (int i = 0; i < 20; ++i) {
    Sql("INSERT INTO other SELECT seq, MD5(seq) FROM seq_" + std::to_string(i * 1000 + 1) +
        "_to_" + std::to_string(i * 1000 + 1000));
  }
  std::string seen;
  EXPECT_TRUE(WaitForStoredPositionAtBinlogEnd(std::chrono::seconds(30), &seen)) << seen;
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// `cdc-agent snapshot --tables` beside a running agent: the table is read
// again as a new snapshot, after the change already published.
TEST_F(MySnapshotTest, RequestedSnapshotReadsATableAgain) {
  constexpr int kRows = 2000;
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_" + std::to_string(kRows));
  StartAgent();
  Sql("UPDATE t SET v = 'changed' WHERE id = 7");
  ASSERT_EQ(static_cast<int>(TailTopic(env_, Topic("t"), kRows + 1).size()), kRows + 1);
  CommandResult asked = AgentCommand({"snapshot", "--tables", db_name_ + ".t"});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  CommandResult refused = AgentCommand({"snapshot", "--tables", "mysql.user"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  auto lines = TailTopic(env_, Topic("t"), 2 * kRows + 1, std::chrono::milliseconds(30000));
  ASSERT_EQ(static_cast<int>(lines.size()), 2 * kRows + 1) << agent_->Stderr();
  const int64_t first_start = lines[0].value().source().commit_time_us();
  std::map<int64_t, int> second;
  for (size_t i = kRows + 1; i < lines.size(); ++i) {
    const auto& e = lines[i].value();
    ASSERT_EQ(e.op(), cdc::v1::OP_READ);
    ASSERT_NE(e.source().commit_time_us(), first_start);
    const int64_t id = FindValue(e.after(), "id")->int_value();
    ++second[id];
    if (id == 7) {
      EXPECT_EQ(FindValue(e.after(), "v")->text_value(), "changed");
    }
  }
  EXPECT_EQ(static_cast<int>(second.size()), kRows);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// A new snapshot over a topic that already holds rows (after `offsets
// reset`, rows deleted while the agent was away): the keys no longer in the
// table get a DELETE (its before image the key) and a tombstone.
TEST_F(MySnapshotTest, NewSnapshotDeletesKeysNoLongerInTheTable) {
  Sql("CREATE TABLE t (a INT, b VARCHAR(10), v VARCHAR(20), PRIMARY KEY (a, b))");
  Sql("INSERT INTO t SELECT seq, CONCAT('k', seq % 3), 'x' FROM seq_1_to_2500");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("t"), 2500).size(), 2500u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  Sql("DELETE FROM t WHERE a % 100 = 0");
  CommandResult reset = AgentCommand({"offsets", "reset", "--yes"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  settings_.batch_max_events = 10;  // the deletes span several batches
  StartAgent();
  const size_t expected = 2500 + 2475 + 2 * 25;
  auto lines = TailTopic(env_, Topic("t"), expected + 1, std::chrono::milliseconds(10000));
  ASSERT_EQ(lines.size(), expected) << agent_->Stderr();
  std::set<int64_t> deleted;
  std::map<std::string, bool> live;  // by key bytes, as compaction keeps them
  for (const auto& l : lines) {
    live[l.key().SerializeAsString()] = l.has_value();
    if (!l.has_value()) continue;
    const ChangeEvent& e = l.value();
    if (e.op() != cdc::v1::OP_DELETE) continue;
    ASSERT_EQ(e.before_size(), 2) << "the key columns only";
    EXPECT_TRUE(e.source().snapshot());
    const int64_t a = FindValue(e.before(), "a")->int_value();
    EXPECT_EQ(FindValue(e.before(), "b")->text_value(), "k" + std::to_string(a % 3));
    deleted.insert(a);
  }
  std::set<int64_t> want;
  for (int64_t a = 100; a <= 2500; a += 100) want.insert(a);
  EXPECT_EQ(deleted, want);
  size_t live_keys = 0;
  for (const auto& [key, alive] : live) live_keys += alive ? 1 : 0;
  EXPECT_EQ(live_keys, 2475u);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// ENUM and SET labels keep their case: a snapshot reads the labels from
// information_schema, and the values must be among them as written.
TEST_F(MySnapshotTest, EnumAndSetLabelsKeepTheirCase) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, kind ENUM('FUNCTION','Procedure','PACKAGE BODY') "
      "NOT NULL, flags SET('Read','WRITE'))");
  Sql("INSERT INTO t VALUES (1, 'Procedure', 'Read,WRITE'), (2, 'PACKAGE BODY', 'WRITE')");
  StartAgent();
  Sql("INSERT INTO t VALUES (3, 'FUNCTION', 'Read')");
  auto lines = TailTopic(env_, Topic("t"), 3);
  ASSERT_EQ(lines.size(), 3u) << agent_->Stderr();
  EXPECT_EQ(FindValue(lines[0].value().after(), "kind")->enum_value(), "Procedure");
  const auto& flags = FindValue(lines[0].value().after(), "flags")->set_value().labels();
  EXPECT_EQ(std::vector<std::string>(flags.begin(), flags.end()),
            (std::vector<std::string>{"Read", "WRITE"}));
  EXPECT_EQ(FindValue(lines[1].value().after(), "kind")->enum_value(), "PACKAGE BODY");
  EXPECT_EQ(lines[2].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(lines[2].value().after(), "kind")->enum_value(), "FUNCTION");
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MySnapshotTest, SnapshotNeverStartsAtTheServersEnd) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  Sql("INSERT INTO t VALUES (1, 'before')");
  settings_.snapshot = "never";
  StartAgent();
  Sql("INSERT INTO t VALUES (2, 'after')");
  auto lines = TailTopic(env_, Topic("t"), 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(lines[0].value().after(), "id")->int_value(), 2);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  EXPECT_EQ(StoredPosition().rfind("mysql:binlog.", 0), 0u);
}

TEST_F(MySnapshotTest, RestartResumesByGtidWithoutLossOrRepeat) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  StartAgent();
  const int last = StopWhileWriting(1, /*strip_gtid=*/false);
  ASSERT_FALSE(HasFailure());
  const std::string resumed = "resuming from mysql:";
  EXPECT_NE(agent_->Stderr().find(resumed), std::string::npos) << agent_->Stderr();
  Sql("INSERT INTO t VALUES (" + std::to_string(last + 1) + ", 'last')");
  Sql("UPDATE t SET v = 'u' WHERE id = 1");
  const int rows = last + 1;
  auto lines = TailTopic(env_, Topic("t"), rows + 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows + 1));
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(ops.size(), static_cast<size_t>(rows));
  for (const auto& [id, list] : ops) {
    std::vector<cdc::v1::Op> expected = {cdc::v1::OP_INSERT};
    if (id == 1) expected.push_back(cdc::v1::OP_UPDATE);
    EXPECT_EQ(list, expected) << "row " << id;
  }
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // The stored position names the last GTID of the stream.
  const std::string stored = StoredPosition();
  EXPECT_NE(stored.find(" gtid=" + LastGtid()), std::string::npos) << stored;
}

TEST_F(MySnapshotTest, RestartFromFileAndPositionWithoutGtid) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 'v1')");
  auto first = TailTopic(env_, Topic("t"), 1);
  ASSERT_EQ(first.size(), 1u);
  // Stopped mid-stream; the stored position loses its GTID part, so the
  // agent resumes by file:pos.
  const int last = StopWhileWriting(2, /*strip_gtid=*/true);
  ASSERT_FALSE(HasFailure());
  EXPECT_NE(agent_->Stderr().find("resuming from " + file_pos_ + "\n"), std::string::npos)
      << agent_->Stderr();
  Sql("INSERT INTO t VALUES (" + std::to_string(last + 1) + ", 'last')");
  const int rows = last + 1;
  auto lines = TailTopic(env_, Topic("t"), rows + 1, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), static_cast<size_t>(rows));
  auto ops = OpsByKey(lines, "id");
  ASSERT_EQ(ops.size(), static_cast<size_t>(rows));
  for (const auto& [id, list] : ops) {
    EXPECT_EQ(list, std::vector<cdc::v1::Op>{cdc::v1::OP_INSERT}) << "row " << id;
  }
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // Having read transactions with GTIDs, it stores a GTID again.
  const std::string stored = StoredPosition();
  EXPECT_NE(stored.find(" gtid=" + LastGtid()), std::string::npos) << stored;
}

TEST_F(MySnapshotTest, AlterWhileDownDecodesOlderRowsWithOlderColumns) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(10))");
  Sql("INSERT INTO t VALUES (1, 10, 'one')");
  StartAgent();
  Sql("INSERT INTO t VALUES (2, 20, 'two')");
  auto seen = TailTopic(env_, Topic("t"), 2);
  ASSERT_EQ(seen.size(), 2u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // While the agent is down: rows with the old columns, the ALTER, rows
  // with the new ones.
  Sql("INSERT INTO t VALUES (3, 30, 'three')");
  Sql("UPDATE t SET b = 'TWO' WHERE id = 2");
  Sql("ALTER TABLE t DROP COLUMN a, ADD COLUMN c DATE NULL AFTER id");
  Sql("INSERT INTO t VALUES (4, '2024-01-02', 'four')");
  Sql("UPDATE t SET c = '2025-05-06' WHERE id = 3");
  StartAgent();
  Sql("INSERT INTO t VALUES (5, NULL, 'five')");
  auto lines = TailTopic(env_, Topic("t"), 8, std::chrono::milliseconds(5000));
  ASSERT_EQ(lines.size(), 7u);
  using Cols = std::vector<std::string>;
  auto names = [](const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row) {
    Cols out;
    for (const auto& c : row) out.push_back(c.name());
    return out;
  };
  const Cols old_cols = {"id", "a", "b"};
  const Cols new_cols = {"id", "c", "b"};
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(names(lines[0].value().after()), old_cols);
  EXPECT_EQ(names(lines[1].value().after()), old_cols);
  // Written before the ALTER while the agent was down.
  const ChangeEvent& ins3 = lines[2].value();
  EXPECT_EQ(ins3.op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(names(ins3.after()), old_cols);
  EXPECT_EQ(FindValue(ins3.after(), "a")->int_value(), 30);
  EXPECT_EQ(FindValue(ins3.after(), "b")->text_value(), "three");
  const ChangeEvent& upd2 = lines[3].value();
  EXPECT_EQ(upd2.op(), cdc::v1::OP_UPDATE);
  EXPECT_EQ(names(upd2.before()), old_cols);
  EXPECT_EQ(FindValue(upd2.before(), "b")->text_value(), "two");
  EXPECT_EQ(FindValue(upd2.after(), "b")->text_value(), "TWO");
  EXPECT_EQ(FindValue(upd2.after(), "a")->int_value(), 20);
  // Written after it.
  const ChangeEvent& ins4 = lines[4].value();
  EXPECT_EQ(names(ins4.after()), new_cols);
  const auto& date = FindValue(ins4.after(), "c")->date_value();
  EXPECT_EQ(date.year(), 2024);
  EXPECT_EQ(date.month(), 1u);
  EXPECT_EQ(date.day(), 2u);
  EXPECT_EQ(FindValue(ins4.after(), "b")->text_value(), "four");
  const ChangeEvent& upd3 = lines[5].value();
  EXPECT_EQ(names(upd3.before()), new_cols);
  EXPECT_TRUE(FindValue(upd3.before(), "c")->null());
  EXPECT_EQ(FindValue(upd3.after(), "c")->date_value().year(), 2025);
  EXPECT_EQ(names(lines[6].value().after()), new_cols);
  EXPECT_EQ(FindValue(lines[6].value().after(), "id")->int_value(), 5);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
