#include "util/status_macros.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pointee;

int g_calls = 0;

absl::Status Fail(absl::StatusCode code) {
  ++g_calls;
  return absl::Status(code, "boom");
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool ok, int v) {
  ++g_calls;
  if (!ok) return absl::NotFoundError("no int");
  return std::make_unique<int>(v);
}

absl::Status UsesReturnIfError(absl::StatusCode code, bool* reached_end) {
  SC_RETURN_IF_ERROR(Fail(code));
  *reached_end = true;
  return absl::OkStatus();
}

absl::StatusOr<int> UsesAssignOrReturn(bool ok) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakeInt(ok, 41));
  SC_ASSIGN_OR_RETURN(auto q, MakeInt(true, 1));  // two uses in one scope
  return *p + *q;
}

TEST(StatusMacrosTest, ReturnIfErrorPropagatesAndEvaluatesOnce) {
  g_calls = 0;
  bool reached = false;
  absl::Status s = UsesReturnIfError(absl::StatusCode::kAborted, &reached);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted, HasSubstr("boom")));
  EXPECT_FALSE(reached);
  EXPECT_EQ(g_calls, 1);
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  bool reached = false;
  EXPECT_OK(UsesReturnIfError(absl::StatusCode::kOk, &reached));
  EXPECT_TRUE(reached);
}

TEST(StatusMacrosTest, AssignOrReturnMovesValue) {
  g_calls = 0;
  EXPECT_THAT(UsesAssignOrReturn(true), IsOkAndHolds(42));
  EXPECT_EQ(g_calls, 2);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesError) {
  g_calls = 0;
  EXPECT_THAT(UsesAssignOrReturn(false),
              StatusIs(absl::StatusCode::kNotFound, "no int"));
  EXPECT_EQ(g_calls, 1);
}

TEST(StatusMatchersTest, MatchersRejectWhatTheyShould) {
  EXPECT_THAT(absl::InternalError("x"), Not(IsOk()));
  EXPECT_THAT(absl::InternalError("x"),
              Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(absl::InternalError("abc"),
              Not(StatusIs(absl::StatusCode::kInternal, HasSubstr("z"))));
  EXPECT_THAT(absl::StatusOr<int>(3), Not(IsOkAndHolds(4)));
  EXPECT_THAT(absl::StatusOr<int>(absl::UnknownError("u")),
              Not(IsOkAndHolds(4)));
  ASSERT_OK_AND_ASSIGN(auto p, MakeInt(true, 7));
  EXPECT_THAT(p, Pointee(7));
}

}  // namespace
}  // namespace sidecut
