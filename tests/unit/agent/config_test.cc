// Parsing and validation of the configuration file.
#include "agent/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/unit/agent/config_test_util.h"

namespace cdc::agent {
namespace {

TEST(ConfigTest, FullValidFile) {
  Result<AgentConfig> parsed = ParseConfig(kValid, DefaultEnv(), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const AgentConfig& c = *parsed;
  EXPECT_EQ(c.name, "demo-agent");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.batch_max_events, 2000);
  EXPECT_EQ(c.queue_max_batches, 16);
  EXPECT_EQ(c.source.type, SourceConfig::Type::kPostgres);
  EXPECT_EQ(c.source.name, "demo");
  const PostgresSourceConfig& pg = c.source.postgres;
  EXPECT_EQ(pg.host, "127.0.0.1");
  EXPECT_EQ(pg.port, 55432);
  EXPECT_EQ(pg.user, "postgres");
  EXPECT_EQ(pg.password, kPassword);
  EXPECT_EQ(pg.database, "demo");
  EXPECT_EQ(pg.slot, "cdc_agent");
  EXPECT_EQ(pg.publication, "cdc_agent");
  EXPECT_EQ(pg.tables, (std::vector<TableName>{{"public", "customers"}, {"sales", "Order Items"}}));
  EXPECT_EQ(pg.snapshot, SnapshotMode::kInitial);
  EXPECT_EQ(pg.snapshot_chunk_rows, 10000);
  EXPECT_EQ(pg.connect_timeout_s, 10);
  EXPECT_EQ(pg.status_interval_ms, 1000);
  EXPECT_EQ(pg.sslmode, "prefer");
  EXPECT_EQ(c.kafka.brokers, "127.0.0.1:59092");
  EXPECT_EQ(c.kafka.topic_prefix, "demo");
  EXPECT_TRUE(c.kafka.tombstones);
  EXPECT_EQ(c.kafka.delivery_timeout_ms, 120000);
  EXPECT_EQ(c.kafka.properties, (std::map<std::string, std::string>{
                                    {"compression.type", "zstd"}, {"linger.ms", "20"}}));
  EXPECT_EQ(c.offsets.path, "/var/lib/cdc-agent/offsets");
}

TEST(ConfigTest, Defaults) {
  Result<AgentConfig> parsed = ParseConfig(kMinimal, MapEnv({}), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const AgentConfig& c = *parsed;
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.batch_max_events, 500);
  EXPECT_EQ(c.batch_max_bytes, 1048576);
  EXPECT_EQ(c.queue_max_batches, 2);
  EXPECT_EQ(c.source.name, "mini");
  const PostgresSourceConfig& pg = c.source.postgres;
  EXPECT_EQ(pg.host, "127.0.0.1");
  EXPECT_EQ(pg.port, 5432);
  EXPECT_EQ(pg.password, "");
  EXPECT_EQ(pg.slot, "cdc_agent");
  EXPECT_EQ(pg.publication, "cdc_agent");
  EXPECT_TRUE(pg.tables.empty());
  EXPECT_EQ(pg.snapshot, SnapshotMode::kInitial);
  EXPECT_EQ(pg.snapshot_chunk_rows, 10000);
  EXPECT_EQ(pg.connect_timeout_s, 10);
  EXPECT_EQ(pg.status_interval_ms, 1000);
  EXPECT_EQ(pg.sslmode, "prefer");
  EXPECT_EQ(c.kafka.topic_prefix, "mini");
  EXPECT_TRUE(c.kafka.tombstones);
  EXPECT_EQ(c.kafka.delivery_timeout_ms, 120000);
  EXPECT_TRUE(c.kafka.properties.empty());
  EXPECT_TRUE(c.kafka.exactly_once);
  EXPECT_EQ(c.kafka.commit_interval_ms, 100);
  EXPECT_EQ(c.kafka.commit_max_events, 100000);
  EXPECT_EQ(c.kafka.offsets_topic, "cdc-agent-offsets");
  EXPECT_EQ(c.kafka.transactional_id, "cdc-agent-mini");
  EXPECT_EQ(c.kafka.offsets_key, "mini/mini");

  // The topic prefix follows the source name when only that is given.
  Result<AgentConfig> named =
      ParseConfig(With(kMinimal, "  type: postgres\n", "  type: postgres\n  name: orders\n"),
                  MapEnv({}), "agent.yaml");
  ASSERT_TRUE(named.ok()) << named.status().ToString();
  EXPECT_EQ(named->source.name, "orders");
  EXPECT_EQ(named->kafka.topic_prefix, "orders");
}

TEST(ConfigTest, OtherAcceptedValues) {
  std::string text = With(kValid, "snapshot: initial", "snapshot: never");
  text = With(text, "tombstones: true", "tombstones: False");
  text = With(text, "log_level: info", "log_level: debug");
  text = With(text, "brokers: 127.0.0.1:59092", "brokers: \"h1:1, [::1]:9092,h3.example:65535\"");
  text = With(text, "sslmode: prefer", "sslmode: verify-full");
  Result<AgentConfig> parsed = ParseConfig(text, DefaultEnv(), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->source.postgres.snapshot, SnapshotMode::kNever);
  EXPECT_FALSE(parsed->kafka.tombstones);
  EXPECT_EQ(parsed->log_level, "debug");
  EXPECT_EQ(parsed->source.postgres.sslmode, "verify-full");
}

TEST(ConfigTest, UnknownKeys) {
  EXPECT_EQ(ErrorOf(With(kValid, "name: demo-agent", "nmae: demo-agent")),
            "agent.yaml:1: nmae: unknown key (did you mean \"name\"?)");
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "hots: 127.0.0.1")),
            "agent.yaml:8: source.hots: unknown key (did you mean \"host\"?)");
  EXPECT_EQ(ErrorOf(With(kValid, "brokers:", "broker:")),
            "agent.yaml:22: kafka.broker: unknown key (did you mean \"brokers\"?)");
  EXPECT_EQ(ErrorOf(With(kValid, "  path:", "  paht:")),
            "agent.yaml:30: offsets.paht: unknown key (did you mean \"path\"?)");
  EXPECT_EQ(ErrorOf(With(kValid, "sslmode: prefer", "sslmode: prefer\n  wal_level: logical")),
            "agent.yaml:21: source.wal_level: unknown key; expected one of type, name, host, "
            "port, user, password, database, slot, publication, tables, snapshot, "
            "snapshot_chunk_rows, connect_timeout_s, status_interval_ms, sslmode, reconnect_timeout_s");
  EXPECT_EQ(ErrorOf(kValid + "metrics: {port: 9090}\n"),
            "agent.yaml:31: metrics: unknown key; expected one of name, log_level, "
            "batch_max_events, batch_max_bytes, queue_max_batches, source, kafka, offsets, "
            "transforms");
  EXPECT_EQ(ErrorOf(With(kValid, "  port: 55432\n", "  port: 55432\n  port: 5432\n")),
            "agent.yaml:10: source.port: key given twice (first on line 9)");
}

