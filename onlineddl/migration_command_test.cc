#include "onlineddl/migration_command.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;
using Kind = MigrationCommandKind;

constexpr char kUuid[] = "9748c3b7_7fdb_11eb_ac2c_f875a4d24e90";

MigrationCommand ForUuid(Kind kind) {
  MigrationCommand c;
  c.kind = kind;
  c.uuid = kUuid;
  return c;
}

MigrationCommand ForAll(Kind kind) {
  MigrationCommand c;
  c.kind = kind;
  c.all = true;
  return c;
}

MigrationCommand ForContext(Kind kind, std::string context) {
  MigrationCommand c;
  c.kind = kind;
  c.context = std::move(context);
  return c;
}

template <typename F>
MigrationCommand With(MigrationCommand c, F f) {
  f(c);
  return c;
}

TEST(ParseMigrationCommandTest, ParsesVitessGrammar) {
  struct Case {
    std::string sql;
    MigrationCommand want;
  };
  const std::string u = kUuid;
  const Case cases[] = {
      // Per-migration ALTER VITESS_MIGRATION commands.
      {"alter vitess_migration '" + u + "' retry", ForUuid(Kind::kRetry)},
      {"alter vitess_migration '" + u + "' cleanup", ForUuid(Kind::kCleanup)},
      {"alter vitess_migration '" + u + "' launch", ForUuid(Kind::kLaunch)},
      {"alter vitess_migration '" + u + "' launch vitess_shards '-40,40-80'",
       With(ForUuid(Kind::kLaunch),
            [](MigrationCommand& c) {
              c.shards = {"-40", "40-80"};
            })},
      {"ALTER VITESS_MIGRATION '" + u + "' COMPLETE", ForUuid(Kind::kComplete)},
      {"alter vitess_migration '" + u + "' complete vitess_shards ' -80 , 80-'",
       With(ForUuid(Kind::kComplete),
            [](MigrationCommand& c) {
              c.shards = {"-80", "80-"};
            })},
      {"alter vitess_migration '" + u + "' postpone complete",
       ForUuid(Kind::kPostponeComplete)},
      {"Alter Vitess_Migration \"" + u + "\" Cancel;", ForUuid(Kind::kCancel)},
      {"alter vitess_migration '" + u + "' throttle", ForUuid(Kind::kThrottle)},
      {"alter vitess_migration '" + u + "' throttle expire '1h'",
       With(ForUuid(Kind::kThrottle),
            [](MigrationCommand& c) { c.expire = absl::Hours(1); })},
      {"alter vitess_migration '" + u + "' throttle ratio 0.7",
       With(ForUuid(Kind::kThrottle),
            [](MigrationCommand& c) { c.ratio = 0.7; })},
      {"alter vitess_migration '" + u + "' throttle expire '1h30m' ratio 1",
       With(ForUuid(Kind::kThrottle),
            [](MigrationCommand& c) {
              c.expire = absl::Minutes(90);
              c.ratio = 1.0;
            })},
      {"alter vitess_migration '" + u + "' unthrottle",
       ForUuid(Kind::kUnthrottle)},
      {"alter vitess_migration '" + u + "' force_cutover",
       ForUuid(Kind::kForceCutOver)},
      {"alter vitess_migration '" + u + "' cutover_threshold '15s'",
       With(ForUuid(Kind::kCutOverThreshold),
            [](MigrationCommand& c) { c.threshold = absl::Seconds(15); })},
      {"alter vitess_migration '" + u + "' cutover_threshold '0'",
       With(ForUuid(Kind::kCutOverThreshold),
            [](MigrationCommand& c) { c.threshold = absl::ZeroDuration(); })},
      // ALL forms.
      {"alter vitess_migration launch all", ForAll(Kind::kLaunch)},
      {"alter vitess_migration complete all", ForAll(Kind::kComplete)},
      {"alter vitess_migration postpone complete all",
       ForAll(Kind::kPostponeComplete)},
      {"alter vitess_migration cancel all;;", ForAll(Kind::kCancel)},
      {"alter vitess_migration cleanup all", ForAll(Kind::kCleanup)},
      {"alter vitess_migration throttle all", ForAll(Kind::kThrottle)},
      {"alter vitess_migration throttle all expire '24h' ratio 1",
       With(ForAll(Kind::kThrottle),
            [](MigrationCommand& c) {
              c.expire = absl::Hours(24);
              c.ratio = 1.0;
            })},
      {"alter vitess_migration unthrottle all", ForAll(Kind::kUnthrottle)},
      {"alter vitess_migration force_cutover all", ForAll(Kind::kForceCutOver)},
      // CONTEXT forms.
      {"alter vitess_migration complete context 'vtctl:abc'",
       ForContext(Kind::kComplete, "vtctl:abc")},
      {"alter vitess_migration postpone complete context 'c'",
       ForContext(Kind::kPostponeComplete, "c")},
      {"alter vitess_migration throttle context 'c' expire '5m'",
       With(ForContext(Kind::kThrottle, "c"),
            [](MigrationCommand& c) { c.expire = absl::Minutes(5); })},
      {"alter vitess_migration force_cutover context 'it''s'",
       ForContext(Kind::kForceCutOver, "it's")},
      // REVERT.
      {"revert vitess_migration '" + u + "'", ForUuid(Kind::kRevert)},
      {"REVERT /*vt+ uuid=123 */ VITESS_MIGRATION '" + u + "';",
       With(ForUuid(Kind::kRevert),
            [](MigrationCommand& c) { c.comments = "/*vt+ uuid=123 */"; })},
      // SHOW.
      {"show vitess_migrations", MigrationCommand()},
      {"show vitess_migrations from ks",
       With(MigrationCommand(),
            [](MigrationCommand& c) { c.keyspace = "ks"; })},
      {"show vitess_migrations in ks",
       With(MigrationCommand(),
            [](MigrationCommand& c) { c.keyspace = "ks"; })},
      {"show vitess_migrations like '" + u + "'",
       With(MigrationCommand(), [&](MigrationCommand& c) { c.like = u; })},
      {"SHOW VITESS_MIGRATIONS FROM `k``s` LIKE '%pat\\'tern';",
       With(MigrationCommand(),
            [](MigrationCommand& c) {
              c.keyspace = "k`s";
              c.like = "%pat'tern";
            })},
      {"show vitess_migrations where migration_status='running' and "
       "ready_to_complete = 1 ;",
       With(MigrationCommand(),
            [](MigrationCommand& c) {
              c.where =
                  "migration_status = 'running' and ready_to_complete = 1";
            })},
      {"show vitess_migrations where migration_context like N'ctx%' or "
       "migration_uuid = _utf8mb4'u'",
       With(MigrationCommand(),
            [](MigrationCommand& c) {
              c.where =
                  "migration_context like N'ctx%' or migration_uuid = "
                  "_utf8mb4'u'";
            })},
      {"show vitess_migrations where migration_status in ('running') and "
       "timestampdiff(second, requested_timestamp, now()) > 5 and "
       "lower(migration_context) like 'x%' and not (ready_to_complete)",
       With(MigrationCommand(),
            [](MigrationCommand& c) {
              c.where =
                  "migration_status in ( 'running' ) and timestampdiff ( "
                  "second , requested_timestamp , now ( ) ) > 5 and lower ( "
                  "migration_context ) like 'x%' and not ( ready_to_complete "
                  ")";
            })},
      {"show vitess_migrations from ks where col = 42",
       With(MigrationCommand(),
            [](MigrationCommand& c) {
              c.keyspace = "ks";
              c.where = "col = 42";
            })},
      {"  -- logs\n show vitess_migration '" + u + "' logs",
       ForUuid(Kind::kShowMigrationLogs)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    ASSERT_OK_AND_ASSIGN(MigrationCommand got, ParseMigrationCommand(c.sql));
    EXPECT_EQ(got.kind, c.want.kind)
        << MigrationCommandKindName(got.kind) << " vs "
        << MigrationCommandKindName(c.want.kind);
    EXPECT_EQ(got, c.want);
    EXPECT_TRUE(LooksLikeMigrationCommand(c.sql));
    // Canonical SQL parses back to the same command.
    std::string canonical = MigrationCommandToSql(got);
    SCOPED_TRACE(canonical);
    EXPECT_THAT(ParseMigrationCommand(canonical), IsOkAndHolds(got));
  }
}

TEST(ParseMigrationCommandTest, CanonicalSql) {
  struct Case {
    std::string sql;
    std::string want;
  };
  const std::string u = kUuid;
  const Case cases[] = {
      {"ALTER VITESS_MIGRATION '" + u + "' THROTTLE EXPIRE '90m' RATIO .5",
       "alter vitess_migration '" + u + "' throttle expire '1h30m' ratio 0.5"},
      {"alter vitess_migration postpone complete all",
       "alter vitess_migration postpone complete all"},
      {"alter vitess_migration '" + u + "' cutover_threshold \"20000ms\"",
       "alter vitess_migration '" + u + "' cutover_threshold '20s'"},
      {"alter vitess_migration '" + u + "' launch vitess_shards '-80,80-'",
       "alter vitess_migration '" + u + "' launch vitess_shards '-80,80-'"},
      {"show vitess_migrations from ks like 'x'",
       "show vitess_migrations from `ks` like 'x'"},
      {"revert /*vt+ a=1 */ vitess_migration '" + u + "'",
       "revert /*vt+ a=1 */ vitess_migration '" + u + "'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    ASSERT_OK_AND_ASSIGN(MigrationCommand got, ParseMigrationCommand(c.sql));
    EXPECT_EQ(MigrationCommandToSql(got), c.want);
  }
}

TEST(ParseMigrationCommandTest, Errors) {
  struct Case {
    std::string sql;
    std::string error;
  };
  const std::string u = kUuid;
  const Case cases[] = {
      {"select 1", "not a migration command"},
      {"", "not a migration command"},
      {"alter table t add column i int",
       "expected VITESS_MIGRATION after "
       "ALTER"},
      {"alter vitess_migration '" + u + "' finish",
       "column 63 (offset 62) near 'finish': expected RETRY, CLEANUP, LAUNCH, "
       "COMPLETE, POSTPONE COMPLETE, CANCEL, THROTTLE, UNTHROTTLE, "
       "FORCE_CUTOVER or CUTOVER_THRESHOLD after the migration UUID"},
      {"alter vitess_migration '" + u + "'",
       "near end of input: expected RETRY"},
      {"alter vitess_migration '" + u + "' postpone",
       "expected RETRY, CLEANUP"},
      {"alter vitess_migration " + u + " complete",
       "expected a quoted migration UUID, or LAUNCH, COMPLETE, POSTPONE "
       "COMPLETE, CANCEL, CLEANUP, THROTTLE, UNTHROTTLE or FORCE_CUTOVER "
       "followed by ALL or CONTEXT '<context>'; quote the UUID: '" +
           u + "'"},
      {"alter vitess_migration 'not-a-uuid' complete",
       "'not-a-uuid' is not a migration UUID"},
      {"alter vitess_migration complete",
       "expected ALL or CONTEXT "
       "'<context>' after COMPLETE"},
      {"alter vitess_migration retry all", "expected a quoted migration UUID"},
      {"alter vitess_migration cutover_threshold all",
       "expected a quoted migration UUID"},
      {"alter vitess_migration complete context ''",
       "the migration context must not be empty"},
      {"alter vitess_migration complete context ctx",
       "expected the migration context as a quoted string"},
      {"alter vitess_migration '" + u + "' complete all",
       "unexpected text after the complete command"},
      {"alter vitess_migration '" + u + "' cancel; select 1",
       "unexpected text after the cancel command"},
      {"alter vitess_migration '" + u + "' launch vitess_shards ','",
       "VITESS_SHARDS names no shard"},
      {"alter vitess_migration '" + u + "' throttle expire 'soon'",
       "'soon' is not a duration"},
      {"alter vitess_migration '" + u + "' throttle expire '-1h'",
       "is negative"},
      {"alter vitess_migration '" + u + "' throttle ratio 1.5",
       "the throttle ratio must be between 0 and 1"},
      {"alter vitess_migration '" + u + "' throttle ratio 'x'",
       "expected a number between 0 and 1 after RATIO"},
      {"alter vitess_migration '" + u + "' throttle ratio 0.5 expire '1h'",
       "unexpected text after the throttle command"},
      {"alter vitess_migration '" + u + "' cutover_threshold '2s'",
       "cut-over threshold 2s is out of range: allowed 5s..30s"},
      {"alter vitess_migration '" + u + "' cutover_threshold",
       "expected the cut-over threshold duration as a quoted string"},
      {"revert vitess_migration",
       "expected the UUID of the migration to "
       "revert"},
      {"revert '" + u + "'", "expected VITESS_MIGRATION after REVERT"},
      {"show vitess_migrations like", "expected the LIKE pattern"},
      {"show vitess_migrations where ;", "expected an expression after WHERE"},
      // The filter is one expression ANDed with the tablet's own condition.
      {"show vitess_migrations where 1) or (1", "unbalanced ')'"},
      {"show vitess_migrations where 1 /*! ) or (1 */", "unbalanced ')'"},
      {"show vitess_migrations where ((1)", "unbalanced '('"},
      {"show vitess_migrations where 1; drop table t", "near ';'"},
      {"show vitess_migrations where exists (select 1 from mysql.user)",
       "subqueries are not allowed"},
      {"show vitess_migrations where @@version like 'x'", "near '@'"},
      {"show vitess_migrations where exists (table mysql.user)",
       "subqueries are not allowed"},
      {"show vitess_migrations where 1 in (values (1))",
       "subqueries are not allowed"},
      {"show vitess_migrations where sleep(10) = 0", "functions that wait"},
      {"show vitess_migrations where next value for db.s > 0",
       "change sequences"},
      {"show vitess_migrations where previous value for s > 0",
       "change sequences"},
      {"show vitess_migrations where db.f(1) = 1", "function f is not allowed"},
      {"show vitess_migrations where my_audit(migration_uuid)",
       "function my_audit is not allowed"},
      {"show vitess_migrations where `f`(1) = 1", "stored functions"},
      {"show vitess_migrations from", "expected a keyspace name after FROM"},
      {"show vitess_migrations in",
       "expected a keyspace name after FROM or IN"},
      {"show vitess_migration '" + u + "'",
       "expected LOGS after the migration"
       " UUID"},
      {"show vitess_tablets",
       "expected VITESS_MIGRATIONS or VITESS_MIGRATION "
       "after SHOW"},
      {"alter vitess_migration 'abc", "unterminated"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_THAT(
        ParseMigrationCommand(c.sql),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(LooksLikeMigrationCommandTest, Routes) {
  struct Case {
    std::string sql;
    bool want;
  };
  const Case cases[] = {
      {"alter vitess_migration 'x' complete", true},
      {"  /* c */ ALTER\n\tVITESS_MIGRATION garbage", true},
      {"revert /*vt+ uuid=1 */ vitess_migration 'x'", true},
      {"show vitess_migrations", true},
      {"show vitess_migration 'x' logs", true},
      {"-- c\nshow VITESS_MIGRATIONS like 'x'", true},
      {"alter table vitess_migration add column i int", false},
      {"alter vitess_migrationx 'x' complete", false},
      {"show vitess_tablets", false},
      {"select * from vitess_migration", false},
      {"revert", false},
      {"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    EXPECT_EQ(LooksLikeMigrationCommand(c.sql), c.want);
  }
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
