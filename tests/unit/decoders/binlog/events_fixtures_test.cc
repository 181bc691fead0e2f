// Every real binlog fixture read to its end with FileReader + EventDecoder,
// checked against what the fixture documentation (SOURCES.md, MANIFEST.md,
// EXPECTED_ROWS) and the vendor tool's reading (*.expected.txt) say.
#include <gtest/gtest.h>

#include <iostream>
#include <set>
#include <sstream>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::BinlogFiles;
using testing::FixtureRoot;
using testing::IsRowsType;
using testing::NumberAt;
using testing::WordAfter;
using testing::WordAt;
using testing::ReadFileBytes;
using testing::Walk;
using testing::WalkFile;

using testing::kMariaDir;
using testing::kMysqlDir;

std::string BaseName(const std::string& path) {
  return path.substr(path.find_last_of('/') + 1);
}

size_t RowsEvents(const Walk& w) { return w.rows.size(); }

std::string TypeCounts(const std::map<uint8_t, uint64_t>& m) {
  std::string out;
  for (const auto& [type, n] : m) {
    if (!out.empty()) out += " ";
    out += std::to_string(type) + "=" + EventTypeName(type) + ":" + std::to_string(n);
  }
  return out.empty() ? "none" : out;
}

TEST(BinlogFixtures, EveryFileReadsToItsEnd) {
  SKIP_WITHOUT(kMariaDir);
  std::vector<std::string> files = BinlogFiles(kMariaDir);
  std::vector<std::string> mysql = BinlogFiles(kMysqlDir);
  files.insert(files.end(), mysql.begin(), mysql.end());
  EXPECT_EQ(files.size(), 13u + 21u);
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    std::string bytes = ReadFileBytes(path);
    Walk w = WalkFile(bytes);
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    for (const auto& [type, n] : w.skipped) {
      EXPECT_FALSE(IsRowsType(type)) << "rows event type skipped: " << EventTypeName(type);
    }
    EXPECT_GT(RowsEvents(w), 0u);
    std::cout << "[skipped] " << BaseName(path) << ": " << TypeCounts(w.skipped) << "\n";
  }
}

// Event histograms per file, as SOURCES.md lists them ("Events:" or
// "Top-level events:", and "Inside the payload(s)" where it gives counts).
struct Documented {
  std::map<uint8_t, uint64_t> top;
  std::map<uint8_t, uint64_t> inner;
  bool has_inner = false;
};

// Adds the "type=NAME:count" (or "type=NAME(note):count") items of `list`.
void ParseCounts(const std::string& list, std::map<uint8_t, uint64_t>* counts) {
  std::istringstream words(list);
  std::string w;
  while (words >> w) {
    long long type = NumberAt(w);
    size_t eq = w.find('='), colon = w.rfind(':');
    if (type < 0 || eq == std::string::npos || colon == std::string::npos || colon < eq) continue;
    long long n = NumberAt(w, colon + 1);
    if (n >= 0) (*counts)[static_cast<uint8_t>(type)] += static_cast<uint64_t>(n);
  }
}

std::map<std::string, Documented> ParseSources(const std::string& text) {
  std::map<std::string, Documented> out;
  std::istringstream in(text);
  std::string line, current;
  while (std::getline(in, line)) {
    // "**NAME.binlog** (size)" opens a file's section.
    if (line.rfind("**", 0) == 0) {
      size_t end = line.find("**", 2);
      std::string name = line.substr(2, end == std::string::npos ? 0 : end - 2);
      if (name.size() > 7 && name.substr(name.size() - 7) == ".binlog") current = name;
      continue;
    }
    if (current.empty()) continue;
    // "- Events: ...", "- Top-level events: ...", "- FDE version: ... Events: ...".
    size_t at = line.find("Top-level events:");
    if (at == std::string::npos) at = line.find("Events:");
    bool top = line.rfind("- ", 0) == 0 && at != std::string::npos;
    bool inner = line.rfind("- Inside the payload", 0) == 0;
    if (!top && !inner) continue;
    std::map<uint8_t, uint64_t> counts;
    ParseCounts(line.substr(inner ? 0 : at), &counts);
    if (top) out[current].top = counts;
    if (inner && !counts.empty()) {
      out[current].inner = counts;
      out[current].has_inner = true;
    }
  }
  return out;
}

TEST(BinlogFixtures, MysqlEventCountsMatchSourcesMd) {
  SKIP_WITHOUT(kMysqlDir);
  std::map<std::string, Documented> doc = ParseSources(ReadFileBytes(kMysqlDir + "/SOURCES.md"));
  std::vector<std::string> files = BinlogFiles(kMysqlDir);
  ASSERT_EQ(doc.size(), files.size());
  for (const std::string& path : files) {
    SCOPED_TRACE(path);
    auto it = doc.find(BaseName(path));
    ASSERT_NE(it, doc.end()) << "no event list in SOURCES.md";
    Walk w = WalkFile(ReadFileBytes(path));
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    EXPECT_EQ(TypeCounts(w.top), TypeCounts(it->second.top));
    if (it->second.has_inner) {
      EXPECT_EQ(TypeCounts(w.inner), TypeCounts(it->second.inner));
    }
  }
}