TEST(ConfigTest, MissingRequiredKeys) {
  EXPECT_EQ(ErrorOf(With(kValid, "name: demo-agent\n", "")),
            "agent.yaml: name: required key is missing");
  EXPECT_EQ(ErrorOf(With(kMinimal, "  user: repl\n", "")),
            "agent.yaml: source.user: required key is missing");
  EXPECT_EQ(ErrorOf(With(kMinimal, "  database: app\n", "")),
            "agent.yaml: source.database: required key is missing");
  EXPECT_EQ(ErrorOf(With(kMinimal, "  type: postgres\n", "")),
            "agent.yaml: source.type: required key is missing");
  EXPECT_EQ(ErrorOf(With(kMinimal, "  brokers: localhost:9092\n", "  tombstones: false\n")),
            "agent.yaml: kafka.brokers: required key is missing");
  EXPECT_EQ(ErrorOf(With(kMinimal, "  path: /tmp/offsets\n", "  {}\n")),
            "agent.yaml: offsets.path: required key is missing");
  for (const char* section : {"source", "kafka", "offsets"}) {
    // Drop the section header and its indented lines.
    std::string text = kMinimal;
    size_t begin = text.find(std::string(section) + ":\n");
    size_t end = text.find('\n', begin) + 1;
    while (end < text.size() && text[end] == ' ') end = text.find('\n', end) + 1;
    text.erase(begin, end - begin);
    EXPECT_EQ(ErrorOf(text), "agent.yaml: " + std::string(section) + ": required key is missing");
  }
}

