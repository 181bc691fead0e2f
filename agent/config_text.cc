// The configuration as text: ${NAME} substitution, table names, broker
// lists, the libpq connection string and the printable summary.
#include "agent/config_internal.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agent/config.h"

namespace cdc::agent {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }

std::string QuoteIdentIfNeeded(const std::string& ident) {
  auto plain = [](char c) { return IsIdentChar(c) && !(c >= 'A' && c <= 'Z'); };
  if (!ident.empty() && IsIdentStart(ident[0]) && std::all_of(ident.begin(), ident.end(), plain)) {
    return ident;
  }
  std::string out = "\"";
  for (char c : ident) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// A libpq keyword/value pair with the value always single-quoted.
void AppendConnParam(std::string* out, const char* key, const std::string& value) {
  if (!out->empty()) *out += ' ';
  *out += key;
  *out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') *out += '\\';
    *out += c;
  }
  *out += '\'';
}

bool IsSecretProperty(const std::string& key) {
  for (const char* marker :
       {"password", "secret", "pem", "jaas", "oauthbearer.config", "ssl.key"}) {
    if (key.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

namespace config_internal {
namespace {

// Parses one part of a table name; unquoted parts fold to lower case as in
// PostgreSQL, quoted ones keep their text ("" stands for one quote).
Status ParseIdentPart(std::string_view* in, std::string* out) {
  out->clear();
  if (!in->empty() && in->front() == '"') {
    size_t i = 1;
    for (;; ++i) {
      if (i >= in->size()) return Status::InvalidArgument("unterminated double quote");
      if ((*in)[i] != '"') {
        out->push_back((*in)[i]);
      } else if (i + 1 < in->size() && (*in)[i + 1] == '"') {
        out->push_back('"');
        ++i;
      } else {
        break;
      }
    }
    in->remove_prefix(i + 1);
    if (out->empty()) return Status::InvalidArgument("empty quoted part");
  } else {
    size_t n = 0;
    while (n < in->size() && (*in)[n] != '.') ++n;
    std::string_view part = in->substr(0, n);
    if (part.empty()) return Status::InvalidArgument("empty part");
    if (!IsIdentStart(part[0]) || !AllOf(part, IsIdentChar)) {
      return Status::InvalidArgument(
          "an unquoted part must be a letter or _ followed by letters, digits, _ or $");
    }
    for (char c : part) {
      out->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    in->remove_prefix(n);
  }
  if (out->size() > kMaxPgNameLength) {
    return Status::InvalidArgument("a part is longer than 63 characters");
  }
  if (!in->empty() && in->front() != '.') {
    return Status::InvalidArgument("text after a closing double quote");
  }
  return Status::OK();
}

}  // namespace

// A value echoed in a message: quoted, on one line.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string JoinChoices(Keys choices, const char* last_sep) {
  std::string out;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += (i + 1 == choices.size()) ? last_sep : ", ";
    out += choices[i];
  }
  return out;
}

// Optimal string alignment distance: edits, plus swaps of adjacent letters.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool AllOf(std::string_view s, bool (*ok)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), ok);
}
bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}
bool IsPgNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool ParseInt(std::string_view text, long long* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

Result<TableName> ParseTableName(std::string_view text) {
  std::vector<std::string> parts;
  while (true) {
    std::string part;
    CDC_RETURN_IF_ERROR(ParseIdentPart(&text, &part));
    parts.push_back(std::move(part));
    if (text.empty()) break;
    text.remove_prefix(1);  // the '.'
    if (parts.size() == 2) return Status::InvalidArgument("more than two parts");
  }
  if (parts.size() == 1) return TableName{"public", parts[0]};
  return TableName{parts[0], parts[1]};
}

Result<std::vector<std::string>> SplitMysqlName(std::string_view text) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '`') {
      if (!parts.back().empty()) return Status::InvalidArgument("a backquote inside a name part");
      size_t j = i + 1;
      std::string part;
      while (true) {
        if (j >= text.size()) return Status::InvalidArgument("unterminated backquote");
        if (text[j] == '`') {
          if (j + 1 < text.size() && text[j + 1] == '`') {
            part += '`';
            j += 2;
            continue;
          }
          break;
        }
        part += text[j++];
      }
      if (part.empty()) return Status::InvalidArgument("empty name part");
      parts.back() = std::move(part);
      i = j;
      if (i + 1 < text.size() && text[i + 1] != '.') {
        return Status::InvalidArgument("text after a closing backquote");
      }
    } else if (c == '.') {
      if (parts.back().empty()) return Status::InvalidArgument("empty name part");
      if (parts.size() == 2) return Status::InvalidArgument("more than two parts");
      parts.emplace_back();
    } else if (c == ' ' || c == '\t') {
      return Status::InvalidArgument("a space outside backquotes");
    } else {
      parts.back() += c;
    }
  }
  if (parts.back().empty()) return Status::InvalidArgument("empty name part");
  return parts;
}

