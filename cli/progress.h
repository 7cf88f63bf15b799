// Rendering migrations for people: the SHOW VITESS_MIGRATIONS-like table
// and the one-line live progress of a running migration.
#ifndef SIDECUT_CLI_PROGRESS_H_
#define SIDECUT_CLI_PROGRESS_H_

#include <deque>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "proto/vtctldata.pb.h"

namespace sidecut {
namespace cli {

// A fixed-width table: uuid, table, strategy, status, progress, rows,
// ETA, stage, message.
void PrintTable(const std::vector<vtctldata::SchemaMigration>& ms,
                std::ostream& out);

// Tracks one migration's copy rate across polls: rows copied over the last
// few seconds (chunks land in steps, so the rate between two polls says
// little).
class ProgressLine {
 public:
  // "<uuid> running  42.1%  84,210/200,000 rows  31,022 rows/s  ETA 4s
  //  copying; lag 0s".
  std::string Render(const vtctldata::SchemaMigration& m, absl::Time now);

  // The rate the last Render showed.
  uint64_t rate() const { return static_cast<uint64_t>(rate_); }

 private:
  struct Sample {
    absl::Time at;
    uint64_t rows;
  };
  std::deque<Sample> samples_;  // oldest first, within the window
  double rate_ = 0;
};

std::string StatusName(const vtctldata::SchemaMigration& m);
bool IsTerminal(const vtctldata::SchemaMigration& m);
// What a migration that goes no further by itself waits for a DBA to run
// ("complete", "launch"), or "" if it goes on by itself: its launch is
// postponed, or its completion is and it is ready (an ALTER) or has not
// run (a CREATE, DROP or view, which completes as it runs).
std::string WaitsOnADba(const vtctldata::SchemaMigration& m);

}  // namespace cli
}  // namespace sidecut

#endif  // SIDECUT_CLI_PROGRESS_H_