TEST(ConfigTest, WrongTypes) {
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: {a: 1}")),
            "agent.yaml:8: source.host: must be a string, got a mapping");
  EXPECT_EQ(ErrorOf(With(kValid, "user: postgres", "user: [a]")),
            "agent.yaml:10: source.user: must be a string, got a list");
  EXPECT_EQ(ErrorOf(With(kValid, "database: demo", "database:")),
            "agent.yaml:12: source.database: must be a string, got an empty value");
  EXPECT_EQ(ErrorOf(With(kValid, "database: demo", "database: \"\"")),
            "agent.yaml:12: source.database: must not be empty");
  EXPECT_EQ(ErrorOf(With(kValid, "tombstones: true", "tombstones: maybe")),
            "agent.yaml:24: kafka.tombstones: must be true or false, got \"maybe\"");
  EXPECT_EQ(ErrorOf(With(kValid, "port: 55432", "port: abc")),
            "agent.yaml:9: source.port: must be an integer in 1..65535, got \"abc\"");
  EXPECT_EQ(ErrorOf(With(kValid, "port: 55432", "port: 5432.0")),
            "agent.yaml:9: source.port: must be an integer in 1..65535, got \"5432.0\"");
  EXPECT_EQ(ErrorOf(With(kValid, "port: 55432", "port: [1]")),
            "agent.yaml:9: source.port: must be an integer in 1..65535, got a list");
  EXPECT_EQ(ErrorOf(With(kValid, "tables: [public.customers, \"Sales.\\\"Order Items\\\"\"]",
                         "tables: public.customers")),
            "agent.yaml:15: source.tables: must be a list of table names, got "
            "\"public.customers\"");
  EXPECT_EQ(ErrorOf(With(kValid, "tables: [public.customers,", "tables: [{a: b},")),
            "agent.yaml:15: source.tables[0]: must be a table name, got a mapping");
  EXPECT_EQ(ErrorOf(With(kMinimal, "source:\n  type: postgres\n  user: repl\n  database: app\n",
                         "source: [1]\n")),
            "agent.yaml:2: source: must be a mapping of keys, got a list");
  EXPECT_EQ(ErrorOf(With(kValid, "  properties:\n    compression.type: zstd\n    linger.ms: 20\n",
                         "  properties: [a]\n")),
            "agent.yaml:26: kafka.properties: must be a mapping of librdkafka settings, got a "
            "list");
  EXPECT_EQ(ErrorOf(With(kValid, "linger.ms: 20", "linger.ms: {a: 1}")),
            "agent.yaml:28: kafka.properties.linger.ms: must be a single value (string, number "
            "or boolean)");
  EXPECT_EQ(ErrorOf(With(kValid, "  port: 55432", "  [port]: 55432")),
            "agent.yaml:9: source: keys must be plain names, got a list");
  EXPECT_EQ(ErrorOf("{a: 1}: x\n"),
            "agent.yaml:1: (top level): keys must be plain names, got a mapping");
  EXPECT_EQ(ErrorOf("- a\n- b\n"),
            "agent.yaml:1: (top level): must be a mapping of keys, got a list");
  EXPECT_EQ(ErrorOf(""),
            "agent.yaml: the file is empty; expected the keys name, source, kafka and offsets");
  EXPECT_EQ(ErrorOf("# nothing\n"),
            "agent.yaml: the file is empty; expected the keys name, source, kafka and offsets");
}