Result<TableName> ParseMysqlTableName(std::string_view text) {
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitMysqlName(text));
  if (parts.size() != 2) return Status::InvalidArgument("no database part");
  return TableName{parts[0], parts[1]};
}

// Accepts host:port and [ipv6]:port.
bool IsHostPort(std::string_view entry) {
  size_t colon = entry.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = entry.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
  } else if (host.find_first_of(":[] \t") != std::string_view::npos) {
    return false;
  }
  long long port = 0;
  std::string_view port_text = entry.substr(colon + 1);
  return AllOf(port_text, IsDigit) && ParseInt(port_text, &port) && port >= 1 && port <= 65535;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Replaces ${NAME}; "$${" stands for a literal "${". Lines that are only a
// comment are left alone, so a commented-out key needs no variable.
Result<std::string> SubstituteEnv(const std::string& text, const EnvLookup& env,
                                  const std::string& origin) {
  std::string out;
  out.reserve(text.size());
  size_t line = 1;
  bool line_start = true;
  bool in_comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = true;
      in_comment = false;
      out += c;
      continue;
    }
    if (line_start && c == '#') in_comment = true;
    if (c != ' ' && c != '\t') line_start = false;
    if (in_comment || c != '$') {
      out += c;
      continue;
    }
    const std::string where = origin + ":" + std::to_string(line) + ": ";
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += c;
      continue;
    }
    size_t close = text.find_first_of("}\n", i + 2);
    if (close == std::string::npos || text[close] != '}') {
      return Status::InvalidArgument(where + "unterminated ${ (write $${ for a literal ${)");
    }
    std::string name = text.substr(i + 2, close - i - 2);
    // The names of a route transform's topic template are not variables:
    // ${source}, ${prefix}, ${schema}, ${database}, ${table} and the
    // column values ${after.NAME} / ${before.NAME}.
    if (name == "source" || name == "prefix" || name == "schema" || name == "database" ||
        name == "table" || name.rfind("after.", 0) == 0 || name.rfind("before.", 0) == 0) {
      out += text.substr(i, close - i + 1);
      i = close;
      continue;
    }
    auto name_char = [](char ch) { return IsIdentChar(ch) && ch != '$'; };
    if (name.empty() || !IsIdentStart(name[0]) ||
        !std::all_of(name.begin(), name.end(), name_char)) {
      return Status::InvalidArgument(where + "bad variable reference " + Quote("${" + name + "}") +
                                     ": expected ${NAME} with NAME made of letters, digits and _");
    }
    std::optional<std::string> value = env(name);
    if (!value) {
      return Status::InvalidArgument(where + "environment variable " + name + " is not set");
    }
    if (value->find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument(where + "environment variable " + name +
                                     " contains a line break, which cannot be substituted");
    }
    out += *value;
    i = close;
  }
  return out;
}

}  // namespace config_internal

std::string PostgresSourceConfig::ConnInfo(bool replication) const {
  std::string out;
  AppendConnParam(&out, "host", host);
  AppendConnParam(&out, "port", std::to_string(port));
  AppendConnParam(&out, "dbname", database);
  AppendConnParam(&out, "user", user);
  if (!password.empty()) AppendConnParam(&out, "password", password);
  AppendConnParam(&out, "connect_timeout", std::to_string(connect_timeout_s));
  AppendConnParam(&out, "sslmode", sslmode);
  AppendConnParam(&out, "application_name", "cdc-agent");
  if (replication) AppendConnParam(&out, "replication", "database");
  return out;
}

