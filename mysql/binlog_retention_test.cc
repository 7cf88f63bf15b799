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
  // A domain the position lacks began after it: its transactions before
  // the oldest binlog were purged (a dump from the position would skip
  // them silently).
  EXPECT_EQ(PurgedSince(Pos("0-1-100"), Pos("0-1-100,3-3-40")).ToString(),
            "3-3-40");
  // An empty oldest position (nothing purged yet).
  EXPECT_TRUE(PurgedSince(Pos("0-1-1"), Pos("")).empty());
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
