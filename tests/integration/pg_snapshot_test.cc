// The initial snapshot followed by the stream, and restarts: rows written
// while the snapshot runs arrive exactly once; domain columns are typed alike
// in both; a SIGTERM mid-stream and a restart lose nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
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
};

TEST_F(PgSnapshotTest, RowsWrittenDuringSnapshotArriveOnce) {
  constexpr int kInitialRows = 60000;
  Sql("CREATE TABLE t (id bigint PRIMARY KEY, payload text)");
  Sql(InsertRange(1, kInitialRows));
  settings_.snapshot_chunk_rows = 500;

  // A writer that keeps inserting one row per transaction from before the
  // agent starts until after it streams, so some rows commit while the
  // snapshot is being read.
  std::atomic<bool> streaming{false};
  std::atomic<int> written{kInitialRows};
  std::thread writer([&] {
    PgClient w(env_, db_name_);
    int after_streaming = 0;
    while (after_streaming < 200 && written < kInitialRows + 20000) {
      int id = written + 1;
      if (!w.Exec(InsertRange(id, id)).empty()) break;
      written = id;
      if (streaming) ++after_streaming;
    }
  });
  StartAgent();
  streaming = true;
  writer.join();
  const int total = written.load();
  ASSERT_GT(total, kInitialRows + 200);

  auto lines = TailTopic(env_, Topic("public", "t"), total);
  ASSERT_EQ(static_cast<int>(lines.size()), total);
  int reads = 0;
  auto seen = CountIds(lines, &reads);
  ASSERT_EQ(static_cast<int>(seen.size()), total);
  for (const auto& [id, n] : seen) {
    ASSERT_EQ(n, 1) << "row " << id << " arrived " << n << " times";
  }
  EXPECT_GE(reads, kInitialRows);
  EXPECT_LT(reads, total);
  // Every snapshot row precedes every streamed row.
  bool streamed = false;
  for (const auto& l : lines) {
    if (l.value().op() == cdc::v1::OP_INSERT) streamed = true;
    if (streamed) {
      ASSERT_NE(l.value().op(), cdc::v1::OP_READ);
    }
  }
  EXPECT_EQ(StopAgent(), 0);
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
