// The chunked snapshot beside the stream, and restarts: rows written while
// the snapshot runs arrive once as changes, at most once as READs, never with
// an older state after a newer one; a snapshot killed half way resumes at its
// last committed chunk; domain columns are typed alike in both; a SIGTERM
// mid-stream and a restart lose nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

class PgSnapshotTest : public PgAgentTest {
 protected:
  // Inserts rows first..last into t(id, payload), `per_txn` rows a transaction.
  static std::string InsertRange(int first, int last) {
    return "INSERT INTO t SELECT i, md5(i::text) FROM generate_series(" + std::to_string(first) +
           ", " + std::to_string(last) + ") i";
  }

  // id -> how many times it arrived, from INSERT and READ events.
  static std::map<int64_t, int> CountIds(const std::vector<TailLine>& lines, int* reads) {
    std::map<int64_t, int> seen;
    *reads = 0;
    for (const auto& l : lines) {
      if (!l.has_value()) continue;
      const auto& e = l.value();
      if (e.op() == cdc::v1::OP_READ) ++*reads;
      if (e.op() == cdc::v1::OP_READ || e.op() == cdc::v1::OP_INSERT) {
        ++seen[FindValue(e.after(), "id")->int_value()];
      }
    }
    return seen;
  }

  // Creates `a`, which the snapshot reads before t (tables are read in name
  // order): it gives a test time to take its row lock in t once the slot
  // exists (creating a slot waits for every transaction in progress, the
  // test's too).
  void CreateTableReadBeforeT() {
    Sql("CREATE TABLE a (id bigint PRIMARY KEY, payload text)");
    Sql("INSERT INTO a SELECT i, 'x' FROM generate_series(1, 50000) i");
  }

  // Starts the agent and waits until its slot streams.
  void StartUntilStreaming() {
    agent_ = std::make_unique<Process>();
    ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, dir_ + "/agent-a"));
    ASSERT_TRUE(WaitSlotActive(env_, settings_.slot, std::chrono::seconds(60)));
  }

  // Locks t's row `id` in `locker` (until KillOnceCommitted), before the
  // snapshot reaches t.
  void LockRowOfT(PgClient& locker, int id) {
    ASSERT_EQ(locker.Exec("BEGIN"), "");
    ASSERT_EQ(locker.Exec("SELECT * FROM t WHERE id = " + std::to_string(id) + " FOR UPDATE"), "");
    ASSERT_EQ(agent_->Stderr().find("snapshot of public.a:"), std::string::npos)
        << "the snapshot reached t before the test took its lock";
  }

  // Reads t's topic until `rows` messages are committed (or 30 s pass
  // without one), then kills the agent, which must not have finished its
  // snapshot, and ends `locker`'s transaction. `committed` gets the number
  // of messages read.
  void KillOnceCommitted(PgClient& locker, int rows, size_t* committed) {
    *committed = TailTopic(env_, Topic("public", "t"), rows, std::chrono::milliseconds(30000)).size();
    agent_->Signal(SIGKILL);
    agent_->Wait(std::chrono::seconds(10));
    ASSERT_EQ(agent_->Stderr().find("snapshot done"), std::string::npos) << agent_->Stderr();
    ASSERT_EQ(locker.Exec("COMMIT"), "");
  }

  // Reads t's topic until it is idle: each of `rows` ids came once, as a READ.
  void ExpectEachRowReadOnce(int rows) {
    auto lines = TailTopic(env_, Topic("public", "t"), 2 * rows, std::chrono::milliseconds(5000));
    int reads = 0;
    auto seen = CountIds(lines, &reads);
    EXPECT_EQ(reads, rows);
    EXPECT_EQ(static_cast<int>(lines.size()), rows);
    ASSERT_EQ(static_cast<int>(seen.size()), rows);
    for (const auto& [id, n] : seen) ASSERT_EQ(n, 1) << "row " << id << " arrived " << n << " times";
  }
};

// Each row's events as the consumer reads them: (op, payload) in order.
using RowEvents = std::map<int64_t, std::vector<std::pair<cdc::v1::Op, std::string>>>;

