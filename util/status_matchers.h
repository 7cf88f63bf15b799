// GoogleMock matchers and assertion macros for absl::Status and StatusOr.
//
//   EXPECT_OK(status_or_statusor);
//   ASSERT_OK_AND_ASSIGN(auto conn, Connect(...));
//   EXPECT_THAT(f(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("t1")));
//   EXPECT_THAT(g(), IsOkAndHolds(42));
#ifndef SIDECUT_UTIL_STATUS_MATCHERS_H_
#define SIDECUT_UTIL_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_macros.h"

namespace sidecut {
namespace testing_internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + ::testing::PrintToString(code) +
               " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher)) {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

MATCHER_P(IsOkAndHolds, value_matcher,
          "is OK and holds a value that " +
              ::testing::PrintToString(value_matcher)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace testing_internal

using testing_internal::IsOk;
using testing_internal::IsOkAndHolds;
using testing_internal::StatusIs;

}  // namespace sidecut

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::sidecut::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::sidecut::IsOk())

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr)                                     \
  ASSERT_OK_AND_ASSIGN_IMPL_(SC_STATUS_CONCAT_(sc_test_statusor_, __LINE__), \
                             lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  ASSERT_THAT(statusor, ::sidecut::IsOk());              \
  lhs = std::move(statusor).value()

#endif  // SIDECUT_UTIL_STATUS_MATCHERS_H_
