// CreateTableShape: what of SHOW CREATE TABLE's text decides whether a
// snapshot chunk describes its table again.
#include "agent/mysql/chunk_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc::agent::mysql {
namespace {

const std::string kColumns =
    "CREATE TABLE `ai` (\n"
    "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
    "  `note` varchar(40) DEFAULT 'AUTO_INCREMENT=7',\n"
    "  PRIMARY KEY (`id`)\n";

TEST(CreateTableShapeTest, NextAutoIncrementValueIsLeftOut) {
  const std::string before = kColumns + ") ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=latin1";
  const std::string after = kColumns + ") ENGINE=InnoDB AUTO_INCREMENT=90210 DEFAULT CHARSET=latin1";
  EXPECT_EQ(CreateTableShape(before), CreateTableShape(after));
  EXPECT_EQ(CreateTableShape(before), kColumns + ") ENGINE=InnoDB DEFAULT CHARSET=latin1");
}

TEST(CreateTableShapeTest, ColumnsAndTableOptionsStillCount) {
  const std::string latin1 = kColumns + ") ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=latin1";
  const std::string utf8 = kColumns + ") ENGINE=InnoDB AUTO_INCREMENT=2 DEFAULT CHARSET=utf8mb4";
  EXPECT_NE(CreateTableShape(latin1), CreateTableShape(utf8));
  // A column's AUTO_INCREMENT and a default that reads like the option stay.
  EXPECT_NE(CreateTableShape(latin1).find("NOT NULL AUTO_INCREMENT,"), std::string::npos);
  EXPECT_NE(CreateTableShape(latin1).find("DEFAULT 'AUTO_INCREMENT=7'"), std::string::npos);
  std::string wider = latin1;
  wider.replace(wider.find("varchar(40)"), 11, "varchar(50)");
  EXPECT_NE(CreateTableShape(latin1), CreateTableShape(wider));
}

TEST(CreateTableShapeTest, TextWithoutTableOptionsIsKept) {
  EXPECT_EQ(CreateTableShape(""), "");
  EXPECT_EQ(CreateTableShape("CREATE TABLE t (id int) AUTO_INCREMENT=5"),
            "CREATE TABLE t (id int) AUTO_INCREMENT=5");
}

}  // namespace
}  // namespace cdc::agent::mysql
