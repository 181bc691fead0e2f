// A test fixture that gives each MySQL/MariaDB integration test its own
// database(s), replica server_id, topic prefix and offsets directory, and
// runs the real cdc-agent binary against the MariaDB server of deploy/local.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace cdc::itest {

// A replica id no other agent run of this process uses, and unlikely to be
// used by another test process at the same time.
inline uint32_t NextServerId() {
  static std::atomic<uint32_t> counter{0};
  return 100000u + static_cast<uint32_t>(getpid() % 10000) * 100u + counter++ % 100u;
}

// Number of non-overlapping occurrences of `needle` in `text`.
inline int CountOf(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class MyAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CDC_REQUIRE_TEST_ENV(env_);
    suffix_ = UniqueSuffix();
    admin_ = std::make_unique<MysqlClient>(env_);
    ASSERT_TRUE(admin_->ok()) << "MariaDB on 127.0.0.1:" << env_.mysql_port
                              << " is not reachable: " << admin_->error();
    db_name_ = NewDatabase("db");
    dir_ = MakeTempDir("my-agent");
    settings_.name = "my" + suffix_;
    settings_.server_id = NextServerId();
    settings_.databases = {db_name_};
    settings_.topic_prefix = "my" + suffix_;
    settings_.offsets_path = dir_ + "/offsets";
    db_ = Connect(db_name_);
    ASSERT_TRUE(db_->ok()) << db_->error();
  }

  void TearDown() override {
    if (agent_ && agent_->running()) StopAgent();
    db_.reset();
    if (admin_ == nullptr || !admin_->ok()) admin_ = std::make_unique<MysqlClient>(env_);
    for (const auto& name : databases_) admin_->Exec("DROP DATABASE IF EXISTS `" + name + "`");
    for (const auto& user : users_) admin_->Exec("DROP USER IF EXISTS '" + user + "'@'%'");
    if (!dir_.empty() && !HasFailure()) RemoveTree(dir_);
  }

  // Creates database my_<tag>_<suffix>, dropped in TearDown.
  std::string NewDatabase(const std::string& tag) {
    std::string name = "my_" + tag + "_" + suffix_;
    admin_->Exec("DROP DATABASE IF EXISTS `" + name + "`");
    std::string err = admin_->Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4");
    EXPECT_TRUE(err.empty()) << err;
    databases_.push_back(name);
    return name;
  }

  // A connection to `database` as root, with strict mode that still allows
  // zero dates.
  std::unique_ptr<MysqlClient> Connect(const std::string& database) {
    auto c = std::make_unique<MysqlClient>(env_, database);
    if (c->ok()) c->Exec("SET SESSION sql_mode = 'STRICT_ALL_TABLES'");
    return c;
  }

  // Runs SQL in the test database, failing the test on error.
  void Sql(const std::string& sql) { SqlOn(*db_, sql); }
  static void SqlOn(MysqlClient& client, const std::string& sql) {
    std::string err = client.Exec(sql);
    ASSERT_TRUE(err.empty()) << sql << ": " << err;
  }

  // The GTID of the last transaction of the test connection ("0-1-N").
  std::string LastGtid() { return db_->Scalar("SELECT @@last_gtid").value_or(""); }

  std::string ConfigPath() {
    std::string path = dir_ + "/agent.yaml";
    WriteFile(path, MysqlAgentYaml(env_, settings_));
    return path;
  }

  // Starts `cdc-agent run` with a fresh server_id and waits until it
  // streams the binlog (it logs "streaming the binlog").
  void StartAgent() {
    settings_.server_id = NextServerId();
    agent_ = std::make_unique<Process>();
    std::string log = dir_ + "/agent" + std::to_string(runs_++);
    ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, log));
    ASSERT_TRUE(WaitForLog("streaming the binlog", 1, std::chrono::seconds(60)))
        << "agent did not start streaming; stderr:\n"
        << agent_->Stderr();
    // The snapshot reads while the agent streams: rows written before its
    // last chunk may also come as READ events.
    const std::string err = agent_->Stderr();
    if (err.find("snapshot of ") != std::string::npos ||
        err.find(" snapshot=") != std::string::npos) {
      ASSERT_TRUE(WaitForLog("snapshot done", 1, std::chrono::seconds(120)))
          << "the snapshot did not finish; stderr:\n" << agent_->Stderr();
    }
  }

  // Waits until the running agent's stderr holds `needle` at least `times`
  // times; false on timeout or when the agent exits.
  bool WaitForLog(const std::string& needle, int times, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (CountOf(agent_->Stderr(), needle) >= times) return true;
      if (!agent_->running()) return CountOf(agent_->Stderr(), needle) >= times;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // SIGTERM; returns the exit code (-1 if it did not exit within 15 s).
  int StopAgent() {
    agent_->Signal(SIGTERM);
    int code = agent_->Wait(std::chrono::seconds(15));
    if (code == -1) agent_->Signal(SIGKILL), agent_->Wait(std::chrono::seconds(5));
    return code;
  }

  // Runs `cdc-agent ARGS... --config <config>` to completion.
  CommandResult AgentCommand(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {env_.agent_bin};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--config");
    argv.push_back(ConfigPath());
    return RunCommand(argv, std::chrono::seconds(60));
  }

  // The stored position as `offsets show` prints it ("mysql:FILE:POS
  // gtid=SET"), or "" when it cannot be read.
  std::string StoredPosition() {
    CommandResult r = AgentCommand({"offsets", "show"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    size_t tab = r.out.find('\t');
    if (tab == std::string::npos) return "";
    std::string pos = r.out.substr(tab + 1);
    while (!pos.empty() && (pos.back() == '\n' || pos.back() == '\r')) pos.pop_back();
    return pos;
  }

  // Polls the stored position until it is at or past the end of the
  // server's binlog as it is now, in the same file (other clients may write
  // too); false after `timeout`. `seen` gets the last position and that end.
  bool WaitForStoredPositionAtBinlogEnd(std::chrono::milliseconds timeout, std::string* seen) {
    const auto status = db_->Rows("SHOW MASTER STATUS");
    if (status.empty()) {
      *seen = "SHOW MASTER STATUS returned no row";
      return false;
    }
    const std::string file = status[0][0].value_or("");
    const uint64_t end = std::stoull(status[0][1].value_or("0"));
    const std::string prefix = "mysql:" + file + ":";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const std::string stored = StoredPosition();
      *seen = "stored " + stored + ", binlog end " + file + ":" + std::to_string(end);
      if (stored.rfind(prefix, 0) == 0 && std::stoull(stored.substr(prefix.size())) >= end) {
        return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  std::string Topic(const std::string& table) const { return Topic(db_name_, table); }
  std::string Topic(const std::string& db, const std::string& table) const {
    return settings_.topic_prefix + "." + db + "." + table;
  }

  TestEnv env_;
  MysqlAgentSettings settings_;
  std::string suffix_;
  std::string db_name_;
  std::string dir_;
  std::unique_ptr<MysqlClient> admin_;
  std::unique_ptr<MysqlClient> db_;
  std::unique_ptr<Process> agent_;
  std::vector<std::string> databases_;
  std::vector<std::string> users_;  // dropped in TearDown ('name'@'%')
  int runs_ = 0;
};

// Row events (tombstones left out) of `lines`, grouped by the integer key
// column `key`: each key's ops in order.
inline std::map<int64_t, std::vector<cdc::v1::Op>> OpsByKey(const std::vector<TailLine>& lines,
                                                            const std::string& key) {
  std::map<int64_t, std::vector<cdc::v1::Op>> out;
  for (const auto& l : lines) {
    if (!l.has_value()) continue;
    const auto& e = l.value();
    const auto& image = e.op() == cdc::v1::OP_DELETE ? e.before() : e.after();
    const cdc::v1::Value* v = FindValue(image, key);
    out[v == nullptr ? INT64_MIN : v->int_value()].push_back(e.op());
  }
  return out;
}

}  // namespace cdc::itest
