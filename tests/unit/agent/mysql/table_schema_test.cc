// Table schemas from information_schema: enum/set labels, the TABLE_MAP
// types a server writes, the merge into a TABLE_MAP schema, and the same
// type_name whichever way the schema was obtained.
#include "agent/mysql/table_schema.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cdc::agent::mysql {
namespace {

using binlog::ColumnSchema;
using binlog::TableSchema;

constexpr uint16_t kUtf8mb4GeneralCi = 45;
constexpr uint16_t kUtf8mb4Bin = 46;
constexpr uint16_t kLatin1SwedishCi = 8;

InfoColumn Info(std::string name, std::string data_type, std::string column_type,
                std::string charset = "", uint16_t collation_id = 0, uint32_t key_ordinal = 0) {
  InfoColumn c;
  c.name = std::move(name);
  c.data_type = std::move(data_type);
  c.column_type = std::move(column_type);
  c.charset = std::move(charset);
  c.collation_id = collation_id;
  if (collation_id == kUtf8mb4GeneralCi) c.collation = "utf8mb4_general_ci";
  if (collation_id == kUtf8mb4Bin) c.collation = "utf8mb4_bin";
  if (collation_id == kLatin1SwedishCi) c.collation = "latin1_swedish_ci";
  c.key_ordinal = key_ordinal;
  return c;
}

std::vector<std::string> Labels(std::string_view column_type) {
  auto r = ParseEnumLabels(column_type);
  EXPECT_TRUE(r.ok()) << column_type << ": " << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{"<error>"};
}

TEST(ParseEnumLabelsTest, QuotesAndEscapesAsTheServerPrintsThem) {
  EXPECT_EQ(Labels("enum('a','b''c')"), std::vector<std::string>({"a", "b'c"}));
  EXPECT_EQ(Labels("set('x','y','z')"), std::vector<std::string>({"x", "y", "z"}));
  // MariaDB prints a backslash doubled, NUL/newline/CR escaped, other bytes raw.
  EXPECT_EQ(Labels("enum('d\\\\e','n\\nl','nul\\0x','cr\\r','t\tb','q\"q')"),
            std::vector<std::string>({"d\\e", "n\nl", std::string("nul\0x", 5), "cr\r", "t\tb",
                                      "q\"q"}));
  // MySQL prints 0x1A as \Z.
  EXPECT_EQ(Labels("enum('z\\Zz','\\'')"), std::vector<std::string>({"z\x1az", "'"}));
  EXPECT_EQ(Labels("enum('x,y',' s','caf\xC3\xA9','')"),
            std::vector<std::string>({"x,y", " s", "caf\xC3\xA9", ""}));
  EXPECT_EQ(Labels("ENUM('A')"), std::vector<std::string>({"A"}));
  EXPECT_EQ(Labels("enum('''')"), std::vector<std::string>({"'"}));
}

TEST(ParseEnumLabelsTest, RejectsWhatIsNotALabelList) {
  for (const char* bad : {"int(11)", "enum", "enum()", "enum('a'", "enum('a' 'b')", "enum('a')x",
                          "enum(a)", "enum('a',)", "enum('a\\"}) {
    auto r = ParseEnumLabels(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << bad;
    EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status().message();
  }
}

// The columns of one table, as information_schema describes them (utf8mb4
// table, MariaDB JSON column `doc`, primary key (code, id)).
InfoTable ShopInfo() {
  InfoTable t;
  t.schema = "shop";
  t.table = "items";
  t.columns = {
      Info("id", "int", "int(10) unsigned", "", 0, 2),
      Info("qty", "bigint", "bigint(20)"),
      Info("name", "varchar", "varchar(255)", "utf8mb4", kUtf8mb4GeneralCi),
      Info("size", "enum", "enum('s','m','l')", "utf8mb4", kUtf8mb4GeneralCi),
      Info("tags", "set", "set('new','sale')", "latin1", kLatin1SwedishCi),
      Info("note", "text", "text", "utf8mb4", kUtf8mb4GeneralCi),
      Info("price", "decimal", "decimal(10,2) unsigned zerofill"),
      Info("at", "datetime", "datetime(6)"),
      Info("code", "binary", "binary(4)", "", 0, 1),
      Info("shape", "point", "point"),
      Info("legacy", "longtext", "longtext", "latin1", kLatin1SwedishCi),
      Info("flags", "bit", "bit(13)"),
      Info("dur", "time", "time"),
      Info("ratio", "float", "float"),
      Info("score", "double", "double(10,2)"),
      Info("born", "date", "date"),
      Info("yr", "year", "year(4)"),
      Info("seen", "timestamp", "timestamp(3)"),
      Info("tiny", "tinyint", "tinyint(1)"),
      Info("small", "smallint", "smallint(5) unsigned"),
      Info("medium", "mediumint", "mediumint(9)"),
      Info("blobby", "blob", "blob"),
      Info("tb", "tinyblob", "tinyblob"),
      Info("mt", "mediumtext", "mediumtext", "utf8mb4", kUtf8mb4GeneralCi),
      Info("vb", "varbinary", "varbinary(10)"),
      Info("wide", "char", "char(100)", "utf8mb4", kUtf8mb4GeneralCi),
      Info("doc", "longtext", "longtext", "utf8mb4", kUtf8mb4Bin),
      Info("area", "polygon", "polygon"),
  };
  t.columns[26].is_json = true;
  return t;
}

// The TABLE_MAP a server writes for ShopInfo's table: types and metadata.
binlog::TableMap ShopMap() {
  using namespace binlog;  // NOLINT: the kType* constants, test only
  TableMap m;
  m.schema = "shop";
  m.table = "items";
  m.column_types = {kTypeLong,       kTypeLongLong,   kTypeVarchar,   kTypeString,   kTypeString,
                    kTypeBlob,       kTypeNewDecimal, kTypeDatetime2, kTypeString,   kTypeGeometry,
                    kTypeBlob,       kTypeBit,        kTypeTime2,     kTypeFloat,    kTypeDouble,
                    kTypeDate,       kTypeYear,       kTypeTimestamp2, kTypeTiny,    kTypeShort,
                    kTypeInt24,      kTypeBlob,       kTypeBlob,      kTypeBlob,     kTypeVarchar,
                    kTypeString,     kTypeBlob,       kTypeGeometry};
  m.column_meta = {0,    0,  1020, (kTypeEnum << 8) | 1, (kTypeSet << 8) | 1, 2, (10 << 8) | 2,
                   6,    (kTypeString << 8) | 4, 4, 4, (1 << 8) | 5, 0, 4, 8, 0, 0, 3, 0, 0, 0,
                   2,    1,  3,    10,
                   // CHAR(100) utf8mb4: 400 bytes, bits 8..9 folded into the real type.
                   ((kTypeString ^ 0x10) << 8) | (400 & 0xFF), 4, 4};
  return m;
}

// ShopMap with binlog_row_metadata=FULL.
binlog::TableMap ShopMapFull() {
  binlog::TableMap m = ShopMap();
  binlog::TableMetadata& md = m.metadata;
  // id qty price ratio score tiny small medium
  md.is_unsigned = {true, false, true, false, false, false, true, false};
  // name note code shape legacy blobby tb mt vb wide doc area
  md.column_charsets = {kUtf8mb4GeneralCi, kUtf8mb4GeneralCi, 63, 0, kLatin1SwedishCi, 63, 63,
                        kUtf8mb4GeneralCi, 63, kUtf8mb4GeneralCi, kUtf8mb4Bin, 0};
  md.enum_set_column_charsets = {kUtf8mb4GeneralCi, kLatin1SwedishCi};
  for (const auto& c : ShopInfo().columns) md.column_names.push_back(c.name);
  md.enum_values = {{"s", "m", "l"}};
  md.set_values = {{"new", "sale"}};
  md.geometry_types = {1, 3};
  md.primary_key = {8, 0};
  return m;
}

void ExpectSameSchema(const TableSchema& a, const TableSchema& b, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.primary_key, b.primary_key);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const ColumnSchema& x = a.columns[i];
    const ColumnSchema& y = b.columns[i];
    SCOPED_TRACE("column " + x.name);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.meta, y.meta);
    EXPECT_EQ(x.is_unsigned, y.is_unsigned);
    EXPECT_EQ(x.collation, y.collation);
    EXPECT_EQ(x.is_json, y.is_json);
    EXPECT_EQ(x.enum_values, y.enum_values);
    EXPECT_EQ(x.set_values, y.set_values);
    EXPECT_EQ(x.geometry_type, y.geometry_type);
    EXPECT_EQ(x.type_name, y.type_name);
  }
}

