// The agent's configuration: one YAML file, with ${ENV_VAR} substitution.
//
// Every field documents its default. Loading validates everything before the
// agent touches a server: an unknown key, a missing required key or a bad
// value is an InvalidArgument whose one-line message names the key path
// ("source.port: must be an integer in 1..65535, got \"abc\"").
// Secrets (passwords) are never included in any message or in Describe().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/schema_registry.h"
#include "agent/transform/spec.h"
#include "common/status.h"

namespace cdc::agent {

struct TableName {
  std::string schema;  // PostgreSQL schema or MySQL database
  std::string table;
  std::string ToString() const { return schema + "." + table; }
  friend bool operator==(const TableName&, const TableName&) = default;
};

enum class SnapshotMode { kInitial, kNever };

struct PostgresSourceConfig {
  std::string host = "127.0.0.1";        // Default: 127.0.0.1
  int port = 5432;                        // Default: 5432
  std::string user;                       // Required.
  std::string password;                   // Default: empty (peer/trust auth). Secret.
  std::string database;                   // Required.
  std::string slot = "cdc_agent";         // Default: cdc_agent. Replication slot name.
  std::string publication = "cdc_agent";  // Default: cdc_agent.
  // Default: empty = every table (publication FOR ALL TABLES).
  std::vector<TableName> tables;
  SnapshotMode snapshot = SnapshotMode::kInitial;  // Default: initial
  int snapshot_chunk_rows = 10000;        // Default: 10000. Rows per snapshot chunk.
  int connect_timeout_s = 10;             // Default: 10
  int status_interval_ms = 1000;          // Default: 1000. Standby status update period.
  std::string sslmode = "prefer";         // Default: prefer. libpq sslmode.
  // Default: 300. How long to keep reconnecting after the server went away
  // (a restart, a lost connection) before the agent stops with an error.
  int reconnect_timeout_s = 300;

  // libpq keyword/value connection string; the password is included, so
  // never log it.
  std::string ConnInfo(bool replication) const;
};

// MySQL/MariaDB databases captured only when listed by name.
inline constexpr const char* kMysqlSystemDatabases[] = {"mysql", "information_schema",
                                                         "performance_schema", "sys"};

struct MysqlSourceConfig {
  std::string host = "127.0.0.1";  // Default: 127.0.0.1
  int port = 3306;                  // Default: 3306
  std::string user;                 // Required.
  std::string password;             // Default: empty. Secret.
  // Required: the replica id the agent registers with, unique among the
  // server's replicas and different from the server's own server_id.
  uint32_t server_id = 0;
  // Databases whose every table is captured. Default: empty.
  std::vector<std::string> databases;
  // Single tables (database.table) captured besides `databases`. When both
  // lists are empty, every table of every non-system database is captured.
  std::vector<TableName> tables;
  SnapshotMode snapshot = SnapshotMode::kInitial;  // Default: initial
  int snapshot_chunk_rows = 10000;  // Default: 10000. Rows per snapshot chunk.
  int connect_timeout_s = 10;       // Default: 10
  int heartbeat_interval_ms = 2000;  // Default: 2000. Server heartbeat when idle.
  // Default: 300. How long to keep reconnecting after the server went away
  // before the agent stops with an error.
  int reconnect_timeout_s = 300;

