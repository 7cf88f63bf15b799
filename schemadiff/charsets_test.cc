#include "schemadiff/charsets.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sidecut {
namespace schemadiff {
namespace {

TEST(CharsetsTest, Names) {
  EXPECT_EQ(DefaultCharset(), "utf8mb4");
  EXPECT_EQ(NormalizeCharsetName("UTF8"), "utf8mb3");
  EXPECT_EQ(NormalizeCharsetName("Latin1"), "latin1");
  EXPECT_EQ(NormalizeCollationName("UTF8_General_CI"), "utf8mb3_general_ci");
  EXPECT_EQ(NormalizeCollationName("utf8mb4_bin"), "utf8mb4_bin");
}

TEST(CharsetsTest, Facts) {
  struct Case {
    std::string charset;
    std::string default_collation;
    int max_bytes;
  };
  const std::vector<Case> cases = {
      {"utf8mb4", "utf8mb4_0900_ai_ci", 4},
      {"utf8mb3", "utf8mb3_general_ci", 3},
      {"latin1", "latin1_swedish_ci", 1},
      {"ucs2", "ucs2_general_ci", 2},
      {"no_such_charset", "", 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.charset);
    EXPECT_EQ(DefaultCollation(c.charset), c.default_collation);
    EXPECT_EQ(MaxBytesPerChar(c.charset), c.max_bytes);
  }
}

TEST(CharsetsTest, Collations) {
  EXPECT_EQ(CharsetOfCollation("latin1_swedish_ci"), "latin1");
  EXPECT_EQ(CharsetOfCollation("binary"), "binary");
  EXPECT_TRUE(IsKnownCollation("utf8mb4_0900_as_cs"));
  EXPECT_TRUE(IsKnownCollation("latin1_bin"));
  EXPECT_TRUE(IsKnownCollation("binary"));
  EXPECT_FALSE(IsKnownCollation("latin1_nonexisting"));
  EXPECT_FALSE(IsKnownCollation("nocharset_general_ci"));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