RowEvents EventsById(const std::vector<TailLine>& lines) {
  RowEvents out;
  for (const auto& l : lines) {
    if (!l.has_value()) continue;
    const auto& e = l.value();
    const auto& image = e.op() == cdc::v1::OP_DELETE ? e.before() : e.after();
    const cdc::v1::Value* id = FindValue(image, "id");
    if (id == nullptr) continue;
    const cdc::v1::Value* payload = FindValue(e.after(), "payload");
    out[id->int_value()].emplace_back(e.op(), payload ? payload->text_value() : "");
  }
  return out;
}

// The payload's version: "v<N>" is N, anything else (the md5 of a first
// insert) is 0.
int Version(const std::string& payload) {
  return payload.rfind("v", 0) == 0 ? std::stoi(payload.substr(1)) : 0;
}

// Rows inserted, updated and deleted while a chunked snapshot reads the
// table: every row has at most one READ (exactly one when it lived through
// the snapshot untouched), no READ shows an older state than an event before
// it, and the last event of each row is the table's row.
TEST_F(PgSnapshotTest, RowsWrittenDuringSnapshotArriveOnce) {
  constexpr int kInitialRows = 60000;
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql(InsertRange(1, kInitialRows));
  settings_.snapshot_chunk_rows = 500;

  // A writer that inserts new rows and updates and deletes old ones, one
  // change per transaction, from before the agent starts until well after
  // its snapshot, so changes land before, inside and after chunks.
  std::atomic<bool> done{false};
  std::atomic<int> changes{0};
  std::thread writer([&] {
    PgClient w(env_, db_name_);
    int next_id = kInitialRows + 1;
    for (int n = 1; !done || n <= 3000; ++n) {
      std::string sql;
      const int old_id = 1 + static_cast<int>((static_cast<int64_t>(n) * 7919) % kInitialRows);
      switch (n % 4) {
        case 0: sql = InsertRange(next_id, next_id); ++next_id; break;
        case 1:
        case 2: sql = "UPDATE t SET payload = 'v" + std::to_string(n) + "' WHERE id = " +
                      std::to_string(old_id); break;
        default: sql = "DELETE FROM t WHERE id = " + std::to_string(old_id); break;
      }
      if (!w.Exec(sql).empty()) break;
      changes = n;
    }
  });
  while (changes < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  StartAgent();  // returns once the snapshot's last chunk is read
  done = true;
  writer.join();
  ASSERT_GE(changes.load(), 3000);

  PgClient check(env_, db_name_);
  const std::string table = check.Scalar(
      "SELECT string_agg(id || ':' || payload, ',' ORDER BY id) FROM t").value_or("");
  std::map<int64_t, std::string> want;
  for (size_t at = 0; at < table.size();) {
    size_t comma = table.find(',', at);
    if (comma == std::string::npos) comma = table.size();
    const std::string item = table.substr(at, comma - at);
    const size_t colon = item.find(':');
    want[std::stoll(item.substr(0, colon))] = item.substr(colon + 1);
    at = comma + 1;
  }

  auto lines = TailTopic(env_, Topic("public", "t"), 1 << 30, std::chrono::milliseconds(5000));
  RowEvents got = EventsById(lines);
  int reads = 0;
  for (const auto& [id, events] : got) {
    int row_reads = 0;
    int highest = -1;
    bool deleted = false;
    for (const auto& [op, payload] : events) {
      if (op == cdc::v1::OP_DELETE) {
        deleted = true;
        continue;
      }
      deleted = false;
      const int version = Version(payload);
      if (op == cdc::v1::OP_READ) {
        ++row_reads;
        ASSERT_GE(version, highest) << "row " << id << ": a READ older than an earlier event";
      } else {
        ASSERT_GT(version, highest) << "row " << id << ": a change arrived twice or out of order";
      }
      highest = std::max(highest, version);
    }
    ASSERT_LE(row_reads, 1) << "row " << id << " was read " << row_reads << " times";
    reads += row_reads;
    const auto it = want.find(id);
    if (it == want.end()) {
      ASSERT_TRUE(deleted) << "row " << id << " is gone from the table, not from Kafka";
    } else {
      ASSERT_FALSE(deleted) << "row " << id << " is in the table but deleted in Kafka";
      ASSERT_EQ(events.back().second, it->second) << "row " << id << ": last state differs";
    }
  }
  for (const auto& [id, payload] : want) {
    ASSERT_EQ(got.count(id), 1u) << "row " << id << " never arrived";
  }
  // An initial row with one event arrived as its READ, or as its DELETE
  // before its chunk was read; most were left alone and read.
  int untouched = 0;
  for (const auto& [id, events] : got) {
    if (id <= kInitialRows && events.size() == 1) {
      ASSERT_NE(events[0].first, cdc::v1::OP_INSERT) << "row " << id;
      ASSERT_NE(events[0].first, cdc::v1::OP_UPDATE) << "row " << id << " never read";
      if (events[0].first == cdc::v1::OP_READ) ++untouched;
    }
  }
  EXPECT_GT(untouched, kInitialRows - changes.load());
  EXPECT_GE(reads, untouched);
  EXPECT_EQ(StopAgent(), 0);
}

// kill -9 while the snapshot is half published: the next run reads on from
// the last chunk that was committed, so every row arrives as exactly one READ.
// A row lock held by the test stops the snapshot in the middle of `t` (its
// chunk waits, gives up and tries again), so the kill lands there.
TEST_F(PgSnapshotTest, KilledMidSnapshotResumesAtItsLastChunk) {
  constexpr int kRows = 100000;
  CreateTableReadBeforeT();
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql(InsertRange(1, kRows));
  settings_.snapshot_chunk_rows = 500;
  Sql("CREATE TABLE w (id bigint PRIMARY KEY)");
  ASSERT_NO_FATAL_FAILURE(StartUntilStreaming());
  // A writer commits one row at a time into w from the stream's start on,
  // so commits land right after watermarks, where positions are stored and
  // resumed from.
  std::atomic<bool> stop_writer{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    PgClient c(env_, db_name_);
    for (int id = 1; !stop_writer; ++id) {
      if (!c.Exec("INSERT INTO w VALUES (" + std::to_string(id) + ")").empty()) return;
      written = id;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  // Stops the writer also when an assertion ends the test early.
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Joiner() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } joiner{stop_writer, writer};
  PgClient locker(env_, db_name_);
  ASSERT_NO_FATAL_FAILURE(LockRowOfT(locker, 60000));
  // The rows before the locked one are published and committed.
  size_t early = 0;
  ASSERT_NO_FATAL_FAILURE(KillOnceCommitted(locker, 59000, &early));
  ASSERT_GE(early, 59000u) << agent_->Stderr();

  StartAgent();
  // It resumed inside t, not at its start.
  const std::string log = agent_->Stderr();
  const size_t at = log.find(" snapshot=public.t+");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_NE(log.substr(at, 21), " snapshot=public.t+0,") << log;
  EXPECT_NE(log.substr(at, 20), " snapshot=public.t+0") << log;
  ExpectEachRowReadOnce(kRows);
  stop_writer = true;
  writer.join();
  ASSERT_GT(written.load(), 100);
  // w is captured too: a row may also come as a READ after its INSERT.
  auto w_lines = TailTopic(env_, Topic("public", "w"), 2 * written, std::chrono::milliseconds(5000));
  std::map<int64_t, int> w_inserts;
  std::map<int64_t, int> w_reads;
  for (const auto& l : w_lines) {
    const int64_t id = FindValue(l.value().after(), "id")->int_value();
    if (l.value().op() == cdc::v1::OP_INSERT) {
      ++w_inserts[id];
    } else {
      ASSERT_EQ(l.value().op(), cdc::v1::OP_READ);
      ASSERT_EQ(w_inserts[id], 1) << "w row " << id << ": a READ before its INSERT";
      ++w_reads[id];
    }
  }
  for (int id = 1; id <= written; ++id) {
    ASSERT_EQ(w_inserts[id], 1) << "w row " << id;
    ASSERT_LE(w_reads[id], 1) << "w row " << id;
  }
  EXPECT_EQ(StopAgent(), 0);
}

// A chunk of more rows than batch_max_events goes out in batches, each
// ending with a position that reads on after its last row. kill -9 while a
// large chunk is published lands between two of its batches, and the next
// run reads on from there: every row arrives as exactly one READ. (A run's
// chunks start at 256 rows and double up to snapshot_chunk_rows:
// SnapshotChunks.)
TEST_F(PgSnapshotTest, KilledInsideAChunkResumesAfterItsLastBatch) {
  constexpr int kRows = 300000;  // a run resumed after 115,280 rows still meets a chunk of kChunk
  constexpr uint64_t kChunk = 50000;
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql(InsertRange(1, kRows));
  settings_.snapshot_chunk_rows = static_cast<int>(kChunk);
  settings_.batch_max_events = 100;
  // Transactions of 20 ms: a chunk's batches commit in several. The kill
  // comes once a consumer has read committed rows into the first half of a
  // chunk that the last run did not reach; the rest of that chunk takes
  // longer to commit than the kill to land.
  settings_.kafka_extra = "  commit_interval_ms: 20\n";
  uint64_t stored_rows = 0;
  std::string shown;
  // The chunks of the last run: the stored position lies inside one of them
  // (not at its end), after whole batches of 100 from its start.
  std::vector<ChunkSpan> chunks;
  std::optional<ChunkSpan> inside;
  for (int attempt = 1; attempt <= 4 && !inside; ++attempt) {
    chunks = SnapshotChunks(stored_rows, kRows, static_cast<int>(kChunk));
    agent_ = std::make_unique<Process>();
    ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()},
                              dir_ + "/agent-kill" + std::to_string(attempt)));
    const int64_t committed = WaitCommitted(
        env_, Topic("public", "t"),
        [&](int64_t n) {
          // In the first half of a chunk of kChunk rows.
          std::optional<ChunkSpan> c = ChunkInside(chunks, static_cast<uint64_t>(n));
          return c && c->end - c->start == kChunk &&
                 static_cast<uint64_t>(n) - c->start < kChunk / 2;
        },
        std::chrono::seconds(60));
    agent_->Signal(SIGKILL);
    agent_->Wait(std::chrono::seconds(10));
    ASSERT_GT(committed, 0) << "no commit inside a chunk in 60 s; stderr:\n" << agent_->Stderr();
    ASSERT_EQ(agent_->Stderr().find("snapshot done"), std::string::npos)
        << "the snapshot ended before the kill; stderr:\n" << agent_->Stderr();
    CommandResult r =
        RunCommand({env_.agent_bin, "offsets", "show", "--config", ConfigPath()},
                   std::chrono::seconds(30));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    shown = r.out;
    const std::string mark = " snapshot=public.t+";
    const size_t at = shown.find(mark);
    stored_rows = at == std::string::npos ? 0 : std::stoull(shown.substr(at + mark.size()));
    // What is committed in Kafka and the stored position are one commit.
    EXPECT_GE(stored_rows, static_cast<uint64_t>(committed)) << shown;
    inside = ChunkInside(chunks, stored_rows);
  }
  ASSERT_TRUE(inside) << "every kill resumed at a chunk's end: " << shown;
  EXPECT_EQ((stored_rows - inside->start) % 100, 0u) << shown;

  StartAgent();
  ExpectEachRowReadOnce(kRows);
  EXPECT_EQ(StopAgent(), 0);
}

