#include "schemadiff/schema_diff_order.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
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
      // The server expands a view's * when the view is altered: altered
      // before its table, the view kept the old columns (and a column the
      // table then dropped broke it, planned as valid).
      {"star view altered after the table gaining a column",
       "create table t (id int primary key, a int);"
       "create view v as select `t`.`id` AS `id`, `t`.`a` AS `a` from `t`",
       "create table t (id int primary key, a int, c int);"
       "create view v as select * from t",
       2,
       1,
       false,
       1,
       {"t", "v"},
       ""},
      // A star over another table is not the table's (one in a subquery
      // over it is: the server expands every block's stars).
      {"view taking * from another table",
       "create table t (id int primary key, a int, b int);"
       "create table u (id int primary key, x int);"
       "create view v as select `t`.`b` AS `b`, `u`.`x` AS `x` from `t` join "
       "`u`",
       "create table t (id int primary key, a int);"
       "create table u (id int primary key, x int);"
       "create view v as select u.*, count(*) as n from t join u",
       2,
       1,
       false,
       1,
       {"v", "t"},
       ""},
      {"view taking * from the table in a derived table",
       "create table t (id int primary key, a int, b int);"
       "create view v as select `d`.`b` AS `b` from (select `t`.`id` AS "
       "`id`,`t`.`a` AS `a`,`t`.`b` AS `b` from `t`) `d`",
       "create table t (id int primary key, a int);"
       "create view v as select d.id from (select * from t) d",
       2,
       1,
       false,
       1,
       {},
       "no valid applicable order for diffs. 2 diffs found conflicting:"},
      {"star view and a column its table drops",
       "create table t (id int primary key, a int, b int);"
       "create view v as select `t`.`id` AS `id`, `t`.`a` AS `a`, `t`.`b` AS "
       "`b` from `t`",
       "create table t (id int primary key, a int);"
       "create view v as select * from t",
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
    bool used_whole_schema = false;
    OrderOptions options;
    options.used_whole_schema = &used_whole_schema;
    absl::StatusOr<std::vector<int>> order = OrderDiffs(from, plan, options);
    EXPECT_FALSE(used_whole_schema);
    OrderOptions reference;
    reference.whole_schema = true;
    absl::StatusOr<std::vector<int>> expected =
        OrderDiffs(from, plan, reference);
    EXPECT_EQ(order.status(), expected.status());
    if (order.ok() && expected.ok()) {
      EXPECT_EQ(*order, *expected);
    }
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

// A plan of hand-made diffs, one class each (PlanSchemaDiff never plans an
// invalid end state; these probe how each step is validated).
SchemaDiffPlan HandMadePlan(const std::vector<std::string>& statements) {
  SchemaDiffPlan plan;
  for (const std::string& sql : statements) {
    absl::StatusOr<Statement> stmt = ParseStatement(sql);
    EXPECT_OK(stmt);
    EntityDiff d;
    if (const auto* a = std::get_if<AlterTable>(&*stmt)) {
      d.kind = EntityDiffKind::kAlterTable;
      d.entity = a->name.name;
    } else if (const auto* t = std::get_if<CreateTable>(&*stmt)) {
      d.kind = EntityDiffKind::kCreateTable;
      d.entity = t->name.name;
    } else {
      ADD_FAILURE() << "unexpected statement " << sql;
    }
    d.statement = *stmt;
    d.canonical = ToCanonicalString(*stmt);
    plan.classes.push_back({static_cast<int>(plan.diffs.size())});
    plan.diffs.push_back(std::move(d));
  }
  return plan;
}

// Diffs names in `order`, for the tests below.
std::vector<std::string> EntitiesIn(const SchemaDiffPlan& plan,
                                    const std::vector<int>& order) {
  std::vector<std::string> names;
  for (int d : order) names.push_back(plan.diffs[d].entity);
  return names;
}

// Long ALTERs of unrelated classes end up side by side (a deployment
// swaps them in one RENAME); each class keeps its order, a view changed
// after its table's ALTER stays after it.
TEST(SchemaDiffOrderTest, GatherTableAltersBringsAltersTogether) {
  ASSERT_OK_AND_ASSIGN(
      Schema from, Schema::FromSql("create table a (id int primary key);"
                                   "create table b (id int primary key);"
                                   "create table c (id int primary key, y "
                                   "int);"
                                   "create view va as select id from a;"
                                   "create view vc as select id, y from c"));
  ASSERT_OK_AND_ASSIGN(
      Schema to, Schema::FromSql("create table a (id int primary key, x int);"
                                 "create table b (id int primary key, y int);"
                                 "create table c (id int primary key);"
                                 "create view va as select id, x from a;"
                                 "create view vc as select id from c"));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
  ASSERT_OK_AND_ASSIGN(std::vector<int> order, OrderDiffs(from, plan));
  const std::vector<int> gathered = GatherTableAlters(from, plan, order);
  // vc must change before c drops y; va after a adds x.
  EXPECT_EQ(EntitiesIn(plan, gathered),
            (std::vector<std::string>{"vc", "a", "b", "c", "va"}))
      << "from " << absl::StrJoin(EntitiesIn(plan, order), ",");
  // Gathered again, they stay together.
  const std::vector<std::string> again =
      EntitiesIn(plan, GatherTableAlters(from, plan, gathered));
  EXPECT_EQ(again.front(), "vc");
  EXPECT_EQ(again.back(), "va");
}

// An order whose gathering would not validate is kept as it is.
TEST(SchemaDiffOrderTest, GatherTableAltersKeepsAnOrderItCannotValidate) {
  ASSERT_OK_AND_ASSIGN(Schema from,
                       Schema::FromSql("create table a (id int primary key);"
                                       "create table b (id int primary key)"));
  // Hand-made classes claiming no dependency where there is one: b's
  // foreign key needs a's new key. Taken for something other than an
  // ALTER, b's change would go before a's run: that does not validate.
  SchemaDiffPlan plan = HandMadePlan(
      {"alter table a add column k int, add unique key (k)",
       "alter table b add column k int, add foreign key (k) references a (k)"});
  plan.diffs[1].kind = EntityDiffKind::kCreateTable;
  EXPECT_EQ(GatherTableAlters(from, plan, {0, 1}), (std::vector<int>{0, 1}));
}

TEST(SchemaDiffOrderTest, NeighborhoodFollowsViewsOfViews) {
  // Dropping t.c breaks v2, which reads it through v1 (SELECT *): the step
  // must be validated with v2 although v2 does not read t.
  ASSERT_OK_AND_ASSIGN(
      Schema from, Schema::FromSql("create table t (id int primary key, c int);"
                                   "create table other (id int primary key);"
                                   "create view v1 as select * from t;"
                                   "create view v2 as select c from v1"));
  SchemaDiffPlan plan = HandMadePlan({"alter table t drop column c"});
  bool used_whole_schema = true;
  OrderOptions options;
  options.used_whole_schema = &used_whole_schema;
  EXPECT_THAT(OrderDiffs(from, plan, options),
              StatusIs(absl::StatusCode::kInvalidArgument));
  OrderOptions reference;
  reference.whole_schema = true;
  EXPECT_THAT(OrderDiffs(from, plan, reference),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Without the view reading the column, the same step is fine.
  ASSERT_OK_AND_ASSIGN(
      Schema no_v2,
      Schema::FromSql("create table t (id int primary key, c int);"
                      "create view v1 as select * from t"));
  EXPECT_OK(OrderDiffs(no_v2, plan, options));
  EXPECT_FALSE(used_whole_schema);
}

TEST(SchemaDiffOrderTest, NeighborhoodFollowsForeignKeys) {
  // Dropping the parent's referenced column breaks the child's foreign key;
  // adding a foreign key needs the parent's columns.
  ASSERT_OK_AND_ASSIGN(
      Schema from,
      Schema::FromSql("create table p (id int primary key, k int, key (k));"
                      "create table c (id int primary key, pk int, "
                      "foreign key (pk) references p (k));"
                      "create table unrelated (id int primary key)"));
  EXPECT_FALSE(
      OrderDiffs(from, HandMadePlan({"alter table p drop column k"})).ok());
  EXPECT_FALSE(OrderDiffs(from, HandMadePlan({"alter table unrelated add "
                                              "column x int, add foreign key "
                                              "(x) references p (nope)"}))
                   .ok());
  EXPECT_OK(OrderDiffs(from, HandMadePlan({"alter table unrelated add column "
                                           "x int, add foreign key (x) "
                                           "references p (id)"})));
}

TEST(SchemaDiffOrderTest, DuplicateCheckNameAcrossTablesIsCaught) {
  // CHECK names are unique across tables, a rule no reference leads to: the
  // final-schema check hands the plan to the whole-schema algorithm, which
  // reports the conflict.
  ASSERT_OK_AND_ASSIGN(
      Schema from,
      Schema::FromSql("create table a (id int primary key, constraint chk "
                      "check (id > 0));"
                      "create table b (id int primary key)"));
  SchemaDiffPlan plan =
      HandMadePlan({"alter table b add constraint chk check (id > 1)"});
  bool used_whole_schema = false;
  OrderOptions options;
  options.used_whole_schema = &used_whole_schema;
  absl::StatusOr<std::vector<int>> order = OrderDiffs(from, plan, options);
  EXPECT_TRUE(used_whole_schema);
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(GetSchemaErrorKind(order.status()),
            SchemaErrorKind::kImpossibleDiffOrder);
  EXPECT_NE(order.status().message().find("chk"), std::string::npos)
      << order.status();
}

// A schema of `n` tables (every 5th with a foreign key to the one before),
// n/10 views; `changed` alters every 10th table, changes every 10th view,
// adds foreign keys and a table, and drops a view with the table it reads.
std::string Generated(int n, bool changed) {
  std::string sql;
  for (int i = 1; i <= n; ++i) {
    bool ch = changed && i % 10 == 0;
    if (changed && i == n) continue;  // dropped, with the view on it
    absl::StrAppend(&sql, "create table t", i,
                    " (id int primary key, parent_id int, name varchar(",
                    ch ? 128 : 64, "), v int not null default 0",
                    ch ? ", extra bigint, other_id int, key (other_id)" : "",
                    ", key (parent_id)");
    if (i % 5 == 0) {
      absl::StrAppend(&sql, ", foreign key (parent_id) references t", i - 1,
                      " (id)");
    }
    if (ch && i % 20 == 0 && i > 10) {
      absl::StrAppend(&sql, ", foreign key (other_id) references t", i - 10,
                      " (id)");
    }
    absl::StrAppend(&sql, ");\n");
  }
  if (changed) {
    absl::StrAppend(&sql,
                    "create table t_new (id int primary key, t1_id int, "
                    "foreign key (t1_id) references t1 (id));\n");
  }
  for (int j = 1; j <= n / 10; ++j) {
    int t = j * 10;
    if (changed && t == n) continue;
    bool ch = changed && j % 3 == 0;
    absl::StrAppend(&sql, "create view v", j, " as select id, name",
                    ch ? ", extra" : "", " from t", t, ";\n");
  }
  if (changed) {
    absl::StrAppend(&sql, "create view v_new as select id from t_new;\n");
  }
  return sql;
}

TEST(SchemaDiffOrderTest, NeighborhoodsOrderAsTheWholeSchema) {
  ASSERT_OK_AND_ASSIGN(Schema from, Schema::FromSql(Generated(200, false)));
  ASSERT_OK_AND_ASSIGN(Schema to, Schema::FromSql(Generated(200, true)));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
  ASSERT_GT(plan.diffs.size(), 20u);
  ASSERT_LT(plan.classes.size(), plan.diffs.size());  // some related diffs
  bool used_whole_schema = true;
  OrderOptions options;
  options.used_whole_schema = &used_whole_schema;
  ASSERT_OK_AND_ASSIGN(std::vector<int> order, OrderDiffs(from, plan, options));
  EXPECT_FALSE(used_whole_schema);
  OrderOptions reference;
  reference.whole_schema = true;
  ASSERT_OK_AND_ASSIGN(std::vector<int> expected,
                       OrderDiffs(from, plan, reference));
  EXPECT_EQ(order, expected);
  // Applying the order step by step on the whole schema validates each step
  // and ends at `to` (nothing left to diff).
  Schema current = from;
  for (int d : order) {
    ASSERT_OK_AND_ASSIGN(current, ApplyEntityDiff(current, plan.diffs[d]));
  }
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan left, PlanSchemaDiff(current, to, {}));
  EXPECT_EQ(left.diffs.size(), 0u);
}

TEST(SchemaDiffOrderTest, ForeignKeyCheckStrategies) {
  // Two new tables referencing each other: no strict order exists.
  ASSERT_OK_AND_ASSIGN(Schema from,
                       Schema::FromSql("create table t (id int primary key)"));
  ASSERT_OK_AND_ASSIGN(
      Schema to, Schema::FromSql("create table t (id int primary key);"
                                 "create table t12 (id int primary key, i int, "
                                 "foreign key (i) references t11 (id));"
                                 "create table t11 (id int primary key, i int, "
                                 "foreign key (i) references t12 (id))"));
  for (bool whole_schema : {false, true}) {
    SCOPED_TRACE(whole_schema ? "whole schema" : "neighborhoods");
    OrderOptions options;
    options.whole_schema = whole_schema;
    DiffHints hints;
    ASSERT_OK_AND_ASSIGN(SchemaDiffPlan strict,
                         PlanSchemaDiff(from, to, hints));
    absl::StatusOr<std::vector<int>> order = OrderDiffs(from, strict, options);
    ASSERT_FALSE(order.ok());
    EXPECT_EQ(GetSchemaErrorKind(order.status()),
              SchemaErrorKind::kImpossibleDiffOrder);
    for (ForeignKeyCheckStrategy s :
         {ForeignKeyCheckStrategy::kCreateTableFirst,
          ForeignKeyCheckStrategy::kIgnore}) {
      hints.foreign_key_check = s;
      ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan,
                           PlanSchemaDiff(from, to, hints));
      ASSERT_OK_AND_ASSIGN(std::vector<int> o, OrderDiffs(from, plan, options));
      std::vector<std::string> names;
      for (int i : o) names.push_back(plan.diffs[i].entity);
      EXPECT_EQ(names, (std::vector<std::string>{"t11", "t12"}));
    }
  }
}