TEST(SchemaFromInfoTest, TypesAndMetadataAsAServerWritesThem) {
  auto r = SchemaFromInfo(ShopInfo());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TableSchema& s = *r;
  binlog::TableSchema expected = binlog::SchemaFromTableMap(ShopMap());
  ASSERT_EQ(s.columns.size(), expected.columns.size());
  for (size_t i = 0; i < s.columns.size(); ++i) {
    EXPECT_EQ(s.columns[i].type, expected.columns[i].type) << s.columns[i].name;
    EXPECT_EQ(s.columns[i].meta, expected.columns[i].meta) << s.columns[i].name;
  }
  std::vector<std::string> types;
  for (const auto& c : s.columns) types.push_back(c.type_name);
  EXPECT_EQ(types, std::vector<std::string>(
                       {"int unsigned", "bigint", "varchar", "enum", "set", "text",
                        "decimal(10,2) unsigned", "datetime(6)", "binary", "point", "longtext",
                        "bit(13)", "time", "float", "double", "date", "year", "timestamp(3)",
                        "tinyint", "smallint unsigned", "mediumint", "blob", "tinyblob",
                        "mediumtext", "varbinary", "char", "longtext", "polygon"}));
  EXPECT_EQ(s.schema, "shop");
  EXPECT_EQ(s.table, "items");
  EXPECT_EQ(s.primary_key, std::vector<uint32_t>({8, 0}));  // code, then id
  EXPECT_EQ(s.columns[0].name, "id");
  EXPECT_EQ(s.columns[3].enum_values, std::vector<std::string>({"s", "m", "l"}));
  EXPECT_EQ(s.columns[4].set_values, std::vector<std::string>({"new", "sale"}));
  EXPECT_EQ(s.columns[4].collation, kLatin1SwedishCi);
  EXPECT_EQ(s.columns[8].collation, binlog::kBinaryCollation);  // BINARY: no charset in I_S
  EXPECT_EQ(s.columns[24].collation, binlog::kBinaryCollation);
  EXPECT_EQ(s.columns[21].collation, binlog::kBinaryCollation);
  EXPECT_EQ(s.columns[26].collation, kUtf8mb4Bin);
  EXPECT_TRUE(s.columns[26].is_json);
  EXPECT_FALSE(s.columns[10].is_json);
  EXPECT_EQ(s.columns[6].collation, 0);  // not a character column
}

