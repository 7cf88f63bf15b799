#include "onlineddl/artifact_name.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace onlineddl {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(int y, int mo, int d, int h, int mi, int s) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s),
                         absl::UTCTimeZone());
}

TEST(ArtifactHintTest, CodesAndStates) {
  struct Case {
    ArtifactHint hint;
    const char* code;
    const char* gc_state;
  };
  const Case cases[] = {
      {ArtifactHint::kShadow, "vrp", ""},
      {ArtifactHint::kHold, "hld", "HOLD"},
      {ArtifactHint::kPurge, "prg", "PURGE"},
      {ArtifactHint::kEvac, "evc", "EVAC"},
      {ArtifactHint::kDrop, "drp", "DROP"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.code);
    EXPECT_EQ(ArtifactHintCode(c.hint), c.code);
    EXPECT_EQ(GcStateName(c.hint), c.gc_state);
    EXPECT_EQ(ArtifactHintFromCode(c.code), c.hint);
    EXPECT_EQ(IsGcHint(c.hint), c.hint != ArtifactHint::kShadow);
    if (*c.gc_state != '\0') {
      EXPECT_EQ(ArtifactHintFromCode(c.gc_state), c.hint);
    }
  }
  EXPECT_EQ(ArtifactHintFromCode("purge"), ArtifactHint::kPurge);
  EXPECT_EQ(ArtifactHintFromCode("HLD"), absl::nullopt);
  EXPECT_EQ(ArtifactHintFromCode("xyz"), absl::nullopt);
}

TEST(ArtifactNameTest, Generates) {
  struct Case {
    const char* name;
    ArtifactHint hint;
    const char* uuid;
    absl::Time t;
    const char* want;
  };
  const Case cases[] = {
      {"hold from migration uuid", ArtifactHint::kHold,
       "6ace8bce_f732_11ea_87e9_f875a4d24e90", Utc(2020, 9, 15, 12, 4, 10),
       "_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_"},
      {"shadow from dashed uuid", ArtifactHint::kShadow,
       "6ace8bce-f732-11ea-87e9-f875a4d24e90", Utc(2024, 1, 2, 3, 4, 5),
       "_vt_vrp_6ace8bcef73211ea87e9f875a4d24e90_20240102030405_"},
      {"drop from condensed uuid", ArtifactHint::kDrop,
       "6ace8bcef73211ea87e9f875a4d24e90", Utc(1999, 12, 31, 23, 59, 59),
       "_vt_drp_6ace8bcef73211ea87e9f875a4d24e90_19991231235959_"},
      {"subseconds truncated", ArtifactHint::kPurge,
       "6ace8bcef73211ea87e9f875a4d24e90",
       Utc(2020, 9, 15, 12, 4, 10) + absl::Milliseconds(999),
       "_vt_prg_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::string name, ArtifactName(c.hint, c.uuid, c.t));
    EXPECT_EQ(name, c.want);
    absl::optional<ParsedArtifactName> parsed = ParseArtifactName(name);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->hint, c.hint);
    EXPECT_EQ(parsed->hint_code, ArtifactHintCode(c.hint));
    EXPECT_EQ(parsed->uuid, "6ace8bcef73211ea87e9f875a4d24e90");
    EXPECT_EQ(parsed->time, absl::FromUnixSeconds(absl::ToUnixSeconds(c.t)));
    EXPECT_FALSE(parsed->legacy);
    EXPECT_LE(name.size(), 64u);
  }
}

TEST(ArtifactNameTest, RejectsBadInput) {
  EXPECT_THAT(ArtifactName(ArtifactHint::kHold, "6ace8bce", absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("expected 32 hex digits")));
  EXPECT_THAT(ArtifactName(ArtifactHint::kHold,
                           "zzce8bcef73211ea87e9f875a4d24e90", absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      ArtifactName(ArtifactHint::kHold, "6ace8bcef73211ea87e9f875a4d24e90",
                   Utc(10000, 1, 1, 0, 0, 0)),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("YYYYMMDDhhmmss")));
}