TEST(SchemaDiffOrderTest, RelaxedStrategiesStillCheckTheFinalSchema) {
  ASSERT_OK_AND_ASSIGN(Schema from,
                       Schema::FromSql("create table t (id int primary key)"));
  SchemaDiffPlan plan =
      HandMadePlan({"create table c (id int primary key, p int, foreign key "
                    "(p) references nowhere (id))"});
  for (ForeignKeyCheckStrategy s : {ForeignKeyCheckStrategy::kStrict,
                                    ForeignKeyCheckStrategy::kCreateTableFirst,
                                    ForeignKeyCheckStrategy::kIgnore}) {
    plan.foreign_key_check = s;
    for (bool whole_schema : {false, true}) {
      OrderOptions options;
      options.whole_schema = whole_schema;
      absl::StatusOr<std::vector<int>> order = OrderDiffs(from, plan, options);
      ASSERT_FALSE(order.ok());
      EXPECT_EQ(GetSchemaErrorKind(order.status()),
                SchemaErrorKind::kImpossibleDiffOrder);
      EXPECT_NE(order.status().message().find("nonexistent table `nowhere`"),
                std::string::npos)
          << order.status();
    }
  }
}

TEST(SchemaDiffOrderTest, PermuteDiffsKeepsViewsInPlace) {
  // Dropping a chain of views and altering the table they read: the views
  // are dropped first, in the plan's order, and never permuted.
  ASSERT_OK_AND_ASSIGN(
      Schema from,
      Schema::FromSql("create table t1 (id int primary key, info int);"
                      "create view v1 as select id from t1;"
                      "create view v2 as select id from v1"));
  ASSERT_OK_AND_ASSIGN(Schema to, Schema::FromSql("create table t1 (id int "
                                                  "primary key, info bigint)"));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, {}));
  ASSERT_EQ(plan.diffs.size(), 3u);
  std::vector<int> diffs = {0, 1, 2};
  int n = 0;
  EXPECT_FALSE(PermuteDiffs(plan, &diffs, [&](const std::vector<int>& p) {
    ++n;
    EXPECT_EQ(p, (std::vector<int>{0, 1, 2}));
    return false;
  }));
  EXPECT_EQ(n, 1);
  // ALTER VIEW and table diffs do trade places.
  ASSERT_OK_AND_ASSIGN(
      Schema to2, Schema::FromSql("create table t1 (id int primary key, info "
                                  "bigint);"
                                  "create view v1 as select id, info from t1;"
                                  "create view v2 as select id from v1"));
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan2, PlanSchemaDiff(from, to2, {}));
  ASSERT_EQ(plan2.diffs.size(), 2u);
  diffs = {0, 1};
  n = 0;
  PermuteDiffs(plan2, &diffs, [&](const std::vector<int>&) {
    ++n;
    return false;
  });
  EXPECT_EQ(n, 2);
}

