#include "vreplication/key_range.h"

#include "gtest/gtest.h"

namespace sidecut {
namespace vreplication {
namespace {

TEST(KeyRangeTest, OneColumnIsAPlainComparison) {
  EXPECT_EQ(KeyAfterCondition({"`id`"}, {"5"}), "(`id` > 5)");
  EXPECT_EQ(KeyAtOrBeforeCondition({"`id`"}, {"5"}), "(`id` <= 5)");
}

TEST(KeyRangeTest, CompositeKeysLeadWithTheFirstColumnsBound) {
  EXPECT_EQ(KeyAfterCondition({"`a`", "`b`"}, {"1", "'x'"}),
            "(`a` >= 1 AND (`a` > 1 OR (`a` = 1 AND (`b` > 'x'))))");
  EXPECT_EQ(KeyAtOrBeforeCondition({"`a`", "`b`", "`c`"}, {"1", "2", "3"}),
            "(`a` <= 1 AND (`a` < 1 OR (`a` = 1 AND (`b` < 2 OR (`b` = 2 AND "
            "(`c` <= 3))))))");
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
