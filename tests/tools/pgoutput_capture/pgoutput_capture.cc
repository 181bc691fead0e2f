// pgoutput_capture: records the pgoutput stream (protocol version 1) that a
// real PostgreSQL sends for an SQL workload, as test data for the decoder.
//
// It runs the setup script on a plain connection, creates a temporary logical
// slot with pgoutput on a replication=database connection, runs the workload
// script, then reads the slot with START_REPLICATION until the end marker (a
// non-transactional logical message the tool emits itself) and writes each
// pgoutput message as one line "<label> <hex>". Scripts are split into
// statements at lines that end with ';'.
//
// Streaming replication protocol: https://www.postgresql.org/docs/15/protocol-replication.html
//   'w' XLogData        start:u64 end:u64 send_time:i64 payload
//   'k' keepalive       end:u64 send_time:i64 reply_requested:u8
//   'r' standby status  write:u64 flush:u64 apply:u64 time:i64 reply:u8
#include <libpq-fe.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr char kSlot[] = "pgoutput_capture";
constexpr char kEndPrefix[] = "pgoutput_capture_end";
// The settings the agent's PostgreSQL source puts on its replication
// connection: the walsender formats every value with them.
constexpr char kSessionOptions[] =
    "options='-c TimeZone=UTC -c lc_monetary=C -c DateStyle=ISO -c IntervalStyle=postgres "
    "-c extra_float_digits=3' client_encoding=UTF8";

struct Args {
  std::string conninfo = "host=127.0.0.1 port=55499 dbname=postgres user=postgres";
  std::string setup;
  std::string workload;
  std::string publication = "cdc_capture";
  std::string out;
};

bool ParseArgs(int argc, char** argv, Args* args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    std::string value = argv[i + 1];
    if (key == "--conninfo") {
      args->conninfo = value;
    } else if (key == "--setup") {
      args->setup = value;
    } else if (key == "--workload") {
      args->workload = value;
    } else if (key == "--publication") {
      args->publication = value;
    } else if (key == "--out") {
      args->out = value;
    } else {
      return false;
    }
  }
  return (argc % 2) == 1 && !args->setup.empty() && !args->workload.empty() && !args->out.empty();
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

std::vector<std::string> SplitStatements(const std::string& script) {
  std::vector<std::string> statements;
  std::string current;
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    current += line;
    current += '\n';
    size_t end = line.find_last_not_of(" \t\r");
    if (end != std::string::npos && line[end] == ';') {
      statements.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) statements.push_back(current);
  return statements;
}

bool Exec(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
  if (!ok) std::fprintf(stderr, "statement failed: %s\n%s\n", PQerrorMessage(conn), sql.c_str());
  PQclear(res);
  return ok;
}

bool RunScript(PGconn* conn, const std::string& path) {
  std::string script;
  if (!ReadFile(path, &script)) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  for (const std::string& statement : SplitStatements(script)) {
    if (!Exec(conn, statement)) return false;
  }
  return true;
}

PGconn* Connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::fprintf(stderr, "connection failed: %s", PQerrorMessage(conn));
    PQfinish(conn);
    return nullptr;
  }
  return conn;
}

uint64_t ReadBE(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutBE(std::string* out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 15]);
  }
  return hex;
}

// A short label for a human reading the file: the message kind and, where it
// has one, the relation, type, origin or prefix it names.
std::string Label(std::string_view msg, std::map<uint32_t, std::string>* relations) {
  auto cstr = [&](size_t at) -> std::string {
    if (at >= msg.size()) return "?";
    size_t nul = msg.find('\0', at);
    return std::string(msg.substr(at, nul == std::string_view::npos ? msg.npos : nul - at));
  };
  auto qualified = [&](size_t at) {
    std::string ns = cstr(at);
    std::string name = cstr(at + ns.size() + 1);
    return (ns.empty() ? "pg_catalog" : ns) + "." + name;
  };
  uint32_t oid = msg.size() >= 5 ? static_cast<uint32_t>(ReadBE(msg.data() + 1, 4)) : 0;
  switch (msg.empty() ? '\0' : msg[0]) {
    case 'B': return "begin";
    case 'C': return "commit";
    case 'O': return "origin:" + cstr(9);
    case 'R': return "relation:" + ((*relations)[oid] = qualified(5));
    case 'Y': return "type:" + qualified(5);
    case 'I': return "insert:" + (*relations)[oid];
    case 'U': return "update:" + (*relations)[oid];
    case 'D': return "delete:" + (*relations)[oid];
    case 'T': return "truncate";
    case 'M': return "message:" + cstr(10);
    default: return "unknown";
  }
}

