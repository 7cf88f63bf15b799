// The `sidecut` command line, vtctldclient-style, talking to sidecutd:
//
//   sidecut [--server=HOST:PORT] ApplySchema --ddl-strategy=S --sql=SQL
//           [--sql-file=F] [--migration-context=C] [--uuid=U] [--wait]
//           [--json] <keyspace>
//   sidecut [--server=...] OnlineDDL show <keyspace> <uuid|all|recent|
//           <status>> [--json] [--order=asc|desc] [--limit=N]
//   sidecut OnlineDDL complete|cancel|retry|launch|cleanup|force-cutover|
//           throttle|unthrottle|revert|wait <keyspace> <uuid|all>
//
// ApplySchema also accepts ALTER VITESS_MIGRATION / REVERT / SHOW
// VITESS_MIGRATIONS statements. --wait shows a live progress line
// (percent, rows/s, ETA, lag, stage) until every migration has ended.
#ifndef SIDECUT_CLI_CLI_H_
#define SIDECUT_CLI_CLI_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace sidecut {
namespace cli {

struct CliOptions {
  // Rewrite the progress line in place ('\r'); otherwise print one line per
  // change (logs, tests).
  bool tty = false;
  // The same for standard error (the progress of --wait --json goes there).
  bool tty_err = false;
  // The terminal's width in columns: the progress line is cut to it (a
  // longer one wraps, and '\r' rewrites only its last row). 0: unknown.
  int width = 0;
  absl::Duration poll = absl::Milliseconds(500);
  // --wait keeps polling a server it cannot reach (a tablet restarting, a
  // controller failing over) this long before it gives up (exit 3).
  absl::Duration patience = absl::Minutes(5);
  // The same for `wait` when the server has not answered yet in this run
  // (a wrong --server should not keep a DBA waiting for minutes).
  absl::Duration first_contact_patience = absl::Seconds(10);
};

// Runs one command (args without the program name). Returns the exit code:
// 0 success (with --wait: every migration completed, or waits for a DBA's
// complete or launch as its strategy postponed it), 1 a failed or cancelled
// migration or an error, 2 bad usage, 3 --wait lost the server (the
// migrations may still run).
int RunCli(const std::vector<std::string>& args, std::ostream& out,
           std::ostream& err, const CliOptions& options = {});

}  // namespace cli
}  // namespace sidecut

#endif  // SIDECUT_CLI_CLI_H_
