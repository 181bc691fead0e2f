// MysqlConnection: a libmariadb (MySQL client library) connection with
// Status-returning helpers, used for both the SQL side of the MySQL/MariaDB
// source (schema, snapshot, checks) and, through BinlogStream, the
// replication stream.
//
// Thread: owned and used by one thread.
// Errors carry the server's message and error number on one line, prefixed
// with the endpoint; lost or refused connections are retryable, SQL errors
// are not.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/config.h"
#include "common/status.h"

struct st_mysql;

namespace cdc::agent::mysql {

// One row of a result: nullopt for SQL NULL. Views are valid during the
// callback only (streamed) or as long as the QueryResult (buffered).
using RowView = std::vector<std::optional<std::string_view>>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// `row`'s values copied, to outlive the result.
std::vector<std::optional<std::string>> OwnedRow(const RowView& row);

class MysqlConnection {
 public:
  MysqlConnection() = default;
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // Connects as `config.user`. `read_timeout_s` bounds each network read
  // (0: the library default). The session uses utf8mb4 and time_zone
  // '+00:00', so TIMESTAMP values read as UTC.
  Status Connect(const MysqlSourceConfig& config, int read_timeout_s = 0);
  void Close();
  bool connected() const { return mysql_ != nullptr; }
  st_mysql* raw() { return mysql_; }

  // "mysql 127.0.0.1:3306": how errors name the server.
  const std::string& endpoint() const { return endpoint_; }
  // SELECT VERSION() as given at connect, e.g. "10.11.6-MariaDB-0+deb12u1-log".
  const std::string& server_version() const { return server_version_; }
  bool is_mariadb() const { return server_version_.find("MariaDB") != std::string::npos; }

  // Runs a statement and discards any result.
  Status Execute(std::string_view sql);
  // Runs a query and buffers its whole result (for small results).
  Result<QueryResult> Query(std::string_view sql);
  // The first column of the first row; nullopt for no row or NULL.
  Result<std::optional<std::string>> Scalar(std::string_view sql);
  // Runs a query and hands each row to `on_row` as it arrives, without
  // buffering the result (mysql_use_result): memory stays bounded for any
  // table size. At the first error `on_row` returns, the connection is closed
  // (rather than reading the rest of the result) and that error returned.
  Status Stream(std::string_view sql, const std::function<Status(const RowView&)>& on_row);

  // The server's error number of the last failure (0 when none).
  unsigned int last_errno() const { return last_errno_; }

  // A quoted string literal ('it''s'), escaped for this connection.
  std::string QuoteLiteral(std::string_view value);
  // A quoted identifier (`a``b`).
  static std::string QuoteIdent(std::string_view name);

  // The Status for the last client error, prefixed with `what`.
  Status LastError(std::string_view what);

 private:
  st_mysql* mysql_ = nullptr;
  std::string endpoint_;
  std::string server_version_;
  unsigned int last_errno_ = 0;
};

// Whether a client error number means the connection itself failed (lost,
// refused, timed out), so that reconnecting may help.
bool IsConnectionError(unsigned int error_number);

// "<endpoint>: <what>: <message, on one line> (error N)", retryable when
// IsConnectionError(number).
Status ClientError(const std::string& endpoint, std::string_view what, unsigned int number,
                   const char* message);

}  // namespace cdc::agent::mysql
