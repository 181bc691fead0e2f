// Statements the MySQL source reads from the server (SHOW GRANTS); those of
// the binlog are in ddl_parser_test.cc.
#include <gtest/gtest.h>

#include "agent/mysql/mysql_check.h"

namespace cdc::agent::mysql {
namespace {

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
