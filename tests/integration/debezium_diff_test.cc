// The differential test of `kafka.format: debezium-json`: Debezium Server
// 3.6.1 itself and cdc-agent capture the same tables of every column type,
// through a snapshot and then streamed inserts, updates (a key change
// included), deletes, TRUNCATE and a multi-statement transaction, and
// tests/integration/debezium_compare.py compares their topics message by
// message and field by field. The differences that stay are listed, each
// with its reason, in tests/data/debezium/known_differences.tsv; any other
// fails the test.
//
// deploy/local/test fetches Debezium Server and a Java 25 runtime
// (deploy/local/fetch-debezium) and exports CDC_DEBEZIUM_DIR and CDC_PYTHON.
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/my_agent_fixture.h"
#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

constexpr char kDebeziumVersion[] = "3.6.1.Final";
const std::string kDataDir = std::string(CDC_SOURCE_DIR) + "/tests/data/debezium/";

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Replaces every `from` in `text` with `to`.
std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// A SQL file of tests/data/debezium with its row ids filled in: `:id` (or
// `@id` for MariaDB) becomes `id`, and `:idN` becomes id + 1 + N.
std::string RowsSql(const std::string& file, char sigil, int id) {
  std::string sql = ReadText(kDataDir + file);
  for (int n = 9; n >= 0; --n) {
    sql = ReplaceAll(sql, std::string(1, sigil) + "id" + std::to_string(n), std::to_string(id + 1 + n));
  }
  return ReplaceAll(sql, std::string(1, sigil) + "id", std::to_string(id));
}

// The statements of a setup file after its database is chosen (`\c` or
// `USE`), which the test does itself.
std::string SetupSql(const std::string& file) {
  std::string sql = ReadText(kDataDir + file);
  size_t at = sql.find("\\c ");
  if (at == std::string::npos) at = sql.find("USE ");
  if (at == std::string::npos) return sql;
  return sql.substr(sql.find('\n', at) + 1);
}

// Splits a script into statements at a ';' that ends a line.
std::vector<std::string> Statements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream lines(sql);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("--", 0) == 0) continue;
    current += line + "\n";
    if (!line.empty() && line.back() == ';') {
      out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \n") != std::string::npos) out.push_back(current);
  return out;
}

// Debezium Server as a child process, with its configuration and offsets in
// a folder of the test.
class DebeziumServer {
 public:
  // Starts it with `properties` (application.properties without the sink's
  // and the format's settings, which are the same for every test).
  bool Start(const std::string& home, const TestEnv& env, const std::string& dir,
             const std::string& properties) {
    dir_ = dir;
    std::string conf = dir + "/dbz-conf";
    std::filesystem::create_directories(conf);
    WriteFile(conf + "/application.properties",
              properties +
                  "quarkus.http.host=127.0.0.1\n"
                  "quarkus.http.port=0\n"
                  "debezium.sink.type=kafka\n"
                  "debezium.sink.kafka.producer.bootstrap.servers=" + env.brokers + "\n"
                  "debezium.sink.kafka.producer.key.serializer="
                  "org.apache.kafka.common.serialization.StringSerializer\n"
                  "debezium.sink.kafka.producer.value.serializer="
                  "org.apache.kafka.common.serialization.StringSerializer\n"
                  "debezium.source.offset.storage.file.filename=" + dir + "/dbz-offsets.dat\n"
                  "debezium.source.offset.flush.interval.ms=0\n"
                  "debezium.source.skipped.operations=none\n"
                  "debezium.format.value=json\n"
                  "debezium.format.key=json\n"
                  "debezium.format.value.schemas.enable=true\n"
                  "debezium.format.key.schemas.enable=true\n");
    std::string server = home + "/server";
    std::string classpath = server + "/debezium-server-dist-" + kDebeziumVersion + "-runner.jar:" +
                            conf + ":" + server + "/lib/*";
    return process_.Start({home + "/java", "-Xmx1g", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                           "-cp", classpath, "io.debezium.server.Main"},
                          dir + "/debezium");
  }

  bool running() { return process_.running(); }

  // The end of its output, for failure messages.
  std::string Tail() const {
    std::string out = process_.Stdout() + process_.Stderr();
    return out.size() > 6000 ? out.substr(out.size() - 6000) : out;
  }

