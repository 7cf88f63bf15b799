// WaitFor: poll a condition until it holds or a deadline passes, on a Clock.
// The one sanctioned way for logic and tests to wait on external state
// (a server becoming ready, a row appearing) instead of bare sleeps.
#ifndef SIDECUT_UTIL_WAIT_H_
#define SIDECUT_UTIL_WAIT_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "util/clock.h"

namespace sidecut {

struct WaitOptions {
  // Total time allowed. Default 10 s.
  absl::Duration timeout = absl::Seconds(10);
  // First pause between polls; doubles up to max_interval. Default 5 ms.
  absl::Duration initial_interval = absl::Milliseconds(5);
  // Longest pause between polls. Default 200 ms.
  absl::Duration max_interval = absl::Milliseconds(200);
};

// Calls `done` until it returns true (-> OK), returns a non-OK status other
// than kUnavailable (-> that status), or the timeout passes
// (-> kDeadlineExceeded naming `what` and the last error seen).
// `done` returning kUnavailable means "not yet, keep polling".
absl::Status WaitFor(Clock* clock, absl::string_view what,
                     const std::function<absl::StatusOr<bool>()>& done,
                     const WaitOptions& options = WaitOptions());

}  // namespace sidecut

#endif  // SIDECUT_UTIL_WAIT_H_
