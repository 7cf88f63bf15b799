#include "mysql/binlog_retention.h"

#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

MariadbGtidPos Pos(const char* s) { return *MariadbGtidPos::Parse(s); }

TEST(PurgedSinceTest, DomainsBehindTheOldestBinlog) {
  // Caught up to or past the oldest binlog's start: nothing purged.
  EXPECT_TRUE(PurgedSince(Pos("0-1-100"), Pos("0-1-100")).empty());
  EXPECT_TRUE(PurgedSince(Pos("0-1-150,1-2-7"), Pos("0-1-100")).empty());
  // Behind in one domain: those transactions were purged.
  EXPECT_EQ(PurgedSince(Pos("0-1-99,1-2-7"), Pos("0-1-100,1-2-5")).ToString(),
            "0-1-100");
  // A domain the position never saw starts with the oldest binlog's.
  EXPECT_TRUE(PurgedSince(Pos("0-1-100"), Pos("0-1-100,3-3-40")).empty());
  // An empty oldest position (nothing purged yet).
  EXPECT_TRUE(PurgedSince(Pos("0-1-1"), Pos("")).empty());
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
