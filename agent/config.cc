#include "agent/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

#include "agent/config_internal.h"

namespace cdc::agent {
namespace {

using config_internal::AllOf;
using config_internal::EditDistance;
using config_internal::IsHostPort;
using config_internal::IsNameChar;
using config_internal::IsPgNameChar;
using config_internal::JoinChoices;
using config_internal::kMaxPgNameLength;
using config_internal::Keys;
using config_internal::ParseInt;
using config_internal::ParseMysqlTableName;
using config_internal::ParseTableName;
using config_internal::Quote;
using config_internal::SubstituteEnv;
using config_internal::Trim;

constexpr std::string_view kTopKeys[] = {"name",           "log_level",         "batch_max_events",
                                         "batch_max_bytes", "queue_max_batches", "source",
                                         "kafka",          "offsets",           "transforms"};
constexpr std::string_view kTransformTypes[] = {"filter", "project", "mask",  "compute",
                                                "split",  "route",   "unwrap",
                                                "join",   "aggregate"};
constexpr std::string_view kSplitKeys[] = {"type",  "tables", "column",      "delimiter",
                                           "regex", "into",   "keep_source", "on_error",
                                           "dead_letter_topic"};
constexpr std::string_view kFilterKeys[] = {"type", "tables", "when", "ops", "on_error",
                                            "dead_letter_topic"};
constexpr std::string_view kProjectKeys[] = {"type", "tables", "include", "exclude", "rename",
                                             "table"};
constexpr std::string_view kMaskKeys[] = {"type", "tables", "columns", "salt_env"};
constexpr std::string_view kComputeKeys[] = {"type", "tables", "columns", "maps", "on_error",
                                             "dead_letter_topic"};
constexpr std::string_view kRouteKeys[] = {"type", "tables", "topic", "key"};
constexpr std::string_view kUnwrapKeys[] = {"type", "tables", "add_fields"};
constexpr std::string_view kJoinKeys[] = {"type", "tables", "from", "on", "columns", "prefix",
                                          "missing"};
constexpr std::string_view kJoinMissing[] = {"null", "drop"};
constexpr std::string_view kAggregateKeys[] = {"type",     "tables", "window", "grace",
                                               "group_by", "ops",    "measures", "topic"};
constexpr std::string_view kUnwrapFields[] = {"op",     "table",       "schema",  "database",
                                              "source", "commit_time", "position"};
constexpr std::string_view kMaskRuleKeys[] = {"value", "keep_last", "hash"};
constexpr std::string_view kErrorPolicies[] = {"fail", "drop", "null", "dead-letter"};
constexpr std::string_view kOps[] = {"insert", "update", "delete", "read", "truncate"};
constexpr std::string_view kSourceKeys[] = {
    "type",     "name",     "host",          "port",           "user",
    "password", "database", "slot",          "publication",    "tables",
    "snapshot", "snapshot_chunk_rows", "connect_timeout_s", "status_interval_ms", "sslmode",
    "reconnect_timeout_s"};
constexpr std::string_view kMysqlSourceKeys[] = {
    "type",   "name",     "host",       "port",     "user",
    "password", "server_id", "databases", "tables", "snapshot",
    "snapshot_chunk_rows", "connect_timeout_s", "heartbeat_interval_ms", "reconnect_timeout_s"};
constexpr std::string_view kKafkaKeys[] = {"brokers",          "topic_prefix",
                                           "tombstones",       "delivery_timeout_ms",
                                           "format",           "schemas_enable",
                                           "transaction_metadata", "topics",
                                           "schema_registry",  "properties",
                                           "delivery",         "commit_interval_ms",
                                           "commit_max_events", "offsets_topic"};
constexpr std::string_view kRegistryKeys[] = {
    "url",                      "subject_name_strategy", "basic_auth_user",
    "basic_auth_password",      "ssl_ca_location",       "ssl_certificate_location",
    "ssl_key_location",         "ssl_key_password",      "ssl_verify",
    "timeout_ms"};
constexpr std::string_view kSubjectStrategies[] = {"topic-name", "record-name",
                                                   "topic-record-name"};
constexpr std::string_view kFormats[] = {"protobuf", "json", "debezium-json"};
constexpr std::string_view kDeliveries[] = {"exactly-once", "at-least-once"};
// librdkafka settings the agent owns: a value from kafka.properties would
// weaken or break delivery.
constexpr std::string_view kOwnedProperties[] = {"transactional.id", "enable.idempotence", "acks"};
constexpr std::string_view kTopicsKeys[] = {"create"};
constexpr std::string_view kTopicsCreateKeys[] = {"partitions", "replication_factor", "config"};
constexpr std::string_view kOffsetsKeys[] = {"path"};
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};
constexpr std::string_view kSnapshotModes[] = {"initial", "never"};
constexpr std::string_view kSslModes[] = {"disable", "allow",     "prefer",
                                          "require", "verify-ca", "verify-full"};

std::string Show(const YAML::Node& node) {
  if (node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return Quote(node.Scalar());
}

// Reads the YAML tree, one section at a time, into the config structs.
class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  // A mapping's values by key; errors about a value name the line of its
  // key (yaml-cpp places an empty value on the line after it).
  struct Section {
    std::string path;
    std::map<std::string, std::pair<YAML::Node, YAML::Node>, std::less<>> values;
    const YAML::Node* Find(std::string_view key) const {
      auto it = values.find(key);
      return it == values.end() ? nullptr : &it->second.second;
    }
    const YAML::Node& KeyOf(std::string_view key) const { return values.find(key)->second.first; }
  };

  Status Error(const YAML::Node& at, const std::string& path, const std::string& what) const {
    std::string line = at.Mark().is_null() ? "" : ":" + std::to_string(at.Mark().line + 1);
    return Status::InvalidArgument(origin_ + line + ": " + path + ": " + what);
  }
  Status Error(const Section& s, std::string_view key, const std::string& what) const {
    return Error(s.KeyOf(key), Join(s.path, key), what);
  }
  Status Missing(const std::string& path, const std::string& what = "") const {
    return Status::InvalidArgument(origin_ + ": " + path + ": required key is missing" +
                                   (what.empty() ? "" : ": " + what));
  }
  static std::string Join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  // Checks that `node` is a mapping with only known, distinct keys.
  Status ReadSection(const YAML::Node& node, const std::string& path, Keys known,
                     Section* out) const {
    out->path = path;
    if (!node.IsMap()) return Error(node, path, "must be a mapping of keys, got " + Show(node));
    std::map<std::string, int, std::less<>> first_line;
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        return Error(key, path.empty() ? "(top level)" : path,
                     "keys must be plain names, got " + Show(key));
      }
      const std::string& name = key.Scalar();
      std::string key_path = Join(path, name);
      if (known.end() == std::find(known.begin(), known.end(), name)) {
        return Error(key, key_path, "unknown key" + Suggest(name, known));
      }
      auto [seen, inserted] = first_line.emplace(name, key.Mark().line + 1);
      if (!inserted) {
        return Error(key, key_path, "key given twice (first on line " +
                                        std::to_string(seen->second) + ")");
      }
      out->values.emplace(name, std::make_pair(key, entry.second));
    }
    return Status::OK();
  }

  Status String(const Section& s, std::string_view key, bool required, std::string* out,
                bool secret = false) const {
    const YAML::Node* node = s.Find(key);
    if (node == nullptr) return required ? Missing(Join(s.path, key)) : Status::OK();
    if (secret && node->IsNull()) {
      out->clear();
      return Status::OK();
    }
    if (!node->IsScalar()) {
      return Error(s, key, "must be a string, got " + Show(*node));
    }
    if (!secret && node->Scalar().empty()) {
      return Error(s, key, "must not be empty");
    }
    *out = node->Scalar();
    return Status::OK();
  }

  Status Int(const Section& s, std::string_view key, int min, int max, int* out) const {
    const YAML::Node* node = s.Find(key);
    if (node == nullptr) return Status::OK();
    long long v = 0;
    if (!node->IsScalar() || !ParseInt(node->Scalar(), &v) || v < min || v > max) {
      return Error(s, key,
                   "must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                       ", got " + Show(*node));
    }
    *out = static_cast<int>(v);
    return Status::OK();
  }

  Status Bool(const Section& s, std::string_view key, bool* out) const {
    const YAML::Node* node = s.Find(key);
    if (node == nullptr) return Status::OK();
    std::string v = node->IsScalar() ? node->Scalar() : "";
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v != "true" && v != "false") {
      return Error(s, key, "must be true or false, got " + Show(*node));
    }
    *out = v == "true";
    return Status::OK();
  }

  Status Choice(const Section& s, std::string_view key, Keys choices, std::string* out) const {
    std::string v;
    CDC_RETURN_IF_ERROR(String(s, key, false, &v));
    if (s.Find(key) == nullptr) return Status::OK();
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      std::string expected = choices.size() == 2 ? JoinChoices(choices, " or ")
                                                 : "one of " + JoinChoices(choices, ", ");
      return Error(s, key, "must be " + expected + ", got " + Quote(v));
    }
    *out = v;
    return Status::OK();
  }

  Status Name(const Section& s, std::string_view key, bool required, std::string* out) const {
    CDC_RETURN_IF_ERROR(String(s, key, required, out));
    if (s.Find(key) != nullptr && !AllOf(*out, IsNameChar)) {
      return Error(s, key,
                   "must be letters, digits, '_', '.' or '-' ([A-Za-z0-9_.-]+), got " +
                       Quote(*out));
    }
    return Status::OK();
  }

  // A mapping of `what` names (e.g. "librdkafka setting") to single values.
  // `secret`: values may hold passwords and are never echoed.
  Status StringMap(const Section& s, std::string_view key, const char* what, bool secret,
                   std::map<std::string, std::string>* out) const {
    const YAML::Node* node = s.Find(key);
    if (node == nullptr || node->IsNull()) return Status::OK();
    const std::string path = Join(s.path, key);
    if (!node->IsMap()) {
      return Error(s, key, "must be a mapping of " + std::string(what) + "s, got " + Show(*node));
    }
    for (const auto& entry : *node) {
      const YAML::Node& name = entry.first;
      if (!name.IsScalar() || name.Scalar().empty()) {
        return Error(name, path, "keys must be " + std::string(what) + " names");
      }
      const std::string entry_path = path + "." + name.Scalar();
      if (!entry.second.IsScalar()) {
        return Error(name, entry_path,
                     "must be a single value (string, number or boolean)" +
                         (secret ? std::string() : ", got " + Show(entry.second)));
      }
      if (!out->emplace(name.Scalar(), entry.second.Scalar()).second) {
        return Error(name, entry_path, "key given twice");
      }
    }
    return Status::OK();
  }

  Status PgName(const Section& s, std::string_view key, const char* what, std::string* out) const {
    CDC_RETURN_IF_ERROR(String(s, key, false, out));
    if (s.Find(key) != nullptr && (!AllOf(*out, IsPgNameChar) || out->size() > kMaxPgNameLength)) {
      return Error(s, key,
                   "must be 1 to 63 lowercase letters, digits or '_' (a PostgreSQL " +
                       std::string(what) + " name), got " + Quote(*out));
    }
    return Status::OK();
  }

 private:
  static std::string Suggest(const std::string& name, Keys known) {
    std::string_view best;
    size_t best_distance = 3;
    for (std::string_view k : known) {
      size_t d = EditDistance(name, k);
      if (d < best_distance && d < k.size()) {
        best = k;
        best_distance = d;
      }
    }
    if (!best.empty()) return " (did you mean " + Quote(best) + "?)";
    return "; expected one of " + JoinChoices(known, ", ");
  }

  const std::string& origin_;
};