// A partitioned table without a key is read a partition at a time, each in
// ranges of its heap blocks (not whole, in one chunk): a kill resumes at the
// partition and block it reached, and every row arrives as one READ. The
// test holds a row lock at the start of the last partition with rows, so the
// snapshot waits there for the kill; an empty partition is passed over.
TEST_F(PgSnapshotTest, PartitionedTableWithoutAKeyIsReadAPartitionAtATime) {
  constexpr int kRows = 120000;
  Sql("CREATE TABLE t (id bigint, payload text) PARTITION BY RANGE (id)");
  Sql("CREATE TABLE t_1 PARTITION OF t FOR VALUES FROM (1) TO (40001)");
  Sql("CREATE TABLE t_2 PARTITION OF t FOR VALUES FROM (40001) TO (80001)");
  Sql("CREATE TABLE t_empty PARTITION OF t FOR VALUES FROM (500000) TO (600000)");
  Sql("CREATE TABLE t_3 PARTITION OF t FOR VALUES FROM (80001) TO (120001)");
  Sql(InsertRange(1, kRows));
  Sql("ANALYZE t");
  CreateTableReadBeforeT();
  settings_.tables = {"public.a", "public.t"};
  settings_.snapshot_chunk_rows = 2000;
  ASSERT_NO_FATAL_FAILURE(StartUntilStreaming());
  PgClient locker(env_, db_name_);
  ASSERT_NO_FATAL_FAILURE(LockRowOfT(locker, 80001));
  // The rows of the first two partitions are published and committed.
  size_t early = 0;
  ASSERT_NO_FATAL_FAILURE(KillOnceCommitted(locker, 80000, &early));
  ASSERT_EQ(early, 80000u) << agent_->Stderr();

  StartAgent();
  // It resumed at the last partition, not at the table's start.
  const std::string log = agent_->Stderr();
  EXPECT_NE(log.find(" snapshot=public.t+80000"), std::string::npos) << log;
  ExpectEachRowReadOnce(kRows);
  EXPECT_EQ(StopAgent(), 0);
}