TEST(ConfigTest, IntegersOutOfRange) {
  struct Case {
    const char* line;    // as in kValid
    const char* value;   // the bad value put in its place
    const char* where;   // the message's start
    const char* range;
  };
  for (const Case& c : {
           Case{"port: 55432", "0", "agent.yaml:9: source.port", "1..65535"},
           Case{"port: 55432", "65536", "agent.yaml:9: source.port", "1..65535"},
           Case{"port: 55432", "99999999999999999999", "agent.yaml:9: source.port", "1..65535"},
           Case{"batch_max_events: 2000", "0", "agent.yaml:3: batch_max_events", "1..1000000"},
           Case{"queue_max_batches: 16", "1025", "agent.yaml:4: queue_max_batches", "1..1024"},
           Case{"snapshot_chunk_rows: 10000", "-5", "agent.yaml:17: source.snapshot_chunk_rows",
                "1..1000000"},
           Case{"connect_timeout_s: 10", "0", "agent.yaml:18: source.connect_timeout_s",
                "1..3600"},
           Case{"status_interval_ms: 1000", "99", "agent.yaml:19: source.status_interval_ms",
                "100..600000"},
           Case{"delivery_timeout_ms: 120000", "0", "agent.yaml:25: kafka.delivery_timeout_ms",
                "1..2147483647"},
           Case{"delivery_timeout_ms: 120000", "2147483648",
                "agent.yaml:25: kafka.delivery_timeout_ms", "1..2147483647"},
       }) {
    std::string key(c.line, std::string_view(c.line).find(':'));
    EXPECT_EQ(ErrorOf(With(kValid, c.line, key + ": " + c.value)),
              std::string(c.where) + ": must be an integer in " + c.range + ", got \"" + c.value +
                  "\"");
  }
  Result<AgentConfig> edge = ParseConfig(With(kValid, "port: 55432", "port: 65535"), DefaultEnv());
  ASSERT_TRUE(edge.ok()) << edge.status().ToString();
  EXPECT_EQ(edge->source.postgres.port, 65535);
  auto with_bytes = [](const std::string& value) {
    return With(kValid, "batch_max_events: 2000",
                "batch_max_events: 2000\nbatch_max_bytes: " + value);
  };
  EXPECT_EQ(ErrorOf(with_bytes("1023")),
            "agent.yaml:4: batch_max_bytes: must be an integer in 1024..1073741824, got \"1023\"");
  Result<AgentConfig> small = ParseConfig(with_bytes("1024"), DefaultEnv());
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->batch_max_bytes, 1024);
}

TEST(ConfigTest, Names) {
  EXPECT_EQ(ErrorOf(With(kValid, "name: demo-agent", "name: demo agent")),
            "agent.yaml:1: name: must be letters, digits, '_', '.' or '-' ([A-Za-z0-9_.-]+), got "
            "\"demo agent\"");
  EXPECT_EQ(ErrorOf(With(kValid, "name: demo  ", "name: demo/x  ")),
            "agent.yaml:7: source.name: must be letters, digits, '_', '.' or '-' "
            "([A-Za-z0-9_.-]+), got \"demo/x\"");
  EXPECT_EQ(ErrorOf(With(kValid, "topic_prefix: demo", "topic_prefix: de mo")),
            "agent.yaml:23: kafka.topic_prefix: must be letters, digits, '_', '.' or '-' "
            "([A-Za-z0-9_.-]+), got \"de mo\"");
  EXPECT_EQ(ErrorOf(With(kValid, "slot: cdc_agent", "slot: Cdc_Agent")),
            "agent.yaml:13: source.slot: must be 1 to 63 lowercase letters, digits or '_' (a "
            "PostgreSQL replication slot name), got \"Cdc_Agent\"");
  EXPECT_EQ(ErrorOf(With(kValid, "slot: cdc_agent", "slot: " + std::string(64, 's'))),
            "agent.yaml:13: source.slot: must be 1 to 63 lowercase letters, digits or '_' (a "
            "PostgreSQL replication slot name), got \"" + std::string(64, 's') + "\"");
  EXPECT_EQ(ErrorOf(With(kValid, "publication: cdc_agent", "publication: cdc-agent")),
            "agent.yaml:14: source.publication: must be 1 to 63 lowercase letters, digits or '_' "
            "(a PostgreSQL publication name), got \"cdc-agent\"");
  Result<AgentConfig> longest =
      ParseConfig(With(kValid, "slot: cdc_agent", "slot: " + std::string(63, 's')), DefaultEnv());
  EXPECT_TRUE(longest.ok()) << longest.status().ToString();
}

TEST(ConfigTest, Choices) {
  EXPECT_EQ(ErrorOf(With(kValid, "snapshot: initial", "snapshot: always")),
            "agent.yaml:16: source.snapshot: must be initial or never, got \"always\"");
  EXPECT_EQ(ErrorOf(With(kValid, "log_level: info", "log_level: verbose")),
            "agent.yaml:2: log_level: must be one of trace, debug, info, warn, error, got "
            "\"verbose\"");
  EXPECT_EQ(ErrorOf(With(kValid, "sslmode: prefer", "sslmode: on")),
            "agent.yaml:20: source.sslmode: must be one of disable, allow, prefer, require, "
            "verify-ca, verify-full, got \"on\"");
  EXPECT_EQ(ErrorOf(With(kValid, "type: postgres", "type: oracle")),
            "agent.yaml:6: source.type: must be postgres or mysql, got \"oracle\"");
  // A PostgreSQL key under a MySQL source is named as unknown.
  EXPECT_EQ(ErrorOf(With(kValid, "type: postgres", "type: mysql")),
            "agent.yaml:12: source.database: unknown key (did you mean \"databases\"?)");
}

