#include "util/simulated_clock.h"

namespace sidecut {

SimulatedClock::SimulatedClock(absl::Time start) : now_(start) {}

absl::Time SimulatedClock::Now() {
  absl::MutexLock lock(&mu_);
  return now_;
}

void SimulatedClock::SleepUntil(absl::Time wake_time) {
  absl::MutexLock lock(&mu_);
  ++num_sleepers_;
  auto due = [this, wake_time]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return now_ >= wake_time;
  };
  mu_.Await(absl::Condition(&due));
  --num_sleepers_;
  ++wakeups_;
}

void SimulatedClock::AdvanceTime(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  if (d > absl::ZeroDuration()) now_ += d;
}

void SimulatedClock::SetTime(absl::Time t) {
  absl::MutexLock lock(&mu_);
  if (t > now_) now_ = t;
}

int SimulatedClock::num_sleepers() {
  absl::MutexLock lock(&mu_);
  return num_sleepers_;
}

bool SimulatedClock::AwaitSleepers(int n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return num_sleepers_ >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

int64_t SimulatedClock::wakeups() {
  absl::MutexLock lock(&mu_);
  return wakeups_;
}

bool SimulatedClock::AwaitWakeups(int64_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return wakeups_ >= n;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

}  // namespace sidecut
