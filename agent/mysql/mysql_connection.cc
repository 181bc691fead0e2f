#include "agent/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <sys/socket.h>

#include <memory>

namespace cdc::agent::mysql {

namespace {

struct ResultDeleter {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using ResultPtr = std::unique_ptr<MYSQL_RES, ResultDeleter>;

// The server's message on one line.
std::string OneLine(const char* message) {
  std::string out = message == nullptr ? "" : message;
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

// MySQL 8.0.24+: the server closed a session idle past wait_timeout.
constexpr unsigned int kErrorClientInteractionTimeout = 4031;

}  // namespace

bool IsConnectionError(unsigned int error_number) {
  switch (error_number) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case kErrorClientInteractionTimeout:
      return true;
    default:
      return false;
  }
}

MysqlConnection::~MysqlConnection() { Close(); }

void MysqlConnection::Close() {
  if (mysql_ != nullptr) mysql_close(mysql_);
  mysql_ = nullptr;
}

Status ClientError(const std::string& endpoint, std::string_view what, unsigned int number,
                   const char* message) {
  return Status::IOError(endpoint + ": " + std::string(what) + ": " + OneLine(message) +
                             " (error " + std::to_string(number) + ")",
                         IsConnectionError(number));
}

Status MysqlConnection::LastError(std::string_view what) {
  last_errno_ = mysql_ == nullptr ? 0 : mysql_errno(mysql_);
  return ClientError(endpoint_, what, last_errno_,
                     mysql_ == nullptr ? "not connected" : mysql_error(mysql_));
}

Status MysqlConnection::Connect(const MysqlSourceConfig& config, int read_timeout_s) {
  Close();
  endpoint_ = "mysql " + config.host + ":" + std::to_string(config.port);
  mysql_ = mysql_init(nullptr);
  if (mysql_ == nullptr) return Status::IOError(endpoint_ + ": out of memory in mysql_init");
  unsigned int timeout = static_cast<unsigned int>(config.connect_timeout_s);
  mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (read_timeout_s > 0) {
    unsigned int rt = static_cast<unsigned int>(read_timeout_s);
    mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &rt);
  }
  mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(mysql_, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
  mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "cdc-agent");
  if (mysql_real_connect(mysql_, config.host.c_str(), config.user.c_str(),
                         config.password.c_str(), nullptr, static_cast<unsigned int>(config.port),
                         nullptr, 0) == nullptr) {
    Status s = LastError("cannot connect as " + config.user);
    if (last_errno_ == ER_CON_COUNT_ERROR || last_errno_ == ER_TOO_MANY_USER_CONNECTIONS ||
        last_errno_ == ER_USER_LIMIT_REACHED) {
      s = Status::IOError(s.message() +
                          "; the agent holds up to three connections (the binlog stream, its "
                          "queries and, during a snapshot, the chunk reads): raise the limit the "
                          "server names (max_user_connections for " + config.user +
                          ", max_connections)");
    }
    Close();
    return s;
  }
  const char* version = mysql_get_server_info(mysql_);
  server_version_ = version == nullptr ? "" : version;
  return Status::OK();
}

Status MysqlConnection::Execute(std::string_view sql) {
  last_errno_ = 0;
  if (mysql_ == nullptr) return Status::IOError(endpoint_ + ": not connected", true);
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return LastError(std::string(sql.substr(0, 120)));
  }
  // Drain every result the statement produced.
  do {
    ResultPtr result(mysql_store_result(mysql_));
    if (result == nullptr && mysql_errno(mysql_) != 0) {
      return LastError(std::string(sql.substr(0, 120)));
    }
  } while (mysql_next_result(mysql_) == 0);
  if (mysql_errno(mysql_) != 0) return LastError(std::string(sql.substr(0, 120)));
  return Status::OK();
}

std::vector<std::optional<std::string>> OwnedRow(const RowView& row) {
  std::vector<std::optional<std::string>> values;
  values.reserve(row.size());
  for (const auto& v : row) {
    values.push_back(v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
  }
  return values;
}

Result<QueryResult> MysqlConnection::Query(std::string_view sql) {
  QueryResult out;
  CDC_RETURN_IF_ERROR(Stream(sql, [&](const RowView& row) {
    out.rows.push_back(OwnedRow(row));
    return Status::OK();
  }));
  return out;
}

Result<std::optional<std::string>> MysqlConnection::Scalar(std::string_view sql) {
  CDC_ASSIGN_OR_RETURN(QueryResult result, Query(sql));
  if (result.rows.empty() || result.rows[0].empty()) return std::optional<std::string>();
  return result.rows[0][0];
}

Status MysqlConnection::Stream(std::string_view sql,
                               const std::function<Status(const RowView&)>& on_row) {
  last_errno_ = 0;
  if (mysql_ == nullptr) return Status::IOError(endpoint_ + ": not connected", true);
  const std::string what(sql.substr(0, 120));
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return LastError(what);
  ResultPtr result(mysql_use_result(mysql_));
  if (result == nullptr) {
    if (mysql_errno(mysql_) != 0) return LastError(what);
    return Status::OK();  // a statement without a result set
  }
  const unsigned int n = mysql_num_fields(result.get());
  RowView row(n);
  while (MYSQL_ROW r = mysql_fetch_row(result.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(result.get());
    for (unsigned int i = 0; i < n; ++i) {
      row[i] = r[i] == nullptr ? std::nullopt
                               : std::optional<std::string_view>(std::string_view(r[i], lengths[i]));
    }
    Status status = on_row(row);
    if (!status.ok()) {
      // Reading the rest of a large result only to drop it could take long
      // (freeing it would): the socket is shut first, then the connection
      // closed.
      shutdown(static_cast<int>(mysql_get_socket(mysql_)), SHUT_RDWR);
      result.reset();
      Close();
      return status;
    }
  }
  if (mysql_errno(mysql_) != 0) return LastError(what);
  return Status::OK();
}

std::string MysqlConnection::QuoteLiteral(std::string_view value) {
  std::string out(value.size() * 2 + 1, '\0');
  unsigned long n = mysql_ != nullptr
                        ? mysql_real_escape_string(mysql_, out.data(), value.data(), value.size())
                        : mysql_escape_string(out.data(), value.data(), value.size());
  out.resize(n);
  return "'" + out + "'";
}

std::string MysqlConnection::QuoteIdent(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    out += c;
    if (c == '`') out += '`';
  }
  return out + "`";
}

}  // namespace cdc::agent::mysql