Status ReadTables(const Reader& r, const Reader::Section& s, std::vector<TableName>* out) {
  const YAML::Node* node = s.Find("tables");
  if (node == nullptr || node->IsNull()) return Status::OK();
  const std::string path = Reader::Join(s.path, "tables");
  if (!node->IsSequence()) {
    return r.Error(s, "tables", "must be a list of table names, got " + Show(*node));
  }
  for (size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    if (!item.IsScalar()) {
      return r.Error(item, item_path, "must be a table name, got " + Show(item));
    }
    Result<TableName> table = ParseTableName(item.Scalar());
    if (!table.ok()) {
      return r.Error(item, item_path,
                     "bad table name " + Quote(item.Scalar()) + ": " + table.status().message() +
                         "; expected schema.table or table, with a part in double quotes to "
                         "keep its case or hold other characters");
    }
    if (std::find(out->begin(), out->end(), *table) != out->end()) {
      return r.Error(item, item_path, Quote(item.Scalar()) + " is listed twice");
    }
    out->push_back(std::move(table).value());
  }
  return Status::OK();
}

Status ReadPostgresSource(const Reader& r, const Reader::Section& s, SourceConfig* out) {
  out->type = SourceConfig::Type::kPostgres;
  PostgresSourceConfig& pg = out->postgres;
  CDC_RETURN_IF_ERROR(r.String(s, "host", false, &pg.host));
  CDC_RETURN_IF_ERROR(r.Int(s, "port", 1, 65535, &pg.port));
  CDC_RETURN_IF_ERROR(r.String(s, "user", true, &pg.user));
  CDC_RETURN_IF_ERROR(r.String(s, "password", false, &pg.password, /*secret=*/true));
  CDC_RETURN_IF_ERROR(r.String(s, "database", true, &pg.database));
  CDC_RETURN_IF_ERROR(r.PgName(s, "slot", "replication slot", &pg.slot));
  CDC_RETURN_IF_ERROR(r.PgName(s, "publication", "publication", &pg.publication));
  CDC_RETURN_IF_ERROR(ReadTables(r, s, &pg.tables));
  std::string snapshot = "initial";
  CDC_RETURN_IF_ERROR(r.Choice(s, "snapshot", kSnapshotModes, &snapshot));
  pg.snapshot = snapshot == "never" ? SnapshotMode::kNever : SnapshotMode::kInitial;
  CDC_RETURN_IF_ERROR(r.Int(s, "snapshot_chunk_rows", 1, 1000000, &pg.snapshot_chunk_rows));
  CDC_RETURN_IF_ERROR(r.Int(s, "connect_timeout_s", 1, 3600, &pg.connect_timeout_s));
  CDC_RETURN_IF_ERROR(r.Int(s, "status_interval_ms", 100, 600000, &pg.status_interval_ms));
  CDC_RETURN_IF_ERROR(r.Int(s, "reconnect_timeout_s", 0, 86400, &pg.reconnect_timeout_s));
  return r.Choice(s, "sslmode", kSslModes, &pg.sslmode);
}