bool SendStatus(PGconn* conn, uint64_t lsn) {
  std::string reply = "r";
  PutBE(&reply, lsn, 8);
  PutBE(&reply, lsn, 8);
  PutBE(&reply, lsn, 8);
  PutBE(&reply, 0, 8);
  reply.push_back(0);
  return PQputCopyData(conn, reply.data(), static_cast<int>(reply.size())) == 1 && PQflush(conn) == 0;
}

bool Stream(PGconn* repl, const std::string& publication, std::vector<std::string>* messages) {
  std::string start = std::string("START_REPLICATION SLOT ") + kSlot +
                      " LOGICAL 0/0 (proto_version '1', publication_names '" + publication +
                      "', messages 'true')";
  PGresult* res = PQexec(repl, start.c_str());
  if (PQresultStatus(res) != PGRES_COPY_BOTH) {
    std::fprintf(stderr, "START_REPLICATION failed: %s", PQerrorMessage(repl));
    PQclear(res);
    return false;
  }
  PQclear(res);
  for (;;) {
    char* buf = nullptr;
    int len = PQgetCopyData(repl, &buf, 0);
    if (len < 0) {
      std::fprintf(stderr, "stream ended before the end marker: %s", PQerrorMessage(repl));
      return false;
    }
    std::string_view data(buf, static_cast<size_t>(len));
    bool done = false;
    bool ok = true;
    if (!data.empty() && data[0] == 'w' && data.size() > 25) {
      std::string_view payload = data.substr(25);
      if (payload[0] == 'M' && payload.size() > 10 &&
          payload.substr(10, sizeof(kEndPrefix)) == std::string_view(kEndPrefix, sizeof(kEndPrefix))) {
        done = true;
      } else {
        messages->emplace_back(payload);
      }
    } else if (!data.empty() && data[0] == 'k' && data.size() >= 18 && data[17] != 0) {
      ok = SendStatus(repl, ReadBE(data.data() + 1, 8));
    }
    PQfreemem(buf);
    if (!ok) return false;
    if (done) return true;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, &args)) {
    std::fprintf(stderr,
                 "usage: pgoutput_capture --setup FILE --workload FILE --out FILE "
                 "[--conninfo CONNINFO] [--publication NAME]\n");
    return 2;
  }
  PGconn* sql = Connect(args.conninfo + " " + kSessionOptions);
  if (sql == nullptr || !RunScript(sql, args.setup)) return 1;
  PGconn* repl = Connect(args.conninfo + " replication=database " + kSessionOptions);
  if (repl == nullptr) return 1;
  std::string create = std::string("CREATE_REPLICATION_SLOT ") + kSlot +
                       " TEMPORARY LOGICAL pgoutput (SNAPSHOT 'nothing')";
  if (!Exec(repl, create) || !RunScript(sql, args.workload) ||
      !Exec(sql, std::string("SELECT pg_logical_emit_message(false, '") + kEndPrefix + "', 'end')")) {
    return 1;
  }
  std::vector<std::string> messages;
  if (!Stream(repl, args.publication, &messages)) return 1;
  PQfinish(repl);
  std::string version = PQparameterStatus(sql, "server_version");
  PQfinish(sql);

  std::ofstream out(args.out);
  out << "# pgoutput protocol version 1 messages captured from PostgreSQL " << version << "\n"
      << "# walsender settings: " << kSessionOptions << "\n"
      << "# one message per line: <label> <hex>; regenerate with tests/tools/pgoutput_capture\n";
  std::map<uint32_t, std::string> relations;
  for (const std::string& m : messages) out << Label(m, &relations) << " " << Hex(m) << "\n";
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", args.out.c_str());
    return 1;
  }
  std::printf("wrote %zu messages to %s\n", messages.size(), args.out.c_str());
  return 0;
}
