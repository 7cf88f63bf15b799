#include "vreplication/sql_literal.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sidecut {
namespace vreplication {
namespace {

TEST(TemporalNumberTest, DigitsAsTheServerConvertsThem) {
  EXPECT_EQ(TemporalNumber("2020-01-02 03:04:05.57", false),
            "20200102030405.57");
  EXPECT_EQ(TemporalNumber("2020-01-02 03:04:05.57", true), "20200102030405");
  EXPECT_EQ(TemporalNumber("2020-01-02", false), "20200102");
  EXPECT_EQ(TemporalNumber("2020-02-31", true), "20200231");
  EXPECT_EQ(TemporalNumber("0000-00-00 00:00:00", true), "00000000000000");
  EXPECT_EQ(TemporalNumber("12:34:56", true), "123456");
  EXPECT_EQ(TemporalNumber("-838:59:59.5", false), "-8385959.5");
  EXPECT_EQ(TemporalNumber("-838:59:59.5", true), "-8385959");
  EXPECT_EQ(TemporalNumber("00:00:01.000001", false), "000001.000001");
}

TEST(TemporalNumberTest, UnexpectedFormsAreRefused) {
  for (const char* v : {"", "-", "abc", "2020-01-02 03:04:05.", "1.2.3",
                        "12:34:56.5:1", "2020-01-02'; DROP"}) {
    EXPECT_EQ(TemporalNumber(v, false), "") << v;
  }
}

TEST(MemberNumberTest, EnumIndexes) {
  const std::vector<std::string> m = {"x", "y", "3"};
  EXPECT_EQ(MemberNumber("x", m, false), "1");
  EXPECT_EQ(MemberNumber("3", m, false), "3");
  EXPECT_EQ(MemberNumber("", m, false), "0");   // the invalid value
  EXPECT_EQ(MemberNumber("X", m, false), "");   // not a member as written
  EXPECT_EQ(MemberNumber("x", {}, false), "");  // members unknown
  EXPECT_EQ(MemberNumber("", {"", "a"}, false), "1");
  EXPECT_EQ(MemberNumber("a", {"a", "b", "a"}, false), "");  // two alike
}

TEST(MemberNumberTest, SetBits) {
  const std::vector<std::string> m = {"a", "b", "c"};
  EXPECT_EQ(MemberNumber("a,c", m, true), "5");
  EXPECT_EQ(MemberNumber("b", m, true), "2");
  EXPECT_EQ(MemberNumber("", m, true), "0");
  EXPECT_EQ(MemberNumber("a,d", m, true), "");
  std::vector<std::string> many;
  for (int i = 0; i < 64; ++i) many.push_back(std::to_string(i));
  EXPECT_EQ(MemberNumber("63", many, true), "9223372036854775808");
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