// MySQL names: database.table, each part plain or in backquotes.
Status ReadMysqlTables(const Reader& r, const Reader::Section& s, MysqlSourceConfig* out) {
  if (const YAML::Node* node = s.Find("databases"); node != nullptr && !node->IsNull()) {
    if (!node->IsSequence()) {
      return r.Error(s, "databases", "must be a list of database names, got " + Show(*node));
    }
    for (size_t i = 0; i < node->size(); ++i) {
      const YAML::Node item = (*node)[i];
      const std::string path = "source.databases[" + std::to_string(i) + "]";
      if (!item.IsScalar() || item.Scalar().empty()) {
        return r.Error(item, path, "must be a database name, got " + Show(item));
      }
      if (std::find(out->databases.begin(), out->databases.end(), item.Scalar()) !=
          out->databases.end()) {
        return r.Error(item, path, Quote(item.Scalar()) + " is listed twice");
      }
      out->databases.push_back(item.Scalar());
    }
  }
  const YAML::Node* node = s.Find("tables");
  if (node == nullptr || node->IsNull()) return Status::OK();
  if (!node->IsSequence()) {
    return r.Error(s, "tables", "must be a list of database.table names, got " + Show(*node));
  }
  for (size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    const std::string path = "source.tables[" + std::to_string(i) + "]";
    Result<TableName> table =
        item.IsScalar() ? ParseMysqlTableName(item.Scalar())
                        : Result<TableName>(Status::InvalidArgument("not a name"));
    if (!table.ok()) {
      return r.Error(item, path,
                     "bad table name " + Show(item) + ": " + table.status().message() +
                         "; expected database.table, a part in backquotes (`a.b`) when it "
                         "holds a dot");
    }
    if (std::find(out->tables.begin(), out->tables.end(), *table) != out->tables.end()) {
      return r.Error(item, path, Show(item) + " is listed twice");
    }
    out->tables.push_back(std::move(table).value());
  }
  return Status::OK();
}

Status ReadMysqlSource(const Reader& r, const Reader::Section& s, SourceConfig* out) {
  out->type = SourceConfig::Type::kMysql;
  MysqlSourceConfig& my = out->mysql;
  CDC_RETURN_IF_ERROR(r.String(s, "host", false, &my.host));
  CDC_RETURN_IF_ERROR(r.Int(s, "port", 1, 65535, &my.port));
  CDC_RETURN_IF_ERROR(r.String(s, "user", true, &my.user));
  CDC_RETURN_IF_ERROR(r.String(s, "password", false, &my.password, /*secret=*/true));
  const YAML::Node* id = s.Find("server_id");
  long long v = 0;
  if (id == nullptr) {
    return r.Missing("source.server_id",
                     "the replica id cdc-agent registers with, unique among the server's "
                     "replicas (1..4294967295), e.g. 5401");
  }
  if (!id->IsScalar() || !ParseInt(id->Scalar(), &v) || v < 1 || v > 4294967295LL) {
    return r.Error(s, "server_id", "must be an integer in 1..4294967295, got " + Show(*id));
  }
  my.server_id = static_cast<uint32_t>(v);
  CDC_RETURN_IF_ERROR(ReadMysqlTables(r, s, &my));
  std::string snapshot = "initial";
  CDC_RETURN_IF_ERROR(r.Choice(s, "snapshot", kSnapshotModes, &snapshot));
  my.snapshot = snapshot == "never" ? SnapshotMode::kNever : SnapshotMode::kInitial;
  CDC_RETURN_IF_ERROR(r.Int(s, "snapshot_chunk_rows", 1, 1000000, &my.snapshot_chunk_rows));
  CDC_RETURN_IF_ERROR(r.Int(s, "connect_timeout_s", 1, 3600, &my.connect_timeout_s));
  CDC_RETURN_IF_ERROR(
      r.Int(s, "heartbeat_interval_ms", 100, 600000, &my.heartbeat_interval_ms));
  return r.Int(s, "reconnect_timeout_s", 0, 86400, &my.reconnect_timeout_s);
}

