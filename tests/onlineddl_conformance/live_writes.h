// The live writes of a conformance case: the EVENT its create.sql creates
// writes into onlineddl_test every second. The runner makes sure at least
// one of those writes reaches the migration through its stream (not only
// through the copy), then stops them before the cut-over and lets the stream
// apply them.
//
// Thread-compatible (functions over a caller-owned Connection).
#ifndef SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_LIVE_WRITES_H_
#define SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_LIVE_WRITES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl_conformance {

// How the runner stops the case's event writing.
enum class StopWrites {
  // SET GLOBAL event_scheduler = OFF (ON again when the next case starts).
  // Writes nothing to the binlog. Needs the server to itself: one case at a
  // time per server, as RunCases does.
  kStopScheduler,
  // ALTER EVENT ... DISABLE, as the corpus README suggests. A DDL in the
  // binlog, which the migration's stream must ignore (Vitess's does).
  kDisableEvents,
};

// The enabled events of `db` (those that write; DISABLE ON SLAVE ones do
// not run on this server), sorted.
absl::StatusOr<std::vector<std::string>> EventNames(mysql::Connection& conn,
                                                    absl::string_view db);

// Returns once an event execution in `db` has started after this call (OK
// at once when `db` has no enabled event left). kDeadlineExceeded after
// `timeout`.
absl::Status AwaitEventWrite(mysql::Connection& conn, absl::string_view db,
                             absl::Duration timeout);

// Stops the events of `db` writing (`how`; an event that ended and dropped
// itself meanwhile is fine), then waits up to `timeout` for executions
// under way to finish, so no write reaches `db` after this returns.
absl::Status StopEventWrites(mysql::Connection& conn, absl::string_view db,
                             StopWrites how, absl::Duration timeout);

// Waits up to `timeout` until the active VReplication workflow of `db` (if
// any) has applied everything the binlog holds now. kNotFound when `db` has
// no active workflow (e.g. its migration just failed and dropped it).
absl::Status WaitStreamCaughtUp(mysql::Connection& conn, absl::string_view db,
                                absl::Duration timeout);

}  // namespace onlineddl_conformance
}  // namespace sidecut

#endif  // SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_LIVE_WRITES_H_
