#include "schemadiff/constraint_names.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr char kUuid[] = "6ace8bce_f732_11ea_87e9_f875a4d24e90";
constexpr char kOther[] = "7bdf9cdf_f732_11ea_87e9_f875a4d24e90";

TEST(ConstraintBaseNameTest, ReducesGeneratedNames) {
  EXPECT_EQ(ConstraintBaseName("t", "fk_Parent"), "fk_Parent");
  EXPECT_EQ(ConstraintBaseName("t", "fk_Parent_2dbf8418af7250d783beb2083"),
            "fk_Parent");
  EXPECT_EQ(ConstraintBaseName("Orders", "orders_ibfk_1"), "ibfk_1");
  EXPECT_EQ(ConstraintBaseName("orders", "orders_chk_2"), "chk_2");
  // Not of those forms: as written.
  EXPECT_EQ(ConstraintBaseName("t", "fk_2DBF8418AF7250D783BEB2083"),
            "fk_2DBF8418AF7250D783BEB2083");
  EXPECT_EQ(ConstraintBaseName("t", "fk_short_2dbf8418"), "fk_short_2dbf8418");
  EXPECT_EQ(ConstraintBaseName("orders", "orders_fk"), "orders_fk");
}

TEST(NewConstraintNameTest, VitessFormDeterministicAndNotGrowing) {
  const std::string once = NewConstraintName("fc", "fk_p", kUuid);
  EXPECT_THAT(once, ::testing::MatchesRegex("fk_p_[0-9a-z]{25}"));
  EXPECT_EQ(NewConstraintName("fc", "fk_p", kUuid), once);  // every shard
  const std::string again = NewConstraintName("fc", once, kOther);
  EXPECT_THAT(again, ::testing::MatchesRegex("fk_p_[0-9a-z]{25}"));
  EXPECT_NE(again, once);
  EXPECT_NE(NewConstraintName("fc", "fk_q", kUuid).substr(5), once.substr(5));
  EXPECT_THAT(NewConstraintName("fc", "fc_ibfk_1", kUuid),
              ::testing::MatchesRegex("ibfk_1_[0-9a-z]{25}"));
  EXPECT_EQ(ConstraintBaseName("fc", once), "fk_p");
  // Ours is recognized as ours, for this migration only.
  EXPECT_TRUE(IsNewConstraintName("fc", once, kUuid));
  EXPECT_FALSE(IsNewConstraintName("fc", once, kOther));
  EXPECT_FALSE(IsNewConstraintName("fc", "fk_p", kUuid));
}

TEST(NewConstraintNameTest, StaysWithin64Characters) {
  const std::string cut = NewConstraintName("t", std::string(64, 'x'), kUuid);
  EXPECT_EQ(cut.size(), 64u);
  EXPECT_TRUE(IsNewConstraintName("t", cut, kUuid));
  // Cut by characters, never inside one.
  std::string accented;
  for (int i = 0; i < 60; ++i) accented += "\xC3\xA9";  // é
  const std::string n = NewConstraintName("t", accented, kUuid);
  EXPECT_EQ(n.size(), 38u * 2 + 26);
  EXPECT_EQ(n.substr(0, 76), accented.substr(0, 76));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
