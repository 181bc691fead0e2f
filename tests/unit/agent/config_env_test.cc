// Environment substitution, secrets, YAML syntax errors, the libpq
// connection string, Describe() and reading files.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/config.h"
#include "tests/unit/agent/config_test_util.h"

namespace cdc::agent {
namespace {

TEST(ConfigEnvTest, SubstitutesVariables) {
  std::string text = With(kValid, "port: 55432", "port: ${PGPORT}");
  text = With(text, "database: demo", "database: ${DB}_${DB}");
  Result<AgentConfig> parsed =
      ParseConfig(text, MapEnv({{"PGPASSWORD", "pw"}, {"PGPORT", "6543"}, {"DB", "shop"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->source.postgres.port, 6543);
  EXPECT_EQ(parsed->source.postgres.database, "shop_shop");
  EXPECT_EQ(parsed->source.postgres.password, "pw");
}

TEST(ConfigEnvTest, DollarDollarBraceIsALiteral) {
  std::string text =
      With(kValid, "path: /var/lib/cdc-agent/offsets", "path: /tmp/$${HOME}/$$/$x/${DIR}");
  Result<AgentConfig> parsed = ParseConfig(text, MapEnv({{"PGPASSWORD", "pw"}, {"DIR", "d"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->offsets.path, "/tmp/${HOME}/$$/$x/d");
}

TEST(ConfigEnvTest, ValuesAreNotSubstitutedTwice) {
  Result<AgentConfig> parsed =
      ParseConfig(kValid, MapEnv({{"PGPASSWORD", "${OTHER}"}, {"OTHER", "no"}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->source.postgres.password, "${OTHER}");
}

TEST(ConfigEnvTest, EmptyVariableMeansNoPassword) {
  Result<AgentConfig> parsed = ParseConfig(kValid, MapEnv({{"PGPASSWORD", ""}}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->source.postgres.password, "");
}

TEST(ConfigEnvTest, UnsetVariableNamesItAndTheFile) {
  EXPECT_EQ(ErrorOf(kValid, MapEnv({})),
            "agent.yaml:11: environment variable PGPASSWORD is not set");
  Result<AgentConfig> parsed = ParseConfig(kValid, MapEnv({}), "/etc/cdc/agent.yaml");
  EXPECT_EQ(parsed.status().message(),
            "/etc/cdc/agent.yaml:11: environment variable PGPASSWORD is not set");
}

TEST(ConfigEnvTest, CommentLinesAreNotSubstituted) {
  std::string text = With(kValid, "  host: 127.0.0.1\n", "  # host: ${UNSET_HOST}\n    #${X\n");
  Result<AgentConfig> parsed = ParseConfig(text, DefaultEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
}

TEST(ConfigEnvTest, BadReferences) {
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: ${PG HOST}")),
            "agent.yaml:8: bad variable reference \"${PG HOST}\": expected ${NAME} with NAME made "
            "of letters, digits and _");
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: ${1HOST}")),
            "agent.yaml:8: bad variable reference \"${1HOST}\": expected ${NAME} with NAME made "
            "of letters, digits and _");
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: ${}")),
            "agent.yaml:8: bad variable reference \"${}\": expected ${NAME} with NAME made of "
            "letters, digits and _");
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: ${HOST")),
            "agent.yaml:8: unterminated ${ (write $${ for a literal ${)");
  EXPECT_EQ(ErrorOf(kValid, MapEnv({{"PGPASSWORD", "a\nport: 1"}})),
            "agent.yaml:11: environment variable PGPASSWORD contains a line break, which cannot "
            "be substituted");
}

TEST(ConfigEnvTest, YamlSyntaxErrorsGiveTheLine) {
  // yaml-cpp reports where it noticed the problem: for an unclosed list,
  // the next line.
  EXPECT_EQ(ErrorOf(With(kValid, "slot: cdc_agent", "slot: [cdc_agent")),
            "agent.yaml:14:14: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(ErrorOf(With(kValid, "host: 127.0.0.1", "host: a: b")),
            "agent.yaml:8:10: invalid YAML: illegal map value");
  EXPECT_EQ(ErrorOf(With(kValid, "  user: postgres", " user: postgres")),
            "agent.yaml:10:2: invalid YAML: end of map not found");
}

TEST(ConfigEnvTest, SecretsNeverInMessages) {
  // ErrorOf() checks every message for kPassword; here errors are provoked
  // on and around the password line.
  EXPECT_EQ(ErrorOf(With(kValid, "password: ${PGPASSWORD}", "password: [${PGPASSWORD}]")),
            "agent.yaml:11: source.password: must be a string, got a list");
  EXPECT_EQ(ErrorOf(With(kValid, "password: ${PGPASSWORD}", "password: {${PGPASSWORD}: 1}")),
            "agent.yaml:11: source.password: must be a string, got a mapping");
  EXPECT_EQ(ErrorOf(With(kValid, "password: ${PGPASSWORD}", "pasword: ${PGPASSWORD}")),
            "agent.yaml:11: source.pasword: unknown key (did you mean \"password\"?)");
  std::string message =
      ErrorOf(With(kValid, "password: ${PGPASSWORD}", "password: \"${PGPASSWORD}\""),
              MapEnv({{"PGPASSWORD", "top\\qsecret"}}));
  EXPECT_EQ(message.find("qsecret"), std::string::npos) << message;
  EXPECT_NE(message.find("invalid YAML: unknown escape character"), std::string::npos) << message;
  EXPECT_EQ(ErrorOf(With(kValid, "linger.ms: 20", "sasl.password: [${PGPASSWORD}]")),
            "agent.yaml:28: kafka.properties.sasl.password: must be a single value (string, "
            "number or boolean)");
}

TEST(ConfigEnvTest, DescribeHidesSecrets) {
  std::string text = With(kValid, "linger.ms: 20",
                          "linger.ms: 20\n    sasl.password: kafka-pw\n"
                          "    ssl.key.password: key-pw\n    sasl.oauthbearer.client.secret: cs");
  Result<AgentConfig> parsed = ParseConfig(text, DefaultEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::string described = parsed->Describe();
  for (const char* secret : {kPassword, "kafka-pw", "key-pw", ": cs"}) {
    EXPECT_EQ(described.find(secret), std::string::npos) << secret << " in\n" << described;
  }
  EXPECT_EQ(described,
            "name: demo-agent\n"
            "log_level: info\n"
            "batch_max_events: 2000\n"
            "batch_max_bytes: 1048576\n"
            "queue_max_batches: 16\n"
            "source.type: postgres\n"
            "source.name: demo\n"
            "source.host: 127.0.0.1\n"
            "source.port: 55432\n"
            "source.user: postgres\n"
            "source.password: ***\n"
            "source.database: demo\n"
            "source.slot: cdc_agent\n"
            "source.publication: cdc_agent\n"
            "source.tables: public.customers, sales.\"Order Items\"\n"
            "source.snapshot: initial\n"
            "source.snapshot_chunk_rows: 10000\n"
            "source.connect_timeout_s: 10\n"
            "source.status_interval_ms: 1000\n"
      "source.reconnect_timeout_s: 300\n"
            "source.sslmode: prefer\n"
            "kafka.brokers: 127.0.0.1:59092\n"
            "kafka.topic_prefix: demo\n"
            "kafka.tombstones: true\n"
            "kafka.delivery_timeout_ms: 120000\n"
            "kafka.format: protobuf\n"
            "kafka.properties.compression.type: zstd\n"
            "kafka.properties.linger.ms: 20\n"
            "kafka.properties.sasl.oauthbearer.client.secret: ***\n"
            "kafka.properties.sasl.password: ***\n"
            "kafka.properties.ssl.key.password: ***\n"
            "offsets.path: /var/lib/cdc-agent/offsets\n");

  Result<AgentConfig> minimal = ParseConfig(kMinimal, MapEnv({}));
  ASSERT_TRUE(minimal.ok());
  std::string min_described = minimal->Describe();
  EXPECT_NE(min_described.find("source.password: (none)\n"), std::string::npos) << min_described;
  EXPECT_NE(min_described.find("source.tables: (all tables of the publication)\n"),
            std::string::npos)
      << min_described;
}

TEST(ConfigEnvTest, ConnInfoQuotesValues) {
  Result<AgentConfig> parsed = ParseConfig(kValid, DefaultEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const PostgresSourceConfig& pg = parsed->source.postgres;
  EXPECT_EQ(pg.ConnInfo(false),
            "host='127.0.0.1' port='55432' dbname='demo' user='postgres' "
            "password='s3cr\\'et\\\\pw' connect_timeout='10' sslmode='prefer' "
            "application_name='cdc-agent'");
  EXPECT_EQ(pg.ConnInfo(true),
            "host='127.0.0.1' port='55432' dbname='demo' user='postgres' "
            "password='s3cr\\'et\\\\pw' connect_timeout='10' sslmode='prefer' "
            "application_name='cdc-agent' replication='database'");

  PostgresSourceConfig other;
  other.host = "/var/run/postgresql";
  other.user = "o'neil";
  other.database = "my db";
  other.sslmode = "disable";
  other.connect_timeout_s = 3;
  EXPECT_EQ(other.ConnInfo(true),
            "host='/var/run/postgresql' port='5432' dbname='my db' user='o\\'neil' "
            "connect_timeout='3' sslmode='disable' application_name='cdc-agent' "
            "replication='database'");
}

TEST(ConfigEnvTest, LoadConfigFile) {
  std::string path = (std::filesystem::path(::testing::TempDir()) /
                      ("cdc_config_test_" + std::to_string(getpid()) + ".yaml"))
                         .string();
  {
    std::ofstream out(path);
    out << With(kValid, "port: 55432", "port: nope");
  }
  Result<AgentConfig> loaded = LoadConfigFile(path, DefaultEnv());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            path + ":9: source.port: must be an integer in 1..65535, got \"nope\"");
  {
    std::ofstream out(path);
    out << kValid;
  }
  loaded = LoadConfigFile(path, DefaultEnv());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->name, "demo-agent");
  std::remove(path.c_str());

  Result<AgentConfig> missing = LoadConfigFile(path, DefaultEnv());
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsIOError());
  EXPECT_EQ(missing.status().message(),
            "cannot read the config file " + path + ": No such file or directory");
}

TEST(ConfigEnvTest, ProcessEnvReadsTheEnvironment) {
  ASSERT_EQ(setenv("CDC_CONFIG_TEST_VAR", "value 1", 1), 0);
  EnvLookup env = ProcessEnv();
  EXPECT_EQ(env("CDC_CONFIG_TEST_VAR"), "value 1");
  ASSERT_EQ(unsetenv("CDC_CONFIG_TEST_VAR"), 0);
  EXPECT_EQ(env("CDC_CONFIG_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace cdc::agent
