#include "util/simulated_clock.h"

#include <atomic>
#include <thread>

#include "gtest/gtest.h"

namespace sidecut {
namespace {

TEST(SimulatedClockTest, TimeMovesOnlyWhenAdvanced) {
  SimulatedClock clock;
  absl::Time t0 = clock.Now();
  EXPECT_EQ(clock.Now(), t0);
  clock.AdvanceTime(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), t0 + absl::Seconds(5));
  clock.SetTime(t0);  // never goes backwards
  EXPECT_EQ(clock.Now(), t0 + absl::Seconds(5));
}

TEST(SimulatedClockTest, SleeperWakesOnlyWhenTimeReachesWakeTime) {
  SimulatedClock clock;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepFor(absl::Seconds(10));
    woke = true;
  });
  ASSERT_TRUE(clock.AwaitSleepers(1, absl::Seconds(10)));
  clock.AdvanceTime(absl::Seconds(9));
  // Still asleep: the sleeper is counted until it wakes.
  EXPECT_EQ(clock.num_sleepers(), 1);
  EXPECT_FALSE(woke);
  clock.AdvanceTime(absl::Seconds(1));
  sleeper.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(clock.num_sleepers(), 0);
}

TEST(RealClockTest, SleepForSleeps) {
  Clock* clock = Clock::Real();
  absl::Time t0 = clock->Now();
  clock->SleepFor(absl::Milliseconds(20));
  EXPECT_GE(clock->Now() - t0, absl::Milliseconds(20));
}

}  // namespace
}  // namespace sidecut