TEST(ConfigTest, Delivery) {
  const std::string kafka = "  brokers: localhost:9092\n";
  Result<AgentConfig> parsed = ParseConfig(
      With(kMinimal, kafka,
           kafka + "  delivery: at-least-once\n  commit_interval_ms: 250\n"
                   "  commit_max_events: 5000\n  offsets_topic: ops.cdc-offsets\n"),
      MapEnv({}), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_FALSE(parsed->kafka.exactly_once);
  EXPECT_EQ(parsed->kafka.commit_interval_ms, 250);
  EXPECT_EQ(parsed->kafka.commit_max_events, 5000);
  EXPECT_EQ(parsed->kafka.offsets_topic, "ops.cdc-offsets");

  EXPECT_NE(ErrorOf(With(kMinimal, kafka, kafka + "  delivery: exactly_once\n"))
                .find("kafka.delivery: must be exactly-once or at-least-once"),
            std::string::npos);
  EXPECT_NE(ErrorOf(With(kMinimal, kafka, kafka + "  commit_interval_ms: 0\n"))
                .find("kafka.commit_interval_ms"),
            std::string::npos);
  // The agent owns the settings delivery depends on.
  for (const char* owned : {"transactional.id", "enable.idempotence", "acks"}) {
    const std::string error = ErrorOf(With(
        kMinimal, kafka, kafka + "  properties:\n    " + std::string(owned) + ": x\n"));
    EXPECT_NE(error.find("kafka.properties: " + std::string(owned) + " is set by the agent"),
              std::string::npos)
        << error;
  }
}

TEST(ConfigTest, Brokers) {
  for (const char* bad : {"localhost", "127.0.0.1:notaport", "h:0", "h:65536", ":9092",
                          "a:1,,b:2", "a:1,", "[::1]", "::1:9092", "a b:1"}) {
    std::string text =
        With(kValid, "brokers: 127.0.0.1:59092", std::string("brokers: \"") + bad + "\"");
    std::string message = ErrorOf(text);
    EXPECT_EQ(message.rfind("agent.yaml:22: kafka.brokers: \"", 0), 0u) << message;
    EXPECT_TRUE(message.ends_with("\" is not host:port; expected host:port[,host:port...]"))
        << message;
  }
  EXPECT_EQ(ErrorOf(With(kValid, "brokers: 127.0.0.1:59092", "brokers: a:1,localhost")),
            "agent.yaml:22: kafka.brokers: \"localhost\" is not host:port; expected "
            "host:port[,host:port...]");
}

std::vector<TableName> TablesOf(const std::string& yaml_list) {
  Result<AgentConfig> parsed = ParseConfig(
      With(kValid, "tables: [public.customers, \"Sales.\\\"Order Items\\\"\"]",
           "tables: " + yaml_list),
      DefaultEnv());
  EXPECT_TRUE(parsed.ok()) << yaml_list << ": " << parsed.status().ToString();
  return parsed.ok() ? parsed->source.postgres.tables : std::vector<TableName>{};
}

TEST(ConfigTest, TableNames) {
  EXPECT_EQ(TablesOf("[Customers, Public.Orders]"),
            (std::vector<TableName>{{"public", "customers"}, {"public", "orders"}}));
  EXPECT_EQ(TablesOf(R"(['"Sales"."Order Items"', '"Mixed"', 'a$1._x'])"),
            (std::vector<TableName>{{"Sales", "Order Items"}, {"public", "Mixed"}, {"a$1", "_x"}}));
  EXPECT_EQ(TablesOf(R"(['"my.schema"."a""b"'])"),
            (std::vector<TableName>{{"my.schema", "a\"b"}}));
  EXPECT_EQ(TablesOf("[]"), std::vector<TableName>{});

  const std::string expected = "; expected schema.table or table, with a part in double quotes "
                               "to keep its case or hold other characters";
  struct Case {
    const char* yaml;
    const char* shown;
    const char* reason;
  };
  for (const Case& c : {
           Case{"a.b.c", "a.b.c", "more than two parts"},
           Case{"'a.'", "a.", "empty part"},
           Case{"'.a'", ".a", "empty part"},
           Case{"'\"abc'", "\\\"abc", "unterminated double quote"},
           Case{"'\"a\"x'", "\\\"a\\\"x", "text after a closing double quote"},
           Case{"'my table'", "my table", "an unquoted part must be a letter or _ followed by "
                                          "letters, digits, _ or $"},
           Case{"1abc", "1abc", "an unquoted part must be a letter or _ followed by letters, "
                                "digits, _ or $"},
           Case{"'\"\".t'", "\\\"\\\".t", "empty quoted part"},
           Case{"''", "", "empty part"},
       }) {
    EXPECT_EQ(ErrorOf(With(kValid, "tables: [public.customers,",
                           std::string("tables: [public.x, ") + c.yaml + ",")),
              std::string("agent.yaml:15: source.tables[1]: bad table name \"") + c.shown +
                  "\": " + c.reason + expected)
        << c.yaml;
  }
  std::string long_name(64, 't');
  EXPECT_EQ(ErrorOf(With(kValid, "tables: [public.customers,", "tables: [" + long_name + ",")),
            "agent.yaml:15: source.tables[0]: bad table name \"" + long_name +
                "\": a part is longer than 63 characters" + expected);
  EXPECT_EQ(ErrorOf(With(kValid, "tables: [public.customers,",
                         "tables: [public.customers, Customers,")),
            "agent.yaml:15: source.tables[1]: \"Customers\" is listed twice");
}

TEST(ConfigTest, KafkaFormatsTransactionsAndTopicCreation) {
  Result<AgentConfig> defaults = ParseConfig(kMinimal, MapEnv({}), "agent.yaml");
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->kafka.format, EventFormat::kProtobuf);
  EXPECT_FALSE(defaults->kafka.schemas_enable);
  EXPECT_FALSE(defaults->kafka.transaction_metadata);
  EXPECT_FALSE(defaults->kafka.topics_create.enabled);

  const std::string text = With(kMinimal, "  brokers: localhost:9092\n",
                                "  brokers: localhost:9092\n"
                                "  format: debezium-json\n"
                                "  schemas_enable: true\n"
                                "  transaction_metadata: true\n"
                                "  topics:\n"
                                "    create:\n"
                                "      partitions: 6\n"
                                "      replication_factor: 3\n"
                                "      config:\n"
                                "        cleanup.policy: compact\n"
                                "        min.insync.replicas: 2\n");
  Result<AgentConfig> parsed = ParseConfig(text, MapEnv({}), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const KafkaConfig& k = parsed->kafka;
  EXPECT_EQ(k.format, EventFormat::kDebeziumJson);
  EXPECT_TRUE(k.schemas_enable);
  EXPECT_TRUE(k.transaction_metadata);
  EXPECT_TRUE(k.topics_create.enabled);
  EXPECT_EQ(k.topics_create.partitions, 6);
  EXPECT_EQ(k.topics_create.replication_factor, 3);
  EXPECT_EQ(k.topics_create.config,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                {"min.insync.replicas", "2"}}));
  const std::string described = parsed->Describe();
  EXPECT_NE(described.find("kafka.format: debezium-json"), std::string::npos) << described;
  EXPECT_NE(described.find("kafka.topics.create.config.cleanup.policy: compact"),
            std::string::npos)
      << described;

  // `create:` alone takes every default.
  Result<AgentConfig> bare = ParseConfig(
      With(kMinimal, "  brokers: localhost:9092\n",
           "  brokers: localhost:9092\n  format: json\n  topics:\n    create:\n"),
      MapEnv({}), "agent.yaml");
  ASSERT_TRUE(bare.ok()) << bare.status().ToString();
  EXPECT_EQ(bare->kafka.format, EventFormat::kJson);
  EXPECT_TRUE(bare->kafka.topics_create.enabled);
  EXPECT_EQ(bare->kafka.topics_create.partitions, 1);
  EXPECT_EQ(bare->kafka.topics_create.replication_factor, -1);
}

