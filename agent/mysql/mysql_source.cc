// MysqlSource: start-up (server checks, where to start, schema) and the
// information_schema reads the schema history is made of.
#include "agent/mysql/mysql_source.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "agent/fresh_start.h"
#include "agent/mysql/mysql_check.h"
#include "agent/topic.h"

namespace cdc::agent::mysql {

namespace {

// A statement of the SQL connection that waits this long for the server is
// taken as a dead connection.
constexpr int kSqlReadTimeoutS = 600;

// The databases whose tables are followed: `*all` false, those listed;
// `*all` true, every database but those listed (the system databases).
std::vector<std::string> FollowedDatabases(const MysqlSourceConfig& config, bool* all) {
  *all = config.databases.empty() && config.tables.empty();
  if (*all) return {std::begin(kMysqlSystemDatabases), std::end(kMysqlSystemDatabases)};
  std::vector<std::string> dbs = config.databases;
  for (const auto& t : config.tables) dbs.push_back(t.schema);
  return dbs;
}

// The SQL list of databases to read from information_schema.
std::string DatabaseFilter(MysqlConnection& conn, const MysqlSourceConfig& config) {
  bool all = false;
  const std::vector<std::string> dbs = FollowedDatabases(config, &all);
  std::string out = all ? "NOT IN (" : "IN (";
  for (size_t i = 0; i < dbs.size(); ++i) out += (i ? ", " : "") + conn.QuoteLiteral(dbs[i]);
  return out + ")";
}

// A number information_schema printed; `fallback` for NULL.
Result<uint32_t> Number(const std::optional<std::string>& text, uint32_t fallback) {
  if (!text) return fallback;
  uint32_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size()) {
    return Status::Corruption("information_schema: '" + *text + "' is not a number");
  }
  return v;
}

// "json_valid(`col`)" -> col; empty when the clause is something else.
std::string JsonValidColumn(std::string_view clause) {
  constexpr std::string_view kPrefix = "json_valid(`";
  if (clause.substr(0, kPrefix.size()) != kPrefix || clause.size() < kPrefix.size() + 2 ||
      clause.substr(clause.size() - 2) != "`)") {
    return "";
  }
  std::string name;
  std::string_view inner = clause.substr(kPrefix.size(), clause.size() - kPrefix.size() - 2);
  for (size_t i = 0; i < inner.size(); ++i) {
    if (inner[i] == '`') {
      if (i + 1 >= inner.size() || inner[i + 1] != '`') return "";  // not one identifier
      ++i;
    }
    name += inner[i];
  }
  return name;
}

}  // namespace

bool FollowsDatabase(const MysqlSourceConfig& config, const std::string& db) {
  bool all = false;
  const std::vector<std::string> dbs = FollowedDatabases(config, &all);
  return (std::find(dbs.begin(), dbs.end(), db) != dbs.end()) != all;
}

