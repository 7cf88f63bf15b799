#include "mysql/gtid.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace mysql {
namespace {

using ::testing::Not;

constexpr char kU1[] = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
constexpr char kU2[] = "4f22ab58-82db-22f2-af44-d91bb0530673";

MariadbGtidPos M(const std::string& s) {
  return MariadbGtidPos::Parse(s).value();
}
MysqlGtidSet S(const std::string& s) { return MysqlGtidSet::Parse(s).value(); }

TEST(MariadbGtidTest, ParsePrintRoundTrip) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"0-1-5", "0-1-5"},
      {" 1-2-7 , 0-1-5 ", "0-1-5,1-2-7"},
      {"", ""},
      {"4294967295-4294967295-18446744073709551615",
       "4294967295-4294967295-18446744073709551615"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    ASSERT_OK_AND_ASSIGN(MariadbGtidPos p, MariadbGtidPos::Parse(c.in));
    EXPECT_EQ(p.ToString(), c.want);
  }
}

TEST(MariadbGtidTest, ParseErrors) {
  for (const char* bad : {"0-1", "a-b-c", "0-1-5,0-2-6", "0-1-5-", "-1-1-1",
                          "0-1-99999999999999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(MariadbGtidPos::Parse(bad),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST(MariadbGtidTest, ContainsUnionSubtract) {
  MariadbGtidPos a = M("0-1-10,1-2-5");
  EXPECT_TRUE(a.Contains(M("0-1-10")));
  EXPECT_TRUE(a.Contains(M("0-7-3,1-2-5")));  // sequence decides
  EXPECT_FALSE(a.Contains(M("0-1-11")));
  EXPECT_FALSE(a.Contains(M("2-1-1")));  // unknown domain
  EXPECT_TRUE(a.Contains(M("")));
  EXPECT_EQ(a.Union(M("0-1-4,2-3-9")).ToString(), "0-1-10,1-2-5,2-3-9");
  EXPECT_EQ(a.Union(M("1-9-6")).ToString(), "0-1-10,1-9-6");
  EXPECT_EQ(a.Subtract(M("0-1-10")).ToString(), "1-2-5");
  EXPECT_EQ(a.Subtract(M("0-1-9,1-2-5")).ToString(), "0-1-10");
  MariadbGtidPos b = a;
  b.Update({1, 3, 6});
  EXPECT_EQ(b.ToString(), "0-1-10,1-3-6");
  EXPECT_NE(a, b);
}

TEST(MysqlGtidSetTest, ParsePrintNormalizes) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {std::string(kU1) + ":1-5", std::string(kU1) + ":1-5"},
      {std::string(kU1) + ":7-9:1-5:6", std::string(kU1) + ":1-9"},
      {std::string(kU1) + ":1-3:5", std::string(kU1) + ":1-3:5"},
      {std::string(kU2) + ":4,\n" + "3E11FA47-71CA-11E1-9E33-C80AA9429562:2",
       std::string(kU1) + ":2," + kU2 + ":4"},
      {"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    ASSERT_OK_AND_ASSIGN(MysqlGtidSet s, MysqlGtidSet::Parse(c.in));
    EXPECT_EQ(s.ToString(), c.want);
  }
  for (std::string bad :
       {std::string("nope:1"), std::string(kU1), std::string(kU1) + ":0",
        std::string(kU1) + ":5-3", std::string(kU1) + ":x"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(MysqlGtidSet::Parse(bad), Not(IsOk()));
  }
}

TEST(MysqlGtidSetTest, ContainsUnionSubtract) {
  MysqlGtidSet a = S(std::string(kU1) + ":1-10:20-30");
  EXPECT_TRUE(a.Contains(S(std::string(kU1) + ":2-5:21")));
  EXPECT_FALSE(a.Contains(S(std::string(kU1) + ":9-11")));
  EXPECT_FALSE(a.Contains(S(std::string(kU2) + ":1")));
  EXPECT_TRUE(a.ContainsGtid(kU1, 25));
  EXPECT_FALSE(a.ContainsGtid(kU1, 15));
  EXPECT_EQ(a.Union(S(std::string(kU1) + ":11-19," + kU2 + ":3")).ToString(),
            std::string(kU1) + ":1-30," + kU2 + ":3");
  EXPECT_EQ(a.Subtract(S(std::string(kU1) + ":3-4:10-22")).ToString(),
            std::string(kU1) + ":1-2:5-9:23-30");
  EXPECT_EQ(a.Subtract(a).ToString(), "");
  MysqlGtidSet b;
  b.Add(kU2, 1);
  b.Add(kU2, 2);
  b.Add(kU2, 4);
  EXPECT_EQ(b.ToString(), std::string(kU2) + ":1-2:4");
}

TEST(PositionTest, VitessEncoding) {
  ASSERT_OK_AND_ASSIGN(Position m, Position::Parse("MariaDB/0-1-5"));
  EXPECT_EQ(m.flavor(), Flavor::kMariadb);
  EXPECT_EQ(m.ToString(), "MariaDB/0-1-5");
  EXPECT_EQ(m.GtidText(), "0-1-5");
  ASSERT_OK_AND_ASSIGN(Position y,
                       Position::Parse(std::string("MySQL56/") + kU1 + ":1-5"));
  EXPECT_EQ(y.flavor(), Flavor::kMysql56);
  EXPECT_EQ(y.ToString(), std::string("MySQL56/") + kU1 + ":1-5");
  ASSERT_OK_AND_ASSIGN(Position z, Position::Parse(""));
  EXPECT_TRUE(z.empty());
  EXPECT_TRUE(m.AtLeast(z));
  EXPECT_FALSE(m.AtLeast(y));
  EXPECT_THAT(Position::Parse("Postgres/1"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(m.Union(y), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(Position later, Position::Parse("MariaDB/0-1-9"));
  EXPECT_TRUE(later.AtLeast(m));
  EXPECT_FALSE(m.AtLeast(later));
  EXPECT_THAT(m.Union(later), IsOkAndHolds(later));
}

TEST(FormatUuidTest, Canonical) {
  std::string raw(
      "\x3e\x11\xfa\x47\x71\xca\x11\xe1\x9e\x33\xc8\x0a\xa9\x42\x95\x62", 16);
  EXPECT_EQ(FormatUuid(raw), kU1);
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
