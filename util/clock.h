// Clock: the seam for time. Logic that waits, times out or measures takes a
// Clock* so tests can substitute a SimulatedClock and control time.
//
// Thread-safe: all implementations may be called from any thread.
#ifndef SIDECUT_UTIL_CLOCK_H_
#define SIDECUT_UTIL_CLOCK_H_

#include "absl/time/time.h"

namespace sidecut {

class Clock {
 public:
  virtual ~Clock() = default;

  // Returns the current time.
  virtual absl::Time Now() = 0;

  // Blocks the caller until Now() >= `wake_time`.
  virtual void SleepUntil(absl::Time wake_time) = 0;

  // Blocks the caller for `d` of this clock's time.
  void SleepFor(absl::Duration d) { SleepUntil(Now() + d); }

  // Returns the process-wide real clock. Never deleted.
  static Clock* Real();
};

}  // namespace sidecut

#endif  // SIDECUT_UTIL_CLOCK_H_