TEST(SchemaDiffOrderTest, TableRenamesArePlannedAndOrdered) {
  constexpr char kFrom[] =
      "create table t1 (id int primary key);"
      "create table t2a (id int unsigned primary key, v int);"
      "create table c (id int primary key, p int unsigned, "
      "foreign key (p) references t2a (id))";
  constexpr char kTo[] =
      "create table t1 (id int primary key);"
      "create table t2b (id int unsigned primary key, v int);"
      "create table c (id int primary key, p int unsigned, "
      "foreign key (p) references t2b (id))";
  ASSERT_OK_AND_ASSIGN(Schema from, Schema::FromSql(kFrom));
  ASSERT_OK_AND_ASSIGN(Schema to, Schema::FromSql(kTo));
  // By default a renamed table is dropped and created.
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plain, PlanSchemaDiff(from, to, {}));
  for (const EntityDiff& d : plain.diffs) {
    EXPECT_NE(d.kind, EntityDiffKind::kRenameTable) << d.canonical;
  }
  DiffHints hints;
  hints.table_rename = TableRenameStrategy::kHeuristicStatement;
  ASSERT_OK_AND_ASSIGN(SchemaDiffPlan plan, PlanSchemaDiff(from, to, hints));
  ASSERT_EQ(plan.diffs.size(), 2u);
  EXPECT_EQ(plan.diffs[0].kind, EntityDiffKind::kAlterTable);
  EXPECT_EQ(plan.diffs[0].entity, "c");
  EXPECT_EQ(plan.diffs[1].kind, EntityDiffKind::kRenameTable);
  EXPECT_EQ(plan.diffs[1].entity, "t2a");
  EXPECT_EQ(plan.diffs[1].canonical, "RENAME TABLE `t2a` TO `t2b`");
  EXPECT_EQ(plan.classes.size(), 1u);  // c's new foreign key names t2b
  for (bool whole_schema : {false, true}) {
    SCOPED_TRACE(whole_schema ? "whole schema" : "neighborhoods");
    OrderOptions options;
    options.whole_schema = whole_schema;
    // The rename first (it carries c's foreign key along, as the server
    // does), then c's ALTER.
    ASSERT_OK_AND_ASSIGN(std::vector<int> order,
                         OrderDiffs(from, plan, options));
    EXPECT_EQ(order, (std::vector<int>{1, 0}));
    Schema current = from;
    for (int d : order) {
      ASSERT_OK_AND_ASSIGN(current, ApplyEntityDiff(current, plan.diffs[d]));
    }
    ASSERT_OK_AND_ASSIGN(SchemaDiffPlan left,
                         PlanSchemaDiff(current, to, hints));
    EXPECT_EQ(left.diffs.size(), 0u);
  }
  // Renaming onto an existing name, or a missing table, is refused.
  EntityDiff r = plan.diffs[1];
  std::get<RenameTable>(r.statement).pairs[0].second.name = "t1";
  EXPECT_FALSE(ApplyEntityDiff(from, r).ok());
  r.entity = "nope";
  std::get<RenameTable>(r.statement).pairs[0].first.name = "nope";
  std::get<RenameTable>(r.statement).pairs[0].second.name = "t9";
  EXPECT_FALSE(ApplyEntityDiff(from, r).ok());
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
