// Exactly-once delivery end to end, on the real servers: kill -9 of the agent
// inside large source transactions and under a continuous workload, the
// offsets folder lost, and a second agent of the same name. A read_committed
// consumer must see every committed change once, in order per key.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/my_agent_fixture.h"
#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

using namespace std::chrono_literals;

// Each key's row versions in the order a consumer sees them: the column
// `v` of every insert and update (deletes add -1).
std::map<int64_t, std::vector<int64_t>> VersionsByKey(const std::vector<TailLine>& lines) {
  std::map<int64_t, std::vector<int64_t>> out;
  for (const TailLine& l : lines) {
    if (!l.has_value()) continue;
    const cdc::v1::ChangeEvent& e = l.value();
    const bool del = e.op() == cdc::v1::OP_DELETE;
    const cdc::v1::Value* id = FindValue(del ? e.before() : e.after(), "id");
    const cdc::v1::Value* v = del ? nullptr : FindValue(e.after(), "v");
    if (id == nullptr) continue;
    out[id->int_value()].push_back(v == nullptr ? -1 : v->int_value());
  }
  return out;
}

// Fails with the first keys whose versions are not exactly 0, 1, ..., last.
void ExpectEachVersionOnce(const std::map<int64_t, std::vector<int64_t>>& seen,
                           const std::map<int64_t, int64_t>& last_version) {
  int reported = 0;
  EXPECT_EQ(seen.size(), last_version.size());
  for (const auto& [id, last] : last_version) {
    std::vector<int64_t> expected;
    for (int64_t v = 0; v <= last; ++v) expected.push_back(v);
    auto it = seen.find(id);
    const std::vector<int64_t> got = it == seen.end() ? std::vector<int64_t>{} : it->second;
    if (got != expected && reported++ < 5) {
      std::string text;
      for (int64_t v : got) text += std::to_string(v) + " ";
      ADD_FAILURE() << "key " << id << ": expected versions 0.." << last << ", got [" << text
                    << "]";
    }
  }
}