  void Stop() {
    if (!process_.running()) return;
    process_.Signal(SIGTERM);
    if (process_.Wait(std::chrono::seconds(30)) == -1) {
      process_.Signal(SIGKILL);
      process_.Wait(std::chrono::seconds(10));
    }
  }

  ~DebeziumServer() { Stop(); }

 private:
  Process process_;
  std::string dir_;
};

// What both connectors share: Debezium Server, the wait for messages and the
// comparison.
class DebeziumDiff {
 public:
  // Reads CDC_DEBEZIUM_DIR and CDC_PYTHON; returns what is missing.
  std::string Load() {
    home_ = Getenv("CDC_DEBEZIUM_DIR");
    python_ = Getenv("CDC_PYTHON");
    if (home_.empty()) return "CDC_DEBEZIUM_DIR is not set; deploy/local/test exports it";
    if (python_.empty()) return "CDC_PYTHON is not set; deploy/local/test exports it";
    return "";
  }

  // Waits until `topic` holds `count` messages, while Debezium Server runs.
  static bool WaitForMessages(const TestEnv& env, DebeziumServer* server, const std::string& topic,
                              int64_t count, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (CountTopic(env, topic, count, std::chrono::seconds(3)).messages >= count) return true;
      if (server != nullptr && !server->running()) return false;
    }
    return false;
  }

  // Waits until Debezium Server and the agent both wrote the last row (of
  // table diff_end, in schema or database `ns`), stops both and compares
  // their topics of `tables` (in `ns`): every pair must match.
  void FinishAndCompare(const TestEnv& env, const std::string& connector, const std::string& ns,
                        const std::string& expected_prefix, const std::string& actual_prefix,
                        const std::vector<std::string>& tables, DebeziumServer& server,
                        Process& agent, const std::function<void()>& stop_agent) {
    ASSERT_TRUE(WaitForMessages(env, &server, expected_prefix + "." + ns + ".diff_end", 1,
                                std::chrono::seconds(180)))
        << "Debezium Server did not stream the last row:\n" << server.Tail();
    ASSERT_TRUE(WaitForMessages(env, nullptr, actual_prefix + "." + ns + ".diff_end", 1,
                                std::chrono::seconds(60)))
        << "the agent did not stream the last row:\n" << agent.Stderr();
    // The messages sent just before the last one are acknowledged with it.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    server.Stop();
    stop_agent();
    CommandResult r = Compare(env, connector, expected_prefix, actual_prefix, ns, tables);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::cout << r.out;
  }

  // Runs debezium_compare.py on `ns`.<table> for each of `tables`; returns
  // its exit code and output.
  CommandResult Compare(const TestEnv& env, const std::string& connector, const std::string& expected,
                        const std::string& actual, const std::string& ns,
                        const std::vector<std::string>& tables) {
    std::string list;
    for (const auto& t : tables) list += (list.empty() ? "" : ",") + (ns + "." + t);
    return RunCommand({python_, std::string(CDC_SOURCE_DIR) + "/tests/integration/debezium_compare.py",
                       "--brokers", env.brokers, "--expected-prefix", expected, "--actual-prefix",
                       actual, "--tables", list, "--connector", connector, "--known",
                       kDataDir + "known_differences.tsv"},
                      std::chrono::seconds(180));
  }

  std::string home_;
  std::string python_;
};

// A prefix no earlier run used on the same broker.
std::string FreshPrefix(const std::string& tag) {
  return tag + UniqueSuffix() + "_" + std::to_string(std::time(nullptr));
}

class PgDebeziumDiffTest : public PgAgentTest {
 protected:
  void SetUp() override {
    PgAgentTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string missing = diff_.Load();
    ASSERT_TRUE(missing.empty()) << missing;
  }
  DebeziumDiff diff_;
};

