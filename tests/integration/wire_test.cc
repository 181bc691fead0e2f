// What consumers receive, against the real servers: headers, the topics the
// agent creates, TRUNCATE on every partition, the json format and the
// transaction's commit time.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <map>
#include <string>
#include <vector>

#include "tests/integration/my_agent_fixture.h"
#include "tests/integration/pg_agent_fixture.h"

namespace cdc::itest {
namespace {

using cdc::v1::ChangeEvent;

class PgWireTest : public PgAgentTest {};

std::string FormatLsnText(uint64_t lsn) {
  char text[32];
  std::snprintf(text, sizeof text, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xFFFFFFFFu));
  return text;
}

constexpr char kCreateThreePartitions[] =
    "  topics:\n"
    "    create:\n"
    "      partitions: 3\n"
    "      replication_factor: 1\n"
    "      config:\n"
    "        cleanup.policy: compact\n";

TEST_F(PgWireTest, CreatedTopicsGetTruncateOnEveryPartition) {
  settings_.kafka_extra = kCreateThreePartitions;
  Sql("CREATE TABLE t (id int PRIMARY KEY, v text)");
  StartAgent();
  Sql("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 30) g");
  Sql("TRUNCATE t");
  Sql("INSERT INTO t VALUES (100, 'after')");
  // 30 rows, one TRUNCATE per partition, one row.
  auto lines = TailTopic(env_, Topic("public", "t"), 34);
  ASSERT_EQ(lines.size(), 34u);
  std::map<int, std::vector<cdc::v1::Op>> by_partition;
  for (const auto& line : lines) {
    ASSERT_TRUE(line.value_error().empty()) << line.value_error();
    by_partition[line.partition()].push_back(line.value().op());
  }
  ASSERT_EQ(by_partition.size(), 3u) << "the agent created the topic with 3 partitions";
  for (const auto& [partition, ops] : by_partition) {
    // Each partition: its rows, then the TRUNCATE, then (maybe) the new row.
    auto t = std::find(ops.begin(), ops.end(), cdc::v1::OP_TRUNCATE);
    ASSERT_NE(t, ops.end()) << "partition " << partition;
    EXPECT_EQ(std::count(ops.begin(), ops.end(), cdc::v1::OP_TRUNCATE), 1);
    for (auto it = ops.begin(); it != t; ++it) EXPECT_EQ(*it, cdc::v1::OP_INSERT);
    EXPECT_LE(ops.end() - t - 1, 1) << "partition " << partition;
  }
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgWireTest, EveryEventCarriesItsHeaders) {
  Sql("CREATE TABLE h (id int PRIMARY KEY, v text)");
  StartAgent();
  Sql("INSERT INTO h VALUES (1, 'a')");
  Sql("UPDATE h SET v = 'b' WHERE id = 1");
  Sql("DELETE FROM h WHERE id = 1");
  auto lines = TailTopic(env_, Topic("public", "h"), 4);
  ASSERT_EQ(lines.size(), 4u);
  const std::vector<std::string> ops = {"insert", "update", "delete"};
  for (size_t i = 0; i < 3; ++i) {
    const auto& h = lines[i].headers();
    ASSERT_EQ(h.count("content-type"), 1u) << i;
    EXPECT_EQ(h.at("content-type"), "application/x-protobuf");
    EXPECT_EQ(h.at("cdc-schema"), "cdc.v1.ChangeEvent");
    EXPECT_EQ(h.at("cdc-op"), ops[i]);
    const auto& pg = lines[i].value().source().postgres();
    EXPECT_EQ(h.at("cdc-position"), "lsn=" + FormatLsnText(pg.lsn()) + ";commit_lsn=" +
                                        FormatLsnText(pg.commit_lsn()) + ";index=0");
  }
  EXPECT_EQ(lines[3].headers().size(), 1u) << "a tombstone carries its content type alone";
  EXPECT_EQ(lines[3].headers().at("content-type"), "application/x-protobuf");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgWireTest, JsonFormat) {
  settings_.kafka_extra = "  format: json\n";
  Sql("CREATE TABLE j (id int PRIMARY KEY, amount numeric(8,2))");
  StartAgent();
  Sql("INSERT INTO j VALUES (5, 12.50)");
  auto lines = TailTopic(env_, Topic("public", "j"), 1);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_TRUE(lines[0].value_error().empty()) << lines[0].value_error();
  EXPECT_EQ(lines[0].headers().at("content-type"), "application/json");
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_EQ(FindValue(lines[0].value().after(), "amount")->decimal_value(), "12.50");
  ASSERT_EQ(lines[0].key().columns_size(), 1);
  EXPECT_EQ(lines[0].key().columns(0).value().int_value(), 5);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// BEGIN and END on the transaction topic around the events of a source
// transaction, each event naming its transaction and order.
void CheckTransaction(const std::vector<TailLine>& tx, const std::vector<TailLine>& a,
                      const std::vector<TailLine>& b, const std::string& table_a,
                      const std::string& table_b) {
  ASSERT_EQ(tx.size(), 2u);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(tx[0].value().op(), cdc::v1::OP_BEGIN);
  EXPECT_EQ(tx[0].headers().at("cdc-op"), "begin");
  const std::string id = tx[0].value().transaction().id();
  EXPECT_FALSE(id.empty());
  ASSERT_EQ(tx[0].key().columns_size(), 1);
  EXPECT_EQ(tx[0].key().columns(0).value().text_value(), id);
  const ChangeEvent& end = tx[1].value();
  EXPECT_EQ(end.op(), cdc::v1::OP_COMMIT);
  EXPECT_EQ(end.transaction().id(), id);
  EXPECT_EQ(end.transaction().event_count(), 3u);
  ASSERT_EQ(end.transaction().data_collections_size(), 2);
  EXPECT_EQ(end.transaction().data_collections(0).data_collection(), table_a);
  EXPECT_EQ(end.transaction().data_collections(0).event_count(), 2u);
  EXPECT_EQ(end.transaction().data_collections(1).data_collection(), table_b);
  EXPECT_EQ(end.transaction().data_collections(1).event_count(), 1u);
  EXPECT_EQ(end.source().commit_time_us(), a[0].value().source().commit_time_us());
  // Statements: insert a, insert b, update a.
  EXPECT_EQ(a[0].value().transaction().id(), id);
  EXPECT_EQ(a[0].value().transaction().total_order(), 1u);
  EXPECT_EQ(a[0].value().transaction().data_collection_order(), 1u);
  EXPECT_EQ(b[0].value().transaction().total_order(), 2u);
  EXPECT_EQ(b[0].value().transaction().data_collection_order(), 1u);
  EXPECT_EQ(a[1].value().transaction().total_order(), 3u);
  EXPECT_EQ(a[1].value().transaction().data_collection_order(), 2u);
}

TEST_F(PgWireTest, TransactionMetadata) {
  settings_.kafka_extra = "  transaction_metadata: true\n";
  Sql("CREATE TABLE a (id int PRIMARY KEY, v int)");
  Sql("CREATE TABLE b (id int PRIMARY KEY)");
  Sql("INSERT INTO a VALUES (0, 0)");  // a snapshot row: outside any transaction
  StartAgent();
  Sql("BEGIN; INSERT INTO a VALUES (1, 1); INSERT INTO b VALUES (1); "
      "UPDATE a SET v = 2 WHERE id = 1; COMMIT");
  auto a = TailTopic(env_, Topic("public", "a"), 3);
  auto b = TailTopic(env_, Topic("public", "b"), 1);
  auto tx = TailTopic(env_, settings_.topic_prefix + ".transaction", 3,
                      std::chrono::milliseconds(5000));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_FALSE(a[0].value().has_transaction()) << "snapshot row";
  a.erase(a.begin());
  CheckTransaction(tx, a, b, "public.a", "public.b");
  EXPECT_EQ(tx[0].value().transaction().id(),
            std::to_string(a[0].value().source().transaction_id()) + ":" +
                std::to_string(a[0].value().source().postgres().commit_lsn()));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// The schema registry end to end: the agent registers its schemas and
// frames every key and value; confluent-kafka's ProtobufDeserializer
// (tests/integration/registry_consume.py) decodes each message with the
// schema the registry names, using `cdc-agent schema`'s own output.
struct RegistryEnv {
  std::string url;
  std::string python;
};

// Fails the test (skips outside deploy/local/test) when a variable is missing.
#define CDC_REQUIRE_REGISTRY(out)                                                         \
  do {                                                                                    \
    const char* url = std::getenv("CDC_REGISTRY_URL");                                    \
    const char* python = std::getenv("CDC_PYTHON");                                       \
    if (url == nullptr || python == nullptr || *url == '\0' || *python == '\0') {          \
      FAIL() << "CDC_REGISTRY_URL and CDC_PYTHON must be set; deploy/local/test exports " \
                "them";                                                                   \
    }                                                                                     \
    (out) = RegistryEnv{url, python};                                                     \
  } while (0)

// Runs registry_consume.py on `topic`; returns the "op" of each line ("" for
// a tombstone), or fails the test.
std::vector<std::string> ConsumeWithRegistry(const TestEnv& env, const RegistryEnv& reg,
                                             const std::string& dir, const std::string& topic,
                                             int count, const std::string& strategy) {
  std::vector<std::string> ops;
  const std::string set = dir + "/events.pb";
  CommandResult schema = RunCommand({env.agent_bin, "schema", "--descriptor-set", set},
                                    std::chrono::seconds(30));
  EXPECT_EQ(schema.exit_code, 0) << schema.err;
  CommandResult text = RunCommand({env.agent_bin, "schema"}, std::chrono::seconds(30));
  EXPECT_EQ(text.exit_code, 0) << text.err;
  WriteFile(dir + "/change_event.proto", text.out);
  CommandResult r = RunCommand(
      {reg.python, CDC_SOURCE_DIR "/tests/integration/registry_consume.py", "--brokers",
       env.brokers, "--topic", topic, "--registry", reg.url, "--descriptor-set", set,
       "--proto-text", dir + "/change_event.proto", "--count", std::to_string(count),
       "--timeout", "60", "--subject-strategy", strategy},
      std::chrono::seconds(120));
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) {
      ADD_FAILURE() << "not JSON: " << line;
      continue;
    }
    const auto& op = parsed.fields().at("op");
    ops.push_back(op.kind_case() == google::protobuf::Value::kStringValue ? op.string_value()
                                                                          : "");
  }
  return ops;
}

TEST_F(PgWireTest, SchemaRegistryRoundTrip) {
  RegistryEnv reg;
  CDC_REQUIRE_REGISTRY(reg);
  settings_.kafka_extra = "  schema_registry:\n    url: " + reg.url + "\n";
  Sql("CREATE TABLE r (id int PRIMARY KEY, amount numeric(8,2), at timestamptz)");
  StartAgent();
  Sql("INSERT INTO r VALUES (1, 1.50, now()), (2, 2.50, now())");
  Sql("UPDATE r SET amount = 3 WHERE id = 1");
  Sql("DELETE FROM r WHERE id = 2");
  Sql("TRUNCATE r");
  // 2 inserts, update, delete, tombstone, truncate.
  const auto ops = ConsumeWithRegistry(env_, reg, dir_, Topic("public", "r"), 6, "topic-name");
  EXPECT_EQ(ops, (std::vector<std::string>{"OP_INSERT", "OP_INSERT", "OP_UPDATE", "OP_DELETE", "",
                                           "OP_TRUNCATE"}));
  // tail reads the framed messages too, and each carries the schema id.
  auto lines = TailTopic(env_, Topic("public", "r"), 6);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].value().op(), cdc::v1::OP_INSERT);
  EXPECT_FALSE(lines[0].headers().at("cdc-schema-id").empty());
  EXPECT_EQ(lines[0].headers().at("content-type"), "application/vnd.confluent.protobuf");
  EXPECT_EQ(lines[0].key().columns(0).value().int_value(), 1);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgWireTest, UnreachableRegistryLosesNothing) {
  // A registry that does not answer: the agent tries again, then starts over
  // from its last committed position, storing nothing past the event it
  // could not send; with the registry back, a restart publishes every change.
  RegistryEnv reg;
  CDC_REQUIRE_REGISTRY(reg);
  settings_.kafka_extra =
      "  delivery_timeout_ms: 3000\n  schema_registry:\n    url: http://127.0.0.1:9\n";
  Sql("CREATE TABLE u (id int PRIMARY KEY)");
  StartAgent();
  // The snapshot (of no rows) is committed first, so the restarts below
  // resume after it rather than take it again.
  for (int i = 0; i < 100; ++i) {
    CommandResult shown =
        RunCommand({env_.agent_bin, "offsets", "show", "--config", ConfigPath()},
                   std::chrono::seconds(30));
    if (shown.out.find("\tpg:") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Sql("INSERT INTO u VALUES (1)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (agent_->Stderr().find("starting again from the last committed position") ==
             std::string::npos &&
         agent_->running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(agent_->Stderr().find("127.0.0.1:9"), std::string::npos) << agent_->Stderr();
  EXPECT_NE(agent_->Stderr().find("starting again from the last committed position"),
            std::string::npos)
      << agent_->Stderr();
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
  settings_.kafka_extra = "  schema_registry:\n    url: " + reg.url + "\n";
  StartAgent();
  Sql("INSERT INTO u VALUES (2)");
  const auto ops = ConsumeWithRegistry(env_, reg, dir_, Topic("public", "u"), 2, "topic-name");
  EXPECT_EQ(ops, (std::vector<std::string>{"OP_INSERT", "OP_INSERT"}));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

// The raw key and value of each message of `topic`, read with `cdc-agent
// tail` (which prints JSON messages as they are) as generic JSON.
std::vector<google::protobuf::Struct> TailJson(const TestEnv& env, const std::string& topic,
                                               int count) {
  CommandResult r = RunCommand({env.agent_bin, "tail", "--brokers", env.brokers, "--topic", topic,
                                "--from-beginning", "--max", std::to_string(count),
                                "--idle-timeout-ms", "15000"},
                               std::chrono::seconds(90));
  std::vector<google::protobuf::Struct> lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    google::protobuf::Struct parsed;
    if (!google::protobuf::util::JsonStringToMessage(line, &parsed).ok()) {
      ADD_FAILURE() << "not JSON: " << line;
      continue;
    }
    lines.push_back(std::move(parsed));
  }
  return lines;
}

const google::protobuf::Value& At(const google::protobuf::Struct& s, const std::string& path) {
  static const google::protobuf::Value kMissing;
  const google::protobuf::Struct* cur = &s;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string name = path.substr(start, dot == std::string::npos ? dot : dot - start);
    auto it = cur->fields().find(name);
    if (it == cur->fields().end()) return kMissing;
    if (dot == std::string::npos) return it->second;
    cur = &it->second.struct_value();
    start = dot + 1;
  }
}

TEST_F(PgWireTest, DebeziumJsonWithTransactionMetadata) {
  settings_.kafka_extra = "  format: debezium-json\n  transaction_metadata: true\n";
  Sql("CREATE TABLE d (id int PRIMARY KEY, amount numeric(8,2), note text, at timestamp(3))");
  StartAgent();
  Sql("BEGIN; INSERT INTO d VALUES (1, 12.50, 'a', '2026-01-02 03:04:05.678'); "
      "UPDATE d SET note = 'b' WHERE id = 1; COMMIT");
  Sql("DELETE FROM d WHERE id = 1");
  Sql("TRUNCATE d");
  auto lines = TailJson(env_, Topic("public", "d"), 5);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(At(lines[4], "value.op").string_value(), "t");
  EXPECT_EQ(At(lines[4], "key").struct_value().fields_size(), 0);
  EXPECT_EQ(At(lines[4], "key").kind_case(), google::protobuf::Value::kStructValue);
  EXPECT_EQ(At(lines[0], "headers.content-type").string_value(), "application/json");
  EXPECT_EQ(At(lines[0], "headers.cdc-schema").string_value(), "debezium.Envelope");
  EXPECT_EQ(At(lines[0], "key.id").number_value(), 1);
  EXPECT_EQ(At(lines[0], "value.op").string_value(), "c");
  EXPECT_EQ(At(lines[0], "value.after.note").string_value(), "a");
  // numeric(8,2): Debezium's Decimal, base64 of the unscaled 1250.
  EXPECT_EQ(At(lines[0], "value.after.amount").string_value(), "BOI=");
  // timestamp(3): Debezium's io.debezium.time.Timestamp, epoch milliseconds.
  EXPECT_EQ(At(lines[0], "value.after.at").number_value(), 1767323045678.0);
  EXPECT_EQ(At(lines[0], "value.source.connector").string_value(), "postgresql");
  EXPECT_EQ(At(lines[0], "value.source.table").string_value(), "d");
  EXPECT_EQ(At(lines[0], "value.transaction.total_order").number_value(), 1);
  EXPECT_EQ(At(lines[1], "value.op").string_value(), "u");
  EXPECT_EQ(At(lines[1], "value.transaction.total_order").number_value(), 2);
  EXPECT_EQ(At(lines[1], "value.transaction.id").string_value(),
            At(lines[0], "value.transaction.id").string_value());
  EXPECT_EQ(At(lines[2], "value.op").string_value(), "d");
  EXPECT_EQ(At(lines[2], "value.after").kind_case(), google::protobuf::Value::kNullValue);
  // As Debezium: every column in before, null where the replica identity
  // sent none.
  EXPECT_EQ(At(lines[2], "value.before.id").number_value(), 1);
  EXPECT_EQ(At(lines[2], "value.before.note").kind_case(), google::protobuf::Value::kNullValue);
  EXPECT_EQ(At(lines[3], "value").kind_case(), google::protobuf::Value::kNullValue)
      << "the tombstone";

  auto tx = TailJson(env_, settings_.topic_prefix + ".transaction", 6);
  ASSERT_EQ(tx.size(), 6u);
  EXPECT_EQ(At(tx[0], "value.status").string_value(), "BEGIN");
  EXPECT_EQ(At(tx[0], "key.id").string_value(), At(lines[0], "value.transaction.id").string_value());
  EXPECT_EQ(At(tx[1], "value.status").string_value(), "END");
  EXPECT_EQ(At(tx[1], "value.event_count").number_value(), 2);
  const auto& collections = At(tx[1], "value.data_collections").list_value();
  ASSERT_EQ(collections.values_size(), 1);
  EXPECT_EQ(At(collections.values(0).struct_value(), "data_collection").string_value(), "public.d");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(PgWireTest, DebeziumJsonWithSchemas) {
  settings_.kafka_extra = "  format: debezium-json\n  schemas_enable: true\n";
  Sql("CREATE TABLE s (id bigint PRIMARY KEY, flag boolean)");
  StartAgent();
  Sql("INSERT INTO s VALUES (7, true)");
  auto lines = TailJson(env_, Topic("public", "s"), 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(At(lines[0], "key.payload.id").number_value(), 7);
  EXPECT_EQ(At(lines[0], "key.schema.type").string_value(), "struct");
  EXPECT_EQ(At(lines[0], "value.payload.after.flag").bool_value(), true);
  EXPECT_EQ(At(lines[0], "value.schema.name").string_value(),
            settings_.topic_prefix + ".public.s.Envelope");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

class MyWireTest : public MyAgentTest {};

TEST_F(MyWireTest, DebeziumJson) {
  settings_.kafka_extra = "  format: debezium-json\n";
  Sql("CREATE TABLE d (id INT PRIMARY KEY, e ENUM('x','y'), d DATE, big BIGINT UNSIGNED)");
  StartAgent();
  Sql("INSERT INTO d VALUES (1, 'y', '1970-01-11', 5)");
  auto lines = TailJson(env_, Topic("d"), 1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(At(lines[0], "key.id").number_value(), 1);
  EXPECT_EQ(At(lines[0], "value.op").string_value(), "c");
  EXPECT_EQ(At(lines[0], "value.after.e").string_value(), "y");
  EXPECT_EQ(At(lines[0], "value.after.d").number_value(), 10) << "io.debezium.time.Date: days";
  EXPECT_EQ(At(lines[0], "value.after.big").number_value(), 5);
  EXPECT_EQ(At(lines[0], "value.source.connector").string_value(), "mariadb");
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyWireTest, SchemaRegistryRecordNameStrategy) {
  RegistryEnv reg;
  CDC_REQUIRE_REGISTRY(reg);
  settings_.kafka_extra = "  schema_registry:\n    url: " + reg.url +
                          "\n    subject_name_strategy: record-name\n";
  Sql("CREATE TABLE r (id BIGINT UNSIGNED PRIMARY KEY, doc JSON, d DATETIME(3))");
  StartAgent();
  Sql("INSERT INTO r VALUES (18446744073709551615, '{\"a\": [1, 2]}', '2026-01-02 03:04:05.678')");
  Sql("UPDATE r SET d = '1999-12-31 23:59:59.999'");
  const auto ops = ConsumeWithRegistry(env_, reg, dir_, Topic("r"), 2, "record-name");
  EXPECT_EQ(ops, (std::vector<std::string>{"OP_INSERT", "OP_UPDATE"}));
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyWireTest, TransactionMetadata) {
  settings_.kafka_extra = "  transaction_metadata: true\n";
  Sql("CREATE TABLE a (id INT PRIMARY KEY, v INT)");
  Sql("CREATE TABLE b (id INT PRIMARY KEY)");
  StartAgent();
  Sql("BEGIN");
  Sql("INSERT INTO a VALUES (1, 1)");
  Sql("INSERT INTO b VALUES (1)");
  Sql("UPDATE a SET v = 2 WHERE id = 1");
  Sql("COMMIT");
  const std::string gtid = LastGtid();
  auto a = TailTopic(env_, Topic("a"), 2);
  auto b = TailTopic(env_, Topic("b"), 1);
  auto tx = TailTopic(env_, settings_.topic_prefix + ".transaction", 3,
                      std::chrono::milliseconds(5000));
  CheckTransaction(tx, a, b, db_name_ + ".a", db_name_ + ".b");
  EXPECT_EQ(tx[0].value().transaction().id(), gtid);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

TEST_F(MyWireTest, EveryRowOfATransactionHasItsCommitTime) {
  Sql("CREATE TABLE c (id INT PRIMARY KEY)");
  StartAgent();
  // The statements run seconds apart; the commit comes last.
  Sql("BEGIN");
  Sql("INSERT INTO c VALUES (1)");
  Sql("DO SLEEP(1.5)");
  Sql("INSERT INTO c VALUES (2)");
  Sql("DO SLEEP(1.5)");
  const int64_t before_commit_s = std::stoll(db_->Scalar("SELECT UNIX_TIMESTAMP()").value_or("0"));
  Sql("COMMIT");
  auto lines = TailTopic(env_, Topic("c"), 2);
  ASSERT_EQ(lines.size(), 2u);
  const int64_t t0 = lines[0].value().source().commit_time_us();
  EXPECT_EQ(lines[1].value().source().commit_time_us(), t0);
  EXPECT_GE(t0, before_commit_s * 1000000) << "the commit's time, not the first statement's";
  EXPECT_EQ(lines[0].headers().at("cdc-position").rfind("file=", 0), 0u);
  EXPECT_EQ(StopAgent(), 0) << agent_->Stderr();
}

}  // namespace
}  // namespace cdc::itest
