#include "agent/snapshot_requests.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <unistd.h>

#include "common/clock.h"

namespace cdc::agent {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSuffix = ".request";

// One table per line: schema (or database), a tab, the table name.
std::string Format(const std::vector<TableName>& tables) {
  std::string out;
  for (const TableName& t : tables) out += t.schema + "\t" + t.table + "\n";
  return out;
}

bool Queued(const offsets::SnapshotProgress& snap, const TableName& t) {
  return std::any_of(snap.tables.begin(), snap.tables.end(), [&](const auto& q) {
    return q.schema == t.schema && q.name == t.table;
  });
}

// Whether `a` is at or after `b` in the source's log: PostgreSQL by LSN,
// MySQL by binlog file (a longer numbered name is a later one) and offset.
bool AtOrAfter(const offsets::Position& a, const offsets::Position& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == offsets::Position::Kind::kPostgres) return a.lsn >= b.lsn;
  if (a.file != b.file) {
    return a.file.size() != b.file.size() ? a.file.size() > b.file.size() : a.file > b.file;
  }
  return a.pos >= b.pos;
}

}  // namespace

std::string SnapshotRequestDir(const std::string& offsets_path) {
  std::string dir = offsets_path;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + ".requests";
}

Result<std::string> WriteSnapshotRequest(const std::string& dir,
                                         const std::vector<TableName>& tables) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return Status::IOError("cannot create the request folder " + dir + ": " + ec.message() +
                           "; run this as the user the agent runs as");
  }
  // Names sort by time, so requests are taken in the order they were made.
  const std::string name = std::to_string(WallClockMicros()) + "-" + std::to_string(getpid());
  const std::string tmp = dir + "/." + name + ".tmp";
  const std::string path = dir + "/" + name + kSuffix;
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << Format(tables);
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp + " to " + path + ": " + ec.message());
  return path;
}

Result<std::vector<SnapshotRequest>> ReadSnapshotRequests(const std::string& dir) {
  std::vector<SnapshotRequest> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<std::string> paths;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > std::strlen(kSuffix) && name.ends_with(kSuffix) && name[0] != '.') {
      paths.push_back(entry.path().string());
    }
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) continue;  // taken away meanwhile
    SnapshotRequest request;
    request.path = path;
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      const size_t tab = line.find('\t');
      if (tab == std::string::npos || tab == 0 || tab + 1 == line.size() ||
          line.find('\t', tab + 1) != std::string::npos) {
        return Status::InvalidArgument(path + ":" + std::to_string(number) +
                                       ": not a snapshot request line (schema<TAB>table); "
                                       "remove the file and run `cdc-agent snapshot` again");
      }
      request.tables.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
    out.push_back(std::move(request));
  }
  return out;
}

size_t AddToSnapshot(const std::vector<TableName>& tables,
                     std::optional<offsets::SnapshotProgress>* snapshot, int64_t now_us) {
  size_t added = 0;
  for (const TableName& t : tables) {
    if (!*snapshot) {
      *snapshot = offsets::SnapshotProgress{};
      (*snapshot)->started_us = now_us;
    }
    if (Queued(**snapshot, t)) continue;
    (*snapshot)->tables.push_back({t.schema, t.table});
    ++added;
  }
  if (*snapshot && (*snapshot)->tables.empty()) snapshot->reset();
  return added;
}

bool FinishSnapshotTable(std::optional<offsets::SnapshotProgress>* snapshot) {
  offsets::SnapshotProgress& snap = **snapshot;
  snap.tables.erase(snap.tables.begin());
  snap.after.clear();
  snap.after_columns.clear();
  snap.rows = 0;
  snap.topic_marks.reset();
  if (!snap.tables.empty()) return false;
  snapshot->reset();
  return true;
}

Result<std::vector<TableName>> SnapshotRequestWatcher::Poll() {
  std::vector<TableName> out;
  const int64_t now = WallClockMicros();
  if (now < next_poll_us_) return out;
  next_poll_us_ = now + 1000000;
  CDC_ASSIGN_OR_RETURN(std::vector<SnapshotRequest> requests, ReadSnapshotRequests(dir_));
  std::lock_guard lock(mu_);
  for (SnapshotRequest& r : requests) {
    const bool known = std::any_of(accepted_.begin(), accepted_.end(),
                                   [&](const Accepted& a) { return a.request.path == r.path; });
    if (known) continue;
    for (const TableName& t : r.tables) {
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
    }
    accepted_.push_back({std::move(r), std::nullopt});
  }
  return out;
}

void SnapshotRequestWatcher::Finished(const std::optional<offsets::SnapshotProgress>& snapshot,
                                      const offsets::Position& at) {
  std::lock_guard lock(mu_);
  for (Accepted& a : accepted_) {
    if (a.done_at) continue;
    const bool queued = snapshot && std::any_of(a.request.tables.begin(), a.request.tables.end(),
                                                [&](const TableName& t) {
                                                  return Queued(*snapshot, t);
                                                });
    if (!queued) a.done_at = at;
  }
}

void SnapshotRequestWatcher::Durable(const offsets::Position& position) {
  std::lock_guard lock(mu_);
  for (auto it = accepted_.begin(); it != accepted_.end();) {
    if (!it->done_at || !AtOrAfter(position, *it->done_at)) {
      ++it;
      continue;
    }
    std::error_code ec;
    fs::remove(it->request.path, ec);
    it = accepted_.erase(it);
  }
}

}  // namespace cdc::agent
