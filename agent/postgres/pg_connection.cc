#include "agent/postgres/pg_connection.h"

#include <algorithm>

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
    Status s = Status::IOError(what + ": cannot connect: " + LastError(), /*retryable=*/true);
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
  if (conn_ == nullptr) return Status::IOError(what_ + ": not connected", true);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  PgResult res(params.empty() ? PQexec(conn_, sql.c_str())
                              : PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                             nullptr, values.data(), nullptr, nullptr, 0));
  ExecStatusType st = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK || st == PGRES_COPY_BOTH) return res;
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Status::IOError(what_ + ": connection lost: " + LastError(), true);
  }
  std::string msg = res ? OneLine(PQresultErrorMessage(res.get())) : LastError();
  return Status::IOError(what_ + ": " + msg);
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
