// The catalog that DDL statements change: a migration followed statement by
// statement gives the columns, keys and charsets information_schema would
// show after it.
#include "agent/mysql/schema_catalog.h"

#include <gtest/gtest.h>

#include "agent/mysql/mysql_source.h"

namespace cdc::agent::mysql {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  // Applies `sql` as run in database `db`; returns the tables left unknown.
  std::vector<TableKey> Run(const std::string& sql, const std::string& db = "shop") {
    ddl::ParseOptions options;
    options.mariadb = mariadb_;
    DdlContext ctx;
    ctx.default_db = db;
    ctx.server_charset = "latin1";
    ctx.where = "binlog.000001:" + std::to_string(++statement_);
    ctx.tracked = [](const std::string& d) { return d != "other"; };
    return ApplyDdl(ddl::Parse(sql, options), sql, ctx, &catalog_);
  }

  // "name column_type" of each column, "*" after key columns (with ordinal).
  std::vector<std::string> Columns(const std::string& db, const std::string& table) {
    std::vector<std::string> out;
    auto it = catalog_.tables.find({db, table});
    if (it == catalog_.tables.end()) return {"<absent>"};
    if (!it->second.unknown.empty()) return {"<unknown>"};
    for (const auto& c : it->second.columns) {
      out.push_back(c.name + " " + c.column_type +
                    (c.key_ordinal ? " *" + std::to_string(c.key_ordinal) : ""));
    }
    return out;
  }

  const InfoColumn& Column(const std::string& table, size_t i) {
    return catalog_.tables.at({"shop", table}).columns.at(i);
  }

  Catalog catalog_;
  bool mariadb_ = true;
  int statement_ = 0;
};

using V = std::vector<std::string>;

TEST_F(CatalogTest, AMigrationStatementByStatement) {
  EXPECT_TRUE(Run("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), b INT)").empty());
  EXPECT_EQ(Columns("shop", "t"), (V{"id int *1", "a varchar(10)", "b int"}));
  Run("ALTER TABLE t ADD COLUMN z INT DEFAULT 5 FIRST");
  EXPECT_EQ(Columns("shop", "t"), (V{"z int", "id int *1", "a varchar(10)", "b int"}));
  Run("ALTER TABLE t ADD COLUMN y TEXT AFTER ID");  // names compare without case
  EXPECT_EQ(Columns("shop", "t"), (V{"z int", "id int *1", "y text", "a varchar(10)", "b int"}));
  Run("ALTER TABLE t MODIFY a VARCHAR(20) NOT NULL, CHANGE b b2 BIGINT UNSIGNED FIRST");
  EXPECT_EQ(Columns("shop", "t"),
            (V{"b2 bigint unsigned", "z int", "id int *1", "y text", "a varchar(20)"}));
  Run("ALTER TABLE t RENAME COLUMN z TO zz, DROP COLUMN y");
  EXPECT_EQ(Columns("shop", "t"), (V{"b2 bigint unsigned", "zz int", "id int *1", "a varchar(20)"}));
  Run("ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (a, id)");
  EXPECT_EQ(Columns("shop", "t"),
            (V{"b2 bigint unsigned", "zz int", "id int *2", "a varchar(20) *1"}));
  Run("ALTER TABLE t DROP COLUMN a");  // leaves the key with id alone
  EXPECT_EQ(Columns("shop", "t"), (V{"b2 bigint unsigned", "zz int", "id int *1"}));
  Run("ALTER TABLE t CHANGE id ident INT");  // keeps its place in the key
  EXPECT_EQ(Columns("shop", "t"), (V{"b2 bigint unsigned", "zz int", "ident int *1"}));
  Run("ALTER TABLE t ADD COLUMN IF NOT EXISTS zz INT, DROP COLUMN IF EXISTS nope");
  EXPECT_EQ(Columns("shop", "t"), (V{"b2 bigint unsigned", "zz int", "ident int *1"}));
}

