#include "mysql/quoting.h"

#include <string>

#include "gtest/gtest.h"

namespace sidecut {
namespace mysql {
namespace {

TEST(QuotingTest, Identifiers) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"t", "`t`"},
      {"we`ird", "`we``ird`"},
      {"``", "``````"},
      {"it's \"x\"", "`it's \"x\"`"},
      {"naïve_表", "`naïve_表`"},
      {"", "``"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(QuoteIdentifier(c.in), c.want);
  }
  EXPECT_EQ(QuoteQualified("d`b", "t"), "`d``b`.`t`");
}

TEST(QuotingTest, Strings) {
  struct Case {
    std::string in, want;
  } cases[] = {
      {"abc", "'abc'"},
      {"it's", "'it\\'s'"},
      {"a\\b", "'a\\\\b'"},
      {std::string("nul\0x", 5), "'nul\\0x'"},
      {"l1\nl2\r", "'l1\\nl2\\r'"},
      {"\"q\"", "'\\\"q\\\"'"},
      {"\x1a", "'\\Z'"},
      {"日本語", "'日本語'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(QuoteString(c.in), c.want);
  }
  EXPECT_EQ(QuoteHex(std::string("\x00\xff", 2)), "X'00ff'");
}

}  // namespace
}  // namespace mysql
}  // namespace sidecut
