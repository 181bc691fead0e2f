#include "tests/integration/harness.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafkacpp.h>
#include <mysql.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/chunk_size.h"

namespace cdc::itest {

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Getenv(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v == nullptr ? fallback : std::string(v);
}

std::string QuoteConn(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string YamlQuote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// A consumer of `topic` from its beginning that reads committed messages
// only; null (with a test failure added) when it cannot be made. `follow`:
// partition 0 alone, assigned at once (no group to join); else every
// partition, through a group.
std::unique_ptr<RdKafka::KafkaConsumer> CommittedConsumer(const TestEnv& env,
                                                          const std::string& topic,
                                                          bool follow) {
  std::string err;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", env.brokers},
      {"group.id", "itest-count-" + UniqueSuffix()},
      {"auto.offset.reset", "earliest"},
      {"enable.auto.commit", "false"},
      {"isolation.level", "read_committed"},
      {"topic.metadata.refresh.interval.ms", follow ? "100" : "500"},
  };
  for (const auto& [key, value] : settings) {
    if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
      ADD_FAILURE() << "consumer setting " << key << ": " << err;
      return nullptr;
    }
  }
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!consumer) {
    ADD_FAILURE() << "cannot create a Kafka consumer: " << err;
    return nullptr;
  }
  RdKafka::ErrorCode started;
  if (follow) {
    std::unique_ptr<RdKafka::TopicPartition> first(
        RdKafka::TopicPartition::create(topic, 0, RdKafka::Topic::OFFSET_BEGINNING));
    started = consumer->assign({first.get()});
  } else {
    started = consumer->subscribe({topic});
  }
  if (started != RdKafka::ERR_NO_ERROR) {
    ADD_FAILURE() << "cannot consume " << topic << ": " << RdKafka::err2str(started);
    return nullptr;
  }
  return consumer;
}

}  // namespace

std::optional<TestEnv> LoadTestEnv(std::string* why) {
  if (std::getenv("CDC_TEST_ENV") == nullptr) {
    *why = "CDC_TEST_ENV is not set (run deploy/local/test)";
    return std::nullopt;
  }
  TestEnv env;
  env.pg_port = std::atoi(Getenv("CDC_PG_PORT", "55432").c_str());
  env.pg_replica_port = std::atoi(Getenv("CDC_PG_REPLICA_PORT", "55433").c_str());
  env.pg_password = Getenv("CDC_PG_PASSWORD", "cdcpass");
  env.brokers = Getenv("CDC_KAFKA_BROKERS", "127.0.0.1:59092");
  env.agent_bin = Getenv("CDC_AGENT_BIN", std::string(CDC_BINARY_DIR) + "/agent/cdc-agent");
  env.mysql_port = std::atoi(Getenv("CDC_MYSQL_PORT", "53306").c_str());
  env.mysql_password = Getenv("CDC_MYSQL_PASSWORD", "cdcpass");
  if (access(env.agent_bin.c_str(), X_OK) != 0) {
    *why = "the cdc-agent binary " + env.agent_bin + " is missing (set CDC_AGENT_BIN)";
    return std::nullopt;
  }
  return env;
}

Process::~Process() {
  if (pid_ > 0 && running()) {
    kill(pid_, SIGKILL);
    Wait(std::chrono::milliseconds(5000));
  }
}

bool Process::Start(const std::vector<std::string>& argv, const std::string& log_prefix) {
  log_prefix_ = log_prefix;
  std::string out = log_prefix + ".out";
  std::string err = log_prefix + ".err";
  pid_ = fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = open("/dev/null", O_RDONLY);
    dup2(n, 0);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  status_ = -1;
  return true;
}

void Process::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

bool Process::running() {
  if (pid_ <= 0 || status_ != -1) return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = st;
    return false;
  }
  return true;
}

int Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (status_ == -1) return -1;
  if (WIFEXITED(status_)) return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_)) return 128 + WTERMSIG(status_);
  return -1;
}

std::string Process::Stdout() const { return ReadAll(log_prefix_ + ".out"); }
std::string Process::Stderr() const { return ReadAll(log_prefix_ + ".err"); }

