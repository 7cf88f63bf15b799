#include "onlineddl/swap_check.h"

#include "gtest/gtest.h"

namespace sidecut {
namespace onlineddl {
namespace {

TEST(NameFreeCreateTableTest, DropsTheNameAndTheCounter) {
  const std::string created =
      "CREATE TABLE `t` (\n"
      "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  `c` int(11) DEFAULT NULL COMMENT 'x AUTO_INCREMENT=5',\n"
      "  PRIMARY KEY (`id`)\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=501 DEFAULT CHARSET=latin1";
  const std::string renamed =
      "CREATE TABLE `_vt_vrp_x_` (\n"
      "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
      "  `c` int(11) DEFAULT NULL COMMENT 'x AUTO_INCREMENT=5',\n"
      "  PRIMARY KEY (`id`)\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=9 DEFAULT CHARSET=latin1";
  EXPECT_EQ(NameFreeCreateTable(created, "t"),
            "CREATE TABLE (\n"
            "  `id` int(11) NOT NULL AUTO_INCREMENT,\n"
            "  `c` int(11) DEFAULT NULL COMMENT 'x AUTO_INCREMENT=5',\n"
            "  PRIMARY KEY (`id`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=latin1");
  EXPECT_EQ(NameFreeCreateTable(created, "t"),
            NameFreeCreateTable(renamed, "_vt_vrp_x_"));
}

TEST(NameFreeCreateTableTest, QuotedNamesAndPartitions) {
  const std::string created =
      "CREATE TABLE `we``ird \"n\"` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  PRIMARY KEY (`id`)\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4\n"
      " PARTITION BY HASH (`id`)\n"
      "PARTITIONS 2";
  EXPECT_EQ(NameFreeCreateTable(created, "we`ird \"n\""),
            "CREATE TABLE (\n"
            "  `id` int(11) NOT NULL,\n"
            "  PRIMARY KEY (`id`)\n"
            ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4\n"
            " PARTITION BY HASH (`id`)\n"
            "PARTITIONS 2");
}

TEST(NameFreeCreateTableTest, DifferentSchemasStayDifferent) {
  EXPECT_NE(NameFreeCreateTable("CREATE TABLE `t` (\n  `a` int\n"
                                ") ENGINE=InnoDB",
                                "t"),
            NameFreeCreateTable("CREATE TABLE `t` (\n  `a` bigint\n"
                                ") ENGINE=InnoDB",
                                "t"));
  // Another table's statement keeps its name: it compares unequal.
  EXPECT_NE(NameFreeCreateTable("CREATE TABLE `t` (\n) ENGINE=InnoDB", "t"),
            NameFreeCreateTable("CREATE TABLE `u` (\n) ENGINE=InnoDB", "t"));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