TEST_F(PgDebeziumDiffTest, SameBeforeAfterAndOpAsDebeziumServer) {
  const std::vector<std::string> tables = {"pg_types", "pg_nokey", "pg_compound", "pg_toast",
                                           "pg_more", "diff_facts", "diff_end"};
  Sql(SetupSql("pg_setup.sql"));
  Sql("CREATE TABLE diff_facts (id int4 PRIMARY KEY, n int4 NOT NULL DEFAULT 5, "
      "s varchar(10) DEFAULT 'x', m mood NOT NULL, at ts3)");
  Sql("INSERT INTO diff_facts (id, m) VALUES (1, 'ok')");
  Sql("CREATE TABLE diff_end (id int4 PRIMARY KEY)");
  // The snapshot: a row of every type, the edge rows, a TOASTed row.
  Sql(RowsSql("pg_rows.sql", ':', 1));
  Sql(RowsSql("pg_rows_edge.sql", ':', 1));
  Sql("INSERT INTO pg_toast VALUES (1, repeat('x', 10000), decode(repeat('ab', 10000), 'hex'), "
      "('{\"k\":\"' || repeat('y', 10000) || '\"}')::jsonb, array[repeat('z', 10000)], "
      "array_fill(7, array[3000]), 1)");

  const std::string dbz_prefix = FreshPrefix("dbzd");
  const std::string dbz_slot = "dbzd_slot_" + UniqueSuffix();
  std::string include;
  for (const auto& t : tables) include += (include.empty() ? "" : ",") + ("public." + t);
  DebeziumServer server;
  ASSERT_TRUE(server.Start(diff_.home_, env_, dir_,
                           "debezium.source.connector.class="
                           "io.debezium.connector.postgresql.PostgresConnector\n"
                           "debezium.source.database.hostname=127.0.0.1\n"
                           "debezium.source.database.port=" + std::to_string(env_.pg_port) + "\n"
                           "debezium.source.database.user=postgres\n"
                           "debezium.source.database.password=" + env_.pg_password + "\n"
                           "debezium.source.database.dbname=" + db_name_ + "\n"
                           "debezium.source.topic.prefix=" + dbz_prefix + "\n"
                           "debezium.source.table.include.list=" + include + "\n"
                           "debezium.source.plugin.name=pgoutput\n"
                           "debezium.source.slot.name=" + dbz_slot + "\n"
                           "debezium.source.publication.name=dbzd_pub\n"
                           "debezium.source.publication.autocreate.mode=filtered\n"));

  settings_.topic_prefix = FreshPrefix("cdcd");
  settings_.kafka_extra = "  format: debezium-json\n  schemas_enable: true\n";
  for (const auto& t : tables) settings_.tables.push_back("public." + t);
  StartAgent();
  // Debezium's snapshot is in Kafka: its slot exists, so what follows is
  // streamed by both.
  ASSERT_TRUE(DebeziumDiff::WaitForMessages(env_, &server, dbz_prefix + ".public.pg_types", 9,
                                            std::chrono::seconds(180)))
      << "Debezium Server did not write its snapshot:\n" << server.Tail();

  Sql(RowsSql("pg_rows.sql", ':', 101));
  Sql(RowsSql("pg_rows_edge.sql", ':', 101));
  Sql(ReadText(kDataDir + "pg_more.sql"));
  Sql("INSERT INTO diff_facts VALUES (2, 6, NULL, 'sad', '2024-03-10 12:34:56.789')");
  Sql("DELETE FROM diff_facts WHERE id = 1");
  Sql("UPDATE pg_types SET c_int4 = 7, c_text = 'updated' WHERE id = 101");
  Sql("UPDATE pg_types SET id = 201 WHERE id = 102");
  Sql("DELETE FROM pg_types WHERE id = 103");
  Sql("UPDATE pg_toast SET n = 2 WHERE id = 1");
  Sql("UPDATE pg_nokey SET b = 'nokey2' WHERE a = 102");
  Sql("DELETE FROM pg_nokey WHERE a = 102");
  Sql("UPDATE pg_compound SET v = 'v2' WHERE k1 = 102");
  Sql("DELETE FROM pg_compound WHERE k1 = 102");
  Sql("DELETE FROM pg_toast WHERE id = 1");
  Sql("TRUNCATE pg_compound");
  Sql("BEGIN; INSERT INTO pg_compound VALUES (301, 'a', 'x'), (302, 'b', NULL); "
      "UPDATE pg_compound SET v = 'y' WHERE k1 = 301; COMMIT");
  Sql("INSERT INTO diff_end VALUES (1)");

  diff_.FinishAndCompare(env_, "postgresql", "public", dbz_prefix, settings_.topic_prefix, tables,
                         server, *agent_, [&] { StopAgent(); });
}

class MyDebeziumDiffTest : public MyAgentTest {
 protected:
  void SetUp() override {
    MyAgentTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string missing = diff_.Load();
    ASSERT_TRUE(missing.empty()) << missing;
  }