Status ReadSource(const Reader& r, const YAML::Node& node, SourceConfig* out) {
  // The type decides which keys are valid, so it is read before the rest.
  std::string type;
  if (node.IsMap() && node["type"] && node["type"].IsScalar()) type = node["type"].Scalar();
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(node, "source", type == "mysql" ? Keys(kMysqlSourceKeys)
                                                                     : Keys(kSourceKeys),
                                    &s));
  CDC_RETURN_IF_ERROR(r.String(s, "type", true, &type));
  if (type != "postgres" && type != "mysql") {
    return r.Error(s, "type", "must be postgres or mysql, got " + Quote(type));
  }
  CDC_RETURN_IF_ERROR(r.Name(s, "name", false, &out->name));
  return type == "mysql" ? ReadMysqlSource(r, s, out) : ReadPostgresSource(r, s, out);
}

Status ReadSchemaRegistry(const Reader& r, const Reader::Section& kafka, const YAML::Node& node,
                          KafkaConfig* out) {
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(node, "kafka.schema_registry", kRegistryKeys, &s));
  if (out->format != EventFormat::kProtobuf) {
    return r.Error(kafka, "schema_registry",
                   "applies to kafka.format: protobuf only (the Confluent wire format of "
                   "Protobuf messages); remove it or set the format to protobuf");
  }
  SchemaRegistryConfig& c = out->schema_registry.emplace();
  CDC_RETURN_IF_ERROR(r.String(s, "url", true, &c.url));
  std::string strategy = "topic-name";
  CDC_RETURN_IF_ERROR(r.Choice(s, "subject_name_strategy", kSubjectStrategies, &strategy));
  c.subject_name_strategy = *ParseSubjectNameStrategy(strategy);
  CDC_RETURN_IF_ERROR(r.String(s, "basic_auth_user", false, &c.basic_auth_user));
  CDC_RETURN_IF_ERROR(
      r.String(s, "basic_auth_password", false, &c.basic_auth_password, /*secret=*/true));
  CDC_RETURN_IF_ERROR(r.String(s, "ssl_ca_location", false, &c.ssl_ca_location));
  CDC_RETURN_IF_ERROR(
      r.String(s, "ssl_certificate_location", false, &c.ssl_certificate_location));
  CDC_RETURN_IF_ERROR(r.String(s, "ssl_key_location", false, &c.ssl_key_location));
  CDC_RETURN_IF_ERROR(
      r.String(s, "ssl_key_password", false, &c.ssl_key_password, /*secret=*/true));
  CDC_RETURN_IF_ERROR(r.Bool(s, "ssl_verify", &c.ssl_verify));
  CDC_RETURN_IF_ERROR(r.Int(s, "timeout_ms", 1, 600000, &c.timeout_ms));
  if (Status valid = ValidateSchemaRegistryConfig(c); !valid.ok()) {
    return r.Error(kafka.KeyOf("schema_registry"), "kafka", valid.message());
  }
  return Status::OK();
}

Status ReadKafka(const Reader& r, const YAML::Node& node, KafkaConfig* out) {
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(node, "kafka", kKafkaKeys, &s));
  CDC_RETURN_IF_ERROR(r.String(s, "brokers", true, &out->brokers));
  std::string_view rest = out->brokers;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    if (!IsHostPort(entry)) {
      return r.Error(s, "brokers",
                     Quote(entry) + " is not host:port; expected host:port[,host:port...]");
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  CDC_RETURN_IF_ERROR(r.Name(s, "topic_prefix", false, &out->topic_prefix));
  CDC_RETURN_IF_ERROR(r.Bool(s, "tombstones", &out->tombstones));
  CDC_RETURN_IF_ERROR(r.Int(s, "delivery_timeout_ms", 1, std::numeric_limits<int>::max(),
                            &out->delivery_timeout_ms));
  std::string format = "protobuf";
  CDC_RETURN_IF_ERROR(r.Choice(s, "format", kFormats, &format));
  out->format = format == "json"            ? EventFormat::kJson
                : format == "debezium-json" ? EventFormat::kDebeziumJson
                                            : EventFormat::kProtobuf;
  CDC_RETURN_IF_ERROR(r.Bool(s, "schemas_enable", &out->schemas_enable));
  if (out->schemas_enable && out->format != EventFormat::kDebeziumJson) {
    return r.Error(s, "schemas_enable",
                   "applies to kafka.format: debezium-json only (the protobuf and json formats "
                   "describe their schema with `cdc-agent schema`); remove it or set the format");
  }
  CDC_RETURN_IF_ERROR(r.Bool(s, "transaction_metadata", &out->transaction_metadata));
  if (const YAML::Node* topics = s.Find("topics"); topics != nullptr) {
    Reader::Section t;
    CDC_RETURN_IF_ERROR(r.ReadSection(*topics, "kafka.topics", kTopicsKeys, &t));
    if (const YAML::Node* create = t.Find("create"); create != nullptr) {
      TopicCreateConfig& c = out->topics_create;
      c.enabled = true;
      if (!create->IsNull()) {
        Reader::Section cs;
        CDC_RETURN_IF_ERROR(r.ReadSection(*create, "kafka.topics.create", kTopicsCreateKeys, &cs));
        CDC_RETURN_IF_ERROR(r.Int(cs, "partitions", 1, 100000, &c.partitions));
        CDC_RETURN_IF_ERROR(r.Int(cs, "replication_factor", -1, 1000, &c.replication_factor));
        if (c.replication_factor == 0) {
          return r.Error(cs, "replication_factor",
                         "must be at least 1, or -1 for the brokers' default");
        }
        CDC_RETURN_IF_ERROR(
            r.StringMap(cs, "config", "Kafka topic setting", /*secret=*/false, &c.config));
      }
    }
  }
  if (const YAML::Node* registry = s.Find("schema_registry"); registry != nullptr) {
    CDC_RETURN_IF_ERROR(ReadSchemaRegistry(r, s, *registry, out));
  }
  std::string delivery = "exactly-once";
  CDC_RETURN_IF_ERROR(r.Choice(s, "delivery", kDeliveries, &delivery));
  out->exactly_once = delivery == "exactly-once";
  CDC_RETURN_IF_ERROR(r.Int(s, "commit_interval_ms", 1, 600000, &out->commit_interval_ms));
  CDC_RETURN_IF_ERROR(r.Int(s, "commit_max_events", 1, 100000000, &out->commit_max_events));
  CDC_RETURN_IF_ERROR(r.Name(s, "offsets_topic", false, &out->offsets_topic));
  CDC_RETURN_IF_ERROR(
      r.StringMap(s, "properties", "librdkafka setting", /*secret=*/true, &out->properties));
  for (std::string_view owned : kOwnedProperties) {
    if (out->properties.count(std::string(owned)) != 0) {
      return r.Error(s, "properties",
                     std::string(owned) +
                         " is set by the agent (transactional.id from the agent name, "
                         "idempotence and acks=all for delivery); remove it");
    }
  }
  return Status::OK();
}

