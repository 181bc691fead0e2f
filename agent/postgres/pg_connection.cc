#include "agent/postgres/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>

namespace cdc::agent::postgres {

namespace {

std::string OneLine(const char* msg) {
  std::string s = msg == nullptr ? "" : msg;
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

PgConnection::~PgConnection() { Close(); }

void PgConnection::Close() {
  if (conn_ != nullptr) {
    PQfinish(conn_);
    conn_ = nullptr;
  }
}

Status PgConnection::Connect(const std::string& conninfo, const std::string& what) {
  Close();
  what_ = what;
  conn_ = PQconnectdb(conninfo.c_str());
  if (conn_ == nullptr) return Status::IOError(what + ": out of memory creating a connection");
  if (PQstatus(conn_) != CONNECTION_OK) {
    // A refused password or pg_hba.conf rule does not pass with time.
    const std::string error = LastError();
    const bool refused = error.find("password authentication failed") != std::string::npos ||
                         error.find("no pg_hba.conf entry") != std::string::npos;
    Status s = Status::IOError(what + ": cannot connect: " + error, /*retryable=*/!refused);
    Close();
    return s;
  }
  return Status::OK();
}

std::string PgConnection::LastError() const {
  return conn_ == nullptr ? "not connected" : OneLine(PQerrorMessage(conn_));
}

Status PgConnection::Exec(const std::string& sql) {
  auto r = Query(sql);
  return r.ok() ? Status::OK() : r.status();
}

Result<PgResult> PgConnection::Query(const std::string& sql,
                                     const std::vector<std::string>& params) {
  CDC_RETURN_IF_ERROR(Send(sql, params));
  return AwaitResult();
}

Status PgConnection::Send(const std::string& sql, const std::vector<std::string>& params) {
  last_sqlstate_.clear();
  if (conn_ == nullptr) return Status::IOError(what_ + ": not connected", true);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  int sent = params.empty()
                 ? PQsendQuery(conn_, sql.c_str())
                 : PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                     values.data(), nullptr, nullptr, 0);
  if (sent != 1) return Status::IOError(what_ + ": cannot send a query: " + LastError(), true);
  return Status::OK();
}

Result<bool> PgConnection::Ready() {
  if (conn_ == nullptr) return Status::IOError(what_ + ": not connected", true);
  if (PQconsumeInput(conn_) == 0) {
    return Status::IOError(what_ + ": connection lost: " + LastError(), true);
  }
  return PQisBusy(conn_) == 0;
}

Result<PgResult> PgConnection::AwaitResult() {
  bool cancelled = false;
  while (PQisBusy(conn_)) {
    if (!cancelled && stop_ != nullptr && stop_->load()) {
      PGcancel* cancel = PQgetCancel(conn_);
      char errbuf[256];
      if (cancel != nullptr) {
        PQcancel(cancel, errbuf, sizeof(errbuf));
        PQfreeCancel(cancel);
      }
      cancelled = true;
    }
    pollfd pfd{PQsocket(conn_), POLLIN, 0};
    if (poll(&pfd, 1, 100) < 0 && errno != EINTR) {
      return Status::IOError(what_ + ": poll failed while waiting for the server", true);
    }
    if (PQconsumeInput(conn_) == 0) {
      return Status::IOError(what_ + ": connection lost: " + LastError(), true);
    }
  }
  // The first result decides; a COPY result hands the connection over to
  // the copy protocol, so nothing after it is read here.
  PgResult first;
  while (PGresult* r = PQgetResult(conn_)) {
    ExecStatusType st = PQresultStatus(r);
    if (!first) {
      first.reset(r);
      if (st == PGRES_COPY_BOTH || st == PGRES_COPY_OUT || st == PGRES_COPY_IN) break;
    } else {
      PQclear(r);
    }
  }
  if (cancelled) return Status::Aborted(what_ + ": stopped while waiting for the server");
  ExecStatusType st = first ? PQresultStatus(first.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_COPY_BOTH) return first;
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::IOError(what_ + ": connection lost: " + LastError(), true);
  }
  std::string msg = first ? OneLine(PQresultErrorMessage(first.get())) : LastError();
  const char* state = first ? PQresultErrorField(first.get(), PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  return Status::IOError(what_ + ": " + msg, Transient(first.get()));
}

bool PgConnection::Transient(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view code = state != nullptr ? state : "";
  // 57P04 (database dropped) does not pass.
  return code.starts_with("08") || code == "57P01" || code == "57P02" || code == "57P03" ||
         code == "53300" || code == "55006";
}

std::string PgConnection::QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string PgConnection::QuoteLiteral(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

}  // namespace cdc::agent::postgres