TEST_F(CatalogTest, CharsetsFollowServerDatabaseTableAndColumn) {
  Run("CREATE TABLE s (a VARCHAR(3))");  // server default: latin1
  EXPECT_EQ(Column("s", 0).charset, "latin1");
  Run("CREATE DATABASE d CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
  Run("CREATE TABLE d.t (a VARCHAR(3), b VARCHAR(3) CHARACTER SET cp1251, c INT)");
  const InfoTable& t = catalog_.tables.at({"d", "t"});
  EXPECT_EQ(t.columns[0].charset, "utf8mb4");
  EXPECT_EQ(t.columns[0].collation, "utf8mb4_unicode_ci");
  EXPECT_EQ(t.columns[0].collation_id, 45);  // any utf8mb4 id decodes alike
  EXPECT_EQ(t.columns[1].charset, "cp1251");
  EXPECT_EQ(t.columns[2].charset, "");
  EXPECT_EQ(t.columns[2].collation_id, 0);
  Run("ALTER TABLE d.t DEFAULT CHARSET latin1, ADD COLUMN e TEXT");
  EXPECT_EQ(catalog_.tables.at({"d", "t"}).columns[3].charset, "latin1");
  EXPECT_EQ(catalog_.tables.at({"d", "t"}).columns[0].charset, "utf8mb4");
  Run("ALTER TABLE d.t CONVERT TO CHARACTER SET utf8mb3");
  for (size_t i : {0, 1, 3}) EXPECT_EQ(catalog_.tables.at({"d", "t"}).columns[i].charset, "utf8mb3");
  Run("CREATE TABLE u (a CHAR(2) COLLATE utf8mb4_bin, b CHAR(2) BINARY) DEFAULT CHARSET=ujis");
  EXPECT_EQ(Column("u", 0).charset, "utf8mb4");
  EXPECT_EQ(Column("u", 1).collation, "ujis_bin");
  Run("ALTER DATABASE shop CHARACTER SET utf16");
  Run("CREATE TABLE w (a CHAR(2))");
  EXPECT_EQ(Column("w", 0).charset, "utf16");
  EXPECT_EQ(Column("w", 0).collation_id, 54);
}

TEST_F(CatalogTest, OnlineSchemaChangeRenames) {
  Run("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
  Run("CREATE TABLE _t_gho LIKE t");
  Run("ALTER TABLE _t_gho ADD COLUMN w JSON");
  Run("RENAME TABLE t TO _t_del, _t_gho TO t");
  EXPECT_EQ(Columns("shop", "t"), (V{"id int *1", "v int", "w longtext"}));
  EXPECT_TRUE(Column("t", 2).is_json);
  EXPECT_EQ(Columns("shop", "_t_del"), (V{"id int *1", "v int"}));
  Run("DROP TABLE IF EXISTS `_t_del` /* generated by server */");
  EXPECT_EQ(Columns("shop", "_t_del"), V{"<absent>"});
  Run("ALTER TABLE t RENAME TO shop.t2");
  EXPECT_EQ(Columns("shop", "t"), V{"<absent>"});
  EXPECT_EQ(Columns("shop", "t2"), (V{"id int *1", "v int", "w longtext"}));
  Run("RENAME TABLE t2 TO elsewhere.t2");
  EXPECT_EQ(catalog_.tables.at({"elsewhere", "t2"}).schema, "elsewhere");
}

TEST_F(CatalogTest, WhatDoesNotFitLeavesTheTableUnknown) {
  Run("CREATE TABLE t (id INT)");
  std::vector<TableKey> unknown = Run("ALTER TABLE t ADD COLUMN x FANCYTYPE");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0], (TableKey{"shop", "t"}));
  const std::string& why = catalog_.tables.at({"shop", "t"}).unknown;
  EXPECT_NE(why.find("ALTER TABLE t ADD COLUMN x FANCYTYPE"), std::string::npos) << why;
  EXPECT_NE(why.find("binlog.000001:2"), std::string::npos) << why;
  // Later statements cannot make it known again, except a new CREATE.
  EXPECT_EQ(Run("ALTER TABLE t ADD COLUMN y INT").size(), 1u);
  EXPECT_EQ(Columns("shop", "t"), V{"<unknown>"});
  EXPECT_TRUE(Run("CREATE OR REPLACE TABLE t (id INT)").empty());
  EXPECT_EQ(Columns("shop", "t"), V{"id int"});
  // A column the catalog does not have: the catalog is wrong, not the server.
  EXPECT_EQ(Run("ALTER TABLE t MODIFY nope INT").size(), 1u);
  // A table it never saw.
  EXPECT_EQ(Run("ALTER TABLE never_seen ADD c INT").size(), 1u);
  EXPECT_EQ(Run("CREATE TABLE c LIKE never_seen_either").size(), 1u);
  EXPECT_EQ(Run("RENAME TABLE other.x TO shop.x").size(), 1u);
  EXPECT_EQ(Columns("shop", "x"), V{"<unknown>"});
  // Not understood and naming no table: any table of the database.
  std::vector<TableKey> any = Run("CREATE FANCY THING");
  ASSERT_EQ(any.size(), 1u);
  EXPECT_EQ(any[0], (TableKey{"", ""}));
  EXPECT_TRUE(Run("CREATE FANCY THING", "other").empty());
}

