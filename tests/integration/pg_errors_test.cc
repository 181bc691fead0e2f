// What a user sees when the setup is wrong: `check` and `run` against a
// server with wal_level=replica, with a wrong password, and with an
// unreachable broker each print one clear line and exit non-zero; so does
// `tail` of a topic that does not exist. A server restart mid-stream is
// survived: the agent reconnects and loses nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

class PgErrorsTest : public PgAgentTest {
 protected:
  CommandResult Agent(const std::string& command) {
    return RunCommand({env_.agent_bin, command, "--config", ConfigPath()}, std::chrono::seconds(60));
  }
};

TEST_F(PgErrorsTest, WalLevelReplica) {
  PgClient replica(env_, "postgres", env_.pg_replica_port);
  ASSERT_TRUE(replica.ok()) << "the wal_level=replica server is not running: " << replica.error();
  ASSERT_EQ(replica.Scalar("SHOW wal_level"), "replica");
  settings_.pg_port = env_.pg_replica_port;
  settings_.database = "postgres";

  CommandResult check = Agent("check");
  EXPECT_EQ(check.exit_code, 1) << check.err;
  auto lines = UserLines(check.err);
  ASSERT_EQ(lines.size(), 1u) << check.err;
  EXPECT_NE(lines[0].find("wal_level is replica"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("wal_level = logical"), std::string::npos) << lines[0];

  CommandResult run = Agent("run");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  lines = UserLines(run.err);
  ASSERT_EQ(lines.size(), 1u) << run.err;
  EXPECT_NE(lines[0].find("wal_level=replica"), std::string::npos) << lines[0];
}

TEST_F(PgErrorsTest, WrongPassword) {
  settings_.password = "not-the-password";
  for (const char* command : {"check", "run"}) {
    CommandResult r = Agent(command);
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.err;
    auto lines = UserLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << command << ": " << r.err;
    EXPECT_NE(lines[0].find("password authentication failed"), std::string::npos) << lines[0];
    EXPECT_EQ(lines[0].find("not-the-password"), std::string::npos) << "password leaked: " << lines[0];
  }
}

TEST_F(PgErrorsTest, UnreachableBroker) {
  settings_.brokers = "127.0.0.1:1";
  for (const char* command : {"check", "run"}) {
    CommandResult r = Agent(command);
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.err;
    auto lines = UserLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << command << ": " << r.err;
    EXPECT_NE(lines[0].find("127.0.0.1:1"), std::string::npos) << lines[0];
    EXPECT_NE(lines[0].find("kafka.brokers"), std::string::npos) << lines[0];
  }
  // Nothing was started against the database: no slot was created.
  PgClient admin(env_, "postgres");
  EXPECT_EQ(admin.Scalar("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" +
                         settings_.slot + "'"),
            "0");
}

TEST_F(PgErrorsTest, StopWhileTheServerMakesItWait) {
  // An open writing transaction makes CREATE_REPLICATION_SLOT wait for it.
  Sql("CREATE TABLE t (id int PRIMARY KEY)");
  PgClient blocker(env_, db_name_);
  ASSERT_EQ(blocker.Exec("BEGIN; INSERT INTO t VALUES (1)"), "");
  Process agent;
  ASSERT_TRUE(agent.Start({env_.agent_bin, "run", "--config", ConfigPath()}, dir_ + "/blocked"));
  PgClient admin(env_, "postgres");
  bool waiting = false;
  for (int i = 0; i < 200 && !waiting; ++i) {
    waiting = admin.Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db_name_ +
                           "' AND backend_type = 'walsender' AND wait_event = 'transactionid'") != "0";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(waiting) << agent.Stderr();
  auto started = std::chrono::steady_clock::now();
  agent.Signal(SIGTERM);
  int code = agent.Wait(std::chrono::seconds(10));
  EXPECT_EQ(code, 0) << agent.Stderr();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  blocker.Exec("ROLLBACK");
}

TEST_F(PgErrorsTest, SnapshotNeverStoresItsStartPosition) {
  settings_.snapshot = "never";
  StartAgent();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  CommandResult shown = RunCommand({env_.agent_bin, "offsets", "show", "--config", ConfigPath()},
                     std::chrono::seconds(30));
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("\tpg:"), std::string::npos) << shown.out;
}

