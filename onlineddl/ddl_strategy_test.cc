#include "onlineddl/ddl_strategy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseStrategyNameTest, NamesAndAliases) {
  struct Case {
    const char* name;
    Strategy want;
  };
  const Case cases[] = {
      {"", Strategy::kDirect},       {"direct", Strategy::kDirect},
      {"vitess", Strategy::kVitess}, {"online", Strategy::kVitess},
      {"VITESS", Strategy::kVitess}, {"mysql", Strategy::kMysql},
      {"MySQL", Strategy::kMysql},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(ParseStrategyName(c.name), IsOkAndHolds(c.want));
  }
  EXPECT_THAT(
      ParseStrategyName("gh-ost"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not supported")));
  EXPECT_THAT(ParseStrategyName("other"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown online DDL strategy 'other'")));
  EXPECT_EQ(StrategyName(Strategy::kVitess), "vitess");
  EXPECT_EQ(StrategyName(Strategy::kMysql), "mysql");
  EXPECT_EQ(StrategyName(Strategy::kDirect), "direct");
}

TEST(ParseGoDurationTest, GoSyntax) {
  struct Case {
    const char* text;
    absl::Duration want;
  };
  const Case cases[] = {
      {"0", absl::ZeroDuration()},
      {"10s", absl::Seconds(10)},
      {"500ms", absl::Milliseconds(500)},
      {"1h30m", absl::Minutes(90)},
      {"1.5h", absl::Minutes(90)},
      {"2h45m10s", absl::Hours(2) + absl::Minutes(45) + absl::Seconds(10)},
      {"1ns", absl::Nanoseconds(1)},
      {"3us", absl::Microseconds(3)},
      {"3\xC2\xB5s", absl::Microseconds(3)},
      {"-5s", absl::Seconds(-5)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(ParseGoDuration(c.text), IsOkAndHolds(c.want));
  }
  for (const char* bad : {"", "3", "10 s", "abc", "inf", "1d", "s"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ParseGoDuration(bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("is not a duration")));
  }
}

TEST(ValidateCutOverThresholdTest, Range) {
  struct Case {
    absl::Duration in;
    bool ok;
    absl::Duration want;
  };
  const Case cases[] = {
      {absl::ZeroDuration(), true, absl::Seconds(10)},
      {absl::Seconds(5), true, absl::Seconds(5)},
      {absl::Seconds(15), true, absl::Seconds(15)},
      {absl::Seconds(30), true, absl::Seconds(30)},
      {absl::Seconds(2), false, absl::ZeroDuration()},
      {absl::Milliseconds(30001), false, absl::ZeroDuration()},
      {absl::Seconds(75), false, absl::ZeroDuration()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::FormatDuration(c.in));
    if (c.ok) {
      EXPECT_THAT(ValidateCutOverThreshold(c.in), IsOkAndHolds(c.want));
    } else {
      EXPECT_THAT(ValidateCutOverThreshold(c.in),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           HasSubstr("allowed 5s..30s")));
    }
  }
}

// Which boolean accessors a case expects to be true.
enum BoolFlagBit : unsigned {
  kDeclarative = 1 << 0,
  kSingleton = 1 << 1,
  kSingletonContext = 1 << 2,
  kAllowZeroInDate = 1 << 3,
  kPostponeLaunch = 1 << 4,
  kPostponeCompletion = 1 << 5,
  kInOrderCompletion = 1 << 6,
  kAllowConcurrent = 1 << 7,
  kPreferInstantDdl = 1 << 8,
  kFastRangeRotation = 1 << 9,
  kAnalyzeTable = 1 << 10,
  kSingletonTable = 1 << 11,
};

unsigned BoolFlagsOf(const DdlStrategySetting& s) {
  unsigned bits = 0;
  if (s.IsDeclarative()) bits |= kDeclarative;
  if (s.IsSingleton()) bits |= kSingleton;
  if (s.IsSingletonContext()) bits |= kSingletonContext;
  if (s.IsAllowZeroInDate()) bits |= kAllowZeroInDate;
  if (s.IsPostponeLaunch()) bits |= kPostponeLaunch;
  if (s.IsPostponeCompletion()) bits |= kPostponeCompletion;
  if (s.IsInOrderCompletion()) bits |= kInOrderCompletion;
  if (s.IsAllowConcurrent()) bits |= kAllowConcurrent;
  if (s.IsPreferInstantDdl()) bits |= kPreferInstantDdl;
  if (s.IsFastRangeRotation()) bits |= kFastRangeRotation;
  if (s.IsAnalyzeTable()) bits |= kAnalyzeTable;
  if (s.IsSingletonTable()) bits |= kSingletonTable;
  return bits;
}

TEST(DdlStrategySettingTest, ParsesValidStrategies) {
  struct Case {
    std::string name;
    std::string text;
    Strategy strategy;
    std::string options;
    unsigned flags;
    absl::Duration cut_over_threshold;
    absl::optional<absl::Duration> force_cut_over_after;
    absl::optional<absl::Duration> retain_artifacts;
    std::string to_string;
  };
  const absl::Duration kDef = kDefaultCutOverThreshold;
  const Case cases[] = {
      {"empty is direct", "", Strategy::kDirect, "", 0, kDef, {}, {}, "direct"},
      {"direct", "direct", Strategy::kDirect, "", 0, kDef, {}, {}, "direct"},
      {"online alias",
       "online",
       Strategy::kVitess,
       "",
       0,
       kDef,
       {},
       {},
       "vitess"},
      {"mysql", "mysql", Strategy::kMysql, "", 0, kDef, {}, {}, "mysql"},
      {"trailing space",
       "vitess ",
       Strategy::kVitess,
       "",
       0,
       kDef,
       {},
       {},
       "vitess"},
      {"single dash",
       "online -postpone-completion",
       Strategy::kVitess,
       "-postpone-completion",
       kPostponeCompletion,
       kDef,
       {},
       {},
       "vitess -postpone-completion"},
      {"threshold",
       "vitess --postpone-completion --cut-over-threshold=15s",
       Strategy::kVitess,
       "--postpone-completion --cut-over-threshold=15s",
       kPostponeCompletion,
       absl::Seconds(15),
       {},
       {},
       "vitess --postpone-completion --cut-over-threshold=15s"},
      {"all booleans that combine (not --declarative)",
       "vitess --singleton --singleton-context "
       "--allow-zero-in-date --postpone-launch --postpone-completion "
       "--in-order-completion --allow-concurrent --prefer-instant-ddl "
       "--fast-range-rotation --analyze-table --singleton-table",
       Strategy::kVitess,
       "--singleton --singleton-context --allow-zero-in-date "
       "--postpone-launch --postpone-completion --in-order-completion "
       "--allow-concurrent --prefer-instant-ddl --fast-range-rotation "
       "--analyze-table --singleton-table",
       0xffe,
       kDef,
       {},
       {},
       "vitess --singleton --singleton-context "
       "--allow-zero-in-date --postpone-launch --postpone-completion "
       "--in-order-completion --allow-concurrent --prefer-instant-ddl "
       "--fast-range-rotation --analyze-table --singleton-table"},
      {"declarative",
       "vitess --declarative --whole-schema --postpone-completion",
       Strategy::kVitess,
       "--declarative --whole-schema --postpone-completion",
       kDeclarative | kPostponeCompletion,
       kDef,
       {},
       {},
       "vitess --declarative --whole-schema --postpone-completion"},
      {"quoted values",
       "vitess --cut-over-threshold='20s' \"--force-cut-over-after=1h30m\" "
       "--retain-artifacts=\"\\\"4m\\\"\"",
       Strategy::kVitess,
       "--cut-over-threshold='20s' \"--force-cut-over-after=1h30m\" "
       "--retain-artifacts=\"\\\"4m\\\"\"",
       0, absl::Seconds(20), absl::Minutes(90), absl::Minutes(4),
       "vitess --cut-over-threshold='20s' \"--force-cut-over-after=1h30m\" "
       "--retain-artifacts=\"\\\"4m\\\"\""},
      {"zero threshold means default",
       "vitess --cut-over-threshold=0",
       Strategy::kVitess,
       "--cut-over-threshold=0",
       0,
       kDef,
       {},
       {},
       "vitess --cut-over-threshold=0"},
      {"empty value means unset",
       "vitess --cut-over-threshold=",
       Strategy::kVitess,
       "--cut-over-threshold=",
       0,
       kDef,
       {},
       {},
       "vitess --cut-over-threshold="},
      {"zero durations are unset",
       "vitess --force-cut-over-after=0 --retain-artifacts=0s",
       Strategy::kVitess,
       "--force-cut-over-after=0 --retain-artifacts=0s",
       0,
       kDef,
       {},
       {},
       "vitess --force-cut-over-after=0 --retain-artifacts=0s"},
      {"sub-millisecond force",
       "vitess --force-cut-over-after=1ns",
       Strategy::kVitess,
       "--force-cut-over-after=1ns",
       0,
       kDef,
       absl::Nanoseconds(1),
       {},
       "vitess --force-cut-over-after=1ns"},
      {"direct keeps zero-in-date",
       "direct --allow-zero-in-date",
       Strategy::kDirect,
       "--allow-zero-in-date",
       kAllowZeroInDate,
       kDef,
       {},
       {},
       "direct --allow-zero-in-date"},
      {"mysql allow-concurrent",
       "mysql --allow-concurrent",
       Strategy::kMysql,
       "--allow-concurrent",
       kAllowConcurrent,
       kDef,
       {},
       {},
       "mysql --allow-concurrent"},
      {"shell comment",
       "vitess --singleton # the rest is ignored",
       Strategy::kVitess,
       "--singleton # the rest is ignored",
       kSingleton,
       kDef,
       {},
       {},
       "vitess --singleton # the rest is ignored"},
      {"legacy skip-topo is ignored",
       "online -skip-topo",
       Strategy::kVitess,
       "-skip-topo",
       0,
       kDef,
       {},
       {},
       "vitess -skip-topo"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(DdlStrategySetting s,
                         DdlStrategySetting::Parse(c.text));
    EXPECT_EQ(s.strategy, c.strategy);
    EXPECT_EQ(s.options, c.options);
    EXPECT_EQ(BoolFlagsOf(s), c.flags);
    EXPECT_EQ(s.IsDirect(), c.strategy == Strategy::kDirect);
    EXPECT_EQ(s.CutOverThreshold(), c.cut_over_threshold);
    EXPECT_EQ(s.ForceCutOverAfter(), c.force_cut_over_after);
    EXPECT_EQ(s.RetainArtifacts(), c.retain_artifacts);
    EXPECT_EQ(s.ToString(), c.to_string);
    EXPECT_THAT(DdlStrategySetting::Parse(s.ToString()), IsOkAndHolds(s));
    EXPECT_THAT(
        DdlStrategySetting::FromColumns(StrategyName(s.strategy), s.options),
        IsOkAndHolds(s));
  }
}

TEST(DdlStrategySettingTest, RejectsInvalidStrategies) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"other", "unknown online DDL strategy 'other'"},
      {"pt-osc --singleton", "not supported"},
      {"vitess --ppstpone-completon",
       "invalid flags for vitess strategy: --ppstpone-completon; supported "
       "flags are --allow-concurrent"},
      {"online --max-load=Threads_running=100 extra",
       "invalid flags for vitess strategy: --max-load=Threads_running=100 "
       "extra"},
      {"direct --foo", "invalid flags for direct strategy: --foo"},
      {"mysql ---singleton", "invalid flags for mysql strategy: ---singleton"},
      {"vitess --postpone-completion=true",
       "--postpone-completion takes no value"},
      {"vitess --cut-over-threshold 15s",
       "--cut-over-threshold needs a value: write "
       "--cut-over-threshold=<duration>"},
      {"vitess --cut-over-threshold=2s",
       "invalid value for --cut-over-threshold: cut-over threshold 2s is out "
       "of range: allowed 5s..30s"},
      {"vitess --cut-over-threshold=1m", "is out of range"},
      {"online --retain-artifacts=3",
       "invalid value for --retain-artifacts: '3' is not a duration"},
      {"vitess --force-cut-over-after=-1h", "is negative"},
      {"vitess --force-cut-over-after=soon", "'soon' is not a duration"},
      {"vitess --singleton 'unterminated", "unterminated single quote"},
      {"vitess \"--singleton", "unterminated double quote"},
      {"vitess --singleton \\", "trailing backslash"},
      {"mysql --postpone-completion",
       "--postpone-completion is not supported in 'mysql' strategy"},
      {"mysql --allow-zero-in-date",
       "--allow-zero-in-date is not supported in 'mysql' strategy"},
      {"vitess --vreplication-test-suite", "Vitess's own CI"},
      {"direct --declarative",
       "--declarative is not supported in 'direct' strategy: a declarative "
       "deployment runs through online DDL; use 'vitess' strategy"},
      {"mysql --declarative --whole-schema",
       "--declarative is not supported in 'mysql' strategy"},
      {"online --declarative --prefer-instant-ddl",
       "--prefer-instant-ddl does not combine with --declarative"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(
        DdlStrategySetting::Parse(c.text),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

TEST(DdlStrategySettingTest, HandBuiltSettingValidates) {
  DdlStrategySetting s;
  s.strategy = Strategy::kVitess;
  s.options = "--postpone-launch --cut-over-threshold=25s";
  EXPECT_OK(s.Validate());
  EXPECT_TRUE(s.IsPostponeLaunch());
  EXPECT_EQ(s.CutOverThreshold(), absl::Seconds(25));
  s.options = "--postpone-launch --bogus";
  EXPECT_THAT(s.Validate(), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("--bogus")));
  // An invalid setting reports no flags and the default threshold.
  EXPECT_FALSE(s.IsPostponeLaunch());
  EXPECT_EQ(s.CutOverThreshold(), kDefaultCutOverThreshold);
}

TEST(DdlStrategySettingTest, WithoutDropsTheNamedFlagsOnly) {
  ASSERT_OK_AND_ASSIGN(
      DdlStrategySetting s,
      DdlStrategySetting::Parse("vitess --declarative -whole-schema "
                                "--postpone-completion "
                                "--cut-over-threshold=15s "
                                "--force-cut-over-after='1m'"));
  ASSERT_OK_AND_ASSIGN(DdlStrategySetting w,
                       s.Without({"declarative", "whole-schema"}));
  EXPECT_FALSE(w.IsDeclarative());
  EXPECT_FALSE(w.IsWholeSchema());
  EXPECT_TRUE(w.IsPostponeCompletion());
  EXPECT_EQ(w.CutOverThreshold(), absl::Seconds(15));
  EXPECT_EQ(w.ForceCutOverAfter(), absl::Minutes(1));
  EXPECT_EQ(w.strategy, Strategy::kVitess);
  // What it prints parses back to the same setting.
  ASSERT_OK_AND_ASSIGN(DdlStrategySetting again,
                       DdlStrategySetting::Parse(w.ToString()));
  EXPECT_EQ(again, w);
  EXPECT_THAT(w.ToString(), Not(HasSubstr("declarative")));
  // Nothing named: the same flags.
  ASSERT_OK_AND_ASSIGN(DdlStrategySetting same, s.Without({}));
  EXPECT_TRUE(same.IsDeclarative() && same.IsWholeSchema());
  // Removing --declarative alone leaves --whole-schema without it: refused.
  EXPECT_FALSE(s.Without({"declarative"}).ok());
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
