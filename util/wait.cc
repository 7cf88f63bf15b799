#include "util/wait.h"

#include <algorithm>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace sidecut {

absl::Status WaitFor(Clock* clock, absl::string_view what,
                     const std::function<absl::StatusOr<bool>()>& done,
                     const WaitOptions& options) {
  const absl::Time deadline = clock->Now() + options.timeout;
  absl::Duration interval = options.initial_interval;
  absl::Status last = absl::OkStatus();
  while (true) {
    absl::StatusOr<bool> r = done();
    if (r.ok() && *r) return absl::OkStatus();
    if (!r.ok()) {
      if (r.status().code() != absl::StatusCode::kUnavailable) {
        return r.status();
      }
      last = r.status();
    }
    absl::Time now = clock->Now();
    if (now >= deadline) {
      std::string msg = absl::StrCat("timed out after ",
                                     absl::FormatDuration(options.timeout),
                                     " waiting for ", what);
      if (!last.ok()) absl::StrAppend(&msg, "; last error: ", last.message());
      return absl::DeadlineExceededError(msg);
    }
    clock->SleepUntil(std::min(now + interval, deadline));
    interval = std::min(interval * 2, options.max_interval);
  }
}

}  // namespace sidecut