CommandResult RunCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  static std::atomic<int> counter{0};
  std::string dir = MakeTempDir("cmd");
  Process p;
  CommandResult result;
  if (!p.Start(argv, dir + "/cmd" + std::to_string(counter++))) return result;
  result.exit_code = p.Wait(timeout);
  if (result.exit_code == -1) {
    p.Signal(SIGKILL);
    p.Wait(std::chrono::milliseconds(5000));
  }
  result.out = p.Stdout();
  result.err = p.Stderr();
  RemoveTree(dir);
  return result;
}

PgClient::PgClient(const TestEnv& env, const std::string& database, int port) {
  std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port == 0 ? env.pg_port : port) +
                         " user=postgres dbname=" + QuoteConn(database) +
                         " password=" + QuoteConn(env.pg_password) +
                         " connect_timeout=10 options='-c TimeZone=UTC'";
  conn_ = PQconnectdb(conninfo.c_str());
}

PgClient::~PgClient() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool PgClient::ok() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

std::string PgClient::error() const { return conn_ == nullptr ? "no connection" : PQerrorMessage(conn_); }

std::string PgClient::Exec(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  std::string err;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    err = PQresultErrorMessage(r);
    if (err.empty()) err = "failed: " + sql;
  }
  PQclear(r);
  return err;
}

std::optional<std::string> PgClient::Scalar(const std::string& sql) {
  PGresult* r = PQexec(conn_, sql.c_str());
  std::optional<std::string> out;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
    out = PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  return out;
}