Result<Catalog> ReadSchema(MysqlConnection& conn, const MysqlSourceConfig& config,
                           const TableName* only) {
  // One query per information_schema table, joined here: MariaDB fills an
  // information_schema table again for each row of a join that names it,
  // which took 15 ms for one table of five columns (1 ms apart).
  const std::string filter =
      only != nullptr ? "= " + conn.QuoteLiteral(only->schema) : DatabaseFilter(conn, config);
  const std::string table_filter =
      only != nullptr ? " AND TABLE_NAME = " + conn.QuoteLiteral(only->table) : "";
  using Key = std::pair<std::string, std::string>;
  CDC_ASSIGN_OR_RETURN(
      QueryResult tables,
      conn.Query("SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_COLLATION, '') FROM "
                 "information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA " +
                 filter + table_filter));
  CDC_ASSIGN_OR_RETURN(
      QueryResult columns,
      conn.Query("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, "
                 "COALESCE(CHARACTER_SET_NAME, ''), COALESCE(COLLATION_NAME, ''), "
                 "IS_NULLABLE = 'YES' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA " +
                 filter + table_filter + " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"));
  CDC_ASSIGN_OR_RETURN(
      QueryResult keys,
      conn.Query("SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION FROM "
                 "information_schema.KEY_COLUMN_USAGE WHERE CONSTRAINT_NAME = 'PRIMARY' AND "
                 "TABLE_SCHEMA " + filter + table_filter));
  CDC_ASSIGN_OR_RETURN(
      QueryResult schemata,
      conn.Query("SELECT SCHEMA_NAME, LOWER(DEFAULT_CHARACTER_SET_NAME), "
                 "LOWER(DEFAULT_COLLATION_NAME) FROM information_schema.SCHEMATA WHERE "
                 "SCHEMA_NAME " + filter));
  // The collations named: their ids and charsets.
  std::set<std::string> collation_names;
  for (const auto& row : tables.rows) {
    if (row.size() == 3 && row[2] && !row[2]->empty()) collation_names.insert(*row[2]);
  }
  for (const auto& row : columns.rows) {
    if (row.size() == 8 && row[6] && !row[6]->empty()) collation_names.insert(*row[6]);
  }
  std::map<std::string, std::pair<uint16_t, std::string>> collations;  // name: id, charset
  if (!collation_names.empty()) {
    std::string list;
    for (const std::string& name : collation_names) {
      list += (list.empty() ? "" : ", ") + conn.QuoteLiteral(name);
    }
    CDC_ASSIGN_OR_RETURN(
        QueryResult found,
        conn.Query("SELECT COLLATION_NAME, ID, CHARACTER_SET_NAME FROM "
                   "information_schema.COLLATIONS WHERE COLLATION_NAME IN (" + list + ")"));
    for (const auto& row : found.rows) {
      if (row.size() != 3 || !row[0]) continue;
      CDC_ASSIGN_OR_RETURN(uint32_t id, Number(row[1], 0));
      collations[*row[0]] = {static_cast<uint16_t>(id), row[2].value_or("")};
    }
  }
  // MariaDB's JSON is LONGTEXT with a json_valid() check.
  std::map<Key, std::vector<std::string>> json_columns;
  if (conn.is_mariadb()) {
    CDC_ASSIGN_OR_RETURN(
        QueryResult checks,
        conn.Query("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM "
                   "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA " +
                   filter + table_filter + " AND LEFT(CHECK_CLAUSE, 11) = 'json_valid('"));
    for (const auto& row : checks.rows) {
      if (!row[0] || !row[1] || !row[2]) continue;
      std::string column = JsonValidColumn(*row[2]);
      if (!column.empty()) json_columns[{*row[0], *row[1]}].push_back(column);
    }
  }
  std::map<Key, std::string> table_collations;  // base tables only
  for (const auto& row : tables.rows) {
    if (row.size() != 3 || !row[0] || !row[1]) {
      return Status::Corruption(conn.endpoint() + ": unexpected information_schema.TABLES row");
    }
    table_collations[{*row[0], *row[1]}] = row[2].value_or("");
  }
  std::map<std::tuple<std::string, std::string, std::string>, uint32_t> key_ordinals;
  for (const auto& row : keys.rows) {
    if (row.size() != 4 || !row[0] || !row[1] || !row[2]) {
      return Status::Corruption(conn.endpoint() +
                                ": unexpected information_schema.KEY_COLUMN_USAGE row");
    }
    CDC_ASSIGN_OR_RETURN(uint32_t ordinal, Number(row[3], 0));
    key_ordinals[std::make_tuple(*row[0], *row[1], *row[2])] = ordinal;
  }
  Catalog out;
  for (const auto& row : schemata.rows) {
    if (row.size() != 3 || !row[0]) continue;
    out.databases[*row[0]] = DatabaseDefaults{row[1].value_or(""), row[2].value_or("")};
  }
  for (const auto& row : columns.rows) {
    if (row.size() != 8 || !row[0] || !row[1] || !row[2]) {
      return Status::Corruption(conn.endpoint() + ": unexpected information_schema.COLUMNS row");
    }
    auto base = table_collations.find({*row[0], *row[1]});
    if (base == table_collations.end()) continue;  // a view
    InfoTable& table = out.tables[{*row[0], *row[1]}];
    if (table.table.empty()) {
      table.schema = *row[0];
      table.table = *row[1];
      table.collation = base->second;
      auto collation = collations.find(table.collation);
      if (collation != collations.end()) table.charset = collation->second.second;
    }
    InfoColumn c;
    c.name = *row[2];
    c.data_type = row[3].value_or("");
    c.column_type = row[4].value_or("");
    c.charset = row[5].value_or("");
    c.collation = row[6].value_or("");
    auto collation = collations.find(c.collation);
    if (collation != collations.end()) c.collation_id = collation->second.first;
    auto ordinal = key_ordinals.find({table.schema, table.table, c.name});
    if (ordinal != key_ordinals.end()) c.key_ordinal = ordinal->second;
    c.nullable = row[7].value_or("1") != "0";
    c.is_json = c.data_type == "json";
    auto it = json_columns.find({*row[0], *row[1]});
    if (it != json_columns.end()) {
      for (const auto& name : it->second) c.is_json = c.is_json || name == c.name;
    }
    table.columns.push_back(std::move(c));
  }
  return out;
}