namespace {

bool IsSystemDatabase(const std::string& db) {
  return std::any_of(std::begin(kMysqlSystemDatabases), std::end(kMysqlSystemDatabases),
                     [&](const char* system) { return db == system; });
}

std::string QuoteMysqlIfNeeded(const std::string& name) {
  bool plain = !name.empty() && name.find_first_of(".` \t") == std::string::npos;
  if (plain) return name;
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

}  // namespace

bool MysqlSourceConfig::Includes(const std::string& db, const std::string& table) const {
  if (databases.empty() && tables.empty()) return !IsSystemDatabase(db);
  if (std::find(databases.begin(), databases.end(), db) != databases.end()) return true;
  return std::find(tables.begin(), tables.end(), TableName{db, table}) != tables.end();
}

namespace {

void DescribeMysql(const MysqlSourceConfig& my, std::ostream& out) {
  out << "\nsource.host: " << my.host << "\nsource.port: " << my.port
      << "\nsource.user: " << my.user
      << "\nsource.password: " << (my.password.empty() ? "(none)" : "***")
      << "\nsource.server_id: " << my.server_id << "\nsource.databases: ";
  if (my.databases.empty()) out << "(none)";
  for (size_t i = 0; i < my.databases.size(); ++i) out << (i ? ", " : "") << my.databases[i];
  out << "\nsource.tables: ";
  if (my.tables.empty()) {
    out << (my.databases.empty() ? "(every table of every non-system database)" : "(none)");
  }
  for (size_t i = 0; i < my.tables.size(); ++i) {
    out << (i ? ", " : "") << QuoteMysqlIfNeeded(my.tables[i].schema) << "."
        << QuoteMysqlIfNeeded(my.tables[i].table);
  }
  out << "\nsource.snapshot: " << (my.snapshot == SnapshotMode::kNever ? "never" : "initial")
      << "\nsource.snapshot_chunk_rows: " << my.snapshot_chunk_rows
      << "\nsource.connect_timeout_s: " << my.connect_timeout_s
      << "\nsource.heartbeat_interval_ms: " << my.heartbeat_interval_ms
      << "\nsource.reconnect_timeout_s: " << my.reconnect_timeout_s;
}

void DescribePostgres(const PostgresSourceConfig& pg, std::ostream& out) {
  out << "\nsource.host: " << pg.host << "\nsource.port: " << pg.port
      << "\nsource.user: " << pg.user
      << "\nsource.password: " << (pg.password.empty() ? "(none)" : "***")
      << "\nsource.database: " << pg.database << "\nsource.slot: " << pg.slot
      << "\nsource.publication: " << pg.publication << "\nsource.tables: ";
  if (pg.tables.empty()) out << "(all tables of the publication)";
  for (size_t i = 0; i < pg.tables.size(); ++i) {
    out << (i ? ", " : "") << QuoteIdentIfNeeded(pg.tables[i].schema) << "."
        << QuoteIdentIfNeeded(pg.tables[i].table);
  }
  out << "\nsource.snapshot: " << (pg.snapshot == SnapshotMode::kNever ? "never" : "initial")
      << "\nsource.snapshot_chunk_rows: " << pg.snapshot_chunk_rows
      << "\nsource.connect_timeout_s: " << pg.connect_timeout_s
      << "\nsource.status_interval_ms: " << pg.status_interval_ms
      << "\nsource.reconnect_timeout_s: " << pg.reconnect_timeout_s
      << "\nsource.sslmode: " << pg.sslmode;
}

}  // namespace

std::string AgentConfig::Describe() const {
  std::ostringstream out;
  out << "name: " << name << "\nlog_level: " << log_level
      << "\nbatch_max_events: " << batch_max_events << "\nbatch_max_bytes: " << batch_max_bytes
      << "\nqueue_max_batches: " << queue_max_batches
      << "\nsource.type: " << (source.type == SourceConfig::Type::kMysql ? "mysql" : "postgres")
      << "\nsource.name: " << source.name;
  if (source.type == SourceConfig::Type::kMysql) {
    DescribeMysql(source.mysql, out);
  } else {
    DescribePostgres(source.postgres, out);
  }
  out << "\nkafka.brokers: " << kafka.brokers
      << "\nkafka.topic_prefix: " << kafka.topic_prefix
      << "\nkafka.tombstones: " << (kafka.tombstones ? "true" : "false")
      << "\nkafka.delivery_timeout_ms: " << kafka.delivery_timeout_ms
      << "\nkafka.format: "
      << (kafka.format == EventFormat::kJson            ? "json"
          : kafka.format == EventFormat::kDebeziumJson ? "debezium-json"
                                                       : "protobuf");
  if (kafka.schemas_enable) out << "\nkafka.schemas_enable: true";
  if (kafka.transaction_metadata) out << "\nkafka.transaction_metadata: true";
  if (const auto& reg = kafka.schema_registry) {
    out << "\nkafka.schema_registry.url: " << reg->url
        << "\nkafka.schema_registry.subject_name_strategy: "
        << SubjectNameStrategyName(reg->subject_name_strategy);
    if (!reg->basic_auth_user.empty()) {
      out << "\nkafka.schema_registry.basic_auth_user: " << reg->basic_auth_user
          << "\nkafka.schema_registry.basic_auth_password: ***";
    }
    if (!reg->ssl_ca_location.empty()) {
      out << "\nkafka.schema_registry.ssl_ca_location: " << reg->ssl_ca_location;
    }
    if (!reg->ssl_certificate_location.empty()) {
      out << "\nkafka.schema_registry.ssl_certificate_location: "
          << reg->ssl_certificate_location;
    }
    if (!reg->ssl_verify) out << "\nkafka.schema_registry.ssl_verify: false";
  }
  if (kafka.topics_create.enabled) {
    out << "\nkafka.topics.create.partitions: " << kafka.topics_create.partitions
        << "\nkafka.topics.create.replication_factor: " << kafka.topics_create.replication_factor;
    for (const auto& [key, value] : kafka.topics_create.config) {
      out << "\nkafka.topics.create.config." << key << ": " << value;
    }
  }
  for (const auto& [key, value] : kafka.properties) {
    out << "\nkafka.properties." << key << ": " << (IsSecretProperty(key) ? "***" : value);
  }
  out << "\noffsets.path: " << offsets.path << "\n";
  return out.str();
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

}  // namespace cdc::agent