TEST_F(PgErrorsTest, TailOfAMissingTopic) {
  const std::string topic = Topic("public", "no_such_table");
  CommandResult r = RunCommand({env_.agent_bin, "tail", "--brokers", env_.brokers, "--topic", topic,
                                "--from-beginning", "--idle-timeout-ms", "2000"},
                               std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.out, "");
  auto lines = UserLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0], "cdc-agent: error: topic '" + topic + "' does not exist on " + env_.brokers +
                          "; check --topic (topics are <prefix>.<schema>.<table>)");
}

TEST_F(PgErrorsTest, BadConfigNamesTheKey) {
  std::string path = dir_ + "/bad.yaml";
  WriteFile(path, AgentConfigYaml(env_, settings_) + "  bogus_key: 1\n");
  CommandResult r = RunCommand({env_.agent_bin, "check", "--config", path}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  auto lines = UserLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_NE(lines[0].find("bogus_key"), std::string::npos) << lines[0];
}

TEST_F(PgErrorsTest, OffsetsResetAsksForYes) {
  settings_.snapshot = "never";
  StartAgent();
  ASSERT_EQ(StopAgent(), 0) << agent_->Stderr();
  auto offsets = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {env_.agent_bin, "offsets"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(ConfigPath());
    return RunCommand(argv, std::chrono::seconds(30));
  };
  CommandResult asked = offsets({"reset"});
  EXPECT_EQ(asked.exit_code, 2);
  const std::vector<std::string> lines = UserLines(asked.err);
  ASSERT_EQ(lines.size(), 1u) << asked.err;
  EXPECT_NE(lines[0].find("offsets reset forgets the stored position of source '" +
                          settings_.name + "' (now pg:"),
            std::string::npos)
      << lines[0];
  EXPECT_TRUE(lines[0].ends_with("add --yes to do it")) << lines[0];
  EXPECT_NE(offsets({"show"}).out.find("\tpg:"), std::string::npos) << "nothing was forgotten";
  CommandResult done = offsets({"reset", "--yes"});
  EXPECT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(offsets({"show"}).out.find("\tnone"), std::string::npos);
}

TEST_F(PgErrorsTest, ServerRestartMidStreamReconnects) {
  Sql("CREATE TABLE t (id int PRIMARY KEY, v text)");
  StartAgent();
  Sql("INSERT INTO t SELECT g, 'a' FROM generate_series(1, 50) g");
  db_.reset();
  auto env_script = [&](const std::string& action) {
    return RunCommand({std::string(CDC_SOURCE_DIR) + "/deploy/local/env", action, "pg"},
                      std::chrono::seconds(120));
  };
  CommandResult down = env_script("down");
  ASSERT_EQ(down.exit_code, 0) << down.err;
  CommandResult up = env_script("up");
  ASSERT_EQ(up.exit_code, 0) << up.err;
  db_ = std::make_unique<PgClient>(env_, db_name_);
  ASSERT_TRUE(db_->ok()) << db_->error();
  Sql("INSERT INTO t SELECT g, 'b' FROM generate_series(51, 100) g");

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (agent_->Stderr().find("reconnected") == std::string::npos && agent_->running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(agent_->Stderr().find("reconnected"), std::string::npos) << agent_->Stderr();
  auto lines = TailTopic(env_, Topic("public", "t"), 101, std::chrono::milliseconds(5000));
  std::map<int64_t, int> seen;
  for (const auto& line : lines) {
    ASSERT_TRUE(line.value_error().empty()) << line.value_error();
    EXPECT_EQ(line.value().op(), cdc::v1::OP_INSERT);
    const cdc::v1::Value* id = FindValue(line.value().after(), "id");
    ASSERT_NE(id, nullptr);
    ++seen[id->int_value()];
  }
  EXPECT_EQ(seen.size(), 100u) << "every row, from before and after the restart";
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << "row " << id;
  EXPECT_TRUE(agent_->running()) << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