TEST(ConfigTest, KafkaFormatErrors) {
  auto error = [](const std::string& lines) {
    Result<AgentConfig> r =
        ParseConfig(With(kMinimal, "  brokers: localhost:9092\n", "  brokers: localhost:9092\n" + lines),
                    MapEnv({}), "agent.yaml");
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error("  format: avro\n"),
            "agent.yaml:8: kafka.format: must be one of protobuf, json, debezium-json, got "
            "\"avro\"");
  EXPECT_EQ(error("  schemas_enable: true\n"),
            "agent.yaml:8: kafka.schemas_enable: applies to kafka.format: debezium-json only (the "
            "protobuf and json formats describe their schema with `cdc-agent schema`); remove it "
            "or set the format");
  EXPECT_EQ(error("  topics:\n    create:\n      partitions: 0\n"),
            "agent.yaml:10: kafka.topics.create.partitions: must be an integer in 1..100000, got "
            "\"0\"");
  EXPECT_EQ(error("  topics:\n    create:\n      replication_factor: 0\n"),
            "agent.yaml:10: kafka.topics.create.replication_factor: must be at least 1, or -1 for "
            "the brokers' default");
  EXPECT_EQ(error("  topics:\n    create:\n      partition: 2\n"),
            "agent.yaml:10: kafka.topics.create.partition: unknown key (did you mean "
            "\"partitions\"?)");
  EXPECT_EQ(error("  topics:\n    create:\n      config: [a]\n"),
            "agent.yaml:10: kafka.topics.create.config: must be a mapping of Kafka topic "
            "settings, got a list");
  EXPECT_EQ(error("  topics:\n    make: {}\n"),
            "agent.yaml:9: kafka.topics.make: unknown key; expected one of create");
}

