#include "agent/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <span>
#include <sstream>
#include <string_view>

namespace cdc::agent {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::string_view kTopKeys[] = {"name",   "log_level", "batch_max_events", "queue_max_batches",
                                         "source", "kafka",     "offsets"};
constexpr std::string_view kSourceKeys[] = {
    "type",   "name",        "host",     "port",     "user",
    "password", "database",  "slot",     "publication", "tables",
    "snapshot", "snapshot_chunk_rows", "connect_timeout_s", "status_interval_ms", "sslmode"};
constexpr std::string_view kKafkaKeys[] = {"brokers", "topic_prefix", "tombstones",
                                           "delivery_timeout_ms", "properties"};
constexpr std::string_view kOffsetsKeys[] = {"path"};
constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error"};
constexpr std::string_view kSnapshotModes[] = {"initial", "never"};
constexpr std::string_view kSslModes[] = {"disable", "allow",     "prefer",
                                          "require", "verify-ca", "verify-full"};
constexpr size_t kMaxPgNameLength = 63;  // NAMEDATALEN - 1

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
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c) || c == '$'; }

bool ParseInt(std::string_view text, long long* out) {
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size();
}

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
    for (char c : part) out->push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
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

std::string QuoteIdentIfNeeded(const std::string& ident) {
  if (!ident.empty() && IsIdentStart(ident[0]) && !std::any_of(ident.begin(), ident.end(), [](char c) {
        return !IsIdentChar(c) || (c >= 'A' && c <= 'Z');
      })) {
    return ident;
  }
  std::string out = "\"";
  for (char c : ident) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
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
    if (name.empty() || !IsIdentStart(name[0]) ||
        !std::all_of(name.begin(), name.end(), [](char ch) { return IsIdentChar(ch) && ch != '$'; })) {
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
  Status Missing(const std::string& path) const {
    return Status::InvalidArgument(origin_ + ": " + path + ": required key is missing");
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
      if (!key.IsScalar()) return Error(key, path, "keys must be plain names, got " + Show(key));
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
                   "must be letters, digits, '_', '.' or '-' ([A-Za-z0-9_.-]+), got " + Quote(*out));
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

Status ReadSource(const Reader& r, const YAML::Node& node, SourceConfig* out) {
  // The type decides which keys are valid, so it is read before the rest.
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.Scalar() == "type" && entry.second.Scalar() == "mysql") {
        return r.Error(entry.first, "source.type", "mysql is not supported yet");
      }
    }
  }
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(node, "source", kSourceKeys, &s));
  std::string type;
  CDC_RETURN_IF_ERROR(r.String(s, "type", true, &type));
  if (type != "postgres") {
    return r.Error(s, "type", "must be postgres or mysql, got " + Quote(type));
  }
  out->type = SourceConfig::Type::kPostgres;
  PostgresSourceConfig& pg = out->postgres;
  CDC_RETURN_IF_ERROR(r.Name(s, "name", false, &out->name));
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
  return r.Choice(s, "sslmode", kSslModes, &pg.sslmode);
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
  const YAML::Node* props = s.Find("properties");
  if (props == nullptr || props->IsNull()) return Status::OK();
  if (!props->IsMap()) {
    return r.Error(s, "properties",
                   "must be a mapping of librdkafka settings, got " + Show(*props));
  }
  for (const auto& entry : *props) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar() || key.Scalar().empty()) {
      return r.Error(key, "kafka.properties", "keys must be librdkafka setting names");
    }
    const std::string path = "kafka.properties." + key.Scalar();
    // Values are not echoed: they may hold SASL or TLS secrets.
    if (!entry.second.IsScalar()) {
      return r.Error(key, path, "must be a single value (string, number or boolean)");
    }
    if (!out->properties.emplace(key.Scalar(), entry.second.Scalar()).second) {
      return r.Error(key, path, "key given twice");
    }
  }
  return Status::OK();
}

Status ReadAgent(const Reader& r, const YAML::Node& root, AgentConfig* out) {
  Reader::Section s;
  CDC_RETURN_IF_ERROR(r.ReadSection(root, "", kTopKeys, &s));
  CDC_RETURN_IF_ERROR(r.Name(s, "name", true, &out->name));
  CDC_RETURN_IF_ERROR(r.Choice(s, "log_level", kLogLevels, &out->log_level));
  CDC_RETURN_IF_ERROR(r.Int(s, "batch_max_events", 1, 1000000, &out->batch_max_events));
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
  if (out->source.name.empty()) out->source.name = out->name;
  if (out->kafka.topic_prefix.empty()) out->kafka.topic_prefix = out->source.name;
  return Status::OK();
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
  for (const char* marker : {"password", "secret", "pem", "jaas", "oauthbearer.config", "ssl.key"}) {
    if (key.find(marker) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

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

std::string AgentConfig::Describe() const {
  const PostgresSourceConfig& pg = source.postgres;
  std::ostringstream out;
  out << "name: " << name << "\nlog_level: " << log_level
      << "\nbatch_max_events: " << batch_max_events << "\nqueue_max_batches: " << queue_max_batches
      << "\nsource.type: " << (source.type == SourceConfig::Type::kMysql ? "mysql" : "postgres")
      << "\nsource.name: " << source.name << "\nsource.host: " << pg.host
      << "\nsource.port: " << pg.port << "\nsource.user: " << pg.user
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
      << "\nsource.sslmode: " << pg.sslmode << "\nkafka.brokers: " << kafka.brokers
      << "\nkafka.topic_prefix: " << kafka.topic_prefix
      << "\nkafka.tombstones: " << (kafka.tombstones ? "true" : "false")
      << "\nkafka.delivery_timeout_ms: " << kafka.delivery_timeout_ms;
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
    CDC_RETURN_IF_ERROR(ReadAgent(reader, root, &config));
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