MysqlSource::MysqlSource(const AgentConfig& config, offsets::OffsetStore* store)
    : config_(config),
      my_(config.source.mysql),
      store_(store),
      log_(spdlog::default_logger()),
      topic_prefix_(config.kafka.topic_prefix.empty() ? config.source.name
                                                      : config.kafka.topic_prefix),
      requests_(SnapshotRequestDir(config.offsets.path)) {
  ctx_.server_name = config.source.name;
  pool_ = MakeEventPool(config.batch_max_events, config.queue_max_batches);
  if (config.kafka.transaction_metadata) {
    txmeta_.emplace(TransactionMetadata::TopicFor(topic_prefix_));
  }
}

MysqlSource::~MysqlSource() = default;

void MysqlSource::OnDurable(const offsets::Position& position) {
  // Nothing to confirm to the server: a MySQL server keeps binlogs by its
  // own retention (binlog_expire_logs_seconds), whatever its replicas have
  // read. Snapshot requests whose tables are read and committed go.
  requests_.Durable(position);
  durable_signal_.Reached(position);
}

Status MysqlSource::CheckServer() {
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> problems, ServerSettingProblems(sql_, my_));
  if (!problems.empty()) {
    std::string all = problems[0];
    for (size_t i = 1; i < problems.size(); ++i) all += "; " + problems[i];
    return Status::InvalidArgument(all);
  }
  mariadb_ = sql_.is_mariadb();
  // MySQL before 8.0.1 has no binlog_row_metadata: minimal metadata.
  Result<std::optional<std::string>> metadata = sql_.Scalar("SELECT @@global.binlog_row_metadata");
  full_metadata_ = metadata.ok() && metadata->value_or("") == "FULL";
  CDC_ASSIGN_OR_RETURN(std::optional<std::string> lowercase,
                       sql_.Scalar("SELECT @@lower_case_table_names"));
  lowercase_names_ = lowercase.value_or("0") != "0";
  return Status::OK();
}

Result<offsets::Position> MysqlSource::CurrentPosition() {
  std::string executed;  // MySQL's Executed_Gtid_Set: empty under gtid_mode=OFF
  CDC_ASSIGN_OR_RETURN(BinlogPos end, BinlogEnd(sql_, mariadb_, &executed));
  std::string gtids;
  if (mariadb_) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> g,
                         sql_.Scalar("SELECT BINLOG_GTID_POS(" + sql_.QuoteLiteral(end.file) +
                                     ", " + std::to_string(end.pos) + ")"));
    gtids = g.value_or("");
  } else if (!executed.empty()) {
    CDC_ASSIGN_OR_RETURN(offsets::MysqlGtidSet set, offsets::MysqlGtidSet::Parse(executed));
    gtids = set.ToString();
  }
  return offsets::Position::Mysql(std::move(end.file), end.pos, std::move(gtids));
}

Status MysqlSource::RecordSchema(const BinlogPos& at) {
  Result<Catalog> catalog = ReadSchema(sql_, my_);
  if (!catalog.ok()) return catalog.status().WithContext("reading the schema of captured tables");
  log_->info("schema of {} tables read from information_schema as that of {}",
             catalog->tables.size(), at.ToString());
  return history_.Record(at, *catalog);
}

Status MysqlSource::CheckTransformsNow(const std::atomic<bool>& /*stop*/) {
  if (!checks_shapes()) return Status::OK();
  CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSqlReadTimeoutS));
  return CheckTransforms();
}

