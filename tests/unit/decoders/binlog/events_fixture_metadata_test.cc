// TABLE_MAP optional metadata, GTIDs and transaction payloads of the real
// fixtures, against the scripts and documentation that describe them.
#include <gtest/gtest.h>

#include <sstream>

#include "binlog_test_util.h"

namespace cdc::binlog {
namespace {

using testing::BinlogFiles;
using testing::FixtureRoot;
using testing::ReadFileBytes;
using testing::Walk;
using testing::WalkFile;

using testing::kMariaDir;
using testing::kMysqlDir;

Walk WalkOk(const std::string& path) {
  Walk w = WalkFile(ReadFileBytes(path));
  EXPECT_TRUE(w.status.ok()) << path << ": " << w.status.ToString();
  return w;
}

const TableMap* FirstMap(const Walk& w, const std::string& table) {
  for (const TableMap& map : w.table_maps) {
    if (map.table == table) return &map;
  }
  return nullptr;
}

// A column of the CREATE TABLE all_types statement in the script.
struct SqlColumn {
  std::string name;
  std::string type;  // upper-case keyword: INT, ENUM, ...
  bool is_unsigned = false;
  bool not_null = false;
  std::vector<std::string> labels;  // ENUM / SET values
};

std::vector<SqlColumn> ParseCreateTable(const std::string& sql, const std::string& table) {
  size_t start = sql.find("CREATE TABLE " + table + " (");
  size_t end = sql.find("\n);", start);
  std::vector<SqlColumn> out;
  if (start == std::string::npos || end == std::string::npos) return out;
  std::string body = sql.substr(start, end - start);
  body = body.substr(body.find('(') + 1);
  std::string item;
  int depth = 0;
  bool quoted = false;
  auto flush = [&out](std::string text) {
    std::istringstream in(text);
    SqlColumn c;
    in >> c.name >> c.type;
    if (c.name.empty()) return;
    c.type = c.type.substr(0, c.type.find('('));
    c.is_unsigned = text.find("UNSIGNED") != std::string::npos;
    c.not_null = text.find("NOT NULL") != std::string::npos;
    for (size_t open = text.find('\''); open != std::string::npos;) {
      size_t close = text.find('\'', open + 1);
      if (close == std::string::npos) break;
      c.labels.push_back(text.substr(open + 1, close - open - 1));
      open = text.find('\'', close + 1);
    }
    out.push_back(c);
  };
  for (char ch : body) {
    if (ch == '\'') quoted = !quoted;
    if (!quoted && ch == '(') ++depth;
    if (!quoted && ch == ')') --depth;
    if (!quoted && depth == 0 && ch == ',') {
      flush(item);
      item.clear();
    } else {
      item.push_back(ch);
    }
  }
  flush(item);
  return out;
}

bool SqlNumeric(const std::string& type) {
  for (const char* t : {"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "DECIMAL", "FLOAT",
                        "DOUBLE"}) {
    if (type == t) return true;
  }
  return false;
}

TEST(BinlogFixtureMetadata, MariadbFullMetadataMatchesTheScript) {
  SKIP_WITHOUT(kMariaDir);
  std::vector<SqlColumn> cols =
      ParseCreateTable(ReadFileBytes(kMariaDir + "/mariadb-10.11-types.sql"), "all_types");
  ASSERT_EQ(cols.size(), 48u);
  Walk w = WalkOk(kMariaDir + "/mariadb-10.11-types.binlog");
  const TableMap* map = FirstMap(w, "all_types");
  ASSERT_NE(map, nullptr);
  const TableMetadata& md = map->metadata;
  EXPECT_EQ(map->schema, "fx");
  ASSERT_EQ(map->column_types.size(), cols.size());

  std::vector<std::string> names;
  std::vector<bool> is_unsigned, nullable;
  std::vector<std::vector<std::string>> enums, sets;
  for (const SqlColumn& c : cols) {
    names.push_back(c.name);
    nullable.push_back(!c.not_null);
    if (SqlNumeric(c.type)) is_unsigned.push_back(c.is_unsigned);
    if (c.type == "ENUM") enums.push_back(c.labels);
    if (c.type == "SET") sets.push_back(c.labels);
  }
  EXPECT_EQ(md.column_names, names);
  EXPECT_EQ(md.is_unsigned, is_unsigned);
  EXPECT_EQ(map->nullable, nullable);
  EXPECT_EQ(md.enum_values, enums);
  EXPECT_EQ(md.set_values, sets);
  EXPECT_EQ(md.enum_values, (std::vector<std::vector<std::string>>{{"red", "green", "blue"}}));
  EXPECT_EQ(md.primary_key, std::vector<uint32_t>{0});
  EXPECT_EQ(md.primary_key_prefix, std::vector<uint32_t>{0});
  // GEOMETRY is geometry type 0, POINT 1.
  EXPECT_EQ(md.geometry_types, (std::vector<uint32_t>{0, 1}));

  auto index_of = [&names](const std::string& n) {
    return static_cast<uint32_t>(std::find(names.begin(), names.end(), n) - names.begin());
  };
  // ENUM and SET travel as STRING with their real type in the metadata.
  EXPECT_EQ(map->column_types[index_of("e")], 254);
  EXPECT_EQ(map->column_meta[index_of("e")] >> 8, 247);
  EXPECT_EQ(map->column_meta[index_of("st")] >> 8, 248);

  // One collation per character column (GEOMETRY included, ENUM and SET
  // not): latin1_swedish_ci (8) for the latin1 column, binary (63) for binary
  // strings and geometries, utf8mb4_bin (46) for MariaDB's JSON, and the
  // database's utf8mb4_general_ci (45) for the rest.
  std::vector<uint16_t> want;
  for (const SqlColumn& c : cols) {
    const std::string& t = c.type;
    if (t == "VARCHAR" && c.name == "vcl") {
      want.push_back(8);
    } else if (t == "BINARY" || t == "VARBINARY" || t.find("BLOB") != std::string::npos ||
               t == "GEOMETRY" || t == "POINT") {
      want.push_back(63);
    } else if (t == "JSON") {
      want.push_back(46);
    } else if (t == "CHAR" || t == "VARCHAR" || t.find("TEXT") != std::string::npos) {
      want.push_back(45);
    }
  }
  EXPECT_EQ(md.column_charsets, want);
  EXPECT_TRUE(md.enum_set_default_charset.has_value());
  EXPECT_TRUE(md.enum_set_charset_exceptions.empty());
}

TEST(BinlogFixtureMetadata, MariadbAlterTableChangesTheMappedColumns) {
  SKIP_WITHOUT(kMariaDir);
  Walk w = WalkOk(kMariaDir + "/mariadb-10.11-types.binlog");
  std::vector<std::vector<std::string>> nopk;
  for (const TableMap& map : w.table_maps) {
    if (map.table == "nopk" && (nopk.empty() || nopk.back() != map.metadata.column_names)) {
      nopk.push_back(map.metadata.column_names);
    }
  }
  // ALTER TABLE nopk ADD COLUMN c ..., DROP COLUMN b
  EXPECT_EQ(nopk, (std::vector<std::vector<std::string>>{{"a", "b"}, {"a", "c"}}));
  const TableMap* map = FirstMap(w, "nopk");
  ASSERT_NE(map, nullptr);
  EXPECT_TRUE(map->metadata.primary_key.empty());
}

TEST(BinlogFixtureMetadata, MariadbMinimalMetadataHasNoNames) {
  SKIP_WITHOUT(kMariaDir);
  Walk w = WalkOk(kMariaDir + "/mariadb-10.11-minimal.binlog");
  ASSERT_FALSE(w.table_maps.empty());
  EXPECT_EQ(w.format.checksum, ChecksumAlg::kOff);
  for (const TableMap& map : w.table_maps) {
    EXPECT_EQ(map.schema, "fx2");
    EXPECT_TRUE(map.metadata.column_names.empty());
    // BIGINT UNSIGNED id, INT a, DECIMAL c: the numeric columns.
    EXPECT_EQ(map.metadata.is_unsigned, (std::vector<bool>{true, false, false}));
  }
}

TEST(BinlogFixtureMetadata, MysqlEnumSetFullMetadata) {
  SKIP_WITHOUT(kMysqlDir);
  Walk w = WalkOk(kMysqlDir + "/8.0.28-full-metadata-enum-set.binlog");
  const TableMap* map = FirstMap(w, "t");
  ASSERT_NE(map, nullptr);
  const TableMetadata& md = map->metadata;
  EXPECT_EQ(md.column_names, (std::vector<std::string>{"f1", "f2", "f3", "f4", "f5"}));
  EXPECT_EQ(md.enum_values, (std::vector<std::vector<std::string>>{{"var1", "variant2", "foo"}}));
  EXPECT_EQ(md.set_values,
            (std::vector<std::vector<std::string>>{{"one", "two", "three", "four"}}));
  EXPECT_EQ(md.column_visibility, std::vector<bool>(5, true));
  EXPECT_TRUE(md.default_charset.has_value());
  EXPECT_TRUE(md.enum_set_default_charset.has_value());
  EXPECT_EQ(w.format.server_version, "8.0.28");
  EXPECT_EQ(w.format.checksum, ChecksumAlg::kCrc32);
}

TEST(BinlogFixtureMetadata, MysqlInvisibleColumns) {
  SKIP_WITHOUT(kMysqlDir);
  Walk w = WalkOk(kMysqlDir + "/8.0.26-full-metadata-invisible-columns.binlog");
  const TableMap* map = FirstMap(w, "t1");
  ASSERT_NE(map, nullptr);
  const TableMetadata& md = map->metadata;
  EXPECT_EQ(md.column_names, (std::vector<std::string>{"f1", "f2", "f3", "f4", "f5", "f6"}));
  EXPECT_EQ(md.column_visibility, (std::vector<bool>{false, false, true, true, true, false}));
  // f1, f2 INT UNSIGNED, f3 INT, f6 BIGINT UNSIGNED.
  EXPECT_EQ(md.is_unsigned, (std::vector<bool>{true, true, false, true}));
  // Character columns f4 TEXT and f5 BLOB; the BLOB is binary.
  ASSERT_EQ(md.column_charsets.size(), 2u);
  EXPECT_EQ(md.column_charsets[1], 63);
}

TEST(BinlogFixtureMetadata, MysqlBitColumnsAndMinimalMetadata) {
  SKIP_WITHOUT(kMysqlDir);
  Walk bits = WalkOk(kMysqlDir + "/8.0.26-full-metadata-bit.binlog");
  const TableMap* foo = FirstMap(bits, "foo");
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->metadata.column_names, (std::vector<std::string>{"a", "b", "c"}));
  // BIT(3): 3 bits, 0 whole bytes; BIT(8): 0 bits, 1 whole byte.
  EXPECT_EQ(foo->column_types[0], 16);
  EXPECT_EQ(foo->column_meta[0], 3);
  EXPECT_EQ(foo->column_meta[2], 1 << 8);