TEST_F(CatalogTest, UntrackedDatabasesAndTemporaryTablesAreLeftOut) {
  EXPECT_TRUE(Run("CREATE TABLE other.t (a INT)").empty());
  EXPECT_TRUE(Run("ALTER TABLE other.t ADD b INT").empty());
  EXPECT_EQ(Columns("other", "t"), V{"<absent>"});
  Run("CREATE TEMPORARY TABLE tmp (a INT)");
  EXPECT_EQ(Columns("shop", "tmp"), V{"<absent>"});
  Run("CREATE TABLE t (a INT)");
  Run("CREATE TABLE IF NOT EXISTS t (b INT)");
  EXPECT_EQ(Columns("shop", "t"), V{"a int"});
  Run("CREATE DATABASE d2");
  Run("CREATE TABLE d2.x (a INT)");
  Run("DROP DATABASE d2");
  EXPECT_EQ(Columns("d2", "x"), V{"<absent>"});
  EXPECT_EQ(catalog_.databases.count("d2"), 0u);
}

TEST_F(CatalogTest, MariadbJsonChecksAndMysqlJson) {
  Run("CREATE TABLE j (a LONGTEXT, b LONGTEXT)");
  Run("ALTER TABLE j ADD CONSTRAINT CHECK (json_valid(`b`))");
  EXPECT_FALSE(Column("j", 0).is_json);
  EXPECT_TRUE(Column("j", 1).is_json);
  Run("ALTER TABLE j MODIFY a JSON");
  EXPECT_TRUE(Column("j", 0).is_json);
  EXPECT_EQ(Column("j", 0).collation, "utf8mb4_bin");
  mariadb_ = false;
  Run("CREATE TABLE m (a JSON, b LONGTEXT CHECK (json_valid(b)))");
  EXPECT_TRUE(Column("m", 0).is_json);
  EXPECT_EQ(Column("m", 0).data_type, "json");
  EXPECT_FALSE(Column("m", 1).is_json);
}

TEST_F(CatalogTest, NamesFoldToLowercaseWhereTheServerFoldsThem) {
  Run("CREATE TABLE MyTable (Id INT)");
  EXPECT_EQ(Columns("shop", "MyTable"), V{"Id int"});
  ddl::ParseOptions options;
  DdlContext ctx;
  ctx.default_db = "Shop";
  ctx.tracked = [](const std::string&) { return true; };
  ctx.lowercase_names = true;
  const std::string sql = "CREATE TABLE Other.MyTable (Id INT)";
  ApplyDdl(ddl::Parse(sql, options), sql, ctx, &catalog_);
  EXPECT_EQ(Columns("other", "mytable"), V{"Id int"});
  const std::string alter = "ALTER TABLE other.MYTABLE ADD COLUMN x INT";
  ApplyDdl(ddl::Parse(alter, options), alter, ctx, &catalog_);
  EXPECT_EQ(Columns("other", "mytable"), (V{"Id int", "x int"}));
}

TEST(FollowsDatabaseTest, CapturedDatabasesAndThoseOfCapturedTables) {
  MysqlSourceConfig all;
  EXPECT_TRUE(FollowsDatabase(all, "shop"));
  EXPECT_FALSE(FollowsDatabase(all, "mysql"));
  EXPECT_FALSE(FollowsDatabase(all, "information_schema"));
  MysqlSourceConfig some;
  some.databases = {"shop"};
  some.tables = {TableName{"crm", "customers"}};
  EXPECT_TRUE(FollowsDatabase(some, "shop"));
  EXPECT_TRUE(FollowsDatabase(some, "crm"));  // its other tables too: shadow tables
  EXPECT_FALSE(FollowsDatabase(some, "billing"));
  EXPECT_FALSE(FollowsDatabase(some, "mysql"));
}

}  // namespace
}  // namespace cdc::agent::mysql