  // True when `db`.`table` is captured.
  bool Includes(const std::string& db, const std::string& table) const;
};

struct SourceConfig {
  enum class Type { kPostgres, kMysql };
  Type type = Type::kPostgres;  // Required: "postgres" or "mysql".
  // Logical server name: in every event's source.server_name and the
  // default topic prefix. Default: the agent name.
  std::string name;
  PostgresSourceConfig postgres;  // type postgres
  MysqlSourceConfig mysql;        // type mysql
};

// How events are written to Kafka (kafka.format).
enum class EventFormat {
  kProtobuf,      // "protobuf" (default): value cdc.v1.ChangeEvent, key cdc.v1.RowKey
  kJson,          // "json": the same messages in protobuf's canonical JSON mapping
  kDebeziumJson,  // "debezium-json": Debezium's JSON envelope and key
};

// The agent's own topic creation (kafka.topics.create): each topic is
// created, if missing, before its first message.
struct TopicCreateConfig {
  bool enabled = false;         // true when kafka.topics.create is given
  int partitions = 1;           // Default: 1.
  int replication_factor = -1;  // Default: -1, the brokers' default.
  // Default: empty. Topic settings (cleanup.policy, retention.ms, ...).
  std::map<std::string, std::string> config;
};

struct KafkaConfig {
  std::string brokers;            // Required: "host:port[,host:port]".
  std::string topic_prefix;       // Default: the source name.
  bool tombstones = true;         // Default: true. Null-value message after each delete.
  int delivery_timeout_ms = 120000;  // Default: 120000. Fatal if a message is not acked in time.
  EventFormat format = EventFormat::kProtobuf;  // Default: protobuf.
  // Default: false. debezium-json only: each key and value is written as
  // {"schema":...,"payload":...}, like Kafka Connect's JsonConverter with
  // schemas.enable=true.
  bool schemas_enable = false;
  // Default: false. BEGIN and END records on "<topic_prefix>.transaction",
  // and each change event names its transaction and its order in it.
  bool transaction_metadata = false;
  TopicCreateConfig topics_create;
  // Default: none. kafka.schema_registry: keys and values in the Confluent
  // wire format, their schemas registered there (protobuf format only).
  std::optional<SchemaRegistryConfig> schema_registry;
  // Default: empty. Passed verbatim to librdkafka's Conf::set; invalid keys or
  // values are reported with the key. cdc-agent sets compression.type=lz4
  // and linger.ms=10 unless overridden here; transactional.id,
  // enable.idempotence and acks are the agent's and refused here.
  std::map<std::string, std::string> properties;
  // kafka.delivery: "exactly-once" (default) or "at-least-once". Exactly once
  // writes events in Kafka transactions, each ending with the source position
  // in offsets_topic; at least once stores positions in offsets.path only.
  bool exactly_once = true;
  // Default: 100. A Kafka transaction is committed this long after it began,
  // or after commit_max_events events, whichever comes first. At least once,
  // the acknowledged position is stored at most this often.
  int commit_interval_ms = 100;
  int commit_max_events = 100000;  // Default: 100000.
  // Default: cdc-agent-offsets. The compacted topic of committed positions.
  std::string offsets_topic = "cdc-agent-offsets";
  // Derived, not configurable: "cdc-agent-<agent name>", and the key of this
  // agent's records in offsets_topic, "<agent name>/<source name>".
  std::string transactional_id;
  std::string offsets_key;
};

struct OffsetsConfig {
  std::string path;  // Required: the RocksDB directory.
};

struct AgentConfig {
  std::string name;  // Required: the agent name ([A-Za-z0-9_.-]+).
  SourceConfig source;
  KafkaConfig kafka;
  OffsetsConfig offsets;
  std::string log_level = "info";  // Default: info (trace, debug, info, warn, error).
  int batch_max_events = 500;      // Default: 500. Events per batch handed to the sink.
  // Default: 1 MiB. A batch is handed over once the source bytes of its rows
  // (binlog row images, pgoutput messages, a snapshot's values) come to this
  // many, also before batch_max_events: memory stays bounded with large rows.
  int batch_max_bytes = 1 << 20;
  int queue_max_batches = 2;       // Default: 2. Batches in flight between reader and sink.
  // `transforms:`, in order (agent/transform/spec.h).
  std::vector<transform::TransformSpec> transforms;

  // A printable summary with secrets replaced by "***".
  std::string Describe() const;
};

// Looks up an environment variable; nullopt if unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup ProcessEnv();

// Parses YAML text. `${NAME}` is replaced by the variable's value before
// parsing ("$${" escapes a literal "${"); an unset variable is an error naming
// it. `origin` names the file in messages.
Result<AgentConfig> ParseConfig(const std::string& yaml_text, const EnvLookup& env,
                                const std::string& origin = "config");

// Reads and parses a file.
Result<AgentConfig> LoadConfigFile(const std::string& path, const EnvLookup& env);

}  // namespace cdc::agent