void DropDatabase(const TestEnv& env, const std::string& name) {
  PgClient admin(env, "postgres");
  std::string lit = "'" + name + "'";
  for (int i = 0; i < 50; ++i) {
    admin.Exec("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = " +
               lit + " AND active_pid IS NOT NULL");
    admin.Exec("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = " +
               lit + " AND NOT active");
    if (admin.Scalar("SELECT count(*) FROM pg_replication_slots WHERE database = " + lit) == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  admin.Exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
}

void RecreateDatabase(const TestEnv& env, const std::string& name) {
  DropDatabase(env, name);
  PgClient admin(env, "postgres");
  admin.Exec("CREATE DATABASE \"" + name + "\"");
}

std::string MakeTempDir(const std::string& tag) {
  std::string templ = (std::filesystem::temp_directory_path() / ("cdc-itest-" + tag + "-XXXXXX")).string();
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  char* dir = mkdtemp(buf.data());
  return dir == nullptr ? std::string() : std::string(dir);
}

void RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// The kafka and offsets sections, the same for every source.
template <typename Settings>
void AppendKafkaAndOffsets(const TestEnv& env, const Settings& s, std::ostringstream* y) {
  *y << "kafka:\n"
     << "  brokers: " << (s.brokers.empty() ? env.brokers : s.brokers) << "\n"
     << "  topic_prefix: " << s.topic_prefix << "\n"
     << "  tombstones: " << (s.tombstones ? "true" : "false") << "\n"
     << s.kafka_extra
     << "offsets:\n"
     << "  path: " << s.offsets_path << "\n"
     << s.extra;
}

std::string AgentConfigYaml(const TestEnv& env, const AgentSettings& s) {
  std::ostringstream y;
  y << "name: " << s.name << "\n"
    << "log_level: info\n"
    << (s.batch_max_events > 0 ? "batch_max_events: " + std::to_string(s.batch_max_events) + "\n"
                               : std::string())
    << "source:\n"
    << "  type: postgres\n"
    << "  host: 127.0.0.1\n"
    << "  port: " << (s.pg_port == 0 ? env.pg_port : s.pg_port) << "\n"
    << "  user: " << YamlQuote(s.user.empty() ? std::string("postgres") : s.user) << "\n"
    << "  password: " << YamlQuote(s.password.empty() ? env.pg_password : s.password) << "\n"
    << "  database: " << s.database << "\n"
    << "  slot: " << s.slot << "\n"
    << "  publication: " << s.publication << "\n"
    << "  snapshot: " << s.snapshot << "\n"
    << "  snapshot_chunk_rows: " << s.snapshot_chunk_rows << "\n"
    << "  status_interval_ms: " << s.status_interval_ms << "\n";
  if (!s.tables.empty()) {
    y << "  tables:\n";
    for (const auto& t : s.tables) y << "    - " << t << "\n";
  }
  AppendKafkaAndOffsets(env, s, &y);
  return y.str();
}

std::vector<TailLine> TailTopic(const TestEnv& env, const std::string& topic, int count,
                                std::chrono::milliseconds idle) {
  CommandResult r = RunCommand({env.agent_bin, "tail", "--brokers", env.brokers, "--topic", topic,
                                "--from-beginning", "--max", std::to_string(count),
                                "--idle-timeout-ms", std::to_string(idle.count())},
                               idle + std::chrono::seconds(60));
  std::vector<TailLine> lines;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    TailLine parsed;
    auto st = google::protobuf::util::JsonStringToMessage(line, &parsed);
    if (!st.ok()) {
      parsed.set_value_error("unparsable tail line: " + line);
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

bool WaitSlotActive(const TestEnv& env, const std::string& slot, std::chrono::milliseconds timeout) {
  PgClient admin(env, "postgres");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // A slot is active while CREATE_REPLICATION_SLOT runs too: wait for
    // its walsender to stream (catchup or streaming, not startup).
    if (admin.Scalar("SELECT count(*) > 0 FROM pg_replication_slots s JOIN pg_stat_replication r "
                     "ON r.pid = s.active_pid WHERE s.slot_name = '" + slot +
                     "' AND r.state IN ('catchup', 'streaming')") == "t") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string UniqueSuffix() {
  static std::atomic<int> counter{0};
  // The start time too: Kafka keeps topics across runs, and pids repeat.
  static const std::string run = std::to_string(getpid()) + "_" + std::to_string(time(nullptr) % 100000);
  return run + "_" + std::to_string(counter++);
}

const cdc::v1::Value* FindValue(const google::protobuf::RepeatedPtrField<cdc::v1::Column>& row,
                                const std::string& name) {
  for (const auto& c : row) {
    if (c.name() == name) return &c.value();
  }
  return nullptr;
}

MysqlClient::MysqlClient(const TestEnv& env, const std::string& database, const std::string& user,
                         const std::string& password) {
  conn_ = mysql_init(nullptr);
  if (conn_ == nullptr) {
    connect_error_ = "mysql_init failed";
    return;
  }
  unsigned int timeout = 10;
  mysql_options(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(conn_, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
  const std::string u = user.empty() ? std::string("root") : user;
  const std::string pw = user.empty() ? env.mysql_password : password;
  if (mysql_real_connect(conn_, "127.0.0.1", u.c_str(), pw.c_str(),
                         database.empty() ? nullptr : database.c_str(),
                         static_cast<unsigned int>(env.mysql_port), nullptr, 0) == nullptr) {
    connect_error_ = mysql_error(conn_);
    mysql_close(conn_);
    conn_ = nullptr;
  }
}

MysqlClient::~MysqlClient() {
  if (conn_ != nullptr) mysql_close(conn_);
}

bool MysqlClient::ok() const { return conn_ != nullptr; }

std::string MysqlClient::error() const {
  if (conn_ == nullptr) return connect_error_.empty() ? "no connection" : connect_error_;
  return mysql_error(conn_);
}

std::string MysqlClient::Exec(const std::string& sql) {
  if (conn_ == nullptr) return error();
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    std::string err = mysql_error(conn_);
    return err.empty() ? "failed: " + sql : err;
  }
  MYSQL_RES* res = mysql_store_result(conn_);
  if (res != nullptr) mysql_free_result(res);
  if (mysql_errno(conn_) != 0) return mysql_error(conn_);
  return "";
}

std::vector<std::vector<std::optional<std::string>>> MysqlClient::Rows(const std::string& sql) {
  std::vector<std::vector<std::optional<std::string>>> out;
  if (conn_ == nullptr || mysql_real_query(conn_, sql.data(), sql.size()) != 0) return out;
  MYSQL_RES* res = mysql_store_result(conn_);
  if (res == nullptr) return out;
  const unsigned int fields = mysql_num_fields(res);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lengths = mysql_fetch_lengths(res);
    auto& r = out.emplace_back();
    for (unsigned int i = 0; i < fields; ++i) {
      if (row[i] == nullptr) {
        r.emplace_back(std::nullopt);
      } else {
        r.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  mysql_free_result(res);
  return out;
}

std::optional<std::string> MysqlClient::Scalar(const std::string& sql) {
  auto rows = Rows(sql);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

std::string MysqlAgentYaml(const TestEnv& env, const MysqlAgentSettings& s) {
  std::ostringstream y;
  y << "name: " << s.name << "\n"
    << "log_level: info\n"
    << (s.batch_max_events > 0 ? "batch_max_events: " + std::to_string(s.batch_max_events) + "\n"
                               : std::string())
    << "source:\n"
    << "  type: mysql\n"
    << "  host: 127.0.0.1\n"
    << "  port: " << (s.port == 0 ? env.mysql_port : s.port) << "\n"
    << "  user: " << YamlQuote(s.user.empty() ? std::string("root") : s.user) << "\n"
    << "  password: " << YamlQuote(s.password.empty() ? env.mysql_password : s.password) << "\n"
    << "  server_id: " << s.server_id << "\n"
    << "  snapshot: " << s.snapshot << "\n"
    << "  snapshot_chunk_rows: " << s.snapshot_chunk_rows << "\n"
    << "  heartbeat_interval_ms: " << s.heartbeat_interval_ms << "\n"
    << "  reconnect_timeout_s: " << s.reconnect_timeout_s << "\n";
  if (!s.databases.empty()) {
    y << "  databases:\n";
    for (const auto& d : s.databases) y << "    - " << YamlQuote(d) << "\n";
  }
  if (!s.tables.empty()) {
    y << "  tables:\n";
    for (const auto& t : s.tables) y << "    - " << YamlQuote(t) << "\n";
  }
  AppendKafkaAndOffsets(env, s, &y);
  return y.str();
}

TopicCount CountTopic(const TestEnv& env, const std::string& topic, int64_t count,
                      std::chrono::milliseconds idle) {
  TopicCount out;
  auto consumer = CommittedConsumer(env, topic, /*follow=*/false);
  if (!consumer) return out;
  auto last = std::chrono::steady_clock::now();
  while (out.messages < count && std::chrono::steady_clock::now() - last < idle) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(200));
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;  // timeout, topic not there yet, EOF
    ++out.messages;
    if (m->key() != nullptr) out.keys.insert(*m->key());
    last = std::chrono::steady_clock::now();
  }
  consumer->close();
  return out;
}

int64_t WaitCommitted(const TestEnv& env, const std::string& topic,
                      const std::function<bool(int64_t)>& stop, std::chrono::milliseconds timeout) {
  auto consumer = CommittedConsumer(env, topic, /*follow=*/true);
  if (!consumer) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t read = 0;
  int64_t out = -1;
  while (out < 0 && std::chrono::steady_clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(20));
    if (m->err() == RdKafka::ERR_NO_ERROR && stop(++read)) out = read;
  }
  consumer->close();
  return out;
}

std::vector<std::string> UserLines(const std::string& err) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    if (line.rfind("cdc-agent:", 0) == 0) out.push_back(line);
    start = end + 1;
  }
  return out;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

int EnvInt(const char* name, int fallback) {
  const char* text = std::getenv(name);
  const int value = text != nullptr ? std::atoi(text) : 0;
  return value > 0 ? value : fallback;
}

std::vector<ChunkSpan> SnapshotChunks(uint64_t from, uint64_t rows, int max_rows) {
  std::vector<ChunkSpan> chunks;
  int asked = agent::FirstChunkRows(max_rows);
  for (uint64_t at = from; at < rows;) {
    const uint64_t end = std::min<uint64_t>(rows, at + static_cast<uint64_t>(asked));
    chunks.push_back({at, end});
    at = end;
    asked = agent::NextChunkRows(asked, max_rows, 0, 0);  // small rows: no byte bound
  }
  return chunks;
}

std::optional<ChunkSpan> ChunkInside(const std::vector<ChunkSpan>& chunks, uint64_t n) {
  for (const ChunkSpan& c : chunks) {
    if (c.start < n && n < c.end) return c;
  }
  return std::nullopt;
}

}  // namespace cdc::itest