Status ReadTransforms(const Reader& r, const Reader::Section& top, const EnvLookup& env,
                     std::vector<transform::TransformSpec>* out);

Status ReadAgent(const Reader& r, const YAML::Node& root, const EnvLookup& env,
                 AgentConfig* out) {
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(root, "", kTopKeys, &s));
  CDC_RETURN_IF_ERROR(r.Name(s, "name", true, &out->name));
  CDC_RETURN_IF_ERROR(r.Choice(s, "log_level", kLogLevels, &out->log_level));
  CDC_RETURN_IF_ERROR(r.Int(s, "batch_max_events", 1, 1000000, &out->batch_max_events));
  CDC_RETURN_IF_ERROR(r.Int(s, "batch_max_bytes", 1024, 1 << 30, &out->batch_max_bytes));
  CDC_RETURN_IF_ERROR(r.Int(s, "queue_max_batches", 1, 1024, &out->queue_max_batches));
  for (std::string_view section : {"source", "kafka", "offsets"}) {
    const YAML::Node* node = s.Find(section);
    if (node == nullptr) return r.Missing(std::string(section));
    if (!node->IsMap()) return r.Error(s, section, "must be a mapping of keys, got " + Show(*node));
  }
  CDC_RETURN_IF_ERROR(ReadSource(r, *s.Find("source"), &out->source));
  CDC_RETURN_IF_ERROR(ReadKafka(r, *s.Find("kafka"), &out->kafka));
  Reader::Section offsets;
  CDC_RETURN_IF_ERROR(r.ReadSection(*s.Find("offsets"), "offsets", kOffsetsKeys, &offsets));
  CDC_RETURN_IF_ERROR(r.String(offsets, "path", true, &out->offsets.path));
  CDC_RETURN_IF_ERROR(ReadTransforms(r, s, env, &out->transforms));
  for (const transform::TransformSpec& t : out->transforms) {
    if (t.kind == transform::TransformSpec::Kind::kUnwrap &&
        (out->kafka.format == EventFormat::kDebeziumJson || out->kafka.schema_registry)) {
      return r.Error(s, "transforms",
                     t.label + " is not supported yet with kafka.format debezium-json nor with "
                               "kafka.schema_registry; use the protobuf or json format without "
                               "a registry");
    }
  }
  if (out->kafka.format == EventFormat::kDebeziumJson) {
    for (const transform::TransformSpec& t : out->transforms) {
      if (t.kind == transform::TransformSpec::Kind::kProject ||
          t.kind == transform::TransformSpec::Kind::kMask ||
          t.kind == transform::TransformSpec::Kind::kCompute ||
          t.kind == transform::TransformSpec::Kind::kSplit ||
          t.kind == transform::TransformSpec::Kind::kJoin ||
          t.kind == transform::TransformSpec::Kind::kAggregate) {
        return r.Error(s, "transforms",
                       t.label + " with kafka.format debezium-json is not supported yet (its "
                                 "schema is the table's); use the protobuf or json format");
      }
    }
  }
  if (out->source.name.empty()) out->source.name = out->name;
  if (out->kafka.topic_prefix.empty()) out->kafka.topic_prefix = out->source.name;
  out->kafka.transactional_id = "cdc-agent-" + out->name;
  out->kafka.offsets_key = out->name + "/" + out->source.name;
  return Status::OK();
}

// A list of plain strings (column or table names).
Status StringList(const Reader& r, const Reader::Section& s, std::string_view key,
                  std::vector<std::string>* out) {
  const YAML::Node* node = s.Find(key);
  if (node == nullptr || node->IsNull()) return Status::OK();
  if (!node->IsSequence()) return r.Error(s, key, "must be a list, got " + Show(*node));
  for (size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      return r.Error(item, Reader::Join(s.path, key) + "[" + std::to_string(i) + "]",
                     "must be a name, got " + Show(item));
    }
    out->push_back(item.Scalar());
  }
  return Status::OK();
}

// An ordered mapping of names to single values ("rename", compute's
// "columns"), in the file's order.
Status OrderedPairs(const Reader& r, const Reader::Section& s, std::string_view key,
                    const char* what, std::vector<std::pair<std::string, std::string>>* out) {
  const YAML::Node* node = s.Find(key);
  if (node == nullptr || node->IsNull()) return Status::OK();
  if (!node->IsMap()) return r.Error(s, key, "must be a mapping of " + std::string(what));
  const std::string path = Reader::Join(s.path, key);
  for (const auto& entry : *node) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty()) {
      return r.Error(entry.first, path, "keys must be column names");
    }
    const std::string& name = entry.first.Scalar();
    if (!entry.second.IsScalar() || entry.second.Scalar().empty()) {
      return r.Error(entry.first, path + "." + name, "must be " + std::string(what) + ", got " +
                                                         Show(entry.second));
    }
    for (const auto& [seen, value] : *out) {
      if (seen == name) return r.Error(entry.first, path + "." + name, "given twice");
    }
    out->emplace_back(name, entry.second.Scalar());
  }
  return Status::OK();
}