TEST(SchemaFromInfoTest, TypeNameIsTheSameWhereverTheSchemaCameFrom) {
  const InfoTable info = ShopInfo();
  // 1. A TABLE_MAP with full metadata, alone and then completed.
  TableSchema full = binlog::SchemaFromTableMap(ShopMapFull());
  TableSchema full_merged = full;
  ASSERT_TRUE(MergeInfoSchema(info, &full_merged).ok());
  // 2. A TABLE_MAP without metadata, completed from information_schema.
  TableSchema bare = binlog::SchemaFromTableMap(ShopMap());
  EXPECT_EQ(bare.columns[0].name, "@1");
  Status merged = MergeInfoSchema(info, &bare);
  ASSERT_TRUE(merged.ok()) << merged.ToString();
  // 3. information_schema alone.
  auto alone = SchemaFromInfo(info);
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();

  ExpectSameSchema(full_merged, bare, "full metadata vs TABLE_MAP + information_schema");
  ExpectSameSchema(full_merged, *alone, "full metadata vs information_schema alone");
  for (size_t i = 0; i < full.columns.size(); ++i) {
    EXPECT_EQ(full.columns[i].type_name, alone->columns[i].type_name) << full.columns[i].name;
  }
}

// "set('l0','l1',...)" with `n` labels.
std::string ManyLabels(const std::string& type, int n) {
  std::string text = type + "(";
  for (int i = 0; i < n; ++i) text += (i ? ",'l" : "'l") + std::to_string(i) + "'";
  return text + ")";
}