// EXPECTED_ROWS: ">=N" where N is the number of rows events, otherwise the
// number of row changes (at least one per rows event).
TEST(BinlogFixtures, MysqlRowsEventsMatchExpectedRows) {
  SKIP_WITHOUT(kMysqlDir);
  std::istringstream in(ReadFileBytes(kMysqlDir + "/EXPECTED_ROWS"));
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, count;
    fields >> file >> count;
    SCOPED_TRACE(line);
    Walk w = WalkFile(ReadFileBytes(kMysqlDir + "/" + file));
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    if (count.rfind(">=", 0) == 0) {
      EXPECT_EQ(RowsEvents(w), std::stoull(count.substr(2)));
    } else {
      EXPECT_GE(RowsEvents(w), 1u);
      EXPECT_LE(RowsEvents(w), std::stoull(count));
    }
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

// MANIFEST.md's MySQL table gives row changes per file: every rows event
// holds at least one.
TEST(BinlogFixtures, MysqlManifestRowCountsBoundRowsEvents) {
  SKIP_WITHOUT(kMariaDir);
  std::istringstream in(ReadFileBytes(kMariaDir + "/MANIFEST.md"));
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    // "| mysql-NAME.binlog (size) | MySQL x.y | rows | what |"
    std::vector<std::string> cells;
    std::istringstream row(line);
    std::string cell;
    while (std::getline(row, cell, '|')) cells.push_back(cell);
    if (cells.size() < 4 || cells[1].rfind(" mysql-", 0) != 0) continue;
    if (cells[2].rfind(" MySQL ", 0) != 0) continue;
    SCOPED_TRACE(line);
    std::string file = cells[1].substr(1, cells[1].find(' ', 1) - 1);
    long long rows = NumberAt(cells[3], 1);
    ASSERT_GT(rows, 0);
    Walk w = WalkFile(ReadFileBytes(kMariaDir + "/" + file));
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    EXPECT_GE(RowsEvents(w), 1u);
    EXPECT_LE(RowsEvents(w), static_cast<size_t>(rows));
    ++checked;
  }
  EXPECT_EQ(checked, 11);
}

// The vendor tool's reading of the MariaDB fixtures: one "Table_map:" line
// per TABLE_MAP and one "<Kind>_rows: table id N" line per rows event.
TEST(BinlogFixtures, MariadbEventsMatchVendorReading) {
  SKIP_WITHOUT(kMariaDir);
  for (const char* name : {"mariadb-10.11-types", "mariadb-10.11-minimal"}) {
    SCOPED_TRACE(name);
    std::string expected = ReadFileBytes(kMariaDir + "/" + name + ".expected.txt");
    std::vector<std::string> want_maps, want_rows;
    std::istringstream in(expected);
    std::string line;
    while (std::getline(in, line)) {
      // "Table_map: `fx`.`all_types` mapped to number 23"
      size_t at = line.find("Table_map: `");
      if (at != std::string::npos) {
        std::string schema = WordAt(line, at + 12);
        std::string table = WordAt(line, at + 12 + schema.size() + 3);
        long long id = NumberAt(line, line.find("mapped to number ") + 17);
        want_maps.push_back(schema + "." + table + "#" + std::to_string(id));
        continue;
      }
      // "Write_rows: table id 23 flags: STMT_END_F"
      for (const char* kind : {"Write", "Update", "Delete"}) {
        at = line.find(std::string(kind) + "_rows: table id ");
        if (at == std::string::npos) continue;
        long long id = NumberAt(line, at + std::string(kind).size() + 16);
        bool end = line.find("STMT_END_F") != std::string::npos;
        want_rows.push_back(std::string(kind) + "#" + std::to_string(id) + (end ? " end" : ""));
      }
    }
    Walk w = WalkFile(ReadFileBytes(kMariaDir + "/" + name + ".binlog"));
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    std::vector<std::string> got_maps, got_rows;
    for (const TableMap& map : w.table_maps) {
      got_maps.push_back(map.schema + "." + map.table + "#" + std::to_string(map.table_id));
    }
    for (const Walk::Rows& rows : w.rows) {
      const char* kind = rows.type == 23 ? "Write" : rows.type == 24 ? "Update" : "Delete";
      got_rows.push_back(std::string(kind) + "#" + std::to_string(rows.table_id) +
                         ((rows.flags & 1) != 0 ? " end" : ""));
    }
    EXPECT_FALSE(want_rows.empty());
    EXPECT_EQ(got_maps, want_maps);
    EXPECT_EQ(got_rows, want_rows);
  }
}

// TABLE_MAP names against the scripts that wrote the MariaDB fixtures: each
// mapped table was created by the script in the database it USEd.
TEST(BinlogFixtures, MariadbTableMapNamesMatchSqlScripts) {
  SKIP_WITHOUT(kMariaDir);
  for (const char* name : {"mariadb-10.11-types", "mariadb-10.11-minimal"}) {
    SCOPED_TRACE(name);
    std::istringstream in(ReadFileBytes(kMariaDir + "/" + name + ".sql"));
    std::string line, db;
    std::set<std::string> created, inserted;
    while (std::getline(in, line)) {
      if (line.rfind("USE ", 0) == 0) db = WordAt(line, 4);
      std::string t = WordAfter(line, "CREATE TABLE ");
      if (!t.empty()) created.insert(db + "." + t);
      t = WordAfter(line, "INSERT INTO ");
      if (!t.empty()) inserted.insert(db + "." + t);
    }
    ASSERT_FALSE(created.empty());
    Walk w = WalkFile(ReadFileBytes(kMariaDir + "/" + name + ".binlog"));
    ASSERT_TRUE(w.status.ok()) << w.status.ToString();
    std::set<std::string> mapped;
    for (const TableMap& map : w.table_maps) mapped.insert(map.schema + "." + map.table);
    for (const std::string& t : mapped) EXPECT_TRUE(created.count(t)) << t;
    for (const std::string& t : inserted) EXPECT_TRUE(mapped.count(t)) << t;
  }
}

}  // namespace
}  // namespace cdc::binlog
