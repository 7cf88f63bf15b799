// Rendering migrations for people: the SHOW VITESS_MIGRATIONS-like table
// and the one-line live progress of a running migration.
#ifndef SIDECUT_CLI_PROGRESS_H_
#define SIDECUT_CLI_PROGRESS_H_

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

// Tracks one migration's copy rate between polls.
class ProgressLine {
 public:
  // "<uuid> running  42.1%  84,210/200,000 rows  31,022 rows/s  ETA 4s
  //  copying; lag 0s".
  std::string Render(const vtctldata::SchemaMigration& m, absl::Time now);

 private:
  absl::Time last_at_ = absl::InfinitePast();
  uint64_t last_rows_ = 0;
  double rate_ = 0;
};

std::string StatusName(const vtctldata::SchemaMigration& m);
bool IsTerminal(const vtctldata::SchemaMigration& m);

}  // namespace cli
}  // namespace sidecut

#endif  // SIDECUT_CLI_PROGRESS_H_
