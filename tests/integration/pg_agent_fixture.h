// A test fixture that gives each integration test its own PostgreSQL
// database, slot, publication, topic prefix and offsets directory, and runs
// the real cdc-agent binary against them.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <thread>
#include <string>

#include "tests/integration/harness.h"

namespace cdc::itest {

class PgAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CDC_REQUIRE_TEST_ENV(env_);
    std::string suffix = UniqueSuffix();
    db_name_ = "it_" + suffix;
    RecreateDatabase(env_, db_name_);
    dir_ = MakeTempDir("agent");
    settings_.name = "it" + suffix;
    settings_.database = db_name_;
    settings_.slot = "slot_" + suffix;
    settings_.publication = "pub_" + suffix;
    settings_.topic_prefix = "it" + suffix;
    settings_.offsets_path = dir_ + "/offsets";
    db_ = std::make_unique<PgClient>(env_, db_name_);
    ASSERT_TRUE(db_->ok()) << db_->error();
  }

  void TearDown() override {
    if (agent_ && agent_->running()) StopAgent();
    db_.reset();
    if (!db_name_.empty()) DropDatabase(env_, db_name_);
    if (!dir_.empty() && !HasFailure()) RemoveTree(dir_);
  }

  // Runs SQL in the test database, failing the test on error.
  void Sql(const std::string& sql) {
    std::string err = db_->Exec(sql);
    ASSERT_TRUE(err.empty()) << sql << ": " << err;
  }

  std::string ConfigPath() {
    std::string path = dir_ + "/agent.yaml";
    WriteFile(path, AgentConfigYaml(env_, settings_));
    return path;
  }

  // Starts `cdc-agent run` and waits until it streams from its slot and,
  // when it takes a snapshot, until the snapshot's last chunk is read (the
  // snapshot reads while it streams: rows written before that may also come
  // as READ events).
  void StartAgent() {
    agent_ = std::make_unique<Process>();
    std::string log = dir_ + "/agent" + std::to_string(runs_++);
    ASSERT_TRUE(agent_->Start({env_.agent_bin, "run", "--config", ConfigPath()}, log));
    bool active = WaitSlotActive(env_, settings_.slot, std::chrono::seconds(60));
    ASSERT_TRUE(active) << "agent did not start streaming; stderr:\n" << agent_->Stderr();
    WaitSnapshotDone();
  }

  // Waits (up to 120 s) for "snapshot done" when the agent's log says a
  // snapshot started or resumed.
  void WaitSnapshotDone() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (true) {
      const std::string log = agent_->Stderr();
      const bool snapshotting = log.find("snapshot of ") != std::string::npos ||
                                log.find(" snapshot=") != std::string::npos;
      if (!snapshotting || log.find("snapshot done") != std::string::npos) return;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the snapshot did not finish in 120 s; stderr:\n" << log;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // SIGTERM; returns the exit code (-1 if it did not exit within 10 s).
  int StopAgent() {
    agent_->Signal(SIGTERM);
    int code = agent_->Wait(std::chrono::seconds(10));
    if (code == -1) agent_->Signal(SIGKILL), agent_->Wait(std::chrono::seconds(5));
    return code;
  }

  std::string Topic(const std::string& schema, const std::string& table) const {
    return settings_.topic_prefix + "." + schema + "." + table;
  }

  TestEnv env_;
  AgentSettings settings_;
  std::string db_name_;
  std::string dir_;
  std::unique_ptr<PgClient> db_;
  std::unique_ptr<Process> agent_;
  int runs_ = 0;
};

}  // namespace cdc::itest