TEST(SchemaFromInfoTest, MysqlColumnTypes) {
  InfoTable t;
  t.schema = "db";
  t.table = "t";
  t.columns = {Info("j", "json", "json"), Info("g", "geomcollection", "geomcollection"),
               Info("ls", "linestring", "linestring"), Info("d", "decimal", "decimal(65,30)"),
               Info("b", "bit", "bit(64)"), Info("c", "char", "char(255)", "utf8mb4", 255),
               Info("v", "varchar", "varchar(21845)", "utf8mb3", 33),
               Info("s", "set", "set('a','b','c','d','e','f','g','h','i')"),
               Info("big", "set", ManyLabels("set", 33)),
               Info("u", "int", "INT UNSIGNED"), Info("n", "INT", "int")};
  t.columns[0].is_json = true;
  auto r = SchemaFromInfo(t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& c = r->columns;
  EXPECT_EQ(c[0].type, binlog::kTypeJson);
  EXPECT_EQ(c[0].meta, 4);
  EXPECT_EQ(c[0].type_name, "json");
  EXPECT_EQ(c[1].type_name, "geometrycollection");
  EXPECT_EQ(c[1].geometry_type, 7u);
  EXPECT_EQ(c[2].type_name, "linestring");
  EXPECT_EQ(c[3].meta, (65 << 8) | 30);
  EXPECT_EQ(c[3].type_name, "decimal(65,30)");
  EXPECT_EQ(c[4].meta, 8 << 8);
  EXPECT_EQ(c[4].type_name, "bit(64)");
  // CHAR(255) utf8mb4 = 1020 bytes: 0x3FC, bits 8..9 folded.
  EXPECT_EQ(c[5].type, binlog::kTypeString);
  EXPECT_EQ(c[5].meta, ((binlog::kTypeString ^ 0x30) << 8) | 0xFC);
  EXPECT_EQ(c[5].collation, 255);
  EXPECT_EQ(c[6].meta, 65535);
  EXPECT_EQ(c[7].meta, (binlog::kTypeSet << 8) | 2);
  EXPECT_EQ(c[8].meta, (binlog::kTypeSet << 8) | 8);
  EXPECT_EQ(c[8].set_values.size(), 33u);
  EXPECT_TRUE(c[9].is_unsigned);
  EXPECT_EQ(c[9].type_name, "int unsigned");
  EXPECT_EQ(c[10].type_name, "int");
  EXPECT_TRUE(r->primary_key.empty());
}

TEST(SchemaFromInfoTest, ErrorsNameTheTableAndColumn) {
  auto error = [](InfoColumn column) {
    InfoTable t;
    t.schema = "db";
    t.table = "t";
    t.columns = {Info("ok", "int", "int(11)"), std::move(column)};
    auto r = SchemaFromInfo(t);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Status::OK() : r.status();
  };
  Status s = error(Info("u", "uuid", "uuid"));
  EXPECT_EQ(s.code(), Status::Code::kNotSupported);
  EXPECT_NE(s.message().find("table `db`.`t` column `u`"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("uuid"), std::string::npos);
  s = error(Info("x", "hologram", "hologram(3)"));
  EXPECT_EQ(s.code(), Status::Code::kNotSupported);
  EXPECT_NE(s.message().find("column `x`"), std::string::npos);
  s = error(Info("d", "decimal", "decimal(x,2)"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("column `d`"), std::string::npos);
  EXPECT_NE(s.message().find("decimal(x,2)"), std::string::npos);
  EXPECT_TRUE(error(Info("d", "decimal", "decimal(66,2)")).IsInvalidArgument());
  EXPECT_TRUE(error(Info("b", "bit", "bit(65)")).IsInvalidArgument());
  EXPECT_TRUE(error(Info("t", "datetime", "datetime(7)")).IsInvalidArgument());
  EXPECT_TRUE(error(Info("v", "varchar", "varchar")).IsInvalidArgument());
  s = error(Info("e", "enum", "enum('a"));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("column `e`"), std::string::npos) << s.message();
}

TEST(MergeInfoSchemaTest, WhatTheTableMapCarriedWins) {
  binlog::TableMap m;
  m.schema = "db";
  m.table = "t";
  m.column_types = {binlog::kTypeString, binlog::kTypeVarchar};
  m.column_meta = {(binlog::kTypeEnum << 8) | 1, 40};
  m.metadata.column_names = {"size", "name"};
  m.metadata.enum_values = {{"s", "m", "l"}};
  m.metadata.column_charsets = {kLatin1SwedishCi};
  m.metadata.primary_key = {1};
  TableSchema s = binlog::SchemaFromTableMap(m);
  InfoTable info;
  info.schema = "db";
  info.table = "t";
  info.columns = {Info("size_now", "enum", "enum('x','y')", "utf8mb4", kUtf8mb4GeneralCi, 1),
                  Info("name_now", "varchar", "varchar(10)", "utf8mb4", kUtf8mb4GeneralCi)};
  ASSERT_TRUE(MergeInfoSchema(info, &s).ok());
  EXPECT_EQ(s.columns[0].name, "size");
  EXPECT_EQ(s.columns[1].name, "name");
  EXPECT_EQ(s.columns[0].enum_values, std::vector<std::string>({"s", "m", "l"}));
  EXPECT_EQ(s.columns[1].collation, kLatin1SwedishCi);
  EXPECT_EQ(s.primary_key, std::vector<uint32_t>({1}));
  // The enum's collation was not in the metadata: information_schema's.
  EXPECT_EQ(s.columns[0].collation, kUtf8mb4GeneralCi);
}

TEST(MergeInfoSchemaTest, FillsWhatTheTableMapLacked) {
  binlog::TableMap m;
  m.schema = "db";
  m.table = "t";
  m.column_types = {binlog::kTypeLongLong, binlog::kTypeVarchar, binlog::kTypeBlob,
                    binlog::kTypeBlob, binlog::kTypeString, binlog::kTypeGeometry};
  m.column_meta = {0, 10, 2, 4, (binlog::kTypeSet << 8) | 1, 4};
  TableSchema s = binlog::SchemaFromTableMap(m);
  EXPECT_EQ(s.columns[1].type_name, "varchar");  // unknown charset
  EXPECT_EQ(s.columns[2].type_name, "blob");
  InfoTable info;
  info.schema = "db";
  info.table = "t";
  info.columns = {Info("id", "bigint", "bigint(20) unsigned", "", 0, 1),
                  Info("raw", "varbinary", "varbinary(10)"),
                  Info("body", "text", "text", "latin1", kLatin1SwedishCi),
                  Info("doc", "longtext", "longtext", "utf8mb4", kUtf8mb4Bin),
                  Info("flags", "set", "set('a','b')", "utf8mb4", kUtf8mb4GeneralCi),
                  Info("where", "multipolygon", "multipolygon")};
  info.columns[3].is_json = true;
  ASSERT_TRUE(MergeInfoSchema(info, &s).ok());
  EXPECT_EQ(s.columns[0].name, "id");
  EXPECT_TRUE(s.columns[0].is_unsigned);
  EXPECT_EQ(s.columns[0].type_name, "bigint unsigned");
  EXPECT_EQ(s.columns[1].collation, binlog::kBinaryCollation);
  EXPECT_EQ(s.columns[1].type_name, "varbinary");
  EXPECT_EQ(s.columns[2].collation, kLatin1SwedishCi);
  EXPECT_EQ(s.columns[2].type_name, "text");
  EXPECT_TRUE(s.columns[3].is_json);
  EXPECT_EQ(s.columns[3].type_name, "longtext");  // as MariaDB names its JSON
  EXPECT_EQ(s.columns[4].set_values, std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(s.columns[5].geometry_type, 6u);
  EXPECT_EQ(s.columns[5].type_name, "multipolygon");
  EXPECT_EQ(s.primary_key, std::vector<uint32_t>({0}));
}

TEST(MergeInfoSchemaTest, AChangedTableIsAnErrorAndLeavesTheSchemaAlone) {
  binlog::TableMap m;
  m.schema = "db";
  m.table = "t";
  m.column_types = {binlog::kTypeLong, binlog::kTypeLong};
  m.column_meta = {0, 0};
  const TableSchema original = binlog::SchemaFromTableMap(m);

  InfoTable info;
  info.schema = "db";
  info.table = "t";
  info.columns = {Info("id", "int", "int(11)", "", 0, 1)};
  TableSchema s = original;
  Status st = MergeInfoSchema(info, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("table `db`.`t`"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("changed since its schema was read"), std::string::npos);
  ExpectSameSchema(s, original, "after a count mismatch");

  info.columns.push_back(Info("name", "varchar", "varchar(10)", "utf8mb4", kUtf8mb4GeneralCi));
  st = MergeInfoSchema(info, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("table `db`.`t` column `name`"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("varchar(10)"), std::string::npos);
  EXPECT_NE(st.message().find("changed since its schema was read"), std::string::npos);
  ExpectSameSchema(s, original, "after a type mismatch");
  EXPECT_EQ(s.columns[0].name, "@1");

  // Other mismatches of the type family.
  auto mismatch = [](uint8_t type, uint16_t meta, InfoColumn column) {
    binlog::TableMap one;
    one.column_types = {type};
    one.column_meta = {meta};
    TableSchema schema = binlog::SchemaFromTableMap(one);
    InfoTable t;
    t.schema = "db";
    t.table = "t";
    t.columns = {std::move(column)};
    return !MergeInfoSchema(t, &schema).ok();
  };
  EXPECT_TRUE(mismatch(binlog::kTypeLong, 0, Info("a", "bigint", "bigint(20)")));
  EXPECT_TRUE(mismatch(binlog::kTypeDatetime2, 0, Info("a", "timestamp", "timestamp")));
  EXPECT_TRUE(mismatch(binlog::kTypeString, (binlog::kTypeEnum << 8) | 1,
                       Info("a", "set", "set('a')")));
  EXPECT_TRUE(mismatch(binlog::kTypeBlob, 2, Info("a", "varchar", "varchar(3)")));
  EXPECT_FALSE(mismatch(binlog::kTypeDatetime, 0, Info("a", "datetime", "datetime")));
  EXPECT_FALSE(mismatch(binlog::kTypeNewDate, 0, Info("a", "date", "date")));
  EXPECT_FALSE(mismatch(binlog::kTypeVarString, 10, Info("a", "varchar", "varchar(10)")));
  EXPECT_FALSE(mismatch(binlog::kTypeString, 16, Info("a", "uuid", "uuid")));
  EXPECT_FALSE(mismatch(binlog::kTypeLong, 0, Info("a", "INTEGER", "INT(11)")));
}

}  // namespace
}  // namespace cdc::agent::mysql