TEST(ConfigTest, SchemaRegistry) {
  const std::string text = With(kMinimal, "  brokers: localhost:9092\n",
                                "  brokers: localhost:9092\n"
                                "  schema_registry:\n"
                                "    url: https://r1:8081, https://r2:8081/\n"
                                "    subject_name_strategy: record-name\n"
                                "    basic_auth_user: cdc\n"
                                "    basic_auth_password: ${REGISTRY_PASSWORD}\n"
                                "    timeout_ms: 2500\n");
  Result<AgentConfig> parsed =
      ParseConfig(text, MapEnv({{"REGISTRY_PASSWORD", "s3cret"}}), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(parsed->kafka.schema_registry.has_value());
  const SchemaRegistryConfig& reg = *parsed->kafka.schema_registry;
  EXPECT_EQ(reg.url, "https://r1:8081, https://r2:8081/");
  EXPECT_EQ(reg.subject_name_strategy, SubjectNameStrategy::kRecordName);
  EXPECT_EQ(reg.basic_auth_user, "cdc");
  EXPECT_EQ(reg.basic_auth_password, "s3cret");
  EXPECT_EQ(reg.timeout_ms, 2500);
  EXPECT_TRUE(reg.ssl_verify);
  const std::string described = parsed->Describe();
  EXPECT_EQ(described.find("s3cret"), std::string::npos) << described;
  EXPECT_NE(described.find("kafka.schema_registry.basic_auth_password: ***"), std::string::npos)
      << described;

  auto error = [](const std::string& lines) {
    Result<AgentConfig> r = ParseConfig(
        With(kMinimal, "  brokers: localhost:9092\n", "  brokers: localhost:9092\n" + lines),
        MapEnv({}), "agent.yaml");
    return r.ok() ? std::string("ok") : r.status().message();
  };
  EXPECT_EQ(error("  schema_registry:\n    subject_name_strategy: topic-name\n"),
            "agent.yaml: kafka.schema_registry.url: required key is missing");
  EXPECT_EQ(error("  schema_registry:\n    url: ftp://r:1\n"),
            "agent.yaml:8: kafka: schema_registry.url entry 'ftp://r:1' does not start with "
            "http:// or https://");
  EXPECT_EQ(error("  schema_registry:\n    url: http://r:1\n    basic_auth_user: u\n"),
            "agent.yaml:8: kafka: schema_registry.basic_auth_user is set but "
            "basic_auth_password is empty");
  EXPECT_EQ(error("  schema_registry:\n    url: http://r:1\n    subject_name_strategy: x\n"),
            "agent.yaml:10: kafka.schema_registry.subject_name_strategy: must be one of "
            "topic-name, record-name, topic-record-name, got \"x\"");
  EXPECT_EQ(error("  format: json\n  schema_registry:\n    url: http://r:1\n"),
            "agent.yaml:9: kafka.schema_registry: applies to kafka.format: protobuf only (the "
            "Confluent wire format of Protobuf messages); remove it or set the format to "
            "protobuf");
}

}  // namespace
}  // namespace cdc::agent