TEST(ParseArtifactNameTest, Formats) {
  struct Case {
    const char* name;
    bool ok;
    const char* hint_code;
    absl::optional<ArtifactHint> hint;
    absl::Time t;
    bool legacy;
    bool gc;
  };
  const absl::Time t = Utc(2020, 9, 15, 12, 4, 10);
  const Case cases[] = {
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_", true, "hld",
       ArtifactHint::kHold, t, false, true},
      {"_vt_vrp_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_", true, "vrp",
       ArtifactHint::kShadow, t, false, false},
      // Any three-letter hint is an internal table (Vitess's pattern).
      {"_vt_xyz_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_", true, "xyz",
       absl::nullopt, t, false, false},
      {"_vt_HOLD_6ace8bcef73211ea87e9f875a4d24e90_20200915120410", true, "HOLD",
       ArtifactHint::kHold, t, true, true},
      {"_vt_EVAC_6ace8bcef73211ea87e9f875a4d24e90_20200915120410", true, "EVAC",
       ArtifactHint::kEvac, t, true, true},
      {"_6ace8bce_f732_11ea_87e9_f875a4d24e90_20200915120410_vrepl", true,
       "vrepl", ArtifactHint::kShadow, t, true, false},
      {"_6ace8bce_f732_11ea_87e9_f875a4d24e90_20200915120410_gho", true, "gho",
       absl::nullopt, t, true, false},
      // Not internal names.
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200915120410", false, "",
       absl::nullopt, t, false, false},
      {"_vt_HOLD_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e9_20200915120410_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_2020091512041_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20200231120410_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_hld_6ace8bcef73211ea87e9f875a4d24e90_20201315120410_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_h-d_6ace8bcef73211ea87e9f875a4d24e90_20200915120410_", false, "",
       absl::nullopt, t, false, false},
      {"_vt_KEEP_6ace8bcef73211ea87e9f875a4d24e90_20200915120410", false, "",
       absl::nullopt, t, false, false},
      {"_6ace8bce_f732_11ea_87e9_f875a4d24e90_20200915120410_old", false, "",
       absl::nullopt, t, false, false},
      {"onlineddl_test", false, "", absl::nullopt, t, false, false},
      {"", false, "", absl::nullopt, t, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::optional<ParsedArtifactName> parsed = ParseArtifactName(c.name);
    EXPECT_EQ(parsed.has_value(), c.ok);
    EXPECT_EQ(IsInternalTableName(c.name), c.ok);
    EXPECT_EQ(IsGcTableName(c.name), c.ok && c.gc);
    if (!parsed.has_value()) continue;
    EXPECT_EQ(parsed->hint_code, c.hint_code);
    EXPECT_EQ(parsed->hint, c.hint);
    EXPECT_EQ(parsed->uuid, "6ace8bcef73211ea87e9f875a4d24e90");
    EXPECT_EQ(parsed->time, c.t);
    EXPECT_EQ(parsed->legacy, c.legacy);
  }
}

TEST(GcLifecycleTest, NextState) {
  struct Case {
    const char* lifecycle;
    ArtifactHint from;
    absl::optional<ArtifactHint> want;
  };
  const Case cases[] = {
      {"hold,purge,evac,drop", ArtifactHint::kHold, ArtifactHint::kPurge},
      {"hold,purge,evac,drop", ArtifactHint::kPurge, ArtifactHint::kEvac},
      {"hold,purge,evac,drop", ArtifactHint::kEvac, ArtifactHint::kDrop},
      {"hold,purge,evac,drop", ArtifactHint::kDrop, absl::nullopt},
      {"hold,purge,evac,drop", ArtifactHint::kShadow, absl::nullopt},
      {"hold,drop", ArtifactHint::kHold, ArtifactHint::kDrop},
      {"hold, EVAC", ArtifactHint::kHold, ArtifactHint::kEvac},
      {"purge", ArtifactHint::kPurge, ArtifactHint::kDrop},
      {"", ArtifactHint::kHold, ArtifactHint::kDrop},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.lifecycle, " from ", ArtifactHintCode(c.from)));
    ASSERT_OK_AND_ASSIGN(GcLifecycle lifecycle, ParseGcLifecycle(c.lifecycle));
    EXPECT_EQ(NextGcState(c.from, lifecycle), c.want);
  }
  EXPECT_EQ(NextGcState(ArtifactHint::kHold), ArtifactHint::kPurge);
  EXPECT_THAT(ParseGcLifecycle("hold,keep"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown table GC state 'keep'")));
}

}  // namespace
}  // namespace onlineddl
}  // namespace sidecut