Status ReadMasks(const Reader& r, const Reader::Section& s, const EnvLookup& env,
                 transform::TransformSpec* t) {
  using transform::MaskSpec;
  const YAML::Node* node = s.Find("columns");
  if (node == nullptr) return r.Missing(Reader::Join(s.path, "columns"), "the columns to mask");
  if (!node->IsMap() || node->size() == 0) {
    return r.Error(s, "columns",
                   "must map each column to null, hash, {value: TEXT}, {keep_last: N} or "
                   "{hash: true}");
  }
  const std::string path = Reader::Join(s.path, "columns");
  bool hashes = false;
  for (const auto& entry : *node) {
    const std::string name = entry.first.Scalar();
    const std::string item_path = path + "." + name;
    MaskSpec m;
    m.column = name;
    const YAML::Node& rule = entry.second;
    if (rule.IsNull() || (rule.IsScalar() && rule.Scalar() == "null")) {
      m.kind = MaskSpec::Kind::kNull;
    } else if (rule.IsScalar() && rule.Scalar() == "hash") {
      m.kind = MaskSpec::Kind::kHash;
    } else if (rule.IsMap()) {
      Reader::Section rs;
      CDC_RETURN_IF_ERROR(r.ReadSection(rule, item_path, kMaskRuleKeys, &rs));
      if (rs.values.size() != 1) {
        return r.Error(entry.first, item_path, "give one of value, keep_last or hash");
      }
      if (rs.Find("value") != nullptr) {
        m.kind = MaskSpec::Kind::kValue;
        const YAML::Node* v = rs.Find("value");
        if (!v->IsScalar()) return r.Error(rs, "value", "must be a text, got " + Show(*v));
        m.value = v->Scalar();
      } else if (rs.Find("keep_last") != nullptr) {
        m.kind = MaskSpec::Kind::kKeepLast;
        m.keep_last = 4;
        CDC_RETURN_IF_ERROR(r.Int(rs, "keep_last", 0, 1000000, &m.keep_last));
      } else {
        bool on = false;
        CDC_RETURN_IF_ERROR(r.Bool(rs, "hash", &on));
        if (!on) return r.Error(rs, "hash", "must be true (leave the column out to keep it)");
        m.kind = MaskSpec::Kind::kHash;
      }
    } else {
      return r.Error(entry.first, item_path,
                     "must be null, hash, {value: TEXT}, {keep_last: N} or {hash: true}, got " +
                         Show(rule));
    }
    hashes = hashes || m.kind == MaskSpec::Kind::kHash;
    for (const MaskSpec& seen : t->masks) {
      if (seen.column == name) return r.Error(entry.first, item_path, "given twice");
    }
    t->masks.push_back(std::move(m));
  }
  std::string salt_env;
  CDC_RETURN_IF_ERROR(r.String(s, "salt_env", false, &salt_env));
  if (hashes) {
    if (salt_env.empty()) {
      return r.Missing(Reader::Join(s.path, "salt_env"),
                       "a hash mask needs the name of the environment variable that holds its "
                       "salt (without a secret salt a hash of a short value can be reversed by "
                       "trying every value)");
    }
    std::optional<std::string> salt = env(salt_env);
    if (!salt || salt->empty()) {
      return r.Error(s, "salt_env", "environment variable " + salt_env + " is not set or empty");
    }
    t->salt = *salt;
  } else if (!salt_env.empty()) {
    return r.Error(s, "salt_env", "applies to hash masks only; this transform has none");
  }
  return Status::OK();
}

Status ReadOps(const Reader& r, const Reader::Section& s, std::vector<cdc::v1::Op>* out) {
  std::vector<std::string> ops;
  CDC_RETURN_IF_ERROR(StringList(r, s, "ops", &ops));
  for (const std::string& op : ops) {
    const auto* it = std::find(std::begin(kOps), std::end(kOps), op);
    if (it == std::end(kOps)) {
      return r.Error(s, "ops",
                     Quote(op) + " is not an operation; expected " + JoinChoices(kOps, ", "));
    }
    static constexpr cdc::v1::Op kOpValues[] = {cdc::v1::OP_INSERT, cdc::v1::OP_UPDATE,
                                                cdc::v1::OP_DELETE, cdc::v1::OP_READ,
                                                cdc::v1::OP_TRUNCATE};
    out->push_back(kOpValues[it - std::begin(kOps)]);
  }
  return Status::OK();
}

// "500ms", "10s", "5m", "1h" in milliseconds; false otherwise.
bool ParseDurationMs(const std::string& text, int64_t* out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  const int64_t n = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") {
    *out = n;
  } else if (unit == "s") {
    *out = n * 1000;
  } else if (unit == "m") {
    *out = n * 60'000;
  } else if (unit == "h") {
    *out = n * 3'600'000;
  } else {
    return false;
  }
  return true;
}

Status ReadAggregate(const Reader& r, const Reader::Section& s, const YAML::Node& node,
                     const std::string& path, transform::TransformSpec* t) {
  using transform::AggregateMeasure;
  std::string window;
  CDC_RETURN_IF_ERROR(r.String(s, "window", true, &window));
  if (!ParseDurationMs(window, &t->window_ms) || t->window_ms <= 0) {
    return r.Error(s, "window",
                   "must be a length such as 500ms, 10s, 5m or 1h, got " + Quote(window));
  }
  std::string grace = "1s";
  CDC_RETURN_IF_ERROR(r.String(s, "grace", false, &grace));
  if (!ParseDurationMs(grace, &t->grace_ms)) {
    return r.Error(s, "grace",
                   "must be a length such as 0s, 500ms or 10s, got " + Quote(grace));
  }
  CDC_RETURN_IF_ERROR(StringList(r, s, "group_by", &t->group_by));
  CDC_RETURN_IF_ERROR(ReadOps(r, s, &t->ops));
  CDC_RETURN_IF_ERROR(r.Name(s, "topic", true, &t->aggregate_topic));
  std::vector<std::pair<std::string, std::string>> measures;
  CDC_RETURN_IF_ERROR(OrderedPairs(r, s, "measures", "measures", &measures));
  if (measures.empty()) {
    return r.Missing(Reader::Join(s.path, "measures"),
                     "output columns and what they measure: count, sum(COLUMN), min(COLUMN) "
                     "or max(COLUMN)");
  }
  for (const auto& [name, text] : measures) {
    AggregateMeasure m;
    m.name = name;
    const std::string item = "measures." + name;
    if (text == "count" || text == "count()" || text == "count(*)") {
      m.fn = AggregateMeasure::Fn::kCount;
    } else {
      const size_t open = text.find('(');
      const std::string fn =
          open == std::string::npos ? "" : std::string(Trim(text.substr(0, open)));
      if (open == std::string::npos || text.back() != ')' ||
          (fn != "sum" && fn != "min" && fn != "max")) {
        return r.Error(node, path + "." + item,
                       "must be count, sum(COLUMN), min(COLUMN) or max(COLUMN), got " +
                           Quote(text));
      }
      m.fn = fn == "sum" ? AggregateMeasure::Fn::kSum
             : fn == "min" ? AggregateMeasure::Fn::kMin
                           : AggregateMeasure::Fn::kMax;
      m.column = std::string(Trim(text.substr(open + 1, text.size() - open - 2)));
      if (m.column.empty()) {
        return r.Error(node, path + "." + item, fn + "() needs a column, as in " + fn + "(amount)");
      }
    }
    t->measures.push_back(std::move(m));
  }
  return Status::OK();
}

