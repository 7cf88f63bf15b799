#include "util/clock.h"

#include "absl/time/clock.h"

namespace sidecut {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
  void SleepUntil(absl::Time wake_time) override {
    absl::Duration d = wake_time - absl::Now();
    if (d > absl::ZeroDuration()) absl::SleepFor(d);
  }
};

}  // namespace

Clock* Clock::Real() {
  static Clock* const clock = new RealClock();
  return clock;
}

}  // namespace sidecut
