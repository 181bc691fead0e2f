// Shared pieces of the integration tests: the servers started by
// deploy/local/env, the cdc-agent binary as a child process, and `tail` output
// parsed back into typed messages.
//
// The tests run only inside deploy/local/test, which exports CDC_TEST_ENV=1
// and the server addresses. Elsewhere they skip with the reason.
#pragma once

#include <libpq-fe.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "tail_line.pb.h"

struct st_mysql;

namespace cdc::itest {

struct TestEnv {
  int pg_port = 55432;
  int pg_replica_port = 55433;  // a server with wal_level=replica
  std::string pg_password;
  std::string brokers;
  std::string agent_bin;
  int mysql_port = 53306;     // MariaDB with a ROW binlog and GTIDs
  std::string mysql_password;  // of root
};

// The environment, or nullopt with `why` set when not inside deploy/local/test.
std::optional<TestEnv> LoadTestEnv(std::string* why);

// Skips the test (outside deploy/local/test) or fails it (inside, when a
// variable is missing). Use as the first statement of SetUp().
#define CDC_REQUIRE_TEST_ENV(env_var)                                   \
  do {                                                                  \
    std::string why_;                                                   \
    auto loaded_ = ::cdc::itest::LoadTestEnv(&why_);                    \
    if (!loaded_) {                                                     \
      if (std::getenv("CDC_TEST_ENV") != nullptr) FAIL() << why_;       \
      GTEST_SKIP() << "SKIPPED: needs the servers of deploy/local: " << why_; \
    }                                                                   \
    env_var = *loaded_;                                                 \
  } while (0)

// A child process with stdout and stderr captured to files.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Starts argv[0] with the arguments; output goes to `log_prefix`.out/.err.
  bool Start(const std::vector<std::string>& argv, const std::string& log_prefix);
  // Sends a signal.
  void Signal(int sig);
  // Waits up to `timeout` for exit; returns the exit code, 128+signal, or -1
  // on timeout.
  int Wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  std::string log_prefix_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a command to completion (killed after `timeout`).
CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

// A libpq connection to one database of the test server as postgres.
class PgClient {
 public:
  PgClient(const TestEnv& env, const std::string& database, int port = 0);
  ~PgClient();
  bool ok() const;
  std::string error() const;
  // Runs SQL; returns the error message, empty on success.
  std::string Exec(const std::string& sql);
  // First column of the first row, or nullopt when there is no row / error.
  std::optional<std::string> Scalar(const std::string& sql);

 private:
  PGconn* conn_ = nullptr;
};

// Creates (dropping first, with its slots) database `name`.
void RecreateDatabase(const TestEnv& env, const std::string& name);
// Drops database `name` and its replication slots.
void DropDatabase(const TestEnv& env, const std::string& name);

// A fresh temporary directory (removed by the caller with RemoveTree).
std::string MakeTempDir(const std::string& tag);
void RemoveTree(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);

// Settings for an agent config file; see deploy/local/agent.yaml for the
// format.
struct AgentSettings {
  std::string name;
  std::string database;
  int pg_port = 0;  // 0 = env.pg_port
  std::string user;      // empty = postgres
  std::string password;  // empty = env.pg_password
  std::string slot;
  std::string publication;
  std::vector<std::string> tables;  // YAML-ready entries
  std::string snapshot = "initial";
  int snapshot_chunk_rows = 1000;
  std::string brokers;  // empty = env.brokers
  std::string topic_prefix;
  std::string offsets_path;
  bool tombstones = true;
  int batch_max_events = 0;  // 0: the agent's default
  // YAML lines added to the kafka section, each indented by two spaces
  // ("  format: json\n").
  std::string kafka_extra;
  // Top-level YAML added at the end ("transforms:\n  - type: ...\n").
  std::string extra;
  int status_interval_ms = 1000;
};
std::string AgentConfigYaml(const TestEnv& env, const AgentSettings& s);

// Reads `topic` from the beginning with `cdc-agent tail` until `count`
// messages arrived or `idle` passed without one; parses every line.
std::vector<TailLine> TailTopic(const TestEnv& env, const std::string& topic, int count,
                                std::chrono::milliseconds idle = std::chrono::milliseconds(15000));

// Waits until the slot exists and a walsender streams from it.
bool WaitSlotActive(const TestEnv& env, const std::string& slot, std::chrono::milliseconds timeout);

// The lines of a cdc-agent stderr written by the program itself
// ("cdc-agent: ..."), not log lines.
std::vector<std::string> UserLines(const std::string& err);

// Unique suffix for names: pid and a counter.
std::string UniqueSuffix();

// Column value lookup by name in a row image; nullptr if absent.
const cdc::v1::Value* FindValue(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row,
                                const std::string& name);

// A libmariadb connection to the test MariaDB server over TCP, with
// utf8mb4 and time_zone '+00:00'.
class MysqlClient {
 public:
  // Connects to `database` (empty: none) as `user` (empty: root with
  // env.mysql_password).
  MysqlClient(const TestEnv& env, const std::string& database = "", const std::string& user = "",
              const std::string& password = "");
  ~MysqlClient();
  MysqlClient(const MysqlClient&) = delete;
  MysqlClient& operator=(const MysqlClient&) = delete;
  bool ok() const;
  std::string error() const;
  // Runs one statement and discards any result; returns the error message,
  // empty on success.
  std::string Exec(const std::string& sql);
  // First column of the first row (bytes exactly as sent), or nullopt when
  // there is no row, the value is NULL or the statement failed.
  std::optional<std::string> Scalar(const std::string& sql);
  // Every row of a query (nullopt for NULL); empty on error.
  std::vector<std::vector<std::optional<std::string>>> Rows(const std::string& sql);

