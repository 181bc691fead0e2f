// Damaged row images: every truncation and every single-byte change of real
// rows events must give OK or Corruption, never a crash or an over-read (run
// under CDC_SANITIZE=ON to check the latter).
#include <gtest/gtest.h>

#include "tests/unit/fixtures_absent.h"
#include "tests/unit/decoders/binlog/rows_fixture_util.h"

namespace cdc::binlog {
namespace {

struct Captured {
  RowsEvent event;
  TableSchema schema;
  std::string rows;  // owned copy of the row images
};

std::vector<Captured> Capture(const std::string& path) {
  std::vector<Captured> out;
  std::string bytes = testing::ReadFileBytes(path);
  FileReader reader(bytes);
  EventDecoder decoder;
  if (!reader.Open().ok()) return out;
  std::map<uint64_t, TableMap> maps;
  while (true) {
    auto next = reader.Next();
    if (!next.ok() || !next->has_value()) break;
    auto ev = decoder.Decode(**next);
    if (!ev.ok()) break;
    if (auto* m = std::get_if<TableMap>(&ev->body)) maps[m->table_id] = *m;
    if (auto* r = std::get_if<RowsEvent>(&ev->body)) {
      if (maps.count(r->table_id) == 0) continue;
      out.push_back({*r, SchemaFromTableMap(maps[r->table_id]), std::string(r->rows)});
    }
  }
  return out;
}

size_t Exercise(const Captured& c) {
  size_t errors = 0;
  auto run = [&](const std::string& rows) {
    RowsEvent ev = c.event;
    ev.rows = rows;
    Status s = DecodeRows(ev, c.schema, [](RowChange&) { return Status::OK(); });
    if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      ++errors;
    }
  };
  run(c.rows);
  for (size_t len = 0; len < c.rows.size(); ++len) run(c.rows.substr(0, len));
  for (size_t i = 0; i < c.rows.size(); ++i) {
    for (char b : {'\x00', '\xff', '\x80'}) {
      std::string damaged = c.rows;
      damaged[i] = b;
      run(damaged);
    }
  }
  return errors;
}

TEST(RowsRobustnessTest, DamagedRealEventsFailCleanly) {
  const std::string root = testing::FixtureRoot();
  if (testing::BinlogFiles(root + "/binlog-mysql").empty()) {
    CDC_FIXTURES_ABSENT("fixture folder " << root << "/binlog-mysql is absent");
  }
  size_t events = 0, errors = 0;
  for (const char* file :
       {"/binlog/mariadb-10.11-minimal.binlog", "/binlog-mysql/8.0.28-full-metadata-enum-set.binlog",
        "/binlog-mysql/9.0.1-json-opaque-full-metadata.binlog",
        "/binlog-mysql/5.7.23-many-types-json.binlog", "/binlog-mysql/8.0.40-time2-negative.binlog",
        "/binlog-mysql/5.6.16-percona-decimal.binlog", "/binlog-mysql/8.0.22-json-partial-update.binlog"}) {
    SCOPED_TRACE(file);
    for (const Captured& c : Capture(root + file)) {
      ++events;
      errors += Exercise(c);
    }
  }
  EXPECT_GT(events, 20u);
  EXPECT_GT(errors, 1000u);  // truncations must be caught
}

}  // namespace
}  // namespace cdc::binlog
