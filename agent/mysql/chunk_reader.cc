#include "agent/mysql/chunk_reader.h"

#include <sys/socket.h>
#include <unistd.h>

#include <mysql.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "agent/chunk_size.h"
#include "agent/mysql/mysql_source.h"
#include "agent/mysql/table_schema.h"
#include "agent/mysql/text_values.h"
#include "common/thread_name.h"

namespace cdc::agent::mysql {

namespace {

// A chunk read may wait long for a busy server; a lost one still ends.
constexpr int kChunkReadTimeoutS = 600;
constexpr unsigned int kErrorNoSuchTable = 1146;

bool IsBinaryType(const InfoColumn& c) {
  static constexpr std::string_view kBinary[] = {"binary",   "varbinary",  "tinyblob", "blob",
                                                 "mediumblob", "longblob", "bit"};
  return std::find(std::begin(kBinary), std::end(kBinary), c.data_type) != std::end(kBinary);
}

std::string HexLiteral(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out + "'";
}

// "(k1 > v1) OR (k1 = v1 AND k2 > v2) ..." for op ">", and the same with
// "<" and a last "<=" for op "<=": a row comparison in a form both MySQL
// and MariaDB turn into an index range.
std::string KeyCompare(const std::vector<std::string>& keys,
                       const std::vector<std::string>& values, bool greater) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string term;
    for (size_t j = 0; j < i; ++j) term += keys[j] + " = " + values[j] + " AND ";
    const bool last = i + 1 == keys.size();
    term += keys[i] + (greater ? " > " : (last ? " <= " : " < ")) + values[i];
    out += (i ? " OR (" : "(") + term + ")";
  }
  return "(" + out + ")";
}

bool OldMysql(MysqlConnection& conn, bool mariadb) {
  return !mariadb && conn.server_version().rfind("5.", 0) == 0;
}

}  // namespace

std::string CreateTableShape(std::string text) {
  // The table options follow the column list's closing parenthesis.
  const size_t options = text.rfind("\n) ");
  if (options == std::string::npos) return text;
  constexpr std::string_view kAutoIncrement = " AUTO_INCREMENT=";
  const size_t at = text.find(kAutoIncrement, options);
  if (at == std::string::npos) return text;
  size_t end = at + kAutoIncrement.size();
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  text.erase(at, end - at);
  return text;
}

Result<BinlogPos> BinlogEnd(MysqlConnection& conn, bool mariadb, std::string* executed_gtids) {
  Result<QueryResult> status = conn.Query("SHOW MASTER STATUS");
  if (!status.ok() && !mariadb) status = conn.Query("SHOW BINARY LOG STATUS");  // MySQL 8.4
  if (!status.ok()) return status.status();
  if (status->rows.empty() || status->rows[0].size() < 2 || !status->rows[0][0] ||
      !status->rows[0][1]) {
    return Status::InvalidArgument(conn.endpoint() +
                                   ": SHOW MASTER STATUS is empty: the binary log is off");
  }
  BinlogPos end;
  end.file = *status->rows[0][0];
  const std::string& pos = *status->rows[0][1];
  auto [ptr, ec] = std::from_chars(pos.data(), pos.data() + pos.size(), end.pos);
  if (ec != std::errc() || ptr != pos.data() + pos.size()) {
    return Status::Corruption(conn.endpoint() + ": SHOW MASTER STATUS position '" + pos +
                              "' is not a number");
  }
  if (executed_gtids != nullptr) {
    const auto& row = status->rows[0];
    *executed_gtids = row.size() >= 5 && row[4] ? *row[4] : "";
  }
  return end;
}