// A role granted the partitioned table alone (as the snapshot's privileges
// ask: SELECT, and UPDATE on one column) may not read its partitions
// straight: they are read through the table then, a partition at a time all
// the same.
TEST_F(PgSnapshotTest, PartitionedTableWithoutAKeyIsReadWithTheTablesGrantsAlone) {
  constexpr int kRows = 30000;
  Sql("CREATE TABLE t (id bigint, payload text) PARTITION BY RANGE (id)");
  Sql("CREATE TABLE t_1 PARTITION OF t FOR VALUES FROM (1) TO (10001)");
  Sql("CREATE TABLE t_2 PARTITION OF t FOR VALUES FROM (10001) TO (30001)");
  Sql(InsertRange(1, kRows));
  const std::string role = "cdc_" + settings_.slot;
  Sql("CREATE ROLE " + role + " LOGIN REPLICATION PASSWORD 'rolepass'");
  struct DropRole {
    PgClient& db;
    std::string role;
    ~DropRole() {
      db.Exec("DROP OWNED BY " + role + " CASCADE");
      db.Exec("DROP ROLE IF EXISTS " + role);
    }
  } drop{*db_, role};
  Sql("GRANT SELECT, UPDATE (id) ON t TO " + role);
  Sql("CREATE PUBLICATION " + settings_.publication +
      " FOR TABLE t WITH (publish_via_partition_root = true)");
  settings_.tables = {"public.t"};
  settings_.snapshot_chunk_rows = 2000;
  settings_.user = role;
  settings_.password = "rolepass";
  StartAgent();
  ExpectEachRowReadOnce(kRows);
  EXPECT_EQ(StopAgent(), 0);
  EXPECT_EQ(agent_->Stderr().find("permission denied"), std::string::npos) << agent_->Stderr();
}