 private:
  st_mysql* conn_ = nullptr;
  std::string connect_error_;
};

// Settings for a MySQL/MariaDB source agent config file.
struct MysqlAgentSettings {
  std::string name;
  uint32_t server_id = 0;
  std::string user;      // empty = root
  std::string password;  // empty = env.mysql_password
  int port = 0;          // 0 = env.mysql_port
  std::vector<std::string> databases;
  std::vector<std::string> tables;  // "db.table"
  std::string snapshot = "initial";
  int snapshot_chunk_rows = 1000;
  int heartbeat_interval_ms = 1000;
  int reconnect_timeout_s = 120;
  std::string brokers;  // empty = env.brokers
  std::string topic_prefix;
  std::string offsets_path;
  bool tombstones = true;
  int batch_max_events = 0;  // 0: the agent's default
  // YAML lines added to the kafka section, each indented by two spaces
  // ("  format: json\n").
  std::string kafka_extra;
  // Top-level YAML added at the end ("transforms:\n  - type: ...\n").
  std::string extra;
};
std::string MysqlAgentYaml(const TestEnv& env, const MysqlAgentSettings& s);

// What a plain Kafka consumer read from a topic: no JSON, so it keeps up
// with the agent and a drain can be timed.
struct TopicCount {
  int64_t messages = 0;
  std::set<std::string> keys;  // distinct serialized message keys
};
// Reads `topic` from the beginning (committed messages only) until `count`
// messages arrived or `idle` passed without one.
TopicCount CountTopic(const TestEnv& env, const std::string& topic, int64_t count,
                      std::chrono::milliseconds idle);

// The chunks a snapshot run reads of a table of `rows` small rows (within
// agent/chunk_size.h's bytes), when it starts at row `from` with
// snapshot_chunk_rows `max_rows`: each chunk as [first row, end), counted
// from the table's start.
struct ChunkSpan {
  uint64_t start = 0;
  uint64_t end = 0;
};
std::vector<ChunkSpan> SnapshotChunks(uint64_t from, uint64_t rows, int max_rows);
// The chunk of `chunks` that `n` rows read lie strictly inside (start < n <
// end); nullopt if none: `n` is a chunk's end, or outside them all.
std::optional<ChunkSpan> ChunkInside(const std::vector<ChunkSpan>& chunks, uint64_t n);

// Follows `topic`, a topic of one partition, from the beginning (committed
// messages only), asking `stop` after each message with the number read so
// far; returns that number once `stop` says yes, or -1 when `timeout` passed
// first. What was read is committed, so the number is at most what is.
int64_t WaitCommitted(const TestEnv& env, const std::string& topic,
                      const std::function<bool(int64_t)>& stop, std::chrono::milliseconds timeout);

// For the benchmarks beside the tests.
// The median of `v` (the upper one of an even count); 0 when empty.
double Median(std::vector<double> v);
// User and system CPU seconds of the child processes waited for so far: the
// difference around a run of the agent is that run's CPU time.
double ChildrenCpuSeconds();
// The environment variable `name` as a positive integer, else `fallback`.
int EnvInt(const char* name, int fallback);

}  // namespace cdc::itest
