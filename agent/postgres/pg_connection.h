// PgConnection: a libpq connection with Status-returning helpers.
//
// Thread: owned and used by one thread (the source's reader thread).
// Errors carry PostgreSQL's own message on one line, prefixed with what was
// being done; connection errors are retryable, SQL errors are not.
#pragma once

#include <libpq-fe.h>

#include <atomic>
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

  // While `stop` is true, a running statement is cancelled and returns
  // Aborted, so a stop request never waits on a lock or a long query.
  // `stop` must outlive the connection; nullptr (the default) disables this.
  void SetStopFlag(const std::atomic<bool>* stop) { stop_ = stop; }

  // Runs a statement that returns no rows.
  Status Exec(const std::string& sql);
  // Runs a query with text parameters; OK only for PGRES_TUPLES_OK or
  // PGRES_COMMAND_OK.
  Result<PgResult> Query(const std::string& sql, const std::vector<std::string>& params = {});
  // Query in two steps, so that the server runs it while the caller does
  // other work: Send, then Ready (without waiting) until true, then Receive.
  // Receive waits for the result if it is not in yet. Nothing else may be
  // sent on the connection in between.
  Status Send(const std::string& sql, const std::vector<std::string>& params = {});
  // Reads what the server has sent so far; true once the whole result is in.
  Result<bool> Ready();
  Result<PgResult> Receive() { return AwaitResult(); }

  // The server's error message for the last failure, on one line.
  std::string LastError() const;
  // The SQLSTATE of the last statement that failed with a server error
  // ("55P03"), or empty.
  const std::string& last_sqlstate() const { return last_sqlstate_; }

  // Quotes an identifier ("Mixed Case" -> "\"Mixed Case\"").
  // Whether the error `result` reports passes with time: the server shutting
  // down or starting up, a connection problem, too many connections, an
  // object (a replication slot) still held by a connection that is going
  // away. False for a null result.
  static bool Transient(const PGresult* result);

  static std::string QuoteIdent(const std::string& name);
  // Quotes a literal ('it''s').
  static std::string QuoteLiteral(const std::string& value);

 private:
  // Waits for the result of a sent query, cancelling it on stop.
  Result<PgResult> AwaitResult();

  PGconn* conn_ = nullptr;
  std::string what_;
  std::string last_sqlstate_;
  const std::atomic<bool>* stop_ = nullptr;
};

}  // namespace cdc::agent::postgres
