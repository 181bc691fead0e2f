// Drains a backlog of row changes from MariaDB into Kafka and reports the
// rate. The figure is informational (this machine is shared and noisy); the
// assertions are about completeness: every change arrives, each key once.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

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

// The same backlog drained with kafka.delivery at-least-once and
// exactly-once, alternately, in one run: the median rates and their ratio
// (CDC_BENCH_ROUNDS rounds, 3 by default). Timed from the start of the
// stream to the last event readable with read_committed; the fixed cost of
// reading the topic back is in both.
TEST_F(MyThroughputTest, ExactlyOnceAgainstAtLeastOnce) {
  constexpr int kPerTxn = 10000;
  // CDC_BENCH_ROWS changes per round (300,000 by default; a multiple of
  // 10,000): more make the fixed costs (the last commit) a smaller share.
  const int kRows = std::max(kPerTxn, EnvInt("CDC_BENCH_ROWS", 300000) / kPerTxn * kPerTxn);
  const int rounds = EnvInt("CDC_BENCH_ROUNDS", 3);
  Sql("CREATE TABLE bench (id BIGINT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(12,2), "
      "created DATETIME(6), flag TINYINT(1))");
  settings_.snapshot = "never";
  const MysqlAgentSettings base = settings_;
  std::map<std::string, std::vector<double>> rates;
  std::map<std::string, std::vector<double>> start_ms;  // from exec to streaming
  std::map<std::string, std::vector<double>> cpu_per_million;
  int64_t next_id = 1;
  for (int round = 0; round < 2 * rounds; ++round) {
    const std::string mode = round % 2 == 0 ? "at-least-once" : "exactly-once";
    settings_ = base;
    const std::string tag = "r" + std::to_string(round);
    settings_.name = base.name + tag;
    settings_.topic_prefix = base.topic_prefix + tag;
    settings_.offsets_path = base.offsets_path + tag;
    settings_.kafka_extra = "  delivery: " + mode + "\n";
    StartAgent();  // stores the binlog's end: the backlog below is after it
    ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
    for (int64_t first = next_id; first < next_id + kRows; first += kPerTxn) {
      Sql("INSERT INTO bench SELECT seq, CONCAT('name ', seq), seq * 1.25, NOW(6), seq % 2 "
          "FROM seq_" + std::to_string(first) + "_to_" + std::to_string(first + kPerTxn - 1));
    }
    next_id += kRows;
    // Timed from the stream's start, as in the PostgreSQL test: the fixed
    // cost of starting (exactly once: fencing, reading the offsets topic)
    // is not throughput.
    const double cpu_before = ChildrenCpuSeconds();
    const auto starting = std::chrono::steady_clock::now();
    StartAgent();
    const auto started = std::chrono::steady_clock::now();
    start_ms[mode].push_back(
        std::chrono::duration<double, std::milli>(started - starting).count());
    TopicCount count = CountTopic(env_, Topic("bench"), kRows, std::chrono::seconds(30));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(count.messages, kRows) << mode << ": " << agent_->Stderr();
    rates[mode].push_back(kRows / secs);
    EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
    // The agent's CPU time from start to stop, per million changes: less
    // noisy on a shared machine than the rate.
    const double cpu = (ChildrenCpuSeconds() - cpu_before) * 1e6 / kRows;
    cpu_per_million[mode].push_back(cpu);
    std::printf("round %d, %s: %.0f/s, %.2f CPU s per 1M changes\n", round, mode.c_str(),
                kRows / secs, cpu);
    const std::string err = agent_->Stderr();
    if (size_t at = err.find(" Kafka transactions committed"); at != std::string::npos) {
      const size_t from = err.rfind(']', at);
      std::printf("  %s\n", err.substr(from + 2, err.find('\n', at) - from - 2).c_str());
    }
  }
  const double alo = Median(rates["at-least-once"]);
  const double eos = Median(rates["exactly-once"]);
  std::printf("MariaDB, %d changes per round, median of %d rounds: at-least-once %.0f/s, "
              "exactly-once %.0f/s (%.2f of at-least-once)\n",
              kRows, rounds, alo, eos, eos / alo);
  std::printf("MariaDB, median time from start to streaming: at-least-once %.0f ms, "
              "exactly-once %.0f ms\n",
              Median(start_ms["at-least-once"]), Median(start_ms["exactly-once"]));
  std::printf("MariaDB, median agent CPU per 1M changes: at-least-once %.2f s, exactly-once "
              "%.2f s (%.2f of at-least-once)\n",
              Median(cpu_per_million["at-least-once"]), Median(cpu_per_million["exactly-once"]),
              Median(cpu_per_million["exactly-once"]) / Median(cpu_per_million["at-least-once"]));
  RecordProperty("at_least_once_per_second", static_cast<int>(alo));
  RecordProperty("exactly_once_per_second", static_cast<int>(eos));
}

}  // namespace
}  // namespace cdc::itest