Result<ChunkRows> ReadChunkRows(MysqlConnection& conn, const MysqlSourceConfig& config,
                                bool mariadb, const ChunkRequest& request,
                                const std::function<void()>& before_mark,
                                DescribedTable* described, const std::string& spill_dir,
                                bool* spill_failed) {
  const TableName& name = request.table;
  const std::string qualified =
      MysqlConnection::QuoteIdent(name.schema) + "." + MysqlConnection::QuoteIdent(name.table);
  ChunkRows chunk;
  chunk.table = name;
  CDC_RETURN_IF_ERROR(conn.Execute("START TRANSACTION"));
  // The first read of the table takes its metadata lock for the rest of the
  // transaction: the columns read next stay the table's columns until the
  // high mark.
  Status opened = conn.Execute("SELECT 1 FROM " + qualified + " LIMIT 0");
  if (!opened.ok() && conn.last_errno() == kErrorNoSuchTable) {
    (void)conn.Execute("ROLLBACK");
    chunk.gone = true;
    return chunk;
  }
  CDC_RETURN_IF_ERROR(opened);
  CDC_ASSIGN_OR_RETURN(QueryResult create, conn.Query("SHOW CREATE TABLE " + qualified));
  std::string shape;
  if (create.rows.size() == 1 && create.rows[0].size() >= 2 && create.rows[0][1]) {
    shape = CreateTableShape(std::move(*create.rows[0][1]));
  }
  if (shape.empty() || described->create != shape || !(described->table == name)) {
    described->create.clear();
    CDC_ASSIGN_OR_RETURN(Catalog catalog, ReadSchema(conn, config, &name));
    auto found = catalog.tables.find({name.schema, name.table});
    if (found == catalog.tables.end()) {
      (void)conn.Execute("ROLLBACK");
      chunk.gone = true;
      return chunk;
    }
    described->table = name;
    described->info = std::move(found->second);
    described->create = std::move(shape);
  }
  const InfoTable& info = described->info;
  CDC_ASSIGN_OR_RETURN(chunk.schema, SchemaFromInfo(info));

  // The key, in key order.
  std::vector<const InfoColumn*> key_columns;
  for (const InfoColumn& c : info.columns) {
    if (c.key_ordinal > 0) key_columns.push_back(&c);
  }
  std::sort(key_columns.begin(), key_columns.end(),
            [](const InfoColumn* a, const InfoColumn* b) { return a->key_ordinal < b->key_ordinal; });
  // A FLOAT or DOUBLE shows as text that need not compare equal to it (the
  // server compares `f <= '1.1'` as doubles, and 1.1 as a FLOAT is more than
  // 1.1), so a key cursor could skip or repeat rows: such a table is read
  // whole, as one without a key.
  if (std::any_of(key_columns.begin(), key_columns.end(), [](const InfoColumn* c) {
        return c->column_type.rfind("float", 0) == 0 || c->column_type.rfind("double", 0) == 0;
      })) {
    key_columns.clear();
  }
  std::vector<std::string> keys;
  for (const InfoColumn* c : key_columns) {
    // The type and collation too: a key whose order changed starts over.
    chunk.after_columns.push_back(c->name + " " + c->column_type +
                                  (c->collation.empty() ? "" : " " + c->collation));
    keys.push_back(MysqlConnection::QuoteIdent(c->name));
  }
  if (keys.empty()) chunk.after_columns = {kWholeCursor};

  const std::vector<std::string>* after = &request.after;
  static const std::vector<std::string> kFromStart;
  if (!after->empty() &&
      (request.after_columns != chunk.after_columns || after->size() != keys.size())) {
    chunk.restarted = true;
    after = &kFromStart;
  }
  auto literal = [&](size_t i, std::string_view value) {
    return IsBinaryType(*key_columns[i]) ? HexLiteral(value) : conn.QuoteLiteral(value);
  };

  std::string where;
  std::string order;
  if (!keys.empty()) {
    order = " ORDER BY ";
    for (size_t i = 0; i < keys.size(); ++i) order += (i ? ", " : "") + keys[i];
    if (!after->empty()) {
      std::vector<std::string> values;
      for (size_t i = 0; i < keys.size(); ++i) values.push_back(literal(i, (*after)[i]));
      where = KeyCompare(keys, values, /*greater=*/true);
    }
    // The chunk's upper end, read without row locks: the key request.rows
    // rows on.
    std::string key_list;
    for (size_t i = 0; i < keys.size(); ++i) key_list += (i ? ", " : "") + keys[i];
    CDC_ASSIGN_OR_RETURN(
        QueryResult upper,
        conn.Query("SELECT " + key_list + " FROM " + qualified +
                   (where.empty() ? "" : " WHERE " + where) + order + " LIMIT 1 OFFSET " +
                   std::to_string(std::max(1, request.rows) - 1)));
    if (upper.rows.empty()) {
      // Fewer rows than a chunk left: the last chunk ends at the highest key
      // now. Rows inserted above it later come through the stream, and a
      // row being inserted there now cannot make the chunk give up.
      std::string desc = " ORDER BY ";
      for (size_t i = 0; i < keys.size(); ++i) desc += (i ? ", " : "") + keys[i] + " DESC";
      CDC_ASSIGN_OR_RETURN(upper, conn.Query("SELECT " + key_list + " FROM " + qualified +
                                             (where.empty() ? "" : " WHERE " + where) + desc +
                                             " LIMIT 1"));
      chunk.table_done = true;
    }
    if (!upper.rows.empty() && upper.rows[0].size() == keys.size()) {
      std::vector<std::string> values;
      for (size_t i = 0; i < keys.size(); ++i) {
        chunk.next_after.push_back(upper.rows[0][i].value_or(""));
        values.push_back(literal(i, chunk.next_after.back()));
      }
      const std::string upto = KeyCompare(keys, values, /*greater=*/false);
      where = where.empty() ? upto : where + " AND " + upto;
    } else {
      // Nothing left to read.
      where = "FALSE";
    }
  } else {
    chunk.table_done = true;
  }

  // NOWAIT: a row locked by a writer makes the chunk give up at once rather
  // than wait, so the agent never takes part in a deadlock (whose victim
  // could be the application's transaction). MySQL 5.7 has no NOWAIT: its
  // session waits a second at most (set at connect).
  const std::string lock = mariadb ? " LOCK IN SHARE MODE NOWAIT"
                                   : (OldMysql(conn, mariadb) ? " LOCK IN SHARE MODE"
                                                              : " FOR SHARE NOWAIT");
  std::string select = "SELECT ";
  for (size_t i = 0; i < chunk.schema.columns.size(); ++i) {
    select += (i ? ", " : "") + SnapshotSelectExpr(chunk.schema.columns[i], mariadb);
  }
  for (const std::string& k : keys) select += ", " + k;
  select += " FROM " + qualified + (where.empty() ? "" : " WHERE " + where) + order + lock;
  if (!keys.empty()) {
    CDC_ASSIGN_OR_RETURN(chunk.rows, conn.Query(select));
  } else {
    // Read whole: the rows past kChunkBytes of memory wait in a file.
    uint64_t held = 0;
    Status spilled;
    Status read = conn.Stream(select, [&](const RowView& row) {
      if (chunk.spill) {
        spilled = chunk.spill->Append(row);
        return spilled;
      }
      chunk.rows.rows.push_back(OwnedRow(row));
      // The memory held: the values and what holds them (a table of many
      // short or NULL columns is mostly the latter).
      held += sizeof(chunk.rows.rows.back()) + row.size() * sizeof(std::optional<std::string>);
      for (const std::optional<std::string_view>& v : row) held += v ? v->size() : 0;
      if (held >= kChunkBytes) {
        Result<std::unique_ptr<RowSpill>> made = RowSpill::Create(spill_dir);
        if (!made.ok()) {
          spilled = made.status();
          return spilled;
        }
        chunk.spill = std::move(made).value();
      }
      return Status::OK();
    });
    if (!spilled.ok()) {
      *spill_failed = true;
      return spilled;
    }
    CDC_RETURN_IF_ERROR(read);
    if (chunk.spill) {
      Status rewound = chunk.spill->Rewind();
      if (!rewound.ok()) {
        *spill_failed = true;
        return rewound;
      }
    }
  }
  if (before_mark) before_mark();
  CDC_ASSIGN_OR_RETURN(chunk.high, BinlogEnd(conn, mariadb));
  CDC_RETURN_IF_ERROR(conn.Execute("COMMIT"));
  chunk.key_count = keys.size();
  return chunk;
}

