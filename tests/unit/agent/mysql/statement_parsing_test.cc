// Statements the MySQL source reads from the binlog (TRUNCATE) and from the
// server (SHOW GRANTS).
#include <gtest/gtest.h>

#include "agent/mysql/mysql_check.h"
#include "agent/mysql/mysql_source.h"

namespace cdc::agent::mysql {
namespace {

TEST(ParseTruncateTest, Forms) {
  TableName t;
  ASSERT_TRUE(ParseTruncate("TRUNCATE TABLE orders", "shop", &t));
  EXPECT_EQ(t, (TableName{"shop", "orders"}));
  ASSERT_TRUE(ParseTruncate("truncate orders", "shop", &t));
  EXPECT_EQ(t, (TableName{"shop", "orders"}));
  ASSERT_TRUE(ParseTruncate("TRUNCATE TABLE `billing`.`in voices`;", "shop", &t));
  EXPECT_EQ(t, (TableName{"billing", "in voices"}));
  ASSERT_TRUE(ParseTruncate("  /* c */ TRUNCATE `a``b`", "db", &t));
  EXPECT_EQ(t, (TableName{"db", "a`b"}));
  ASSERT_TRUE(ParseTruncate("TRUNCATE x.y ", "db", &t));
  EXPECT_EQ(t, (TableName{"x", "y"}));
}

TEST(ParseTruncateTest, NotATruncateOfOneTable) {
  TableName t;
  EXPECT_FALSE(ParseTruncate("DELETE FROM orders", "shop", &t));
  EXPECT_FALSE(ParseTruncate("TRUNCATE TABLE", "shop", &t));
  EXPECT_FALSE(ParseTruncate("TRUNCATE TABLE `unterminated", "shop", &t));
  EXPECT_FALSE(ParseTruncate("TRUNCATE TABLE a, b", "shop", &t));
  EXPECT_FALSE(ParseTruncate("", "shop", &t));
}

TEST(GrantsTest, ParsesPrivilegesAndObjects) {
  std::vector<Grant> g = ParseGrants({
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%` IDENTIFIED BY "
      "PASSWORD '*ABC'",
      "GRANT SELECT, INSERT ON `shop`.* TO `cdc`@`%`",
      "GRANT SELECT (`id`, `name`), UPDATE ON `crm`.`customers` TO `cdc`@`%`",
      "GRANT `some_role` TO `cdc`@`%`",
  });
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0].privilege, "REPLICATION SLAVE");
  EXPECT_EQ(g[0].object, "*.*");
  EXPECT_EQ(g[1].privilege, "REPLICATION CLIENT");
  EXPECT_EQ(g[2].privilege, "SELECT");
  EXPECT_EQ(g[2].object, "`shop`.*");
  EXPECT_EQ(g[4].privilege, "SELECT");
  EXPECT_EQ(g[4].object, "`crm`.`customers`");
  EXPECT_EQ(g[5].privilege, "UPDATE");

  EXPECT_TRUE(HasPrivilege(g, "REPLICATION SLAVE"));
  EXPECT_TRUE(HasPrivilege(g, "REPLICATION CLIENT"));
  EXPECT_FALSE(HasPrivilege(g, "SELECT"));  // not globally
  EXPECT_TRUE(HasPrivilege(g, "SELECT", "shop"));
  EXPECT_TRUE(HasPrivilege(g, "SELECT", "shop", "orders"));
  EXPECT_FALSE(HasPrivilege(g, "SELECT", "crm"));
  EXPECT_TRUE(HasPrivilege(g, "SELECT", "crm", "customers"));
  EXPECT_FALSE(HasPrivilege(g, "SELECT", "crm", "leads"));
  EXPECT_FALSE(HasPrivilege(g, "RELOAD"));
}

TEST(GrantsTest, AllPrivilegesCoverEverything) {
  std::vector<Grant> g = ParseGrants(
      {"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION",
       "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION"});
  EXPECT_TRUE(HasPrivilege(g, "REPLICATION SLAVE"));
  EXPECT_TRUE(HasPrivilege(g, "SELECT", "any", "table"));
  EXPECT_TRUE(HasPrivilege(g, "RELOAD"));
  EXPECT_TRUE(ParseGrants({"GRANT USAGE ON *.* TO `nobody`@`%`"}).size() == 1);
  EXPECT_FALSE(HasPrivilege(ParseGrants({"GRANT USAGE ON *.* TO `nobody`@`%`"}), "SELECT"));
}

}  // namespace
}  // namespace cdc::agent::mysql