// `cdc-agent snapshot --tables` beside a running agent: the table is read
// again as a new snapshot (a new start time), after the changes already
// published; the request file goes once the table is read; a table the agent
// does not capture is refused.
TEST_F(PgSnapshotTest, RequestedSnapshotReadsATableAgain) {
  constexpr int kRows = 3000;
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql("CREATE TABLE other (id bigint PRIMARY KEY)");
  Sql(InsertRange(1, kRows));
  settings_.tables = {"public.t"};
  StartAgent();
  Sql("UPDATE t SET payload = 'v1' WHERE id = 7");
  ASSERT_EQ(static_cast<int>(TailTopic(env_, Topic("public", "t"), kRows + 1).size()), kRows + 1);

  auto run = [&](const std::string& tables) {
    return RunCommand({env_.agent_bin, "snapshot", "--config", ConfigPath(), "--tables", tables},
                      std::chrono::seconds(30));
  };
  CommandResult refused = run("public.other");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("public.other is not captured by this agent"), std::string::npos)
      << refused.err;
  CommandResult asked = run("public.t");
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_NE(asked.out.find("requested a snapshot of 1 table"), std::string::npos) << asked.out;

  auto lines = TailTopic(env_, Topic("public", "t"), 2 * kRows + 1, std::chrono::milliseconds(30000));
  ASSERT_EQ(static_cast<int>(lines.size()), 2 * kRows + 1) << agent_->Stderr();
  std::map<int64_t, int> second;
  int64_t first_start = lines[0].value().source().commit_time_us();
  for (size_t i = kRows + 1; i < lines.size(); ++i) {
    const auto& e = lines[i].value();
    ASSERT_EQ(e.op(), cdc::v1::OP_READ);
    ASSERT_NE(e.source().commit_time_us(), first_start) << "the same snapshot as the first";
    const int64_t id = FindValue(e.after(), "id")->int_value();
    ++second[id];
    if (id == 7) {
      EXPECT_EQ(FindValue(e.after(), "payload")->text_value(), "v1");
    }
  }
  EXPECT_EQ(static_cast<int>(second.size()), kRows);
  // The request is gone once the table is read.
  const std::string dir = settings_.offsets_path;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool gone = false;
  while (!gone && std::chrono::steady_clock::now() < deadline) {
    gone = !std::filesystem::exists(dir + ".requests") ||
           std::filesystem::is_empty(dir + ".requests");
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0);
}