// Polls `cdc-agent offsets show` until the committed position is inside a
// source transaction ("txn="); false if that is not seen within `timeout`.
bool WaitForPositionInsideATransaction(const std::string& agent_bin, const std::string& config,
                                       std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    CommandResult r = RunCommand({agent_bin, "offsets", "show", "--config", config}, 30s);
    if (r.out.find(" txn=") != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// Three rounds of: a transaction of 60,000 rows, a kill -9 once the
// committed position is inside it, a restart. Every row must arrive once,
// and at least one kill must have landed inside a transaction. With
// transaction metadata on, each transaction has one BEGIN and one END that
// counts all its rows, and its events' orders are 1..60,000 once each.
// `insert` writes the rows first..last in one statement.
template <typename Fixture>
void KillInsideLargeTransactions(Fixture& f, const std::function<void(int, int)>& insert,
                                 const std::string& topic) {
  f.settings_.kafka_extra += "  transaction_metadata: true\n";
  f.StartAgent();
  constexpr int kRows = 60000;
  int inside = 0;
  for (int round = 0; round < 3; ++round) {
    insert(round * kRows, round * kRows + kRows - 1);
    if (WaitForPositionInsideATransaction(f.env_.agent_bin, f.ConfigPath(), 30s)) ++inside;
    f.KillAgent();
    f.StartAgent();
  }
  ASSERT_GT(inside, 0) << "no kill landed inside a transaction; nothing was tested";
  std::vector<TailLine> lines = TailTopic(f.env_, topic, 3 * kRows + 1, 20s);
  std::map<int64_t, int64_t> last;
  for (int i = 0; i < 3 * kRows; ++i) last[i] = 0;
  ExpectEachVersionOnce(VersionsByKey(lines), last);
  EXPECT_EQ(lines.size(), static_cast<size_t>(3 * kRows));
  std::map<std::string, std::set<uint64_t>> orders;  // by transaction id
  for (const TailLine& l : lines) {
    const cdc::v1::Transaction& t = l.value().transaction();
    EXPECT_TRUE(orders[t.id()].insert(t.total_order()).second)
        << "order " << t.total_order() << " twice in " << t.id();
  }
  EXPECT_EQ(orders.size(), 3u);
  for (const auto& [id, seen] : orders) {
    EXPECT_EQ(seen.size(), static_cast<size_t>(kRows)) << id;
    EXPECT_EQ(seen.empty() ? 0 : *seen.rbegin(), static_cast<uint64_t>(kRows)) << id;
  }
  std::vector<TailLine> records =
      TailTopic(f.env_, f.settings_.topic_prefix + ".transaction", 7, 10s);
  std::map<std::string, std::pair<int, int>> ends;  // id -> (BEGINs, ENDs)
  for (const TailLine& r : records) {
    const cdc::v1::ChangeEvent& e = r.value();
    auto& [begins, commits] = ends[e.transaction().id()];
    if (e.op() == cdc::v1::OP_BEGIN) ++begins;
    if (e.op() == cdc::v1::OP_COMMIT) {
      ++commits;
      EXPECT_EQ(e.transaction().event_count(), static_cast<uint64_t>(kRows))
          << e.transaction().id();
    }
  }
  EXPECT_EQ(records.size(), 6u);
  for (const auto& [id, counts] : ends) {
    EXPECT_EQ(counts, std::make_pair(1, 1)) << id << ": BEGINs and ENDs";
  }
  EXPECT_EQ(f.StopAgent(), 0) << f.agent_->Stderr();
}

// A restart with nothing new to read for longer than the Kafka transaction
// timeout (6 s here): the agent goes on running and then publishes the next
// change once. (The MySQL source loads its stored schema history at start,
// which goes to Kafka with the next position; it used to hold a transaction
// open until the agent stopped at its timeout.)
template <typename Fixture>
void ResumedOnAnIdleServer(Fixture& f, const std::function<void(int)>& insert,
                           const std::string& topic) {
  f.settings_.kafka_extra += "  delivery_timeout_ms: 6000\n";
  insert(0);
  f.StartAgent();
  ASSERT_EQ(TailTopic(f.env_, topic, 1, 15s).size(), 1u);
  ASSERT_EQ(f.StopAgent(), 0) << f.agent_->Stderr();
  f.StartAgent();
  std::this_thread::sleep_for(8s);
  ASSERT_TRUE(f.agent_->running()) << f.agent_->Stderr();
  insert(1);
  std::vector<TailLine> lines = TailTopic(f.env_, topic, 3, 10s);
  ASSERT_EQ(lines.size(), 2u);
  ExpectEachVersionOnce(VersionsByKey(lines), {{0, 0}, {1, 0}});
  EXPECT_EQ(f.StopAgent(), 0) << f.agent_->Stderr();
}

class PgExactlyOnceTest : public PgAgentTest {
 public:
  using PgAgentTest::ConfigPath;
  using PgAgentTest::StartAgent;
  using PgAgentTest::StopAgent;
  using PgAgentTest::agent_;
  using PgAgentTest::env_;
  using PgAgentTest::settings_;

  void KillAgent() {
    agent_->Signal(SIGKILL);
    agent_->Wait(10s);
  }

 protected:
  void SetUp() override {
    PgAgentTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Small Kafka transactions: a large source transaction spans many.
    settings_.kafka_extra = "  commit_interval_ms: 20\n  commit_max_events: 1000\n";
    Sql("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)");
  }
};

TEST_F(PgExactlyOnceTest, ResumedOnAnIdleServerRunsPastTheTransactionTimeout) {
  ResumedOnAnIdleServer(
      *this, [this](int id) { Sql("INSERT INTO t VALUES (" + std::to_string(id) + ", 0)"); },
      Topic("public", "t"));
}

TEST_F(PgExactlyOnceTest, KillInsideLargeTransactionsPublishesEachRowOnce) {
  KillInsideLargeTransactions(
      *this,
      [this](int first, int last) {
        Sql("INSERT INTO t SELECT g, 0 FROM generate_series(" + std::to_string(first) + ", " +
            std::to_string(last) + ") g");
      },
      Topic("public", "t"));
}

TEST_F(PgExactlyOnceTest, KillsUnderAContinuousWorkloadLoseAndRepeatNothing) {
  Sql("INSERT INTO t SELECT g, 0 FROM generate_series(0, 199) g");
  StartAgent();
  // The snapshot is committed before the first kill: a first run killed
  // before its first commit takes a new snapshot of the rows as they are
  // then (PositionLostEverywhere... and the README), not version 0.
  ASSERT_EQ(TailTopic(env_, Topic("public", "t"), 200, 30s).size(), 200u);
  std::atomic<bool> stop{false};
  std::map<int64_t, int64_t> last;
  for (int i = 0; i < 200; ++i) last[i] = 0;
  std::thread writer([&] {
    PgClient w(env_, db_name_);
    int next_id = 200;
    for (int n = 0; !stop.load(); ++n) {
      // A transaction of a few updates and an insert.
      std::string sql = "BEGIN;";
      for (int k = 0; k < 5; ++k) {
        const int id = (n * 7 + k * 13) % next_id;
        sql += "UPDATE t SET v = v + 1 WHERE id = " + std::to_string(id) + ";";
      }
      sql += "INSERT INTO t VALUES (" + std::to_string(next_id++) + ", 0); COMMIT;";
      EXPECT_EQ(w.Exec(sql), "");
    }
  });
  for (int kill = 0; kill < 4; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + 300 * kill));
    KillAgent();
    StartAgent();
  }
  stop = true;
  writer.join();
  // The table now says what every key's last version is.
  PgClient r(env_, db_name_);
  const int rows = std::stoi(r.Scalar("SELECT count(*) FROM t").value_or("0"));
  for (int id = 0; id < rows; ++id) {
    last[id] = std::stoll(r.Scalar("SELECT v FROM t WHERE id = " + std::to_string(id)).value_or("-1"));
  }
  int64_t expected = 0;
  for (const auto& [id, v] : last) expected += v + 1;
  std::vector<TailLine> lines = TailTopic(env_, Topic("public", "t"), static_cast<int>(expected) + 1, 20s);
  ExpectEachVersionOnce(VersionsByKey(lines), last);
  EXPECT_EQ(lines.size(), static_cast<size_t>(expected));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgExactlyOnceTest, LostOffsetsFolderIsRestoredFromKafka) {
  Sql("INSERT INTO t SELECT g, 0 FROM generate_series(0, 99) g");
  StartAgent();
  Sql("UPDATE t SET v = 1 WHERE id < 10");
  ASSERT_EQ(TailTopic(env_, Topic("public", "t"), 110, 15s).size(), 110u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  std::filesystem::remove_all(settings_.offsets_path);
  Sql("UPDATE t SET v = 2 WHERE id < 5");
  Sql("INSERT INTO t VALUES (100, 0)");
  StartAgent();
  std::vector<TailLine> lines = TailTopic(env_, Topic("public", "t"), 117, 10s);
  EXPECT_EQ(lines.size(), 116u) << "no second snapshot, no replay";
  std::map<int64_t, int64_t> last;
  for (int i = 0; i <= 100; ++i) last[i] = i < 5 ? 2 : i < 10 ? 1 : 0;
  ExpectEachVersionOnce(VersionsByKey(lines), last);
  EXPECT_NE(agent_->Stderr().find("offsets.path holds no position: restored"), std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgExactlyOnceTest, SecondAgentOfTheSameNameFencesTheFirst) {
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 0)");
  ASSERT_EQ(TailTopic(env_, Topic("public", "t"), 1, 15s).size(), 1u);
  // The same name on another node: another offsets folder.
  AgentSettings twin = settings_;
  twin.offsets_path = dir_ + "/twin-offsets";
  const std::string twin_config = dir_ + "/twin.yaml";
  WriteFile(twin_config, AgentConfigYaml(env_, twin));
  Process second;
  ASSERT_TRUE(second.Start({env_.agent_bin, "run", "--config", twin_config}, dir_ + "/twin"));
  Sql("INSERT INTO t VALUES (2, 0)");
  const int code = agent_->Wait(60s);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "the first agent did not stop";
  const std::vector<std::string> lines = UserLines(agent_->Stderr());
  ASSERT_FALSE(lines.empty()) << agent_->Stderr();
  EXPECT_NE(lines.back().find("another agent started with transactional.id cdc-agent-" +
                              settings_.name),
            std::string::npos)
      << lines.back();
  // The second one takes over the slot and goes on.
  Sql("INSERT INTO t VALUES (3, 0)");
  std::vector<TailLine> rows = TailTopic(env_, Topic("public", "t"), 4, 20s);
  std::map<int64_t, int64_t> last{{1, 0}, {2, 0}, {3, 0}};
  ExpectEachVersionOnce(VersionsByKey(rows), last);
  second.Signal(SIGTERM);
  EXPECT_EQ(second.Wait(15s), 0) << second.Stderr();
}

// At least once, offsets.path is the only copy of the position: losing it
// and the slot is a lost position, not a first run.
TEST_F(PgExactlyOnceTest, PositionLostEverywhereIsRefusedUntilReset) {
  settings_.kafka_extra = "  delivery: at-least-once\n";
  Sql("INSERT INTO t VALUES (1, 0)");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("public", "t"), 1, 15s).size(), 1u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  std::filesystem::remove_all(settings_.offsets_path);
  Sql("SELECT pg_drop_replication_slot('" + settings_.slot + "')");
  Sql("INSERT INTO t VALUES (2, 0)");
  CommandResult run = RunCommand({env_.agent_bin, "run", "--config", ConfigPath()}, 60s);
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_NE(run.exit_code, -1) << "still running after 60 s";
  const std::vector<std::string> lines = UserLines(run.err);
  ASSERT_FALSE(lines.empty()) << run.err;
  EXPECT_NE(lines.back().find("no position of source '" + settings_.name + "' is stored"),
            std::string::npos)
      << lines.back();
  EXPECT_NE(lines.back().find("topic " + Topic("public", "t")), std::string::npos) << lines.back();
  EXPECT_NE(lines.back().find("offsets reset --config FILE --yes"), std::string::npos)
      << lines.back();
  PgClient admin(env_, db_name_);
  EXPECT_EQ(admin
                .Scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" +
                        settings_.slot + "'")
                .value_or(""),
            "0")
      << "no slot is created for a start that was refused";

  CommandResult reset =
      RunCommand({env_.agent_bin, "offsets", "reset", "--yes", "--config", ConfigPath()}, 30s);
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  StartAgent();
  // The new snapshot: both rows again, as READs.
  std::vector<TailLine> rows = TailTopic(env_, Topic("public", "t"), 4, 20s);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].value().op(), cdc::v1::OP_READ);
  EXPECT_EQ(rows[2].value().op(), cdc::v1::OP_READ);
  EXPECT_NE(agent_->Stderr().find("starting over, as `cdc-agent offsets reset` asked"),
            std::string::npos)
      << agent_->Stderr();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  // The mark went with the first durable position: the next run resumes.
  StartAgent();
  EXPECT_EQ(agent_->Stderr().find("starting over"), std::string::npos) << agent_->Stderr();
  EXPECT_NE(agent_->Stderr().find("resuming from stored position"), std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

class MyExactlyOnceTest : public MyAgentTest {
 public:
  using MyAgentTest::ConfigPath;
  using MyAgentTest::StartAgent;
  using MyAgentTest::StopAgent;
  using MyAgentTest::agent_;
  using MyAgentTest::env_;
  using MyAgentTest::settings_;

  void KillAgent() {
    agent_->Signal(SIGKILL);
    agent_->Wait(10s);
  }

 protected:
  void SetUp() override {
    MyAgentTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    settings_.kafka_extra = "  commit_interval_ms: 20\n  commit_max_events: 1000\n";
    Sql("CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)");
  }
};

TEST_F(MyExactlyOnceTest, KillInsideLargeTransactionsPublishesEachRowOnce) {
  KillInsideLargeTransactions(
      *this,
      [this](int first, int last) {
        Sql("INSERT INTO t SELECT seq, 0 FROM seq_" + std::to_string(first) + "_to_" +
            std::to_string(last));
      },
      Topic("t"));
}

TEST_F(MyExactlyOnceTest, LostOffsetsFolderIsRestoredFromKafkaWithTheSchemaHistory) {
  Sql("INSERT INTO t VALUES (0, 0), (1, 0)");
  StartAgent();
  Sql("ALTER TABLE t ADD COLUMN note varchar(20) NULL");
  Sql("INSERT INTO t VALUES (2, 0, 'after the alter')");
  ASSERT_EQ(TailTopic(env_, Topic("t"), 3, 15s).size(), 3u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  std::filesystem::remove_all(settings_.offsets_path);
  Sql("UPDATE t SET v = 1, note = 'restored' WHERE id = 2");
  StartAgent();
  std::vector<TailLine> lines = TailTopic(env_, Topic("t"), 5, 10s);
  ASSERT_EQ(lines.size(), 4u) << "no second snapshot, no replay";
  std::map<int64_t, int64_t> last{{0, 0}, {1, 0}, {2, 1}};
  ExpectEachVersionOnce(VersionsByKey(lines), last);
  const cdc::v1::Value* note = FindValue(lines.back().value().after(), "note");
  ASSERT_NE(note, nullptr);
  EXPECT_EQ(note->text_value(), "restored");
  EXPECT_NE(agent_->Stderr().find("offsets.path holds no position: restored"), std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(agent_->Stderr().find("no schema history is stored"), std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyExactlyOnceTest, ResumedOnAnIdleServerRunsPastTheTransactionTimeout) {
  ResumedOnAnIdleServer(
      *this, [this](int id) { Sql("INSERT INTO t VALUES (" + std::to_string(id) + ", 0)"); },
      Topic("t"));
}

// XA transactions: the binlog holds the rows up to XA PREPARE as one group,
// and XA COMMIT / XA ROLLBACK later as a statement of its own. Each ends a
// transaction for the agent, so the stored position reaches the binlog's end
// (the agent then stays up on an idle server past the 6 s Kafka transaction
// timeout), and a kill -9 and restart after them publishes nothing again.
TEST_F(MyExactlyOnceTest, XaTransactionsEndAtPrepareAndAtTheirCommit) {
  settings_.kafka_extra += "  delivery_timeout_ms: 6000\n";
  StartAgent();
  // A one-phase commit is an ordinary transaction in MariaDB's binlog: it
  // comes first, so that what follows it decides the position. (XA ids are
  // the server's: each carries the test's suffix.)
  const auto xa = [&](const std::string& verb, const char* id, const std::string& more = "") {
    Sql("XA " + verb + " '" + id + suffix_ + "'" + more);
  };
  xa("START", "c");
  Sql("INSERT INTO t VALUES (4, 0)");
  xa("END", "c");
  xa("COMMIT", "c", " ONE PHASE");
  xa("START", "a");
  Sql("INSERT INTO t VALUES (1, 0), (2, 0)");
  xa("END", "a");
  xa("PREPARE", "a");
  xa("COMMIT", "a");
  xa("START", "b");
  Sql("INSERT INTO t VALUES (3, 0)");
  xa("END", "b");
  xa("PREPARE", "b");
  xa("ROLLBACK", "b");
  std::string seen;
  EXPECT_TRUE(WaitForStoredPositionAtBinlogEnd(15s, &seen)) << seen;
  std::this_thread::sleep_for(8s);
  ASSERT_TRUE(agent_->running()) << agent_->Stderr();
  KillAgent();
  StartAgent();
  Sql("INSERT INTO t VALUES (5, 0)");
  // Row 3 is published at its prepare, before the rollback (see the README).
  std::vector<TailLine> lines = TailTopic(env_, Topic("t"), 6, 10s);
  ExpectEachVersionOnce(VersionsByKey(lines), {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}});
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// Exactly once: `offsets reset` leaves a tombstone in Kafka, so a node that
// also lost offsets.path starts over; the same loss without a reset
// restores the position (LostOffsetsFolderIsRestoredFromKafka...).
TEST_F(MyExactlyOnceTest, ResetThenLostOffsetsFolderStartsOverOnce) {
  Sql("INSERT INTO t VALUES (0, 0), (1, 0)");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("t"), 2, 15s).size(), 2u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  CommandResult reset =
      RunCommand({env_.agent_bin, "offsets", "reset", "--yes", "--config", ConfigPath()}, 30s);
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  std::filesystem::remove_all(settings_.offsets_path);
  StartAgent();
  std::vector<TailLine> lines = TailTopic(env_, Topic("t"), 5, 15s);
  ASSERT_EQ(lines.size(), 4u) << "a second snapshot of both rows";
  EXPECT_EQ(lines[2].value().op(), cdc::v1::OP_READ);
  EXPECT_NE(agent_->Stderr().find("starting over, as `cdc-agent offsets reset` asked"),
            std::string::npos)
      << agent_->Stderr();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  StartAgent();
  EXPECT_EQ(agent_->Stderr().find("starting over"), std::string::npos) << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
  EXPECT_EQ(TailTopic(env_, Topic("t"), 5, 5s).size(), 4u) << "no third snapshot";
}

// A node whose offsets.path predates an `offsets reset` (it was down when
// the reset ran elsewhere) starts over instead of resuming from its copy.
TEST_F(MyExactlyOnceTest, StaleLocalPositionAfterAResetStartsOver) {
  Sql("INSERT INTO t VALUES (0, 0), (1, 0)");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("t"), 2, 15s).size(), 2u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  const std::string stale = settings_.offsets_path + "-stale";
  std::filesystem::copy(settings_.offsets_path, stale, std::filesystem::copy_options::recursive);
  CommandResult reset =
      RunCommand({env_.agent_bin, "offsets", "reset", "--yes", "--config", ConfigPath()}, 30s);
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  std::filesystem::remove_all(settings_.offsets_path);
  std::filesystem::rename(stale, settings_.offsets_path);
  StartAgent();
  std::vector<TailLine> lines = TailTopic(env_, Topic("t"), 5, 15s);
  ASSERT_EQ(lines.size(), 4u) << "a second snapshot of both rows";
  EXPECT_EQ(lines[3].value().op(), cdc::v1::OP_READ);
  EXPECT_NE(agent_->Stderr().find("records an `offsets reset` since: starting over"),
            std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// At least once, losing offsets.path loses the position.
TEST_F(MyExactlyOnceTest, PositionLostEverywhereIsRefusedUntilReset) {
  settings_.kafka_extra = "  delivery: at-least-once\n";
  Sql("INSERT INTO t VALUES (0, 0)");
  StartAgent();
  ASSERT_EQ(TailTopic(env_, Topic("t"), 1, 15s).size(), 1u);
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  std::filesystem::remove_all(settings_.offsets_path);
  CommandResult run = RunCommand({env_.agent_bin, "run", "--config", ConfigPath()}, 60s);
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_NE(run.exit_code, -1) << "still running after 60 s";
  const std::vector<std::string> lines = UserLines(run.err);
  ASSERT_FALSE(lines.empty()) << run.err;
  EXPECT_NE(lines.back().find("holds an event of an earlier run"), std::string::npos)
      << lines.back();
  EXPECT_NE(lines.back().find("offsets set"), std::string::npos) << lines.back();
  CommandResult shown =
      RunCommand({env_.agent_bin, "offsets", "show", "--config", ConfigPath()}, 30s);
  EXPECT_NE(shown.out.find("\tnone"), std::string::npos) << "nothing was stored: " << shown.out;
}

}  // namespace
}  // namespace cdc::itest