Status ReadTransform(const Reader& r, const YAML::Node& node, const std::string& path,
                     const EnvLookup& env, transform::TransformSpec* t) {
  using transform::TransformSpec;
  if (!node.IsMap()) return r.Error(node, path, "must be a mapping with a type, got " + Show(node));
  const YAML::Node type_node = node["type"];
  if (!type_node || !type_node.IsScalar()) {
    return r.Error(node, path, "needs a type: one of " + JoinChoices(kTransformTypes, ", "));
  }
  const std::string type = type_node.Scalar();
  Keys keys;
  if (type == "filter") {
    t->kind = TransformSpec::Kind::kFilter;
    keys = kFilterKeys;
  } else if (type == "project") {
    t->kind = TransformSpec::Kind::kProject;
    keys = kProjectKeys;
  } else if (type == "mask") {
    t->kind = TransformSpec::Kind::kMask;
    keys = kMaskKeys;
  } else if (type == "compute") {
    t->kind = TransformSpec::Kind::kCompute;
    keys = kComputeKeys;
  } else if (type == "split") {
    t->kind = TransformSpec::Kind::kSplit;
    keys = kSplitKeys;
  } else if (type == "route") {
    t->kind = TransformSpec::Kind::kRoute;
    keys = kRouteKeys;
  } else if (type == "unwrap") {
    t->kind = TransformSpec::Kind::kUnwrap;
    keys = kUnwrapKeys;
  } else if (type == "join") {
    t->kind = TransformSpec::Kind::kJoin;
    keys = kJoinKeys;
  } else if (type == "aggregate") {
    t->kind = TransformSpec::Kind::kAggregate;
    keys = kAggregateKeys;
  } else {
    return r.Error(type_node, path + ".type",
                   "must be one of " + JoinChoices(kTransformTypes, ", ") + ", got " +
                       Quote(type));
  }
  t->label = path + " (" + type + ")";
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(node, path, keys, &s));
  CDC_RETURN_IF_ERROR(StringList(r, s, "tables", &t->tables));
  std::string policy = "fail";
  if (const YAML::Node* p = s.Find("on_error"); p != nullptr && p->IsNull()) {
    policy = "null";  // YAML reads `on_error: null` as no value
  } else {
    CDC_RETURN_IF_ERROR(r.Choice(s, "on_error", kErrorPolicies, &policy));
  }
  t->on_error = policy == "drop"          ? transform::ErrorPolicy::kDrop
                : policy == "null"        ? transform::ErrorPolicy::kNull
                : policy == "dead-letter" ? transform::ErrorPolicy::kDeadLetter
                                          : transform::ErrorPolicy::kFail;
  if (s.Find("dead_letter_topic") != nullptr) {
    CDC_RETURN_IF_ERROR(r.Name(s, "dead_letter_topic", false, &t->dead_letter_topic));
    if (t->on_error != transform::ErrorPolicy::kDeadLetter) {
      return r.Error(s, "dead_letter_topic", "applies with on_error: dead-letter only");
    }
  }
  switch (t->kind) {
    case TransformSpec::Kind::kFilter: {
      CDC_RETURN_IF_ERROR(r.String(s, "when", false, &t->when));
      CDC_RETURN_IF_ERROR(ReadOps(r, s, &t->ops));
      if (t->when.empty() && t->ops.empty()) {
        return r.Error(node, path, "a filter needs when (an expression), ops (a list), or both");
      }
      break;
    }
    case TransformSpec::Kind::kProject:
      CDC_RETURN_IF_ERROR(StringList(r, s, "include", &t->include));
      CDC_RETURN_IF_ERROR(StringList(r, s, "exclude", &t->exclude));
      CDC_RETURN_IF_ERROR(OrderedPairs(r, s, "rename", "new column names", &t->rename));
      CDC_RETURN_IF_ERROR(r.String(s, "table", false, &t->rename_table));
      if (t->include.empty() && t->exclude.empty() && t->rename.empty() &&
          t->rename_table.empty()) {
        return r.Error(node, path, "a project needs include, exclude, rename or table");
      }
      break;
    case TransformSpec::Kind::kMask: CDC_RETURN_IF_ERROR(ReadMasks(r, s, env, t)); break;
    case TransformSpec::Kind::kCompute: {
      CDC_RETURN_IF_ERROR(OrderedPairs(r, s, "columns", "expressions", &t->computes));
      if (t->computes.empty()) return r.Missing(Reader::Join(s.path, "columns"));
      if (const YAML::Node* maps = s.Find("maps"); maps != nullptr && !maps->IsNull()) {
        if (!maps->IsMap()) return r.Error(s, "maps", "must map names to code tables");
        for (const auto& entry : *maps) {
          const std::string name = entry.first.Scalar();
          Reader::Section table;
          table.path = path + ".maps." + name;
          std::map<std::string, std::string>& codes = t->maps[name];
          if (!entry.second.IsMap()) {
            return r.Error(entry.first, table.path, "must map codes to texts");
          }
          for (const auto& code : entry.second) {
            if (!code.second.IsScalar()) {
              return r.Error(code.first, table.path + "." + code.first.Scalar(),
                             "must be a text, got " + Show(code.second));
            }
            codes[code.first.Scalar()] = code.second.Scalar();
          }
        }
      }
      break;
    }
    case TransformSpec::Kind::kSplit:
      CDC_RETURN_IF_ERROR(r.String(s, "column", true, &t->split_column));
      CDC_RETURN_IF_ERROR(r.String(s, "delimiter", false, &t->delimiter));
      CDC_RETURN_IF_ERROR(r.String(s, "regex", false, &t->regex));
      CDC_RETURN_IF_ERROR(StringList(r, s, "into", &t->into));
      CDC_RETURN_IF_ERROR(r.Bool(s, "keep_source", &t->keep_source));
      if (t->delimiter.empty() == t->regex.empty()) {
        return r.Error(node, path,
                       "a split needs delimiter (with into: the new columns) or regex (with a "
                       "named group (?<name>...) per new column), not both");
      }
      if (!t->delimiter.empty() && t->into.empty()) {
        return r.Missing(Reader::Join(s.path, "into"), "the columns the parts go to, in order");
      }
      if (!t->regex.empty() && !t->into.empty()) {
        return r.Error(s, "into", "a regex names its columns with (?<name>...); remove into");
      }
      break;
    case TransformSpec::Kind::kUnwrap:
      CDC_RETURN_IF_ERROR(StringList(r, s, "add_fields", &t->unwrap_fields));
      for (const std::string& f : t->unwrap_fields) {
        if (std::find(std::begin(kUnwrapFields), std::end(kUnwrapFields), f) ==
            std::end(kUnwrapFields)) {
          return r.Error(s, "add_fields",
                         Quote(f) + " is not a field; expected " + JoinChoices(kUnwrapFields, ", "));
        }
      }
      break;
    case TransformSpec::Kind::kJoin: {
      CDC_RETURN_IF_ERROR(r.String(s, "from", true, &t->join_from));
      if (t->join_from.find('.') == std::string::npos ||
          t->join_from.find_first_of("*?") != std::string::npos) {
        return r.Error(s, "from",
                       "must name one table as schema.table (database.table for MySQL), got " +
                           Quote(t->join_from));
      }
      CDC_RETURN_IF_ERROR(StringList(r, s, "on", &t->join_on));
      if (t->join_on.empty()) {
        return r.Missing(Reader::Join(s.path, "on"),
                         "the event's columns to match the key of " + t->join_from +
                             ", one per key column, in key order");
      }
      CDC_RETURN_IF_ERROR(StringList(r, s, "columns", &t->join_columns));
      if (t->join_columns.empty()) {
        return r.Missing(Reader::Join(s.path, "columns"),
                         "the columns of " + t->join_from + " to add to the event");
      }
      t->join_prefix = t->join_from.substr(t->join_from.rfind('.') + 1) + "_";
      if (const YAML::Node* prefix = s.Find("prefix"); prefix != nullptr) {
        // May be empty: the joined columns keep their names.
        if (prefix->IsNull()) {
          t->join_prefix.clear();
        } else if (prefix->IsScalar()) {
          t->join_prefix = prefix->Scalar();
        } else {
          return r.Error(s, "prefix", "must be a text, got " + Show(*prefix));
        }
      }
      std::string missing = "null";
      if (const YAML::Node* m = s.Find("missing"); m == nullptr || !m->IsNull()) {
        CDC_RETURN_IF_ERROR(r.Choice(s, "missing", kJoinMissing, &missing));
      }
      t->join_missing_drop = missing == "drop";
      break;
    }
    case TransformSpec::Kind::kAggregate:
      CDC_RETURN_IF_ERROR(ReadAggregate(r, s, node, path, t));
      break;
    case TransformSpec::Kind::kRoute:
      CDC_RETURN_IF_ERROR(r.String(s, "topic", false, &t->topic));
      CDC_RETURN_IF_ERROR(StringList(r, s, "key", &t->key));
      if (t->topic.empty() && t->key.empty()) {
        return r.Error(node, path, "a route needs topic (a template), key (columns), or both");
      }
      break;
  }
  return Status::OK();
}