// A new snapshot over a topic that already holds rows: rows deleted while
// no slot kept their changes get a DELETE (its before image the key) and a
// tombstone, so the topic rebuilt holds the table and nothing more.
TEST_F(PgSnapshotTest, NewSnapshotDeletesKeysNoLongerInTheTable) {
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql(InsertRange(1, 2500));
  settings_.snapshot_chunk_rows = 1000;
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("public", "t"), 2500).size(), 2500u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // Start over without the slot: the deletes below are never streamed.
  CommandResult reset =
      RunCommand({env_.agent_bin, "offsets", "reset", "--yes", "--config", ConfigPath()},
                 std::chrono::seconds(30));
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  Sql("SELECT pg_drop_replication_slot('" + settings_.slot + "')");
  Sql("DELETE FROM t WHERE id % 100 = 0");
  settings_.batch_max_events = 10;  // the deletes span several batches
  StartAgent();
  // 2500 READs, 2475 READs again, 25 DELETEs with their tombstones.
  const size_t expected = 2500 + 2475 + 2 * 25;
  auto lines = TailTopic(env_, Topic("public", "t"), expected + 1, std::chrono::seconds(10));
  ASSERT_EQ(lines.size(), expected) << agent_->Stderr();
  std::set<int64_t> deleted;
  std::map<std::string, bool> live;  // by key bytes, as compaction keeps them
  for (const auto& l : lines) {
    live[l.key().SerializeAsString()] = l.has_value();
    if (!l.has_value()) continue;
    const auto& e = l.value();
    if (e.op() != cdc::v1::OP_DELETE) continue;
    ASSERT_EQ(e.before_size(), 1) << "the key columns only";
    EXPECT_EQ(e.before(0).type(), "int8");
    EXPECT_TRUE(e.source().snapshot());
    deleted.insert(FindValue(e.before(), "id")->int_value());
  }
  std::set<int64_t> want;
  for (int64_t id = 100; id <= 2500; id += 100) want.insert(id);
  EXPECT_EQ(deleted, want);
  size_t live_keys = 0;
  for (const auto& [key, alive] : live) live_keys += alive ? 1 : 0;
  EXPECT_EQ(live_keys, 2475u);
  EXPECT_NE(agent_->Stderr().find("25 keys in its topic are no longer in the table"),
            std::string::npos)
      << agent_->Stderr();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// A query result types a domain column as its base type, pgoutput's Relation
