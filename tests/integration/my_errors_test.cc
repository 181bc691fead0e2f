// What a user sees when the MySQL/MariaDB setup is wrong, and what the agent
// does when the server goes away: `check` names missing privileges and a
// server_id clash, `run` stops with one line on a stored position the server
// does not have, on a wrong password and on too few connections allowed,
// and a server restart mid-stream is survived without losing or repeating a
// row.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/integration/my_agent_fixture.h"

namespace cdc::itest {
namespace {

class MyErrorsTest : public MyAgentTest {
 protected:
  // Lines of `check`'s stderr that report a problem.
  static std::vector<std::string> Problems(const CommandResult& r) {
    std::vector<std::string> out;
    for (const auto& line : UserLines(r.err)) {
      if (line.rfind("cdc-agent: problem: ", 0) == 0) out.push_back(line);
    }
    return out;
  }

  static bool AnyContains(const std::vector<std::string>& lines, const std::string& needle) {
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // The one line of a `run` that stopped on an error ("cdc-agent: error:
  // ..."); "" (and a failure) when it did not stop so.
  static std::string ErrorLineOf(const CommandResult& run) {
    EXPECT_NE(run.exit_code, 0) << run.err;
    EXPECT_NE(run.exit_code, -1) << "still running after 60 s";
    std::vector<std::string> lines = UserLines(run.err);
    EXPECT_EQ(lines.size(), 1u) << run.err;
    if (lines.size() != 1) return "";
    EXPECT_EQ(lines[0].rfind("cdc-agent: error: ", 0), 0u) << lines[0];
    return lines[0];
  }

  CommandResult EnvScript(const std::string& action, const std::string& server) {
    return RunCommand({std::string(CDC_SOURCE_DIR) + "/deploy/local/env", action, server},
                      std::chrono::seconds(120));
  }
};

TEST_F(MyErrorsTest, CheckNamesMissingPrivilegesThenPassesOnceGranted) {
  const std::string user = "my_np_" + suffix_;
  const std::string password = "pw-" + suffix_;
  ASSERT_EQ(admin_->Exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'"), "");
  users_.push_back(user);
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  settings_.user = user;
  settings_.password = password;

  CommandResult r = AgentCommand({"check"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto problems = Problems(r);
  EXPECT_TRUE(AnyContains(problems, "REPLICATION SLAVE")) << r.err;
  EXPECT_TRUE(AnyContains(problems, "REPLICATION CLIENT")) << r.err;
  EXPECT_TRUE(AnyContains(problems, "SELECT")) << r.err;
  EXPECT_TRUE(AnyContains(problems, user)) << r.err;
  EXPECT_EQ(r.err.find(password), std::string::npos) << "password leaked";
  EXPECT_EQ(r.out.find("ok:"), std::string::npos) << r.out;

  // With the grants the problems name, check passes and the agent streams.
  ASSERT_EQ(admin_->Exec("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '" + user + "'@'%'"),
            "");
  ASSERT_EQ(admin_->Exec("GRANT SELECT ON `" + db_name_ + "`.* TO '" + user + "'@'%'"), "");
  CommandResult ok = AgentCommand({"check"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(Problems(ok).empty()) << ok.err;
  EXPECT_NE(ok.out.find("ok:"), std::string::npos) << ok.out;
  StartAgent();
  Sql("INSERT INTO t VALUES (7)");
  auto lines = TailTopic(env_, Topic("t"), 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(FindValue(lines[0].value().after(), "id")->int_value(), 7);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyErrorsTest, ServerIdOfTheServerItself) {
  ASSERT_EQ(admin_->Scalar("SELECT @@server_id"), "1");
  settings_.server_id = 1;
  CommandResult r = AgentCommand({"check"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto problems = Problems(r);
  ASSERT_EQ(problems.size(), 1u) << r.err;
  EXPECT_NE(problems[0].find("server_id 1"), std::string::npos) << problems[0];
  EXPECT_NE(problems[0].find("the server's own server_id"), std::string::npos) << problems[0];

  CommandResult run = AgentCommand({"run"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  const std::string line = ErrorLineOf(run);
  ASSERT_FALSE(line.empty());
  EXPECT_NE(line.find("server_id 1"), std::string::npos) << line;
}

TEST_F(MyErrorsTest, HealthyConfigChecksOk) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  settings_.tables = {db_name_ + ".t"};
  // The server of deploy/local writes minimal TABLE_MAP metadata: a warning
  // that says what FULL adds, not a problem.
  CommandResult r = AgentCommand({"check"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = UserLines(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind("cdc-agent: warning: ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("binlog_row_metadata is NO_LOG, not FULL"), std::string::npos)
      << lines[0];
  EXPECT_EQ(r.out, "ok: configuration valid, source ready, Kafka reachable, offsets.path usable\n");
  SqlOn(*admin_, "SET GLOBAL binlog_row_metadata = FULL");
  CommandResult full = AgentCommand({"check"});
  admin_->Exec("SET GLOBAL binlog_row_metadata = DEFAULT");
  EXPECT_EQ(full.exit_code, 0) << full.err;
  EXPECT_TRUE(UserLines(full.err).empty()) << full.err;
}

// A user allowed two connections: the snapshot's third one fails, and the
// agent stops saying how many it needs.
TEST_F(MyErrorsTest, TooFewConnectionsForTheSnapshotSaysHowManyAreNeeded) {
  const std::string user = "my_mc_" + suffix_;
  const std::string password = "pw-" + suffix_;
  ASSERT_EQ(admin_->Exec("CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password +
                         "' WITH MAX_USER_CONNECTIONS 2"),
            "");
  users_.push_back(user);
  ASSERT_EQ(admin_->Exec("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '" + user + "'@'%'"),
            "");
  ASSERT_EQ(admin_->Exec("GRANT SELECT ON `" + db_name_ + "`.* TO '" + user + "'@'%'"), "");
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  Sql("INSERT INTO t VALUES (1), (2), (3)");
  settings_.user = user;
  settings_.password = password;
  CommandResult run = AgentCommand({"run"});
  const std::string line = ErrorLineOf(run);
  ASSERT_FALSE(line.empty());
  EXPECT_NE(line.find("snapshot connection"), std::string::npos) << line;
  EXPECT_NE(line.find("up to three connections"), std::string::npos) << line;
  EXPECT_NE(line.find("max_user_connections for " + user), std::string::npos) << line;
}

TEST_F(MyErrorsTest, StoredPositionInAMissingBinlogFile) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY)");
  settings_.reconnect_timeout_s = 20;
  CommandResult set = AgentCommand({"offsets", "set", "--position", "mysql:binlog.999999:4"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  auto started = std::chrono::steady_clock::now();
  CommandResult run = AgentCommand({"run"});
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15))
      << "a missing binlog file is not a reason to keep reconnecting";
  const std::string line = ErrorLineOf(run);
  ASSERT_FALSE(line.empty());
  EXPECT_NE(line.find("binlog.999999:4"), std::string::npos) << line;
  EXPECT_NE(line.find("offsets reset"), std::string::npos) << line;
  // The stored position is left as it was.
  CommandResult shown = AgentCommand({"offsets", "show"});
  EXPECT_NE(shown.out.find("mysql:binlog.999999:4"), std::string::npos) << shown.out;
}

// MariaDB's compressed rows events are not decoded: the agent must stop
// rather than skip the changes they carry.
TEST_F(MyErrorsTest, CompressedEventsStopTheAgentInsteadOfBeingSkipped) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)");
  StartAgent();
  Sql("INSERT INTO t VALUES (1, 'plain')");
  SqlOn(*admin_, "SET GLOBAL log_bin_compress_min_len = 10");
  SqlOn(*admin_, "SET GLOBAL log_bin_compress = ON");
  std::string err = db_->Exec("INSERT INTO t VALUES (2, REPEAT('compressible ', 100))");
  const std::string compressed_gtid = LastGtid();
  // Restored before any assertion can end the test.
  admin_->Exec("SET GLOBAL log_bin_compress = OFF");
  admin_->Exec("SET GLOBAL log_bin_compress_min_len = 256");
  ASSERT_TRUE(err.empty()) << err;
  // While it is on, `check` names it too.
  SqlOn(*admin_, "SET GLOBAL log_bin_compress = ON");
  CommandResult check = AgentCommand({"check"});
  admin_->Exec("SET GLOBAL log_bin_compress = OFF");
  EXPECT_EQ(check.exit_code, 1) << check.err;
  EXPECT_NE(check.err.find("log_bin_compress is ON"), std::string::npos) << check.err;
  int code = agent_->Wait(std::chrono::seconds(20));
  EXPECT_EQ(code, 1) << agent_->Stderr();
  auto lines = UserLines(agent_->Stderr());
  ASSERT_EQ(lines.size(), 1u) << agent_->Stderr();
  EXPECT_NE(lines[0].find("COMPRESSED"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("log_bin_compress=OFF"), std::string::npos) << lines[0];
  // The row before it was published; the compressed transaction is not
  // stored as done.
  auto events = TailTopic(env_, Topic("t"), 2, std::chrono::milliseconds(5000));
  ASSERT_EQ(events.size(), 1u);
  CommandResult shown = AgentCommand({"offsets", "show"});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_FALSE(compressed_gtid.empty());
  EXPECT_EQ(shown.out.find("gtid=" + compressed_gtid), std::string::npos) << shown.out;
}

TEST_F(MyErrorsTest, WrongPassword) {
  settings_.password = "not-the-password";
  for (const char* command : {"check", "run"}) {
    CommandResult r = AgentCommand({command});
    EXPECT_EQ(r.exit_code, 1) << command << ": " << r.err;
    auto lines = UserLines(r.err);
    ASSERT_EQ(lines.size(), 1u) << command << ": " << r.err;
    EXPECT_NE(lines[0].find("Access denied"), std::string::npos) << lines[0];
    EXPECT_EQ(r.err.find("not-the-password"), std::string::npos) << "password leaked: " << r.err;
    EXPECT_EQ(r.out.find("not-the-password"), std::string::npos) << "password leaked: " << r.out;
  }
}

TEST_F(MyErrorsTest, ServerRestartMidStream) {
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20))");
  StartAgent();
  for (int id = 1; id <= 50; ++id) Sql("INSERT INTO t VALUES (" + std::to_string(id) + ", 'a')");
  db_.reset();
  admin_.reset();

  CommandResult down = EnvScript("down", "mariadb");
  ASSERT_EQ(down.exit_code, 0) << down.err;
  CommandResult up = EnvScript("up", "mariadb");
  ASSERT_EQ(up.exit_code, 0) << up.err;
  admin_ = std::make_unique<MysqlClient>(env_);
  db_ = Connect(db_name_);
  ASSERT_TRUE(db_->ok()) << db_->error();
  for (int id = 51; id <= 100; ++id) Sql("INSERT INTO t VALUES (" + std::to_string(id) + ", 'b')");

  ASSERT_TRUE(WaitForLog("reconnected", 1, std::chrono::seconds(60))) << agent_->Stderr();
  auto lines = TailTopic(env_, Topic("t"), 101, std::chrono::milliseconds(5000));
  EXPECT_EQ(lines.size(), 100u);
  auto ops = OpsByKey(lines, "id");
  EXPECT_EQ(ops.size(), 100u);
  for (const auto& [id, list] : ops) {
    EXPECT_EQ(list, std::vector<cdc::v1::Op>{cdc::v1::OP_INSERT}) << "row " << id;
  }
  EXPECT_TRUE(agent_->running()) << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