Status MysqlSource::CheckTransforms() {
  if (!checks_shapes()) return Status::OK();
  CDC_ASSIGN_OR_RETURN(Catalog captured, ReadSchema(sql_, my_));
  for (const auto& [key, table] : captured.tables) {
    if (!my_.Includes(key.first, key.second)) continue;
    Result<binlog::TableSchema> schema = SchemaFromInfo(table);
    if (!schema.ok()) continue;  // a table the stream cannot decode says so when it comes
    CDC_RETURN_IF_ERROR(CheckShape(ShapeFor(*schema)));
  }
  return ShapesChecked();
}

Status MysqlSource::Start(BatchQueue& out, const std::atomic<bool>& stop) {
  CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSqlReadTimeoutS));
  CDC_RETURN_IF_ERROR(CheckServer());
  log_->info("connected to {} ({}), server_id {}", sql_.endpoint(), sql_.server_version(),
             my_.server_id);
  CDC_RETURN_IF_ERROR(CheckTransforms());
  CDC_RETURN_IF_ERROR(history_.Load(store_, config_.source.name));
  CDC_ASSIGN_OR_RETURN(std::optional<offsets::Position> stored,
                       store_->Load(config_.source.name));
  if (stored) {
    if (stored->kind != offsets::Position::Kind::kMysql) {
      return Status::InvalidArgument("the stored position of source " + config_.source.name +
                                     " (" + stored->ToString() +
                                     ") is not a MySQL position; run `cdc-agent offsets reset` "
                                     "or give this source another name");
    }
    durable_signal_.Reached(*stored);
    committed_ = stored->InTransaction(0, "");
    committed_.snapshot.reset();
    snapshot_ = stored->snapshot;
    if (!stored->at_boundary()) {
      skip_rows_ = stored->txn_changes;
      resume_txn_ = stored->txn_id;
    }
    log_->info("resuming from {}", stored->ToString());
    if (history_.empty()) {
      log_->warn("no schema history is stored: taking the present schema as that of {}",
                 committed_.ToString());
      CDC_RETURN_IF_ERROR(RecordSchema({committed_.file, committed_.pos}));
    }
  } else {
    CDC_ASSIGN_OR_RETURN(Catalog captured, ReadSchema(sql_, my_));
    std::set<std::string> topics;
    for (const auto& [key, table] : captured.tables) {
      if (my_.Includes(key.first, key.second)) {
        topics.insert(TopicName(topic_prefix_, key.first, key.second));
      }
    }
    Status fresh = CheckFreshStart(config_, *store_, topics, stop);
    if (fresh.IsAborted() && stop.load()) return Status::OK();
    CDC_RETURN_IF_ERROR(fresh);
    if (stop.load()) return Status::OK();
    CDC_ASSIGN_OR_RETURN(committed_, CurrentPosition());
    log_->info("no stored position: starting at the server's current end {}{}",
               committed_.ToString(),
               my_.snapshot == SnapshotMode::kInitial ? ", with a snapshot" : "");
    CDC_RETURN_IF_ERROR(RecordSchema({committed_.file, committed_.pos}));
    if (my_.snapshot == SnapshotMode::kInitial) CDC_RETURN_IF_ERROR(BeginSnapshot());
    // Stored at once: a restart before the first change starts here too.
    batch_.end_position = committed_;
    if (!PushBatch(out)) return Status::OK();
  }
  if (mariadb_) {
    CDC_ASSIGN_OR_RETURN(maria_gtids_, offsets::MariaGtidSet::Parse(committed_.gtid_set));
  } else if (!committed_.gtid_set.empty()) {
    CDC_ASSIGN_OR_RETURN(mysql_gtids_, offsets::MysqlGtidSet::Parse(committed_.gtid_set));
  }
  file_ = committed_.file;
  return Status::OK();
}

Status MysqlSource::Run(BatchQueue& out, const std::atomic<bool>& stop) {
  Status s = Start(out, stop);
  if (!s.ok() || stop.load()) {
    sql_.Close();
    return s;
  }
  s = Stream(out, stop);
  chunk_reader_.reset();
  stream_.Close();
  sql_.Close();
  return s;
}

}  // namespace cdc::agent::mysql
