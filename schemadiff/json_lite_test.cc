#include "schemadiff/json_lite.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

using ::testing::HasSubstr;

TEST(JsonLiteTest, ParsesObjects) {
  ASSERT_OK_AND_ASSIGN(
      JsonValue v, ParseJson(R"({"s": "a\"b\n\u00e9\ud83d\ude00", "n": -1.5e3,
                   "t": true, "f": false, "z": null, "a": [1, "x", []],
                   "o": {"k": "v"}})"));
  ASSERT_EQ(v.type, JsonValue::Type::kObject);
  EXPECT_EQ(v.Find("s")->text, "a\"b\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(v.Find("n")->text, "-1.5e3");
  EXPECT_TRUE(v.Find("t")->boolean);
  EXPECT_FALSE(v.Find("f")->boolean);
  EXPECT_TRUE(v.Find("z")->is_null());
  EXPECT_EQ(v.Find("a")->array.size(), 3u);
  EXPECT_EQ(v.Find("o")->Find("k")->text, "v");
  EXPECT_EQ(v.Find("missing"), nullptr);
}

TEST(JsonLiteTest, Errors) {
  struct Case {
    std::string name;
    std::string json;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"unterminated string", R"({"a": "b)", "unterminated string"},
      {"missing colon", R"({"a" 1})", "expected ':'"},
      {"trailing characters", "{} x", "trailing characters"},
      {"bad escape", R"("\u12g4")", "bad \\u escape"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(ParseJson(c.json), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr(c.want)));
  }
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