ChunkReader::ChunkReader(const MysqlSourceConfig& config, bool mariadb, std::string spill_dir,
                         std::function<void()> on_done)
    : config_(config),
      mariadb_(mariadb),
      spill_dir_(std::move(spill_dir)),
      on_done_(std::move(on_done)) {
  thread_ = std::thread([this] {
    NameThisThread("cdc-chunks");
    Loop();
  });
}

ChunkReader::~ChunkReader() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    // A read waiting on the server (a metadata lock behind DDL, a slow
    // server) ends with an error at once.
    if (interrupt_fd_ >= 0) ::shutdown(interrupt_fd_, SHUT_RDWR);
  }
  cv_.notify_all();
  thread_.join();
  CloseConnection();
}

bool ChunkReader::idle() const {
  std::lock_guard lock(mu_);
  return !busy_;
}

void ChunkReader::Submit(ChunkRequest request) {
  {
    std::lock_guard lock(mu_);
    request_ = std::move(request);
    busy_ = true;
  }
  cv_.notify_all();
}

std::optional<ChunkReader::Outcome> ChunkReader::TakeLocked() {
  if (!outcome_) return std::nullopt;
  std::optional<Outcome> out = std::move(outcome_);
  outcome_.reset();
  busy_ = false;
  marking_ = false;
  return out;
}

