// Which indexes a shadow table may build after its copy.
#include "onlineddl/deferred_indexes.h"

#include "gtest/gtest.h"

namespace sidecut {
namespace onlineddl {
namespace {

TEST(DeferrableIndexesTest, PlainSecondaryIndexesInOrder) {
  std::vector<DeferredIndex> got = DeferrableIndexes(
      "CREATE TABLE `t` (\n"
      "  `id` int(11) NOT NULL,\n"
      "  `k` int(11) NOT NULL DEFAULT 0,\n"
      "  `c` char(120) NOT NULL DEFAULT '',\n"
      "  PRIMARY KEY (`id`),\n"
      "  UNIQUE KEY `uc` (`c`),\n"
      "  KEY `k_1` (`k`),\n"
      "  KEY `we``ird` (`c`(10),`k`) COMMENT 'x' IGNORED\n"
      ") ENGINE=InnoDB DEFAULT CHARSET=latin1");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "k_1");
  EXPECT_EQ(got[0].definition, "KEY `k_1` (`k`)");
  EXPECT_EQ(got[1].name, "we`ird");
  EXPECT_EQ(got[1].definition,
            "KEY `we``ird` (`c`(10),`k`) COMMENT 'x' IGNORED");
}

TEST(DeferrableIndexesTest, NoneBesideFulltextSpatialOrForeignKeys) {
  for (const char* extra :
       {"  FULLTEXT KEY `f` (`c`),\n", "  SPATIAL KEY `s` (`g`),\n",
        "  CONSTRAINT `fk` FOREIGN KEY (`k`) REFERENCES `p` (`id`),\n"}) {
    std::string create = std::string(
                             "CREATE TABLE `t` (\n"
                             "  `id` int(11) NOT NULL,\n"
                             "  PRIMARY KEY (`id`),\n"
                             "  KEY `k_1` (`k`),\n") +
                         extra + ") ENGINE=InnoDB";
    EXPECT_TRUE(DeferrableIndexes(create).empty()) << extra;
  }
  EXPECT_TRUE(DeferrableIndexes("CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n"
                                "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB")
                  .empty());
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