  Walk minimal = WalkOk(kMysqlDir + "/8.0.40-row-image-minimal.binlog");
  ASSERT_EQ(minimal.table_maps.size(), 1u);
  const TableMetadata& md = minimal.table_maps[0].metadata;
  // SOURCES.md numbers the columns from 0 here: "@2" is the STRING column
  // (the second character column, after the binary BLOB) and "@4", which
  // holds an unsigned value above 2^31, the third LONG.
  EXPECT_EQ(md.column_charsets, (std::vector<uint16_t>{63, 255}));
  EXPECT_EQ(md.is_unsigned, (std::vector<bool>{false, false, true}));
}

TEST(BinlogFixtureMetadata, MysqlVectorTables) {
  SKIP_WITHOUT(kMysqlDir);
  Walk w = WalkOk(kMysqlDir + "/9.0.1-vector-full-metadata.binlog");
  const TableMap* bar = FirstMap(w, "bar");
  ASSERT_NE(bar, nullptr);
  EXPECT_EQ(bar->metadata.column_names,
            (std::vector<std::string>{"id", "vector_column", "foo", "vector_column2"}));
  EXPECT_EQ(bar->column_types[1], 242);
  EXPECT_EQ(bar->column_types[3], 242);
  EXPECT_EQ(bar->metadata.primary_key, std::vector<uint32_t>{0});
}

TEST(BinlogFixtureMetadata, MysqlTaggedGtids) {
  SKIP_WITHOUT(kMysqlDir);
  Walk w = WalkOk(kMysqlDir + "/9.6.0-gtid-tagged.binlog");
  EXPECT_EQ(w.skipped.count(42), 0u);
  ASSERT_EQ(w.previous_gtids.size(), 1u);
  const std::string uuid = "55778904-0299-11f1-b1b8-4ef0c4956feb";
  EXPECT_EQ(w.previous_gtids[0].ToString(), uuid + ":1-13," + uuid + ":mytag:1-2");
  ASSERT_EQ(w.gtids.size(), 1u);
  EXPECT_EQ(w.gtids[0].ToString(), uuid + ":mytag:3");
  EXPECT_EQ(w.gtids[0].sequence_number, 1);
  EXPECT_EQ(w.gtids[0].last_committed, 0);
  // The events of its transaction: GTID_TAGGED, QUERY, TABLE_MAP, WRITE_ROWS, XID.
  EXPECT_EQ(w.gtids[0].transaction_length, 83u + 77 + 56 + 49 + 31);
  EXPECT_GT(w.gtids[0].immediate_commit_timestamp_us, 1700000000000000u);
  EXPECT_EQ(w.gtids[0].original_commit_timestamp_us, w.gtids[0].immediate_commit_timestamp_us);
}

TEST(BinlogFixtureMetadata, MysqlCompressedPayloadEvents) {
  SKIP_WITHOUT(kMysqlDir);
  Walk w = WalkOk(kMysqlDir + "/8.0.32-compressed-insert.binlog");
  ASSERT_EQ(w.payload_types.size(), 1u);
  EXPECT_EQ(w.payload_types[0], (std::vector<uint8_t>{2, 19, 30, 16}));
  ASSERT_EQ(w.table_maps.size(), 1u);
  EXPECT_EQ(w.table_maps[0].schema + "." + w.table_maps[0].table, "test.tb1");
  EXPECT_EQ(w.table_maps[0].column_types, std::vector<uint8_t>{3});
}

}  // namespace
}  // namespace cdc::binlog
