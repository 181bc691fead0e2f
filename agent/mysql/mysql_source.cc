// MysqlSource: start-up (server checks, where to start, schema) and the
// information_schema reads the schema history is made of.
#include "agent/mysql/mysql_source.h"

#include <spdlog/spdlog.h>

#include <map>

#include "agent/mysql/mysql_check.h"
#include "agent/topic.h"

namespace cdc::agent::mysql {

namespace {

// A statement of the SQL connection that waits this long for the server is
// taken as a dead connection.
constexpr int kSqlReadTimeoutS = 600;

// The SQL list of databases to read from information_schema.
std::string DatabaseFilter(MysqlConnection& conn, const MysqlSourceConfig& config) {
  const bool all = config.databases.empty() && config.tables.empty();
  std::vector<std::string> dbs;
  if (all) {
    dbs.assign(std::begin(kMysqlSystemDatabases), std::end(kMysqlSystemDatabases));
  } else {
    dbs = config.databases;
    for (const auto& t : config.tables) dbs.push_back(t.schema);
  }
  std::string out = all ? "NOT IN (" : "IN (";
  for (size_t i = 0; i < dbs.size(); ++i) out += (i ? ", " : "") + conn.QuoteLiteral(dbs[i]);
  return out + ")";
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

Result<std::vector<InfoTable>> ReadCapturedTables(MysqlConnection& conn,
                                                  const MysqlSourceConfig& config) {
  const std::string filter = DatabaseFilter(conn, config);
  CDC_ASSIGN_OR_RETURN(
      QueryResult columns,
      conn.Query("SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, LOWER(c.DATA_TYPE), "
                 "LOWER(c.COLUMN_TYPE), COALESCE(c.CHARACTER_SET_NAME, ''), "
                 "COALESCE(c.COLLATION_NAME, ''), COALESCE(co.ID, 0), "
                 "COALESCE(k.ORDINAL_POSITION, 0) "
                 "FROM information_schema.COLUMNS c "
                 "JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND "
                 "t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE' "
                 "LEFT JOIN information_schema.COLLATIONS co ON co.COLLATION_NAME = "
                 "c.COLLATION_NAME "
                 "LEFT JOIN information_schema.KEY_COLUMN_USAGE k ON k.TABLE_SCHEMA = "
                 "c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = "
                 "c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY' "
                 "WHERE c.TABLE_SCHEMA " +
                 filter + " ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"));
  // MariaDB's JSON is LONGTEXT with a json_valid() check.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> json_columns;
  if (conn.is_mariadb()) {
    CDC_ASSIGN_OR_RETURN(
        QueryResult checks,
        conn.Query("SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CHECK_CLAUSE FROM "
                   "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA " +
                   filter + " AND LEFT(CHECK_CLAUSE, 11) = 'json_valid('"));
    for (const auto& row : checks.rows) {
      if (!row[0] || !row[1] || !row[2]) continue;
      std::string column = JsonValidColumn(*row[2]);
      if (!column.empty()) json_columns[{*row[0], *row[1]}].push_back(column);
    }
  }
  std::vector<InfoTable> out;
  for (const auto& row : columns.rows) {
    if (row.size() != 9 || !row[0] || !row[1] || !row[2]) {
      return Status::Corruption(conn.endpoint() + ": unexpected information_schema.COLUMNS row");
    }
    if (!config.Includes(*row[0], *row[1])) continue;
    if (out.empty() || out.back().schema != *row[0] || out.back().table != *row[1]) {
      out.push_back(InfoTable{*row[0], *row[1], {}});
    }
    InfoColumn c;
    c.name = *row[2];
    c.data_type = row[3].value_or("");
    c.column_type = row[4].value_or("");
    c.charset = row[5].value_or("");
    c.collation = row[6].value_or("");
    c.collation_id = static_cast<uint16_t>(std::stoul(row[7].value_or("0")));
    c.key_ordinal = static_cast<uint32_t>(std::stoul(row[8].value_or("0")));
    c.is_json = c.data_type == "json";
    auto it = json_columns.find({*row[0], *row[1]});
    if (it != json_columns.end()) {
      for (const auto& name : it->second) c.is_json = c.is_json || name == c.name;
    }
    out.back().columns.push_back(std::move(c));
  }
  return out;
}

MysqlSource::MysqlSource(const AgentConfig& config, offsets::OffsetStore* store)
    : config_(config),
      my_(config.source.mysql),
      store_(store),
      log_(spdlog::default_logger()),
      topic_prefix_(config.kafka.topic_prefix.empty() ? config.source.name
                                                      : config.kafka.topic_prefix) {
  ctx_.server_name = config.source.name;
}

MysqlSource::~MysqlSource() = default;

void MysqlSource::OnDurable(const offsets::Position&) {
  // Nothing to confirm: a MySQL server keeps binlogs by its own retention
  // (binlog_expire_logs_seconds), whatever its replicas have read.
}

Status MysqlSource::CheckServer() {
  CDC_ASSIGN_OR_RETURN(std::vector<std::string> problems, ServerSettingProblems(sql_, my_));
  if (!problems.empty()) {
    std::string all = problems[0];
    for (size_t i = 1; i < problems.size(); ++i) all += "; " + problems[i];
    return Status::InvalidArgument(all);
  }
  mariadb_ = sql_.is_mariadb();
  return Status::OK();
}

Result<offsets::Position> MysqlSource::CurrentPosition() {
  Result<QueryResult> status = sql_.Query("SHOW MASTER STATUS");
  if (!status.ok() && !mariadb_) status = sql_.Query("SHOW BINARY LOG STATUS");  // MySQL 8.4
  if (!status.ok()) return status.status();
  if (status->rows.empty() || status->rows[0].size() < 2 || !status->rows[0][0]) {
    return Status::InvalidArgument(sql_.endpoint() +
                                   ": SHOW MASTER STATUS is empty: the binary log is off");
  }
  const auto& row = status->rows[0];
  std::string file = *row[0];
  uint64_t pos = std::stoull(row[1].value_or("4"));
  std::string gtids;
  if (mariadb_) {
    CDC_ASSIGN_OR_RETURN(std::optional<std::string> g,
                         sql_.Scalar("SELECT BINLOG_GTID_POS(" + sql_.QuoteLiteral(file) + ", " +
                                     std::to_string(pos) + ")"));
    gtids = g.value_or("");
  } else if (row.size() >= 5 && row[4]) {
    // Executed_Gtid_Set: empty under gtid_mode=OFF.
    CDC_ASSIGN_OR_RETURN(offsets::MysqlGtidSet set, offsets::MysqlGtidSet::Parse(*row[4]));
    gtids = set.ToString();
  }
  return offsets::Position::Mysql(std::move(file), pos, std::move(gtids));
}

Status MysqlSource::RecordSchema(const BinlogPos& at) {
  Result<std::vector<InfoTable>> tables = ReadCapturedTables(sql_, my_);
  if (!tables.ok() && tables.status().retryable()) {
    // The SQL connection died with the server (or idled out); one fresh try.
    CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSqlReadTimeoutS));
    tables = ReadCapturedTables(sql_, my_);
  }
  if (!tables.ok()) return tables.status().WithContext("reading the schema of captured tables");
  log_->info("schema of {} captured tables recorded at {}", tables->size(), at.ToString());
  return history_.Record(at, *tables);
}

Status MysqlSource::Start(BatchQueue& out, const std::atomic<bool>& stop) {
  CDC_RETURN_IF_ERROR(sql_.Connect(my_, kSqlReadTimeoutS));
  CDC_RETURN_IF_ERROR(CheckServer());
  log_->info("connected to {} ({}), server_id {}", sql_.endpoint(), sql_.server_version(),
             my_.server_id);
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
    committed_ = *stored;
    log_->info("resuming from {}", committed_.ToString());
    if (history_.empty()) {
      log_->warn("no schema history is stored: taking the present schema as that of {}",
                 committed_.ToString());
      CDC_RETURN_IF_ERROR(RecordSchema({committed_.file, committed_.pos}));
    }
  } else if (my_.snapshot == SnapshotMode::kInitial) {
    CDC_RETURN_IF_ERROR(Snapshot(out, stop, &committed_));
    if (stop.load()) return Status::OK();
  } else {
    CDC_ASSIGN_OR_RETURN(committed_, CurrentPosition());
    log_->info("no stored position and snapshot: never: starting at the server's current end {}",
               committed_.ToString());
    CDC_RETURN_IF_ERROR(RecordSchema({committed_.file, committed_.pos}));
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
  stream_.Close();
  sql_.Close();
  return s;
}

}  // namespace cdc::agent::mysql
