// TableSchema from a TABLE_MAP with and without binlog_row_metadata.
#include <gtest/gtest.h>

#include "decoders/binlog/rows.h"

namespace cdc::binlog {
namespace {

TableMap FullMap() {
  TableMap m;
  m.schema = "shop";
  m.table = "items";
  m.column_types = {kTypeLong, kTypeLongLong, kTypeVarchar, kTypeString, kTypeString,
                    kTypeBlob, kTypeNewDecimal, kTypeDatetime2, kTypeString, kTypeGeometry,
                    kTypeBlob, kTypeBit, kTypeTime2};
  m.column_meta = {0, 0, 1020, (kTypeEnum << 8) | 1, (kTypeSet << 8) | 1, 2, (10 << 8) | 2, 6,
                   (kTypeString << 8) | 40, 4, 4, (1 << 8) | 5, 0};
  TableMetadata& md = m.metadata;
  md.is_unsigned = {false, true, true};  // id, qty, price
  md.default_charset = 255;
  md.charset_exceptions = {{8, 63}, {10, 8}};  // by table column index
  md.column_names = {"id", "qty", "name", "size", "tags", "note", "price", "at", "code", "shape",
                     "legacy", "flags", "dur"};
  md.enum_values = {{"s", "m", "l"}};
  md.set_values = {{"new", "sale"}};
  md.enum_set_default_charset = 8;
  md.geometry_types = {1};
  md.primary_key = {0, 1};
  return m;
}

TEST(SchemaFromTableMapTest, FullMetadata) {
  TableSchema s = SchemaFromTableMap(FullMap());
  EXPECT_EQ(s.schema, "shop");
  EXPECT_EQ(s.table, "items");
  ASSERT_EQ(s.columns.size(), 13u);
  EXPECT_EQ(s.primary_key, std::vector<uint32_t>({0, 1}));
  std::vector<std::string> names, types;
  for (const auto& c : s.columns) {
    names.push_back(c.name);
    types.push_back(c.type_name);
  }
  EXPECT_EQ(names[3], "size");
  EXPECT_EQ(types, std::vector<std::string>({"int", "bigint unsigned", "varchar", "enum", "set",
                                             "text", "decimal(10,2) unsigned", "datetime(6)",
                                             "binary", "point", "longtext", "bit(13)", "time"}));
  EXPECT_FALSE(s.columns[0].is_unsigned);
  EXPECT_TRUE(s.columns[1].is_unsigned);
  EXPECT_TRUE(s.columns[6].is_unsigned);
  EXPECT_EQ(s.columns[3].type, kTypeEnum);
  EXPECT_EQ(s.columns[4].type, kTypeSet);
  EXPECT_EQ(s.columns[8].type, kTypeString);
  EXPECT_EQ(s.columns[2].collation, 255);
  EXPECT_EQ(s.columns[5].collation, 255);
  EXPECT_EQ(s.columns[8].collation, 63);
  EXPECT_EQ(s.columns[10].collation, 8);
  EXPECT_EQ(s.columns[3].collation, 8);
  EXPECT_EQ(s.columns[6].collation, 0);  // not a character column
  EXPECT_EQ(s.columns[3].enum_values, std::vector<std::string>({"s", "m", "l"}));
  EXPECT_EQ(s.columns[4].set_values, std::vector<std::string>({"new", "sale"}));
  EXPECT_EQ(s.columns[9].geometry_type, 1u);
  EXPECT_EQ(s.columns[3].meta, (kTypeEnum << 8) | 1);
}

TEST(SchemaFromTableMapTest, PerColumnCharsetsAndLatin1Labels) {
  TableMap m;
  m.column_types = {kTypeVarchar, kTypeString, kTypeBlob};
  m.column_meta = {30, (kTypeEnum << 8) | 1, 2};
  m.metadata.column_charsets = {8, 63};  // varchar, blob
  m.metadata.enum_set_column_charsets = {8};
  m.metadata.enum_values = {{"caf\xE9", "th\xE9"}};
  TableSchema s = SchemaFromTableMap(m);
  EXPECT_EQ(s.columns[0].collation, 8);
  EXPECT_EQ(s.columns[2].collation, 63);
  EXPECT_EQ(s.columns[2].type_name, "blob");
  EXPECT_EQ(s.columns[1].enum_values, std::vector<std::string>({"caf\xC3\xA9", "th\xC3\xA9"}));
}

TEST(SchemaFromTableMapTest, GeometryAndVectorTakeACharsetSlot) {
  // The server lists GEOMETRY and VECTOR among the character columns of
  // COLUMN_CHARSET, so the text column after them gets the third entry.
  TableMap m;
  m.schema = "geo";
  m.table = "places";
  m.column_types = {kTypeGeometry, kTypeVector, kTypeBlob};
  m.column_meta = {4, 4, 2};
  m.metadata.column_charsets = {63, 63, 255};
  m.metadata.column_names = {"shape", "embedding", "note"};
  TableSchema s = SchemaFromTableMap(m);
  ASSERT_EQ(s.columns.size(), 3u);
  EXPECT_EQ(s.columns[2].collation, 255);
  EXPECT_EQ(s.columns[2].type_name, "text");
}

TEST(SchemaFromTableMapTest, NoMetadata) {
  TableMap m;
  m.column_types = {kTypeTiny, kTypeVarchar, kTypeBlob, kTypeString, kTypeTimestamp2, kTypeJson};
  m.column_meta = {0, 600, 4, (kTypeString << 8) | 255, 3, 4};
  TableSchema s = SchemaFromTableMap(m);
  std::vector<std::string> names, types;
  for (const auto& c : s.columns) {
    names.push_back(c.name);
    types.push_back(c.type_name);
    EXPECT_EQ(c.collation, 0);
    EXPECT_FALSE(c.is_unsigned);
  }
  EXPECT_EQ(names, std::vector<std::string>({"@1", "@2", "@3", "@4", "@5", "@6"}));
  EXPECT_EQ(types, std::vector<std::string>({"tinyint", "varchar", "longblob", "char",
                                             "timestamp(3)", "json"}));
  EXPECT_TRUE(s.primary_key.empty());
}

}  // namespace
}  // namespace cdc::binlog
