// PgConnection: a libpq connection with Status-returning helpers.
//
// Thread: owned and used by one thread (the source's reader thread).
// Errors carry PostgreSQL's own message on one line, prefixed with what was
// being done; connection errors are retryable, SQL errors are not.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace cdc::agent::postgres {

// Owns a PGresult.
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

class PgConnection {
 public:
  PgConnection() = default;
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects with a libpq keyword/value string. `what` names the endpoint in
  // errors ("postgres 127.0.0.1:5432"); the conninfo itself (which holds the
  // password) never appears in a message.
  Status Connect(const std::string& conninfo, const std::string& what);
  void Close();
  bool connected() const { return conn_ != nullptr; }
  PGconn* raw() { return conn_; }

  // Runs a statement that returns no rows.
  Status Exec(const std::string& sql);
  // Runs a query with text parameters; OK only for PGRES_TUPLES_OK or
  // PGRES_COMMAND_OK.
  Result<PgResult> Query(const std::string& sql, const std::vector<std::string>& params = {});

  // The server's error message for the last failure, on one line.
  std::string LastError() const;

  // Quotes an identifier ("Mixed Case" -> "\"Mixed Case\"").
  static std::string QuoteIdent(const std::string& name);
  // Quotes a literal ('it''s').
  static std::string QuoteLiteral(const std::string& value);

 private:
  PGconn* conn_ = nullptr;
  std::string what_;
};

}  // namespace cdc::agent::postgres
