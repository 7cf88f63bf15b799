// RunCase: runs one online DDL corpus case end to end against a real
// MariaDB server, the way Vitess's vrepl_suite does, through Sidecut's
// onlineddl::Executor:
//   1. skip when the case's ignore_versions matches SELECT @@version;
//   2. a fresh database; create.sql with its event schedule shortened (the
//      event writes into onlineddl_test every second);
//   3. an Executor on that database; Submit "ALTER TABLE onlineddl_test
//      <alter>" with strategy "vitess --postpone-completion [ddl_strategy]";
//   4. expect_query_failure: Submit must fail with that text;
//   5. otherwise wait until the migration is ready to complete, then wait
//      for one more event write (so the stream, not only the copy, carries
//      live writes), stop the writes (see StopWrites), let the stream apply
//      them and COMPLETE (as Vitess's suite, which does not postpone);
//   6. expect_failure: the migration must end failed with that text in its
//      message, leaving the original table's structure (and, without live
//      writes, its rows) unchanged, no table but its artifacts behind and
//      no VReplication workflow of the database running;
//      otherwise: it must complete; the rows of before_columns of the old
//      table (the first artifact) must equal those of after_columns of
//      onlineddl_test (in order_by order, or as multisets without it; both
//      default to the columns the tables share) and expect_table_structure
//      must match SHOW CREATE TABLE (after a completion the reverse stream
//      that makes the migration revertible keeps running, by design);
//   7. the database is dropped.
// Every wait shares one per-case deadline.
//
// Thread-safe: cases on different servers (or databases) may run at once.
#ifndef SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CASE_RUNNER_H_
#define SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CASE_RUNNER_H_

#include <string>

#include "absl/time/time.h"
#include "mysql/connection.h"
#include "tests/onlineddl_conformance/conformance_case.h"
#include "tests/onlineddl_conformance/live_writes.h"

namespace sidecut {
namespace onlineddl_conformance {

enum class Outcome { kPass, kFail, kSkip };

struct CaseResult {
  std::string name;
  Outcome outcome = Outcome::kFail;
  std::string reason;  // why it failed or was skipped; "" for a pass
  absl::Duration duration;
};

struct RunOptions {
  // The whole case, from connecting to cleanup. Default 60 s.
  absl::Duration case_timeout = absl::Seconds(60);
  // How long the case's event keeps writing (the corpus says 60 s). The
  // runner stops the writes anyway once the migration is ready to complete
  // (or has failed), so this only bounds them. Keep it longer than a
  // migration takes: an event that ends drops itself, and that DROP EVENT
  // is a DDL in the binlog too. Default 10 s, range 1..60.
  int event_seconds = 10;
  // How the writes are stopped (see live_writes.h). Default kStopScheduler.
  StopWrites stop_writes = StopWrites::kDisableEvents;
  // Executor tuning (defaults as in onlineddl/executor_test.cc): scheduler
  // tick 50 ms, ready when lagging at most 2 s, cut-over retry after 100 ms.
  absl::Duration tick = absl::Milliseconds(50);
  absl::Duration ready_lag = absl::Seconds(2);
  absl::Duration cut_over_backoff = absl::Milliseconds(100);
};

// Runs `c` on the server `server` (its `database` is ignored). Never
// throws or aborts: every problem becomes a kFail result with its reason.
CaseResult RunCase(const ConformanceCase& c, const mysql::ConnectParams& server,
                   const RunOptions& options);

}  // namespace onlineddl_conformance
}  // namespace sidecut

#endif  // SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_CASE_RUNNER_H_
