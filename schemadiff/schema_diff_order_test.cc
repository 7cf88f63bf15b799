#include "schemadiff/schema_diff_order.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "schemadiff/schema_diff_plan.h"
#include "schemadiff/schema_errors.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr char kBase[] =
    "create table t1 (id int primary key, info int not null);"
    "create table t2 (id int primary key, ts timestamp);"
    "create view v1 as select id from t1";

struct Case {
  std::string name;
  std::string from;
  std::string to;
  int diffs;
  int deps;
  bool sequential;
  int classes;
  std::vector<std::string> order;  // entity names; empty with `error`
  std::string error;               // prefix of the ordering error
};

TEST(SchemaDiffOrderTest, PlansAndOrders) {
  const std::vector<Case> cases = {
      {"no change", kBase, kBase, 0, 0, false, 0, {}, ""},
      {"unrelated",
       kBase,
       "create table t1 (id int primary key, info int not null, x int);"
       "create table t2 (id int primary key, ts timestamp, v int);"
       "create view v1 as select id from t1;"
       "create view v2 as select 1 from dual",
       3,
       0,
       false,
       3,
       {"t1", "t2", "v2"},
       ""},
      {"drop view before the table it reads",
       kBase,
       "create table t2 (id int primary key, ts timestamp)",
       2,
       1,
       false,
       1,
       {"v1", "t1"},
       ""},
      {"new view after the altered table",
       kBase,
       std::string(kBase) + "; create table t3 (id int primary key, v int);"
                            "create view v2 as select v from t3",
       2,
       1,
       false,
       1,
       {"t3", "v2"},
       ""},
      {"fk child after new parent",
       kBase,
       std::string(kBase) + "; create table t3 (id int primary key, p int, "
                            "foreign key (p) references tp (id));"
                            "create table tp (id int primary key)",
       2,
       1,
       true,
       1,
       {"tp", "t3"},
       ""},
      {"fk on a column the parent adds",
       kBase,
       "create table t1 (id int primary key, info int not null, p int, "
       "key p_idx (p));"
       "create table t2 (id int primary key, ts timestamp, t1_p int, "
       "foreign key (t1_p) references t1 (p));"
       "create view v1 as select id from t1",
       2,
       1,
       true,
       1,
       {"t1", "t2"},
       ""},
      {"renamed column read by an altered view",
       kBase,
       "create table t1 (the_id int primary key, info int not null);"
       "create table t2 (id int primary key, ts timestamp);"
       "create view v1 as select the_id from t1",
       2,
       1,
       false,
       1,
       {},
       "no valid applicable order for diffs. 2 diffs found conflicting:"},
      {"fk cycle of new tables",
       "create table t1 (id int primary key)",
       "create table t1 (id int primary key);"
       "create table a (id int primary key, i int, "
       "foreign key (i) references b (id));"
       "create table b (id int primary key, i int, "
       "foreign key (i) references a (id))",
       2,
       2,
       true,
       1,
       {},
       "no valid applicable order for diffs"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(Schema from, Schema::FromSql(c.from));
    ASSERT_OK_AND_ASSIGN(Schema to, Schema::FromSql(c.to));
    ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
    EXPECT_EQ(plan.diffs.size(), static_cast<size_t>(c.diffs));
    EXPECT_EQ(plan.dependencies.size(), static_cast<size_t>(c.deps));
    EXPECT_EQ(plan.HasSequentialDependencies(), c.sequential);
    EXPECT_EQ(plan.classes.size(), static_cast<size_t>(c.classes));
    absl::StatusOr<std::vector<int>> order = OrderDiffs(from, plan);
    if (!c.error.empty()) {
      ASSERT_FALSE(order.ok());
      EXPECT_EQ(order.status().message().substr(0, c.error.size()), c.error);
      EXPECT_EQ(GetSchemaErrorKind(order.status()),
                SchemaErrorKind::kImpossibleDiffOrder);
      continue;
    }
    ASSERT_OK(order);
    std::vector<std::string> names;
    for (int i : *order) names.push_back(plan.diffs[i].entity);
    EXPECT_EQ(names, c.order);
  }
}

TEST(SchemaDiffOrderTest, ApplyEntityDiffRejectsInvalidSteps) {
  ASSERT_OK_AND_ASSIGN(Schema from, Schema::FromSql(kBase));
  ASSERT_OK_AND_ASSIGN(Schema to,
                       Schema::FromSql("create table t2 (id int primary key, "
                                       "ts timestamp)"));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
  ASSERT_EQ(plan.diffs.size(), 2u);
  // Dropping t1 while v1 still reads it leaves an invalid schema.
  const EntityDiff& drop_t1 = plan.diffs[1];
  ASSERT_EQ(drop_t1.entity, "t1");
  EXPECT_FALSE(ApplyEntityDiff(from, drop_t1).ok());
  ASSERT_OK_AND_ASSIGN(Schema no_view, ApplyEntityDiff(from, plan.diffs[0]));
  EXPECT_OK(ApplyEntityDiff(no_view, drop_t1));
}

TEST(SchemaDiffOrderTest, PermutationLimit) {
  ASSERT_OK_AND_ASSIGN(Schema from, Schema::FromSql("create table x (id int)"));
  ASSERT_OK_AND_ASSIGN(
      Schema to, Schema::FromSql("create table x (id int);"
                                 "create table a (id int primary key, i int, "
                                 "foreign key (i) references b (id));"
                                 "create table b (id int primary key, i int, "
                                 "foreign key (i) references a (id))"));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
  OrderOptions options;
  options.max_permutations = 1;
  EXPECT_THAT(OrderDiffs(from, plan, options),
              StatusIs(absl::StatusCode::kResourceExhausted));
}

}  // namespace
}  // namespace schemadiff
}  // namespace sidecut
