// The DDL parser: every statement form the schema history follows, MySQL
// 5.7/8.0/9.x and MariaDB 10.x/11.x syntax, quoting, comments and what it
// must refuse or ignore.
#include "agent/mysql/ddl_parser.h"

#include <gtest/gtest.h>

namespace cdc::agent::mysql::ddl {
namespace {

using Kind = Statement::Kind;
using OpKind = AlterOp::Kind;

Statement P(std::string_view sql, bool mariadb = false) {
  ParseOptions o;
  o.mariadb = mariadb;
  return Parse(sql, o);
}

// "name column_type" per column.
std::vector<std::string> Cols(const Statement& s) {
  std::vector<std::string> out;
  for (const auto& c : s.columns) out.push_back(c.name + " " + c.column_type);
  return out;
}

TEST(DdlParserTest, CreateTableColumnsKeysAndOptions) {
  Statement s = P(
      "CREATE TABLE IF NOT EXISTS `shop`.`orders` (\n"
      "  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
      "  `total` DECIMAL(10,2) DEFAULT '0.00' COMMENT 'primary key, not',\n"
      "  note VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci,\n"
      "  state ENUM('new','it''s','a\\\\b') NOT NULL DEFAULT 'new',\n"
      "  flags SET('x','y'),\n"
      "  created DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),\n"
      "  PRIMARY KEY (`id`),\n"
      "  KEY idx_total (total),\n"
      "  CONSTRAINT fk FOREIGN KEY (id) REFERENCES other (id) ON DELETE CASCADE\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
  ASSERT_EQ(s.kind, Kind::kCreateTable) << s.error;
  EXPECT_EQ(s.table.db, "shop");
  EXPECT_EQ(s.table.table, "orders");
  EXPECT_TRUE(s.if_not_exists);
  EXPECT_EQ(Cols(s), (std::vector<std::string>{
                         "id bigint unsigned", "total decimal(10,2)", "note varchar(20)",
                         "state enum('new','it''s','a\\\\b')", "flags set('x','y')",
                         "created datetime(6)"}));
  EXPECT_EQ(s.primary_key, std::vector<std::string>{"id"});
  EXPECT_EQ(s.charset, "utf8mb4");
  EXPECT_EQ(s.collation, "utf8mb4_unicode_ci");
  EXPECT_EQ(s.columns[2].charset, "latin1");
  EXPECT_EQ(s.columns[2].collation, "latin1_swedish_ci");
  EXPECT_TRUE(s.columns[2].textual);
  EXPECT_FALSE(s.columns[0].textual);
}

TEST(DdlParserTest, TypeAliasesAsInformationSchemaNamesThem) {
  Statement s = P(
      "CREATE TABLE t (a BOOL, b BOOLEAN, c SERIAL, d INTEGER(11), e DEC(5), f NUMERIC, "
      "g FIXED(4,1), h REAL, i DOUBLE PRECISION, j FLOAT(30), k FLOAT(7,3), l FLOAT(10), "
      "m INT1, n INT2, o INT3, p INT4, q INT8, r MIDDLEINT, s CHARACTER VARYING(5), "
      "t NATIONAL CHAR(3), u NCHAR VARCHAR(4), v NVARCHAR(6), w LONG VARCHAR, x LONG, "
      "y LONG VARBINARY, z CHAR, aa BINARY, ab BIT, ac TEXT(100) CHARSET latin1, ad TEXT(1000), "
      "ae BLOB(70000), af CHAR(4) CHARACTER SET binary, ag TEXT CHARSET binary, "
      "ah TINYINT(3) ZEROFILL, ai YEAR(4), aj TIMESTAMP, ak TIME(3), al GEOMETRY, "
      "am POINT SRID 4326, an VECTOR(3), ao DOUBLE(8,2) UNSIGNED, ap CHAR(2) BYTE)");
  ASSERT_EQ(s.kind, Kind::kCreateTable) << s.error;
  EXPECT_EQ(Cols(s),
            (std::vector<std::string>{
                "a tinyint(1)",          "b tinyint(1)",
                "c bigint unsigned",     "d int(11)",
                "e decimal(5,0)",        "f decimal(10,0)",
                "g decimal(4,1)",        "h double",
                "i double",              "j double",
                "k float(7,3)",          "l float",
                "m tinyint",             "n smallint",
                "o mediumint",           "p int",
                "q bigint",              "r mediumint",
                "s varchar(5)",          "t char(3)",
                "u varchar(4)",          "v varchar(6)",
                "w mediumtext",          "x mediumtext",
                "y mediumblob",          "z char(1)",
                "aa binary(1)",          "ab bit(1)",
                "ac tinytext",           "ad text",
                "ae mediumblob",         "af binary(4)",
                "ag blob",               "ah tinyint(3) unsigned zerofill",
                "ai year",               "aj timestamp",
                "ak time(3)",            "al geometry",
                "am point",              "an vector(3)",
                "ao double(8,2) unsigned", "ap binary(2)"}));
  EXPECT_EQ(s.columns[19].charset, "utf8mb3");  // NATIONAL CHAR
  EXPECT_EQ(s.columns[31].data_type, "binary");
  EXPECT_FALSE(s.columns[31].textual);
  EXPECT_EQ(s.columns[7].data_type, "double");
  ParseOptions real_as_float;
  real_as_float.real_as_float = true;
  EXPECT_EQ(Parse("CREATE TABLE t (h REAL)", real_as_float).columns[0].column_type, "float");
}

TEST(DdlParserTest, JsonOnMysqlAndMariadb) {
  Statement my = P("CREATE TABLE t (id INT PRIMARY KEY, doc JSON)");
  ASSERT_EQ(my.kind, Kind::kCreateTable) << my.error;
  EXPECT_EQ(my.columns[1].column_type, "json");
  EXPECT_TRUE(my.columns[1].is_json);
  EXPECT_EQ(my.primary_key, std::vector<std::string>{});  // inline: on the column
  EXPECT_TRUE(my.columns[0].primary_key);
  Statement maria = P("CREATE TABLE t (id INT KEY, doc JSON)", true);
  ASSERT_EQ(maria.kind, Kind::kCreateTable) << maria.error;
  EXPECT_EQ(maria.columns[1].column_type, "longtext");
  EXPECT_TRUE(maria.columns[1].is_json);
  EXPECT_EQ(maria.columns[1].collation, "utf8mb4_bin");
  EXPECT_TRUE(maria.columns[0].primary_key);  // KEY alone is PRIMARY KEY
  // As MariaDB writes it back (CREATE ... SELECT, SHOW CREATE TABLE).
  Statement shown = P(
      "CREATE TABLE `t` (`j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL "
      "CHECK (json_valid(`j`)), `k` longtext, CONSTRAINT `c` CHECK (json_valid(`k`)))",
      true);
  ASSERT_EQ(shown.kind, Kind::kCreateTable) << shown.error;
  EXPECT_TRUE(shown.columns[0].is_json);
  EXPECT_TRUE(shown.columns[1].is_json);
  // MySQL has no JSON-by-check.
  EXPECT_FALSE(P("CREATE TABLE t (j longtext CHECK (json_valid(j)))").columns[0].is_json);
}

TEST(DdlParserTest, CreateLikeAndSelect) {
  Statement like = P("CREATE TABLE IF NOT EXISTS b LIKE a.src");
  ASSERT_EQ(like.kind, Kind::kCreateTable);
  EXPECT_TRUE(like.has_like);
  EXPECT_EQ(like.like.db, "a");
  EXPECT_EQ(like.like.table, "src");
  Statement paren = P("create table b (like src)");
  EXPECT_TRUE(paren.has_like);
  EXPECT_EQ(paren.like.table, "src");
  // Row-format binlogs: the server writes the columns it made.
  Statement rows = P("CREATE TABLE `c` (`id` int(11) NOT NULL, `n` varchar(3)) SELECT id, n FROM a");
  ASSERT_EQ(rows.kind, Kind::kCreateTable) << rows.error;
  EXPECT_EQ(rows.columns.size(), 2u);
  EXPECT_FALSE(rows.columns_unknown);
  EXPECT_TRUE(P("CREATE TABLE c AS SELECT * FROM a").columns_unknown);
  Statement atomic = P("CREATE TABLE `d` (`x` int DEFAULT NULL) START TRANSACTION");
  ASSERT_EQ(atomic.kind, Kind::kCreateTable) << atomic.error;
  EXPECT_EQ(atomic.columns.size(), 1u);
}

TEST(DdlParserTest, AlterTableEveryColumnClause) {
  Statement s = P(
      "ALTER TABLE shop.t ADD COLUMN z INT DEFAULT 5 FIRST, ADD y VARCHAR(3) AFTER `a`, "
      "ADD COLUMN (p INT, q INT), MODIFY COLUMN a BIGINT NOT NULL, MODIFY b TEXT AFTER z, "
      "CHANGE COLUMN c c2 SMALLINT FIRST, CHANGE d d2 CHAR(2), RENAME COLUMN e TO e2, "
      "DROP COLUMN f, DROP g, DROP PRIMARY KEY, ADD PRIMARY KEY (a, `b`(10) DESC), "
      "ADD CONSTRAINT pk2 PRIMARY KEY USING BTREE (z), ADD INDEX i (a), DROP INDEX j, "
      "ALTER COLUMN a SET DEFAULT 1, ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE, "
      "RENAME TO shop.t2");
  ASSERT_EQ(s.kind, Kind::kAlterTable) << s.error;
  std::vector<OpKind> kinds;
  for (const auto& op : s.ops) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{
                       OpKind::kAddColumn, OpKind::kAddColumn, OpKind::kAddColumn,
                       OpKind::kAddColumn, OpKind::kModifyColumn, OpKind::kModifyColumn,
                       OpKind::kChangeColumn, OpKind::kChangeColumn, OpKind::kRenameColumn,
                       OpKind::kDropColumn, OpKind::kDropColumn, OpKind::kDropPrimaryKey,
                       OpKind::kAddPrimaryKey, OpKind::kAddPrimaryKey, OpKind::kRenameTable}));
  EXPECT_EQ(s.ops[0].place, Place::kFirst);
  EXPECT_EQ(s.ops[1].place, Place::kAfter);
  EXPECT_EQ(s.ops[1].after, "a");
  EXPECT_EQ(s.ops[2].def.name, "p");
  EXPECT_EQ(s.ops[3].def.name, "q");
  EXPECT_EQ(s.ops[5].after, "z");
  EXPECT_EQ(s.ops[6].column, "c");
  EXPECT_EQ(s.ops[6].def.name, "c2");
  EXPECT_EQ(s.ops[6].place, Place::kFirst);
  EXPECT_EQ(s.ops[8].new_name, "e2");
  EXPECT_EQ(s.ops[12].key_columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.ops[13].key_columns, (std::vector<std::string>{"z"}));
  EXPECT_EQ(s.ops[14].new_table.table, "t2");
}

TEST(DdlParserTest, MariadbIfExistsForms) {
  Statement s = P(
      "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS a INT, DROP COLUMN IF EXISTS b, "
      "MODIFY COLUMN IF EXISTS c INT, CHANGE COLUMN IF EXISTS d e INT, "
      "DROP INDEX IF EXISTS i, ADD KEY IF NOT EXISTS k (a)",
      true);
  ASSERT_EQ(s.kind, Kind::kAlterTable) << s.error;
  EXPECT_TRUE(s.if_exists);
  ASSERT_EQ(s.ops.size(), 4u);
  EXPECT_TRUE(s.ops[0].if_not_exists);
  EXPECT_TRUE(s.ops[1].if_exists);
  EXPECT_TRUE(s.ops[2].if_exists);
  EXPECT_TRUE(s.ops[3].if_exists);
  Statement drop = P("DROP TABLE IF EXISTS `a`, b.`c` /* generated by server */");
  ASSERT_EQ(drop.kind, Kind::kDropTables);
  EXPECT_TRUE(drop.if_exists);
  ASSERT_EQ(drop.tables.size(), 2u);
  EXPECT_EQ(drop.tables[1].db, "b");
  EXPECT_EQ(drop.tables[1].table, "c");
  Statement db = P("CREATE DATABASE IF NOT EXISTS account_db default charset utf8 COLLATE "
                   "utf8_general_ci");
  ASSERT_EQ(db.kind, Kind::kCreateDatabase);
  EXPECT_TRUE(db.if_not_exists);
  EXPECT_EQ(db.charset, "utf8mb3");
  EXPECT_EQ(db.collation, "utf8_general_ci");
  EXPECT_EQ(P("DROP SCHEMA IF EXISTS x").kind, Kind::kDropDatabase);
  Statement alter_db = P("ALTER DATABASE CHARACTER SET = latin1");
  ASSERT_EQ(alter_db.kind, Kind::kAlterDatabase);
  EXPECT_EQ(alter_db.database, "");
  EXPECT_EQ(alter_db.charset, "latin1");
  EXPECT_EQ(P("CREATE OR REPLACE TABLE t (a INT)", true).kind, Kind::kCreateTable);
}

TEST(DdlParserTest, CharsetClauses) {
  Statement s = P("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, "
                  "DEFAULT CHARSET=latin1");
  ASSERT_EQ(s.kind, Kind::kAlterTable) << s.error;
  ASSERT_EQ(s.ops.size(), 2u);
  EXPECT_EQ(s.ops[0].kind, OpKind::kConvertCharset);
  EXPECT_EQ(s.ops[0].charset, "utf8mb4");
  EXPECT_EQ(s.ops[0].collation, "utf8mb4_bin");
  EXPECT_EQ(s.ops[1].kind, OpKind::kDefaultCharset);
  EXPECT_EQ(s.ops[1].charset, "latin1");
  Statement c = P("ALTER TABLE t COLLATE = 'utf8mb4_general_ci'");
  ASSERT_EQ(c.ops.size(), 1u);
  EXPECT_EQ(c.ops[0].collation, "utf8mb4_general_ci");
  Statement bin = P("CREATE TABLE t (a VARCHAR(3) BINARY, b CHAR(2) ASCII, c CHAR(2) UNICODE)");
  EXPECT_TRUE(bin.columns[0].binary_collation);
  EXPECT_EQ(bin.columns[1].charset, "latin1");
  EXPECT_EQ(bin.columns[2].charset, "ucs2");
}

TEST(DdlParserTest, RenameTruncateAndNames) {
  Statement r = P("RENAME TABLE a TO a_old, `a_new` TO `a`, x.y TO z.y");
  ASSERT_EQ(r.kind, Kind::kRenameTables) << r.error;
  ASSERT_EQ(r.renames.size(), 3u);
  EXPECT_EQ(r.renames[1].first.table, "a_new");
  EXPECT_EQ(r.renames[2].second.db, "z");
  Statement t = P("  /* c */ TRUNCATE `a``b`");
  ASSERT_EQ(t.kind, Kind::kTruncate);
  EXPECT_EQ(t.table.table, "a`b");
  Statement u = P("truncate table `billing`.`in voices`;");
  EXPECT_EQ(u.table.db, "billing");
  EXPECT_EQ(u.table.table, "in voices");
  Statement unicode = P("CREATE TABLE Bücher (`Größe` INT, 名前 VARCHAR(10))");
  ASSERT_EQ(unicode.kind, Kind::kCreateTable) << unicode.error;
  EXPECT_EQ(unicode.table.table, "Bücher");
  EXPECT_EQ(unicode.columns[0].name, "Größe");
  EXPECT_EQ(unicode.columns[1].name, "名前");
  ParseOptions ansi;
  ansi.ansi_quotes = true;
  Statement quoted = Parse("CREATE TABLE \"a b\" (\"c\" INT)", ansi);
  ASSERT_EQ(quoted.kind, Kind::kCreateTable) << quoted.error;
  EXPECT_EQ(quoted.table.table, "a b");
  EXPECT_EQ(quoted.columns[0].name, "c");
  EXPECT_EQ(P("CREATE TABLE \"a b\" (c INT)").kind, Kind::kUnparsed);  // a string, not a name
}

TEST(DdlParserTest, CommentsAndExecutableComments) {
  Statement s = P(
      "CREATE TABLE t ( -- a comment\n a INT, # another\n b INT /* inline */ ,\n"
      " c INT /*!50606 COLUMN_FORMAT DYNAMIC */) /*!50100 PARTITION BY HASH (a) "
      "PARTITIONS 4 */");
  ASSERT_EQ(s.kind, Kind::kCreateTable) << s.error;
  EXPECT_EQ(Cols(s), (std::vector<std::string>{"a int", "b int", "c int"}));
  // A versioned comment that adds a column counts when the server ran it.
  ParseOptions old_server;
  old_server.server_version = 50700;
  EXPECT_EQ(Parse("ALTER TABLE t /*!80000 ADD COLUMN n INT */", old_server).ops.size(), 0u);
  old_server.server_version = 80036;
  EXPECT_EQ(Parse("ALTER TABLE t /*!80000 ADD COLUMN n INT */", old_server).ops.size(), 1u);
  // MariaDB-only comments run on MariaDB only.
  EXPECT_EQ(P("ALTER TABLE t /*M!100301 ADD COLUMN m INT */").ops.size(), 0u);
  EXPECT_EQ(P("ALTER TABLE t /*M!100301 ADD COLUMN m INT */", true).ops.size(), 1u);
  EXPECT_EQ(P("/*!40101 SET NAMES utf8 */").kind, Kind::kIgnored);
}

TEST(DdlParserTest, StatementsThatCannotChangeColumnsAreIgnored) {
  for (const char* sql : {
           "CREATE USER 'u'@'%' IDENTIFIED BY 'p'", "GRANT SELECT ON *.* TO u",
           "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN SELECT 1; END",
           "CREATE ALGORITHM=UNDEFINED DEFINER=`m`@`%` SQL SECURITY DEFINER VIEW v AS SELECT 1",
           "CREATE OR REPLACE VIEW v AS SELECT 1", "DROP VIEW v", "DROP TRIGGER tr",
           "CREATE DEFINER=`m`@`%` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
           "CREATE INDEX i ON t (a)", "CREATE UNIQUE INDEX i ON t (a)", "DROP INDEX i ON t",
           "ALTER USER 'root'@'localhost' IDENTIFIED WITH 'x' AS 'y'", "ALTER VIEW v AS SELECT 2",
           "ALTER EVENT e DISABLE", "RENAME USER a TO b", "FLUSH PRIVILEGES", "SET GLOBAL x = 1",
           "ANALYZE TABLE t", "OPTIMIZE TABLE t", "INSERT INTO t VALUES (1)",
           "DROP PROCEDURE IF EXISTS p", "CREATE SEQUENCE s", "DROP USER u"}) {
    Statement s = P(sql, true);
    EXPECT_EQ(s.kind, Kind::kIgnored) << sql << ": " << s.error;
  }
}

TEST(DdlParserTest, WhatIsNotUnderstoodIsUnparsedWithTheTable) {
  Statement s = P("ALTER TABLE shop.t ADD COLUMN x FANCYTYPE");
  ASSERT_EQ(s.kind, Kind::kUnparsed);
  ASSERT_EQ(s.tables.size(), 1u);
  EXPECT_EQ(s.tables[0].db, "shop");
  EXPECT_EQ(s.tables[0].table, "t");
  EXPECT_NE(s.error.find("FANCYTYPE"), std::string::npos) << s.error;
  Statement versioned = P("ALTER TABLE t ADD SYSTEM VERSIONING", true);
  EXPECT_EQ(versioned.kind, Kind::kUnparsed);
  EXPECT_EQ(P("CREATE TABLE t (a INT) WITH SYSTEM VERSIONING", true).kind, Kind::kUnparsed);
  EXPECT_EQ(P("CREATE TABLE t (a INT").kind, Kind::kUnparsed);
  EXPECT_EQ(P("CREATE TABLE t (a VARCHAR)").kind, Kind::kUnparsed);
  EXPECT_EQ(P("CREATE TABLE 't' (a INT)").kind, Kind::kUnparsed);
  Statement quote = P("ALTER TABLE t ADD COLUMN a ENUM('x");
  EXPECT_EQ(quote.kind, Kind::kUnparsed);
  EXPECT_NE(quote.error.find("unterminated"), std::string::npos) << quote.error;
  EXPECT_EQ(P("CREATE FANCY THING x").kind, Kind::kUnparsed);
  EXPECT_TRUE(P("CREATE FANCY THING x").tables.empty());
}

TEST(DdlParserTest, SyntaxOfEachServerVersion) {
  struct Case {
    const char* sql;
    bool mariadb;
    std::vector<std::string> columns;
  };
  const Case cases[] = {
      // MySQL 5.7: display widths, utf8, partitions in executable comments.
      {"CREATE TABLE `p` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `d` date NOT NULL,\n"
       "  `n` varchar(45) CHARACTER SET utf8 COLLATE utf8_bin DEFAULT NULL,\n"
       "  PRIMARY KEY (`id`,`d`)\n) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=latin1 "
       "ROW_FORMAT=DYNAMIC\n/*!50100 PARTITION BY RANGE (YEAR(d))\n(PARTITION p0 VALUES LESS "
       "THAN (1991) ENGINE = InnoDB,\n PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */",
       false,
       {"id int(11)", "d date", "n varchar(45)"}},
      // MySQL 8.0: generated and invisible columns, expression defaults,
      // functional index parts, NOT ENFORCED checks, 0900 collations, SRID.
      {"CREATE TABLE g (a INT, b INT AS (a + 1) VIRTUAL, c INT GENERATED ALWAYS AS (a * 2) "
       "STORED NOT NULL, u BINARY(16) DEFAULT (uuid_to_bin(uuid())), h INT INVISIBLE, "
       "s VARCHAR(5) COLLATE utf8mb4_0900_ai_ci, pt POINT NOT NULL SRID 4326, "
       "INDEX ((a + b)), CONSTRAINT ck CHECK (a > 0) NOT ENFORCED, "
       "SPATIAL INDEX (pt)) ENGINE_ATTRIBUTE='{}'",
       false,
       {"a int", "b int", "c int", "u binary(16)", "h int", "s varchar(5)", "pt point"}},
      {"ALTER TABLE g ADD COLUMN i INT INVISIBLE AFTER a, ALGORITHM=INSTANT", false, {}},
      // MySQL 9: VECTOR.
      {"CREATE TABLE v (id INT PRIMARY KEY, emb VECTOR(768) NOT NULL)", false,
       {"id int", "emb vector(768)"}},
      // MariaDB 10.x: current_timestamp(), COMPRESSED, INET6, IF NOT EXISTS.
      {"CREATE TABLE IF NOT EXISTS m (id INT UNSIGNED NOT NULL, d DATETIME DEFAULT "
       "current_timestamp() ON UPDATE current_timestamp(), big BLOB COMPRESSED, ip INET6, "
       "PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
       true,
       {"id int unsigned", "d datetime", "big blob", "ip inet6"}},
      // MariaDB 11.x: UUID, uca1400 collations, VECTOR with a vector index.
      {"CREATE TABLE e (id UUID PRIMARY KEY DEFAULT uuid(), name VARCHAR(20) COLLATE "
       "utf8mb4_uca1400_ai_ci, v VECTOR(3) NOT NULL, VECTOR INDEX (v))",
       true,
       {"id uuid", "name varchar(20)", "v vector(3)"}},
  };
  for (const Case& c : cases) {
    Statement s = P(c.sql, c.mariadb);
    EXPECT_NE(s.kind, Kind::kUnparsed) << c.sql << ": " << s.error;
    if (s.kind == Kind::kCreateTable) {
      EXPECT_EQ(Cols(s), c.columns) << c.sql;
    }
  }
  EXPECT_EQ(P(cases[0].sql).primary_key, (std::vector<std::string>{"id", "d"}));
  Statement instant = P(cases[2].sql);
  ASSERT_EQ(instant.ops.size(), 1u);
  EXPECT_EQ(instant.ops[0].after, "a");
}

TEST(DdlParserTest, VersionNumbers) {
  EXPECT_EQ(VersionNumber("10.11.6-MariaDB-log"), 101106u);
  EXPECT_EQ(VersionNumber("8.0.36"), 80036u);
  EXPECT_EQ(VersionNumber("5.7.44-log"), 50744u);
  EXPECT_EQ(VersionNumber("garbage"), 0u);
  EXPECT_EQ(VersionNumber("8.0"), 0u);
}

}  // namespace
}  // namespace cdc::agent::mysql::ddl