// message as the domain: READ and INSERT events must still agree.
TEST_F(PgSnapshotTest, DomainColumnsAreNamedAlikeInSnapshotAndStream) {
  Sql("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)");
  Sql("CREATE DOMAIN ts3 AS timestamptz(3)");
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, c_domain posint, c_ts ts3, c_domains posint[])");
  Sql("INSERT INTO t VALUES (1, 42, '2024-02-29 13:45:06.123+00', '{1,2}')");
  StartAgent();
  Sql("INSERT INTO t VALUES (2, 43, '2024-02-29 13:45:06.456+00', '{3}')");

  auto lines = TailTopic(env_, Topic("public", "t"), 2);
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_EQ(lines[0].value().op(), cdc::v1::OP_READ);
  ASSERT_EQ(lines[1].value().op(), cdc::v1::OP_INSERT);
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i == 0 ? "READ" : "INSERT");
    std::map<std::string, const cdc::v1::Column*> cols;
    for (const auto& c : lines[i].value().after()) cols[c.name()] = &c;
    ASSERT_EQ(cols.size(), 4u);
    for (const char* name : {"c_domain", "c_ts", "c_domains"}) ASSERT_EQ(cols.count(name), 1u) << name;
    EXPECT_EQ(cols["c_domain"]->type(), "posint");
    EXPECT_EQ(cols["c_domain"]->value().int_value(), 42 + i);
    EXPECT_EQ(cols["c_ts"]->type(), "ts3");
    EXPECT_EQ(cols["c_ts"]->value().timestamp_value().precision(), 3u);
    EXPECT_EQ(cols["c_domains"]->type(), "_posint");
    ASSERT_GE(cols["c_domains"]->value().array_value().elements_size(), 1);
    EXPECT_EQ(cols["c_domains"]->value().array_value().elements(0).int_value(), i == 0 ? 1 : 3);
  }
  EXPECT_EQ(StopAgent(), 0);
}

TEST_F(PgSnapshotTest, SigtermMidStreamThenRestartLosesNothing) {
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  StartAgent();
  constexpr int kRows = 30000;
  constexpr int kPerTxn = 10;
  std::atomic<int> written{0};
  // Paced so that it is still writing while the agent stops and restarts.
  std::thread writer([&] {
    PgClient w(env_, db_name_);
    for (int first = 1; first <= kRows; first += kPerTxn) {
      if (!w.Exec(InsertRange(first, first + kPerTxn - 1)).empty()) return;
      written = first + kPerTxn - 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  while (written < kRows / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto stop_started = std::chrono::steady_clock::now();
  int code = StopAgent();
  auto stop_took = std::chrono::steady_clock::now() - stop_started;
  EXPECT_EQ(code, 0) << agent_->Stderr();
  EXPECT_LT(stop_took, std::chrono::seconds(10));
  EXPECT_LT(written.load(), kRows) << "the writer finished before the stop; nothing was mid-stream";

  StartAgent();
  writer.join();
  ASSERT_EQ(written.load(), kRows);
  // At-least-once: a restart may repeat the events of the transaction that
  // was open at the stop, never skip one.
  // Read until the topic is idle, so that repeats are counted too.
  auto lines = TailTopic(env_, Topic("public", "t"), 2 * kRows, std::chrono::milliseconds(5000));
  int reads = 0;
  auto seen = CountIds(lines, &reads);
  EXPECT_EQ(reads, 0);
  ASSERT_EQ(static_cast<int>(seen.size()), kRows);
  int repeated = static_cast<int>(lines.size()) - kRows;
  std::printf("restart after SIGTERM: %d events, %d repeated\n", static_cast<int>(lines.size()), repeated);
  EXPECT_LE(repeated, 2000);
  EXPECT_EQ(StopAgent(), 0);
}

}  // namespace
}  // namespace cdc::itest