  void Script(const std::string& sql) {
    for (const auto& statement : Statements(sql)) {
      Sql(statement);
      if (HasFatalFailure()) return;
    }
  }

  DebeziumDiff diff_;
};

TEST_F(MyDebeziumDiffTest, SameBeforeAfterAndOpAsDebeziumServer) {
  const std::vector<std::string> tables = {"my_types", "my_nokey", "my_compound", "diff_facts",
                                           "diff_end"};
  Script(SetupSql("my_setup.sql"));
  Sql("CREATE TABLE diff_facts (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 5, "
      "s VARCHAR(10) DEFAULT 'x', m ENUM('sad','ok') NOT NULL, at DATETIME(3))");
  Sql("INSERT INTO diff_facts (id, m) VALUES (1, 'ok')");
  Sql("CREATE TABLE diff_end (id INT PRIMARY KEY)");
  // The snapshot: a row of every type (Debezium's snapshot cannot read the
  // edge rows' zero dates and YEAR, so they are streamed only).
  Script(RowsSql("my_rows.sql", '@', 1));
  Sql("INSERT INTO my_compound VALUES (1, 's', 'snap')");

  const std::string dbz_prefix = FreshPrefix("dbzd");
  std::string include;
  for (const auto& t : tables) include += (include.empty() ? "" : ",") + (db_name_ + "." + t);
  DebeziumServer server;
  ASSERT_TRUE(server.Start(diff_.home_, env_, dir_,
                           "debezium.source.connector.class="
                           "io.debezium.connector.mariadb.MariaDbConnector\n"
                           "debezium.source.database.hostname=127.0.0.1\n"
                           "debezium.source.database.port=" + std::to_string(env_.mysql_port) + "\n"
                           "debezium.source.database.user=root\n"
                           "debezium.source.database.password=" + env_.mysql_password + "\n"
                           "debezium.source.database.server.id=" + std::to_string(NextServerId()) + "\n"
                           "debezium.source.topic.prefix=" + dbz_prefix + "\n"
                           "debezium.source.database.include.list=" + db_name_ + "\n"
                           "debezium.source.table.include.list=" + include + "\n"
                           "debezium.source.schema.history.internal="
                           "io.debezium.storage.file.history.FileSchemaHistory\n"
                           "debezium.source.schema.history.internal.file.filename=" + dir_ +
                               "/dbz-history.dat\n"));

  settings_.topic_prefix = FreshPrefix("cdcd");
  settings_.kafka_extra = "  format: debezium-json\n  schemas_enable: true\n";
  StartAgent();
  ASSERT_TRUE(DebeziumDiff::WaitForMessages(env_, &server, dbz_prefix + "." + db_name_ + ".my_types",
                                            1, std::chrono::seconds(180)))
      << "Debezium Server did not write its snapshot:\n" << server.Tail();

  Script(RowsSql("my_rows.sql", '@', 101));
  Script(RowsSql("my_rows_edge.sql", '@', 101));
  Sql("INSERT INTO diff_facts VALUES (2, 6, NULL, 'sad', '2024-03-10 12:34:56.789')");
  Sql("DELETE FROM diff_facts WHERE id = 1");
  Sql("UPDATE my_types SET c_int = 7, c_text = 'updated' WHERE id = 101");
  Sql("UPDATE my_types SET id = 201 WHERE id = 102");
  Sql("DELETE FROM my_types WHERE id = 103");
  Sql("UPDATE my_nokey SET b = 'nokey2' WHERE a = 102");
  Sql("DELETE FROM my_nokey WHERE a = 102");
  Sql("UPDATE my_compound SET v = 'v2' WHERE k1 = 102");
  Sql("DELETE FROM my_compound WHERE k1 = 102");
  Sql("TRUNCATE my_compound");
  Sql("BEGIN");
  Sql("INSERT INTO my_compound VALUES (301, 'a', 'x'), (302, 'b', NULL)");
  Sql("UPDATE my_compound SET v = 'y' WHERE k1 = 301");
  Sql("COMMIT");
  Sql("INSERT INTO diff_end VALUES (1)");

  diff_.FinishAndCompare(env_, "mariadb", db_name_, dbz_prefix, settings_.topic_prefix, tables,
                         server, *agent_, [&] { StopAgent(); });
}

}  // namespace
}  // namespace cdc::itest
