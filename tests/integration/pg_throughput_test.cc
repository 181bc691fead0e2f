// Drains a backlog of row changes from PostgreSQL into Kafka and reports the
// rate. The figure is informational (this machine is shared and noisy); the
// assertions are about completeness: every change becomes durable.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
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

// One way to run the agent in a comparison: its label and what it adds to
// the config.
struct Variant {
  std::string label;
  std::string kafka_extra;
  std::string extra;
};

class PgDrainRoundsTest : public PgAgentTest {
 protected:
  // Drains the same kind of backlog once per round and variant, the
  // variants alternating, each round on a slot of its own, so the machine's
  // load is shared by all. Prints each round, then the median rate and the
  // agent's CPU time per million changes of each variant (CPU is less noisy
  // on a shared machine) and their ratio to the first; asserts only that
  // every round drained. CDC_BENCH_ROUNDS (default 3) and CDC_BENCH_ROWS
  // (changes per round, default 200,000) vary it.
  void DrainRounds(const std::vector<Variant>& variants) {
    const int rows = EnvInt("CDC_BENCH_ROWS", 200000);
    const int rounds = EnvInt("CDC_BENCH_ROUNDS", 3);
    Sql("CREATE TABLE bench (id bigint PRIMARY KEY, name text, amount numeric(12,2), "
        "created timestamptz, flag boolean)");
    settings_.status_interval_ms = 100;
    settings_.snapshot = "never";
    const AgentSettings base = settings_;
    std::map<std::string, std::vector<double>> rates;
    std::map<std::string, std::vector<double>> cpu_per_million;
    PgClient admin(env_, "postgres");
    int64_t next_id = 1;
    const int total = static_cast<int>(variants.size()) * rounds;
    for (int round = 0; round < total; ++round) {
      const Variant& v = variants[static_cast<size_t>(round) % variants.size()];
      settings_ = base;
      const std::string tag = "r" + std::to_string(round);
      settings_.name = base.name + tag;
      settings_.slot = base.slot + tag;
      settings_.topic_prefix = base.topic_prefix + tag;
      settings_.offsets_path = base.offsets_path + tag;
      settings_.kafka_extra = v.kafka_extra;
      settings_.extra = v.extra;
      StartAgent();  // creates the slot: the backlog below is after it
      ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
      Sql("INSERT INTO bench SELECT i, 'name ' || i, i * 1.25, now(), i % 2 = 0 "
          "FROM generate_series(" + std::to_string(next_id) + ", " +
          std::to_string(next_id + rows - 1) + ") i");
      next_id += rows;
      const std::string target = *db_->Scalar("SELECT pg_current_wal_lsn()::text");
      // Timed from the start of streaming: what differs is the delivery,
      // not the start (exactly once also reads its offsets topic first).
      const double cpu_before = ChildrenCpuSeconds();
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
      rates[v.label].push_back(rows / secs);
      EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
      const double cpu = (ChildrenCpuSeconds() - cpu_before) * 1e6 / rows;
      cpu_per_million[v.label].push_back(cpu);
      std::printf("round %d, %s: %.0f/s, %.2f CPU s per 1M changes\n", round, v.label.c_str(),
                  rows / secs, cpu);
      admin.Exec("SELECT pg_drop_replication_slot('" + settings_.slot + "')");
    }
    const double first_rate = Median(rates[variants[0].label]);
    const double first_cpu = Median(cpu_per_million[variants[0].label]);
    for (const Variant& v : variants) {
      const double rate = Median(rates[v.label]);
      const double cpu = Median(cpu_per_million[v.label]);
      std::printf("PostgreSQL, %d changes per round, median of %d rounds, %s: %.0f/s (%.2f of "
                  "%s), %.2f agent CPU s per 1M changes (%.2f of %s)\n",
                  rows, rounds, v.label.c_str(), rate, rate / first_rate,
                  variants[0].label.c_str(), cpu, cpu / first_cpu, variants[0].label.c_str());
      RecordProperty(v.label + "_per_second", static_cast<int>(rate));
    }
  }
};

// The cost of exactly-once against at-least-once.
// CDC_BENCH_COMMIT_INTERVAL_MS (default: the agent's) varies it.
TEST_F(PgDrainRoundsTest, ExactlyOnceAgainstAtLeastOnce) {
  const char* interval = std::getenv("CDC_BENCH_COMMIT_INTERVAL_MS");
  const std::string commit =
      interval == nullptr ? "" : "  commit_interval_ms: " + std::string(interval) + "\n";
  DrainRounds({{"at-least-once", "  delivery: at-least-once\n" + commit, ""},
               {"exactly-once", "  delivery: exactly-once\n" + commit, ""}});
}

// The cost of a five-step transform chain (filter on an expression,
// project, mask with a salted hash, compute, route), exactly once.
TEST_F(PgDrainRoundsTest, TransformChainAgainstNone) {
  setenv("CDC_BENCH_SALT", "bench-salt", 1);
  DrainRounds({{"no-transforms", "", ""},
               {"five-step-chain", "",
                "transforms:\n"
                "  - type: filter\n"
                "    when: \"amount > 0 && op != 'truncate'\"\n"
                "  - type: project\n"
                "    exclude: [flag]\n"
                "    rename: {name: client}\n"
                "  - type: mask\n"
                "    salt_env: CDC_BENCH_SALT\n"
                "    columns:\n"
                "      client: hash\n"
                "  - type: compute\n"
                "    columns:\n"
                "      cents: \"cast(amount * 100 as int)\"\n"
                "  - type: route\n"
                "    topic: \"${prefix}.sales.${table}\"\n"
                "    key: [id, client]\n"}});
}

}  // namespace
}  // namespace cdc::itest
