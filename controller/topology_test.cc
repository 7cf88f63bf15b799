#include "controller/topology.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace controller {
namespace {

using ::testing::HasSubstr;

constexpr char kTwoShards[] = R"(
keyspaces {
  name: "commerce"
  shards { name: "-80" tablet: "127.0.0.1:15001" }
  shards { name: "80-" tablet: "127.0.0.1:15002" }
}
keyspaces {
  name: "customer"
  shards { name: "0" tablet: "[::1]:15003" }
}
)";

TEST(TopologyTest, ParsesKeyspacesShardsAndTablets) {
  ASSERT_OK_AND_ASSIGN(Topology t, ParseTopology(kTwoShards));
  ASSERT_EQ(t.keyspaces_size(), 2);
  EXPECT_EQ(t.keyspaces(0).shards(1).tablet(), "127.0.0.1:15002");
  ASSERT_OK_AND_ASSIGN(const TopologyKeyspace* k, FindKeyspace(t, "customer"));
  EXPECT_EQ(k->shards(0).name(), "0");
  EXPECT_THAT(
      FindKeyspace(t, "").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("several")));
  EXPECT_THAT(FindKeyspace(t, "nope").status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
}

TEST(TopologyTest, TheOnlyKeyspaceIsTheDefault) {
  ASSERT_OK_AND_ASSIGN(
      Topology t,
      ParseTopology(
          "keyspaces { name: 'ks' shards { name: '0' tablet: 'h:1' } }"));
  ASSERT_OK_AND_ASSIGN(const TopologyKeyspace* k, FindKeyspace(t, ""));
  EXPECT_EQ(k->name(), "ks");
}

TEST(TopologyTest, RejectsBadTopologiesWithTheReason) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"", "no keyspaces"},
      {"keyspaces { name: 'a' }", "has no shards"},
      {"keyspaces { shards { name: '0' tablet: 'h:1' } }", "has no name"},
      {"keyspaces { name: 'a' shards { name: '0' tablet: 'h:1' } } "
       "keyspaces { name: 'a' shards { name: '0' tablet: 'h:1' } }",
       "appears twice"},
      {"keyspaces { name: 'a' shards { name: '0' tablet: 'h:1' } "
       "shards { name: '0' tablet: 'h:2' } }",
       "a/0 appears twice"},
      {"keyspaces { name: 'a' shards { name: '0' tablet: 'nohost' } }",
       "host:port"},
      {"keyspaces { name: 'a' shards { name: '0' tablet: 'h:99999' } }",
       "host:port"},
      {"keyspaces { name: 'a' shards { name: '0' } }", "host:port"},
      {"keyspaces { name: 'a' bogus: 1 }", "line 1"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(
        ParseTopology(c.text).status(),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.text;
  }
}

TEST(TopologyTest, LoadsAFileAndNamesItInErrors) {
  const std::string path =
      std::string(std::getenv("TEST_TMPDIR")) + "/topology.textproto";
  std::ofstream(path) << kTwoShards;
  ASSERT_OK_AND_ASSIGN(Topology t, LoadTopology(path));
  EXPECT_EQ(t.keyspaces(0).name(), "commerce");
  std::ofstream(path) << "keyspaces { name: 'x' }";
  EXPECT_THAT(LoadTopology(path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  EXPECT_THAT(LoadTopology(path + ".missing").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace controller
}  // namespace sidecut
