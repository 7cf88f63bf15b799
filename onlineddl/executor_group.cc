// The tablet's own cut-over of one ready ALTER, or of a deployment's
// adjacent ready ALTERs together: every table is prepared (its stream
// caught up and stopped, its writes waiting), then one atomic RENAME swaps
// them all (cut_over.h, SwapTogether). Any failure aborts every one of
// them: nothing is renamed, every stream resumes, and the cut-over is
// retried with backoff.
#include <iostream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "mysql/mysql_connection.h"
#include "onlineddl/cut_over.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/executor.h"
#include "onlineddl/schema_migrations.h"
#include "onlineddl/swap_check.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

absl::Status Executor::CheckSwapAllowed(const Migration& m) {
  const bool revert = !m.reverted_uuid.empty();
  SC_RETURN_IF_ERROR(CheckSwapKeepsTriggers(*conn_, m.schema, m.table, revert));
  if (revert) {
    // A key created since the first swap (a child referencing the table)
    // would follow the table swapped out.
    SC_ASSIGN_OR_RETURN(Migration reverted,
                        ReadMigration(*conn_, m.reverted_uuid));
    SC_ASSIGN_OR_RETURN(std::string kept, ForeignKeysKeepFromRevert(
                                              reverted, /*requesting=*/false));
    if (kept.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("cut-over refused: ", kept));
  }
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::FromColumns(m.strategy, m.options));
  if (st.IsAllowForeignKeys()) return absl::OkStatus();
  return CheckSwapKeepsForeignKeys(*conn_, m.schema, m.table);
}

absl::Status Executor::CutOverVrepl(const std::vector<Migration>& ms) {
  const absl::Time began = clock_->Now();
  std::vector<int64_t> ids;
  for (const Migration& m : ms) {
    SC_ASSIGN_OR_RETURN(int64_t id, CutOverWorkflowId(m));
    ids.push_back(id);
  }
  std::vector<CutOverOptions> options;
  for (const Migration& m : ms) {
    SC_ASSIGN_OR_RETURN(CutOverOptions o, CutOverOptionsFor(m));
    options.push_back(o);
  }
  // A trigger or foreign key created on a table since its migration
  // started would stay with the old table: no swap until it is gone
  // (retried with backoff, the message saying why).
  for (const Migration& m : ms) {
    const absl::Status refused = CheckSwapAllowed(m);
    if (!absl::IsFailedPrecondition(refused)) {
      SC_RETURN_IF_ERROR(refused);
      continue;
    }
    absl::Status first;
    for (size_t i = 0; i < ms.size(); ++i) {
      absl::Status r = CutOverFailed(ms[i], ids[i], /*stream_stopped=*/false,
                                     refused, /*backoff=*/true);
      if (first.ok()) first = r;
    }
    return first;
  }
  // Before any stage says so: an interrupted cut-over can then be told
  // from the schemas if not from the binlog (swap_check.h).
  for (const Migration& m : ms) RecordSchemas(m);
  if (options_.after_cut_over_checks) options_.after_cut_over_checks();
  for (const Migration& m : ms) {
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.uuid,
        Assignments()
            .Set("stage", ms.size() == 1
                              ? std::string("cutting over")
                              : absl::StrCat("cutting over together with ",
                                             ms.size() - 1, " other table(s)"))
            .Set("cutover_attempts", m.cutover_attempts + 1)
            .SetExpr("last_cutover_attempt_timestamp", "NOW()")));
  }
  mysql::MysqlConnectionFactory factory(options_.connect);
  const absl::Time checked = clock_->Now();
  // Every stream keeps up first, without locks, then the tables are
  // locked one right after the other (cut_over.h, PrepareTogether): the
  // first table's stall covers only the others' last moment.
  std::vector<CutOverRequest> requests;
  for (size_t i = 0; i < ms.size(); ++i) {
    requests.push_back(CutOverRequestFor(ms[i], ids[i]));
  }
  std::vector<bool> stopped;
  absl::StatusOr<std::vector<std::unique_ptr<PreparedCutOver>>> prepared =
      PrepareTogether(factory, requests, options, clock_, &stopped);
  const absl::Time locked = clock_->Now();
  std::vector<PreparedCutOver*> group;
  if (prepared.ok()) {
    for (auto& p : *prepared) group.push_back(p.get());
  }
  absl::StatusOr<std::vector<CutOverResult>> swapped =
      prepared.ok()
          ? SwapTogether(group)
          : absl::StatusOr<std::vector<CutOverResult>>(prepared.status());
  if (prepared.ok()) {
    for (size_t i = 0; i < group.size(); ++i) {
      stopped[i] = group[i]->stream_stopped();
    }
    prepared->clear();  // aborts whatever is still prepared
  }
  const absl::Time swapped_at = clock_->Now();
  absl::Status first;
  for (size_t i = 0; i < ms.size(); ++i) {
    absl::Status r = swapped.ok()
                         ? CutOverDone(ms[i], ids[i], (*swapped)[i])
                         : CutOverFailed(ms[i], ids[i], stopped[i],
                                         swapped.status(), /*backoff=*/true);
    if (first.ok()) first = r;
  }
  // Where a cut-over's time went (the write stall is within the swap).
  std::cerr << "executor: " << ms[0].uuid
            << (ms.size() > 1
                    ? absl::StrCat(" and ", ms.size() - 1, " other(s)")
                    : std::string())
            << ": cut-over " << (swapped.ok() ? "done" : "failed") << " in "
            << clock_->Now() - began << " (checks " << checked - began
            << ", catch-up and locks " << locked - checked << ", swap "
            << swapped_at - locked << ", recorded "
            << clock_->Now() - swapped_at << ")" << std::endl;
  return first;
}

}  // namespace onlineddl
}  // namespace sidecut
