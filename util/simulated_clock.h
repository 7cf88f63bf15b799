// SimulatedClock: a Clock whose time moves only when a test advances it.
// Sleepers wake when AdvanceTime/SetTime moves time past their wake time.
//
// Thread-safe.
#ifndef SIDECUT_UTIL_SIMULATED_CLOCK_H_
#define SIDECUT_UTIL_SIMULATED_CLOCK_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "util/clock.h"

namespace sidecut {

class SimulatedClock final : public Clock {
 public:
  // Starts at `start` (default: the Unix epoch + 1e9 s, a fixed instant).
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1000000000));

  absl::Time Now() override;
  void SleepUntil(absl::Time wake_time) override;

  // Moves time forward by `d` (>= 0) and wakes due sleepers.
  void AdvanceTime(absl::Duration d);

  // Sets the time; REQUIRES: t >= Now().
  void SetTime(absl::Time t);

  // Returns how many threads are blocked in SleepUntil right now. Lets a test
  // wait until the code under test has gone to sleep before advancing time.
  int num_sleepers();

  // Blocks until at least `n` threads are sleeping, or `timeout` of real
  // time passes; returns whether they are.
  bool AwaitSleepers(int n, absl::Duration timeout);

  // Returns how many SleepUntil calls have returned so far.
  int64_t wakeups();

  // Blocks until wakeups() >= `n` or `timeout` of real time passes; returns
  // whether it is. With AwaitSleepers, lets a test step a polling loop one
  // iteration at a time.
  bool AwaitWakeups(int64_t n, absl::Duration timeout);

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  int num_sleepers_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t wakeups_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sidecut

#endif  // SIDECUT_UTIL_SIMULATED_CLOCK_H_
