// Drains a backlog of row changes from MariaDB into Kafka and reports the
// rate. The figure is informational (this machine is shared and noisy); the
// assertions are about completeness: every change arrives, each key once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

class MyThroughputTest : public MyAgentTest {};

TEST_F(MyThroughputTest, DrainsBacklog) {
  constexpr int kRows = 200000;
  constexpr int kPerTxn = 10000;
  Sql("CREATE TABLE bench (id BIGINT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(12,2), "
      "created DATETIME(6), flag TINYINT(1))");
  settings_.snapshot = "never";
  // The first run stores the starting position; the backlog is written while
  // the agent is down.
  StartAgent();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  for (int first = 1; first <= kRows; first += kPerTxn) {
    Sql("INSERT INTO bench SELECT seq, CONCAT('name ', seq), seq * 1.25, NOW(6), seq % 2 "
        "FROM seq_" + std::to_string(first) + "_to_" + std::to_string(first + kPerTxn - 1));
  }
  auto started = std::chrono::steady_clock::now();
  StartAgent();
  TopicCount count = CountTopic(env_, Topic("bench"), kRows, std::chrono::seconds(30));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(count.messages, kRows) << agent_->Stderr();
  EXPECT_EQ(count.keys.size(), static_cast<size_t>(kRows));
  std::printf("MYSQL THROUGHPUT: drained %d changes from MariaDB to Kafka in %.2f s: %.0f events/s\n",
              kRows, secs, kRows / secs);
  RecordProperty("events_per_second", static_cast<int>(kRows / secs));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
