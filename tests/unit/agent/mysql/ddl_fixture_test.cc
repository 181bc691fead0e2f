// The DDL statements of the real binlog files in ../shared/fixtures (MySQL 5.1
// to 9.x, MariaDB 10.11), followed through the parser and the catalog. Where
// a file's TABLE_MAPs carry full metadata, that metadata is the oracle: the
// columns the DDL gave, merged into the same TABLE_MAP stripped to minimal
// metadata, must give the same names, types, signedness, labels, charsets
// and primary key.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "agent/mysql/ddl_parser.h"
#include "agent/mysql/schema_catalog.h"
#include "agent/mysql/table_schema.h"
#include "decoders/binlog/charset.h"
#include "tests/unit/decoders/binlog/binlog_test_util.h"

namespace cdc::agent::mysql {
namespace {

using binlog::testing::BinlogFiles;
using binlog::testing::kMariaDir;
using binlog::testing::kMysqlDir;
using binlog::testing::ReadFileBytes;

std::string CharsetName(uint16_t collation) {
  const binlog::Charset* cs = binlog::CharsetOfCollation(collation);
  return cs == nullptr ? "?" : cs->name;
}

struct Totals {
  size_t statements = 0;
  size_t unparsed = 0;
  size_t compared_maps = 0;
  size_t compared_columns = 0;
};

// Follows one file; adds failures with ADD_FAILURE.
void FollowFile(const std::string& path, Totals* totals) {
  const std::string bytes = ReadFileBytes(path);
  binlog::FileReader reader(bytes);
  binlog::EventDecoder decoder;
  ASSERT_TRUE(reader.Open().ok()) << path;
  Catalog catalog;
  ddl::ParseOptions options;
  auto handle = [&](const binlog::Event& ev) {
    if (const auto* fd = std::get_if<binlog::FormatDescription>(&ev.body)) {
      options.mariadb = fd->mariadb();
      options.server_version = ddl::VersionNumber(fd->server_version);
    }
    if (const auto* q = std::get_if<binlog::Query>(&ev.body)) {
      options.ansi_quotes = q->sql_mode && (*q->sql_mode & 4) != 0;
      ddl::Statement s = ddl::Parse(q->sql, options);
      if (s.kind == ddl::Statement::Kind::kIgnored) return;
      ++totals->statements;
      if (s.kind == ddl::Statement::Kind::kUnparsed) {
        ++totals->unparsed;
        ADD_FAILURE() << path << ": not parsed: " << s.error << ": " << q->sql;
      }
      DdlContext ctx;
      ctx.default_db = std::string(q->schema);
      if (q->collation_server) ctx.server_charset = CharsetName(*q->collation_server);
      ctx.where = path;
      ctx.tracked = [](const std::string&) { return true; };
      std::vector<TableKey> unknown = ApplyDdl(s, q->sql, ctx, &catalog);
      for (const auto& key : unknown) {
        ADD_FAILURE() << path << ": " << key.first << "." << key.second
                      << " left unknown by: " << q->sql;
      }
    }
    const auto* map = std::get_if<binlog::TableMap>(&ev.body);
    if (map == nullptr || map->metadata.column_names.size() != map->column_types.size()) return;
    auto it = catalog.tables.find({map->schema, map->table});
    if (it == catalog.tables.end()) return;  // created before the file began
    binlog::TableSchema full = binlog::SchemaFromTableMap(*map);
    binlog::TableMap minimal = *map;
    minimal.metadata = binlog::TableMetadata();
    binlog::TableSchema merged = binlog::SchemaFromTableMap(minimal);
    Status st = MergeInfoSchema(it->second, &merged);
    ASSERT_TRUE(st.ok()) << path << ": " << st.ToString();
    ++totals->compared_maps;
    const std::string where = path + ": " + map->schema + "." + map->table;
    for (size_t i = 0; i < full.columns.size(); ++i) {
      const binlog::ColumnSchema& want = full.columns[i];
      const binlog::ColumnSchema& got = merged.columns[i];
      ++totals->compared_columns;
      EXPECT_EQ(got.name, want.name) << where << " column " << i;
      EXPECT_EQ(got.type_name, want.type_name) << where << " column " << want.name;
      EXPECT_EQ(got.is_unsigned, want.is_unsigned) << where << " column " << want.name;
      EXPECT_EQ(got.enum_values, want.enum_values) << where << " column " << want.name;
      EXPECT_EQ(got.set_values, want.set_values) << where << " column " << want.name;
      EXPECT_EQ(got.geometry_type, want.geometry_type) << where << " column " << want.name;
      if (want.collation != 0) {
        EXPECT_EQ(CharsetName(got.collation), CharsetName(want.collation))
            << where << " column " << want.name;
      }
    }
    // MySQL's metadata names a UNIQUE NOT NULL key (SERIAL's) as the primary
    // key of a table without one; the history keeps declared keys only.
    bool declared = false;
    for (const InfoColumn& c : it->second.columns) declared = declared || c.key_ordinal > 0;
    if (!map->metadata.primary_key.empty() && declared) {
      EXPECT_EQ(merged.primary_key, full.primary_key) << where;
    }
  };
  while (true) {
    Result<std::optional<std::string_view>> next = reader.Next();
    ASSERT_TRUE(next.ok()) << path << ": " << next.status().ToString();
    if (!next->has_value()) break;
    Result<binlog::Event> ev = decoder.Decode(**next);
    ASSERT_TRUE(ev.ok()) << path << ": " << ev.status().ToString();
    handle(*ev);
    if (ev->header.type != static_cast<uint8_t>(binlog::EventType::kTransactionPayload)) continue;
    while (true) {
      Result<std::optional<binlog::Event>> inner = decoder.NextPayloadEvent();
      ASSERT_TRUE(inner.ok()) << path << ": " << inner.status().ToString();
      if (!inner->has_value()) break;
      handle(**inner);
    }
  }
}

TEST(DdlFixtureTest, EveryStatementParsesAndGivesTheColumnsOfFullMetadata) {
  SKIP_WITHOUT(kMariaDir);
  SKIP_WITHOUT(kMysqlDir);
  Totals totals;
  for (const std::string& dir : {kMariaDir, kMysqlDir}) {
    for (const std::string& path : BinlogFiles(dir)) FollowFile(path, &totals);
  }
  std::cout << "DDL statements: " << totals.statements << ", unparsed: " << totals.unparsed
            << "; TABLE_MAPs compared with full metadata: " << totals.compared_maps << " ("
            << totals.compared_columns << " columns)\n";
  EXPECT_EQ(totals.unparsed, 0u);
  // The corpus holds these many; fewer means the test stopped comparing.
  EXPECT_GE(totals.statements, 20u);
  EXPECT_GE(totals.compared_maps, 5u);
}

}  // namespace
}  // namespace cdc::agent::mysql