Status ReadTransforms(const Reader& r, const Reader::Section& top, const EnvLookup& env,
                     std::vector<transform::TransformSpec>* out) {
  const YAML::Node* node = top.Find("transforms");
  if (node == nullptr || node->IsNull()) return Status::OK();
  if (!node->IsSequence()) {
    return r.Error(top, "transforms", "must be a list of transforms, got " + Show(*node));
  }
  for (size_t i = 0; i < node->size(); ++i) {
    transform::TransformSpec t;
    CDC_RETURN_IF_ERROR(
        ReadTransform(r, (*node)[i], "transforms[" + std::to_string(i) + "]", env, &t));
    out->push_back(std::move(t));
  }
  return Status::OK();
}

}  // namespace

Result<AgentConfig> ParseConfig(const std::string& yaml_text, const EnvLookup& env,
                                const std::string& origin) {
  CDC_ASSIGN_OR_RETURN(std::string text, SubstituteEnv(yaml_text, env, origin));
  AgentConfig config;
  Reader reader(origin);
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsNull()) {
      return Status::InvalidArgument(origin +
                                     ": the file is empty; expected the keys name, source, "
                                     "kafka and offsets");
    }
    if (!root.IsMap()) {
      return reader.Error(root, "(top level)", "must be a mapping of keys, got " + Show(root));
    }
    CDC_RETURN_IF_ERROR(ReadAgent(reader, root, env, &config));
  } catch (const YAML::Exception& e) {
    // Messages about escapes and unicode end with the offending text, which
    // may be part of a secret: keep only the fixed part.
    std::string msg = e.msg;
    for (const char* fixed : {YAML::ErrorMsg::INVALID_ESCAPE, YAML::ErrorMsg::INVALID_UNICODE}) {
      if (msg.rfind(fixed, 0) == 0) msg = std::string(fixed, std::strlen(fixed) - 2);
    }
    std::string where = e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1) + ":" +
                                                    std::to_string(e.mark.column + 1);
    return Status::InvalidArgument(origin + where + ": invalid YAML: " + msg);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(origin + ": cannot read the configuration: " + e.what());
  }
  return config;
}

Result<AgentConfig> LoadConfigFile(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError("cannot read the config file " + path + ": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read the config file " + path);
  return ParseConfig(text.str(), env, path);
}

}  // namespace cdc::agent
