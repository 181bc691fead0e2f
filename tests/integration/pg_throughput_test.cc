// Drains a backlog of row changes from PostgreSQL into Kafka and reports the
// rate. The figure is informational (this machine is shared and noisy); the
// assertions are about completeness: every change becomes durable.
#include <gtest/gtest.h>

#include <chrono>
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

}  // namespace
}  // namespace cdc::itest
