// Drains a backlog of row changes from PostgreSQL into Kafka and reports the
// rate. The figure is informational (this machine is shared and noisy); the
// assertions are about completeness: every change becomes durable.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <vector>
#include <cstdio>
#include <thread>

#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

class PgThroughputTest : public PgAgentTest {};

TEST_F(PgThroughputTest, DrainsBacklog) {
  constexpr int kRows = 200000;
  constexpr int kPerTxn = 10000;
  Sql("CREATE TABLE bench (id bigint PRIMARY KEY, name text, amount numeric(12,2), "
      "created timestamptz, flag boolean)");
  settings_.status_interval_ms = 100;
  StartAgent();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  for (int first = 1; first <= kRows; first += kPerTxn) {
    Sql("INSERT INTO bench SELECT i, 'name ' || i, i * 1.25, now(), i % 2 = 0 "
        "FROM generate_series(" + std::to_string(first) + ", " +
        std::to_string(first + kPerTxn - 1) + ") i");
  }
  std::string target = *db_->Scalar("SELECT pg_current_wal_lsn()::text");

  auto started = std::chrono::steady_clock::now();
  StartAgent();
  PgClient admin(env_, "postgres");
  bool drained = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(300)) {
    if (admin.Scalar("SELECT confirmed_flush_lsn >= '" + target +
                     "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" + settings_.slot + "'") == "t") {
      drained = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(drained) << agent_->Stderr();
  std::printf("drained %d changes from PostgreSQL to Kafka in %.2f s: %.0f events/s\n", kRows, secs,
              kRows / secs);
  RecordProperty("events_per_second", static_cast<int>(kRows / secs));
  EXPECT_EQ(StopAgent(), 0);
  auto lines = TailTopic(env_, Topic("public", "bench"), kRows, std::chrono::milliseconds(10000));
  ASSERT_EQ(static_cast<int>(lines.size()), kRows);
  EXPECT_EQ(FindValue(lines.back().value().after(), "id")->int_value(), kRows);
}

// The cost of exactly-once: the same backlog drained alternately at least
// once and exactly once, each round on a slot of its own, in one run so the
// machine's load is shared by both. Prints the median rate of each and their
// ratio; asserts only that every round drained. CDC_BENCH_ROUNDS (default 3)
// and CDC_BENCH_COMMIT_INTERVAL_MS (default: the agent's) vary it.
TEST_F(PgThroughputTest, ExactlyOnceAgainstAtLeastOnce) {
  constexpr int kRows = 200000;
  const char* rounds_env = std::getenv("CDC_BENCH_ROUNDS");
  const int rounds = rounds_env != nullptr ? std::atoi(rounds_env) : 3;
  const char* interval = std::getenv("CDC_BENCH_COMMIT_INTERVAL_MS");
  Sql("CREATE TABLE bench (id bigint PRIMARY KEY, name text, amount numeric(12,2), "
      "created timestamptz, flag boolean)");
  settings_.status_interval_ms = 100;
  settings_.snapshot = "never";
  const AgentSettings base = settings_;
  std::map<std::string, std::vector<double>> rates;
  PgClient admin(env_, "postgres");
  int64_t next_id = 1;
  for (int round = 0; round < 2 * rounds; ++round) {
    const std::string mode = round % 2 == 0 ? "at-least-once" : "exactly-once";
    settings_ = base;
    const std::string tag = "r" + std::to_string(round);
    settings_.name = base.name + tag;
    settings_.slot = base.slot + tag;
    settings_.topic_prefix = base.topic_prefix + tag;
    settings_.offsets_path = base.offsets_path + tag;
    settings_.kafka_extra = "  delivery: " + mode + "\n";
    if (interval != nullptr) {
      settings_.kafka_extra += "  commit_interval_ms: " + std::string(interval) + "\n";
    }
    StartAgent();  // creates the slot: the backlog below is after it
    ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
    Sql("INSERT INTO bench SELECT i, 'name ' || i, i * 1.25, now(), i % 2 = 0 "
        "FROM generate_series(" + std::to_string(next_id) + ", " +
        std::to_string(next_id + kRows - 1) + ") i");
    next_id += kRows;
    const std::string target = *db_->Scalar("SELECT pg_current_wal_lsn()::text");
    // Timed from the start of streaming: what differs is the delivery, not
    // the start (exactly once also reads its offsets topic first).
    StartAgent();
    const auto started = std::chrono::steady_clock::now();
    bool drained = false;
    while (std::chrono::steady_clock::now() - started < std::chrono::seconds(300)) {
      if (admin.Scalar("SELECT confirmed_flush_lsn >= '" + target +
                       "'::pg_lsn FROM pg_replication_slots WHERE slot_name = '" +
                       settings_.slot + "'") == "t") {
        drained = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_TRUE(drained) << agent_->Stderr();
    rates[mode].push_back(kRows / secs);
    EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
    admin.Exec("SELECT pg_drop_replication_slot('" + settings_.slot + "')");
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  const double alo = median(rates["at-least-once"]);
  const double eos = median(rates["exactly-once"]);
  std::printf("PostgreSQL, %d changes per round, median of %d rounds: at-least-once %.0f/s, "
              "exactly-once %.0f/s (%.2f of at-least-once)\n",
              kRows, rounds, alo, eos, eos / alo);
  RecordProperty("at_least_once_per_second", static_cast<int>(alo));
  RecordProperty("exactly_once_per_second", static_cast<int>(eos));
}

}  // namespace
}  // namespace cdc::itest
