#include "util/wait.h"

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/simulated_clock.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace {

using ::testing::HasSubstr;

TEST(WaitForTest, ReturnsOkWhenConditionHolds) {
  SimulatedClock clock;
  int polls = 0;
  std::atomic<bool> finished{false};
  std::thread advancer([&] {
    while (!finished) {
      if (clock.AwaitSleepers(1, absl::Milliseconds(10))) {
        int64_t w = clock.wakeups();
        clock.AdvanceTime(absl::Seconds(1));
        ASSERT_TRUE(clock.AwaitWakeups(w + 1, absl::Seconds(10)));
      }
    }
  });
  EXPECT_OK(WaitFor(&clock, "three polls",
                    [&]() -> absl::StatusOr<bool> { return ++polls == 4; }));
  finished = true;
  advancer.join();
  EXPECT_EQ(polls, 4);
}

TEST(WaitForTest, TimesOutWithLastError) {
  SimulatedClock clock;
  std::thread advancer([&] {
    ASSERT_TRUE(clock.AwaitSleepers(1, absl::Seconds(10)));
    clock.AdvanceTime(absl::Hours(1));
  });
  absl::Status s = WaitFor(
      &clock, "the server",
      []() -> absl::StatusOr<bool> {
        return absl::UnavailableError("connection refused");
      },
      WaitOptions{.timeout = absl::Seconds(3)});
  advancer.join();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDeadlineExceeded,
                          HasSubstr("the server")));
  EXPECT_THAT(s.message(), HasSubstr("connection refused"));
}

TEST(WaitForTest, StopsOnPermanentError) {
  SimulatedClock clock;
  int polls = 0;
  absl::Status s = WaitFor(&clock, "x", [&]() -> absl::StatusOr<bool> {
    ++polls;
    return absl::PermissionDeniedError("denied");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(polls, 1);
}

}  // namespace
}  // namespace sidecut