std::optional<ChunkReader::Outcome> ChunkReader::Take() {
  std::lock_guard lock(mu_);
  return TakeLocked();
}

std::optional<ChunkReader::Outcome> ChunkReader::Wait(const std::atomic<bool>& stop) {
  std::unique_lock lock(mu_);
  while (busy_ && !outcome_ && !stop.load()) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return TakeLocked();
}

void ChunkReader::Discard() {
  std::lock_guard lock(mu_);
  ++generation_;
  // A request not yet started is dropped with the outcome; one in progress
  // keeps the reader busy until it ends.
  if (request_ || outcome_) {
    busy_ = false;
    marking_ = false;
  }
  request_.reset();
  outcome_.reset();
}

void ChunkReader::CloseConnection() {
  {
    std::lock_guard lock(mu_);
    if (interrupt_fd_ >= 0) ::close(interrupt_fd_);
    interrupt_fd_ = -1;
  }
  conn_.Close();
}

void ChunkReader::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || request_.has_value(); });
    if (stopping_) return;
    const ChunkRequest request = std::move(*request_);
    request_.reset();
    const uint64_t generation = generation_;
    lock.unlock();
    Outcome outcome = Read(request);
    lock.lock();
    if (stopping_) return;
    if (generation == generation_) {
      outcome_ = std::move(outcome);
    } else {
      busy_ = false;  // dropped while it was read
      marking_ = false;
    }
    cv_.notify_all();  // a Wait
    lock.unlock();
    on_done_();
    lock.lock();
  }
}

ChunkReader::Outcome ChunkReader::Read(const ChunkRequest& request) {
  Outcome out;
  if (!conn_.connected()) {
    Status s = conn_.Connect(config_, kChunkReadTimeoutS);
    if (s.ok()) {
      std::lock_guard lock(mu_);
      interrupt_fd_ = ::dup(static_cast<int>(mysql_get_socket(conn_.raw())));
      if (stopping_) s = Status::Aborted("stopping");
    }
    // Values as stored: no PAD_CHAR_TO_FULL_LENGTH padding of CHAR columns.
    if (s.ok()) s = conn_.Execute("SET SESSION sql_mode = ''");
    if (s.ok()) s = conn_.Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
    if (s.ok() && OldMysql(conn_, mariadb_)) {
      s = conn_.Execute("SET SESSION innodb_lock_wait_timeout = 1");
    }
    if (!s.ok()) {
      out.status = s.WithContext("snapshot connection");
      out.error = conn_.last_errno();
      out.lost = s.retryable() || IsConnectionError(out.error);
      CloseConnection();
      return out;
    }
  }
  bool spill_failed = false;
  Result<ChunkRows> read = ReadChunkRows(conn_, config_, mariadb_, request,
                                         [this] { marking_ = true; }, &described_, spill_dir_,
                                         &spill_failed);
  if (read.ok()) {
    out.chunk = std::move(read).value();
    return out;
  }
  out.status = read.status();
  // A file that cannot be written is no connection's fault: it fails the
  // snapshot (the read's connection is closed all the same).
  out.error = spill_failed ? 0 : conn_.last_errno();
  out.lost = !spill_failed && (!conn_.connected() || IsConnectionError(out.error));
  if (spill_failed) {
    CloseConnection();
    return out;
  }
  if (out.lost) {
    CloseConnection();
  } else {
    (void)conn_.Execute("ROLLBACK");
  }
  return out;
}

}  // namespace cdc::agent::mysql
