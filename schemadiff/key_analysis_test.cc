#include "schemadiff/key_analysis.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

CreateTable Table(const std::string& sql) {
  absl::StatusOr<Statement> s = ParseStatement(sql);
  EXPECT_OK(s);
  return std::get<CreateTable>(*s);
}

const IndexDefinition& Key(const CreateTable& t, const std::string& name) {
  for (const IndexDefinition& k : t.spec->indexes) {
    if (k.name == name) return k;
  }
  return t.spec->indexes.front();
}

TEST(KeyAnalysisTest, FactsAndConstraints) {
  CreateTable t = Table(
      "create table t (id int, a int not null, b int, f double not null, "
      "v varchar(20) not null, primary key (id), unique key ua (a), "
      "unique key uab (a, b), unique key uv5 (v(5)), unique key uid (id), "
      "key kf (f))");
  std::map<std::string, KeyFacts> facts = KeyFactsByName(t);
  EXPECT_FALSE(facts["primary"].has_nullable);
  EXPECT_FALSE(facts["uid"].has_nullable);  // id is in the primary key
  EXPECT_TRUE(facts["uab"].has_nullable);
  EXPECT_TRUE(facts["uv5"].has_prefix);
  EXPECT_TRUE(facts["kf"].has_float);
  EXPECT_FALSE(facts["kf"].unique);
  EXPECT_TRUE(KeyAtLeastConstrainedAs(Key(t, "ua"), Key(t, "uab")));
  EXPECT_FALSE(KeyAtLeastConstrainedAs(Key(t, "uab"), Key(t, "ua")));
  EXPECT_FALSE(KeyAtLeastConstrainedAs(Key(t, "kf"), Key(t, "ua")));
  CreateTable renamed =
      Table("create table t (id int primary key, a2 int, unique key ua (a2))");
  EXPECT_FALSE(KeyAtLeastConstrainedAs(Key(t, "ua"), Key(renamed, "ua")));
  EXPECT_TRUE(
      KeyAtLeastConstrainedAs(Key(t, "ua"), Key(renamed, "ua"), {{"a", "a2"}}));
  // Iteration keys: the primary key first; uab has a NULL-able column and
  // uv5 a prefix, so neither can be iterated on.
  std::vector<const IndexDefinition*> keys = PrioritizedUniqueKeys(t);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front()->kind, IndexKind::kPrimary);
  std::vector<const IndexDefinition*> usable =
      IterationKeysByColumns(t, keys, {"id", "a", "b", "v"});
  std::vector<std::string> names;
  for (const IndexDefinition* k : usable) names.push_back(k->name);
  EXPECT_EQ(names, (std::vector<std::string>{"", "ua", "uid"}));
  EXPECT_EQ(IndexesCoveringColumns(t, {"A"}),
            (std::vector<std::string>{"ua", "uab"}));
  EXPECT_TRUE(IndexesCoveringColumns(t, {}).empty());
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
