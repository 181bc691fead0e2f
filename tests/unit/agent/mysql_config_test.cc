// The configuration of a MySQL/MariaDB source.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/config.h"
#include "tests/unit/agent/config_test_util.h"

namespace cdc::agent {
namespace {

const std::string kMysql = R"(name: shop-agent
source:
  type: mysql
  host: db.internal
  port: 3307
  user: cdc
  password: ${PGPASSWORD}
  server_id: 5401
  databases: [shop, billing]
  tables: [crm.customers, "`odd.db`.`a``b`"]
  snapshot: never
  connect_timeout_s: 5
  heartbeat_interval_ms: 500
  reconnect_timeout_s: 60
kafka:
  brokers: 127.0.0.1:59092
offsets:
  path: /tmp/offsets
)";

TEST(MysqlConfigTest, FullFile) {
  Result<AgentConfig> parsed = ParseConfig(kMysql, DefaultEnv(), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->source.type, SourceConfig::Type::kMysql);
  EXPECT_EQ(parsed->source.name, "shop-agent");
  const MysqlSourceConfig& my = parsed->source.mysql;
  EXPECT_EQ(my.host, "db.internal");
  EXPECT_EQ(my.port, 3307);
  EXPECT_EQ(my.user, "cdc");
  EXPECT_EQ(my.password, kPassword);
  EXPECT_EQ(my.server_id, 5401u);
  EXPECT_EQ(my.databases, (std::vector<std::string>{"shop", "billing"}));
  EXPECT_EQ(my.tables, (std::vector<TableName>{{"crm", "customers"}, {"odd.db", "a`b"}}));
  EXPECT_EQ(my.snapshot, SnapshotMode::kNever);
  EXPECT_EQ(my.connect_timeout_s, 5);
  EXPECT_EQ(my.heartbeat_interval_ms, 500);
  EXPECT_EQ(my.reconnect_timeout_s, 60);
}

TEST(MysqlConfigTest, Defaults) {
  Result<AgentConfig> parsed = ParseConfig(R"(name: m
source: {type: mysql, user: cdc, server_id: 9}
kafka: {brokers: "127.0.0.1:9092"}
offsets: {path: /tmp/o}
)",
                                           MapEnv({}), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const MysqlSourceConfig& my = parsed->source.mysql;
  EXPECT_EQ(my.host, "127.0.0.1");
  EXPECT_EQ(my.port, 3306);
  EXPECT_EQ(my.password, "");
  EXPECT_TRUE(my.databases.empty());
  EXPECT_TRUE(my.tables.empty());
  EXPECT_EQ(my.snapshot, SnapshotMode::kInitial);
  EXPECT_EQ(my.heartbeat_interval_ms, 2000);
  EXPECT_EQ(my.reconnect_timeout_s, 300);
}

TEST(MysqlConfigTest, Errors) {
  EXPECT_EQ(ErrorOf(With(kMysql, "  server_id: 5401\n", "")),
            "agent.yaml: source.server_id: required key is missing: the replica id cdc-agent "
            "registers with, unique among the server's replicas (1..4294967295), e.g. 5401");
  EXPECT_EQ(ErrorOf(With(kMysql, "server_id: 5401", "server_id: 0")),
            "agent.yaml:8: source.server_id: must be an integer in 1..4294967295, got \"0\"");
  EXPECT_EQ(ErrorOf(With(kMysql, "server_id: 5401", "server_id: 4294967296")),
            "agent.yaml:8: source.server_id: must be an integer in 1..4294967295, got "
            "\"4294967296\"");
  EXPECT_EQ(ErrorOf(With(kMysql, "server_id: 5401", "server_id: abc")),
            "agent.yaml:8: source.server_id: must be an integer in 1..4294967295, got \"abc\"");
  EXPECT_EQ(ErrorOf(With(kMysql, "crm.customers", "customers")),
            "agent.yaml:10: source.tables[0]: bad table name \"customers\": no database part; "
            "expected database.table, a part in backquotes (`a.b`) when it holds a dot");
  EXPECT_EQ(ErrorOf(With(kMysql, "crm.customers", "a.b.c")),
            "agent.yaml:10: source.tables[0]: bad table name \"a.b.c\": more than two parts; "
            "expected database.table, a part in backquotes (`a.b`) when it holds a dot");
  EXPECT_EQ(ErrorOf(With(kMysql, "crm.customers", "\"`crm.customers\"")),
            "agent.yaml:10: source.tables[0]: bad table name \"`crm.customers\": unterminated "
            "backquote; expected database.table, a part in backquotes (`a.b`) when it holds a "
            "dot");
  EXPECT_EQ(ErrorOf(With(kMysql, "[shop, billing]", "[shop, shop]")),
            "agent.yaml:9: source.databases[1]: \"shop\" is listed twice");
  EXPECT_EQ(ErrorOf(With(kMysql, "  snapshot: never\n", "  slot: x\n")),
            "agent.yaml:11: source.slot: unknown key; expected one of type, name, host, port, "
            "user, password, server_id, databases, tables, snapshot, snapshot_chunk_rows, "
            "connect_timeout_s, heartbeat_interval_ms, reconnect_timeout_s");
  EXPECT_EQ(ErrorOf(With(kMysql, "  snapshot: never\n", "  snapshot_chunk_rows: 0\n")),
            "agent.yaml:11: source.snapshot_chunk_rows: must be an integer in 1..1000000, got "
            "\"0\"");
  EXPECT_EQ(ErrorOf(With(kMysql, "heartbeat_interval_ms: 500", "heartbeat_interval_ms: 5")),
            "agent.yaml:13: source.heartbeat_interval_ms: must be an integer in 100..600000, got "
            "\"5\"");
}

TEST(MysqlConfigTest, Includes) {
  MysqlSourceConfig all;
  EXPECT_TRUE(all.Includes("shop", "orders"));
  EXPECT_FALSE(all.Includes("mysql", "user"));
  EXPECT_FALSE(all.Includes("information_schema", "TABLES"));
  EXPECT_FALSE(all.Includes("performance_schema", "threads"));
  EXPECT_FALSE(all.Includes("sys", "x"));

  MysqlSourceConfig some;
  some.databases = {"shop"};
  some.tables = {{"crm", "customers"}};
  EXPECT_TRUE(some.Includes("shop", "orders"));
  EXPECT_TRUE(some.Includes("crm", "customers"));
  EXPECT_FALSE(some.Includes("crm", "leads"));
  EXPECT_FALSE(some.Includes("billing", "invoices"));
}

TEST(MysqlConfigTest, DescribeHidesThePassword) {
  Result<AgentConfig> parsed = ParseConfig(kMysql, DefaultEnv(), "agent.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::string text = parsed->Describe();
  EXPECT_EQ(text.find(kPassword), std::string::npos);
  EXPECT_NE(text.find("source.password: ***"), std::string::npos);
  EXPECT_NE(text.find("source.type: mysql"), std::string::npos);
  EXPECT_NE(text.find("source.server_id: 5401"), std::string::npos);
  EXPECT_NE(text.find("source.tables: crm.customers, `odd.db`.`a``b`"), std::string::npos) << text;
}

}  // namespace
}  // namespace cdc::agent
