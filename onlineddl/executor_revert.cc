// Instant revert: an ALTER's old table is kept in sync by a reverse stream
// from the moment of the cut-over, so reverting is another swap; CREATE,
// DROP and views are reverted by renaming artifacts.
#include <algorithm>
#include <iostream>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "mysql/binlog_retention.h"
#include "mysql/gtid.h"
#include "mysql/quoting.h"
#include "onlineddl/alter_analysis.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_uuid.h"
#include "onlineddl/swap_check.h"
#include "util/status_macros.h"
#include "vreplication/filter.h"
#include "vreplication/table_schema.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl {

bool ReverseStreamLost(absl::string_view state, absl::string_view message) {
  if (state == vreplication::kStateError) {
    return !absl::EndsWith(message, "(will retry)");
  }
  return state == vreplication::kStateStopped &&
         message != kReverseStreamParked;
}
namespace {

using mysql::QuoteQualified;
using mysql::QuoteString;

absl::Status Refuse(const Migration& m, absl::string_view why) {
  return absl::FailedPreconditionError(
      absl::StrCat("cannot revert migration ", m.uuid, ": ", why));
}

}  // namespace

absl::StatusOr<binlogdata::BinlogSource> Executor::ReverseStreamSource(
    const Migration& m, const vreplication::WorkflowRow& row) {
  if (row.source.filter().rules_size() != 1) {
    return absl::InternalError("the migration stream has no single rule");
  }
  // Columns map back: the finished stream copied `column AS alias`.
  SC_ASSIGN_OR_RETURN(
      vreplication::FilterSpec spec,
      vreplication::ParseFilter(row.source.filter().rules(0).match(),
                                row.source.filter().rules(0).filter()));
  std::vector<std::pair<std::string, std::string>> renames;
  std::set<std::string> filled;  // lower: the columns the copy filled
  for (const vreplication::SelectItem& item : spec.items) {
    if (!item.column.empty() && item.column != item.alias) {
      renames.emplace_back(item.alias, item.column);
    }
    filled.insert(absl::AsciiStrToLower(item.alias));
  }
  const std::string artifact = FirstArtifact(m);
  SC_ASSIGN_OR_RETURN(vreplication::TableSchema now_serving,
                      vreplication::LoadTableSchema(*conn_, m.schema, m.table));
  SC_ASSIGN_OR_RETURN(
      vreplication::TableSchema old,
      vreplication::LoadTableSchema(*conn_, m.schema, artifact));
  // A column the ALTER added (not filled by the copy) is no old column of
  // its name (DROP c, ADD c): its values do not go back into it.
  std::vector<std::string> added;
  for (const vreplication::ColumnInfo& c : now_serving.columns) {
    if (!c.generated && filled.count(absl::AsciiStrToLower(c.name)) == 0) {
      added.push_back(c.name);
    }
  }
  SC_ASSIGN_OR_RETURN(AlterAnalysis a,
                      AnalyzeAlter(now_serving, old, renames, added));
  binlogdata::BinlogSource src;
  src.set_keyspace(m.keyspace);
  src.set_shard(m.shard);
  *src.mutable_filter()->add_rules() = a.rule;
  src.set_on_ddl(binlogdata::STOP);
  return src;
}

absl::StatusOr<std::string> Executor::Revert(
    absl::string_view uuid, absl::string_view migration_context,
    absl::string_view new_uuid, bool gated, absl::Time deadline,
    int64_t retain_artifacts_seconds) {
  if (!new_uuid.empty() && !IsValidMigrationUuid(new_uuid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", new_uuid, "' is not a valid migration UUID"));
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  return RevertLocked(uuid, migration_context, gated, new_uuid,
                      retain_artifacts_seconds);
}

absl::StatusOr<std::string> Executor::RevertLocked(
    absl::string_view uuid, absl::string_view migration_context, bool gated,
    absl::string_view new_uuid, int64_t retain_artifacts_seconds) {
  if (!new_uuid.empty()) {
    // Requested again (a controller resuming an interrupted submission):
    // the same request is a no-op, whatever the revert's state since.
    absl::StatusOr<Migration> existing = ReadMigration(*conn_, new_uuid);
    if (existing.ok()) {
      if (existing->schema == options_.db && existing->reverted_uuid == uuid &&
          existing->migration_context == migration_context) {
        return std::string(new_uuid);
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "migration ", new_uuid, " already exists and is not this revert"));
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
  }
  SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, uuid));
  if (m.schema != options_.db) {
    return Refuse(m, absl::StrCat("it belongs to database ", m.schema));
  }
  if (m.status != kStatusComplete) {
    return Refuse(m, absl::StrCat("it is ", m.status,
                                  "; only a completed migration can be "
                                  "reverted"));
  }
  SC_ASSIGN_OR_RETURN(
      std::string later,
      LaterMigrationOn(m, "", 0, gated ? migration_context : ""));
  if (!later.empty()) return Refuse(m, later);
  if (m.revertible_notes == kNothingCreatedNote) {
    return Refuse(m, kNothingCreatedNote);
  }
  const bool table_alter = m.ddl_action == "alter" && !m.is_view;
  // Its plan says so too: a retried INSTANT ALTER lists the shadow of an
  // earlier attempt (cleaned up or not: told before the window).
  if (m.ddl_action == "alter" &&
      (m.artifacts.empty() ||
       absl::StrContains(m.special_plan, "\"instant-ddl\"") ||
       absl::StrContains(m.special_plan, "\"mysql-alter\""))) {
    return Refuse(m,
                  "it was applied in place (INSTANT or the mysql "
                  "strategy) and left no table to revert to");
  }
  if (!m.cleanup_timestamp.empty()) {
    return Refuse(m,
                  "its revert window is over (its artifacts were cleaned "
                  "up)");
  }
  SC_ASSIGN_OR_RETURN(std::string keys_kept,
                      ForeignKeysKeepFromRevert(m, /*requesting=*/true));
  if (!keys_kept.empty()) return Refuse(m, keys_kept);
  if (absl::Status depended = CheckNoDeploymentDependsOn({m.table});
      !depended.ok()) {
    return Refuse(m, depended.message());
  }
  if (m.ddl_action == "drop" || (m.ddl_action == "alter" && m.is_view)) {
    // Put back from its artifact (a DROP ... IF EXISTS of nothing has
    // none): refused now rather than failed as it applies.
    if (m.artifacts.empty()) return Refuse(m, "nothing was dropped");
    SC_ASSIGN_OR_RETURN(bool kept, TableExists(m.schema, FirstArtifact(m)));
    if (!kept) {
      return Refuse(m, absl::StrCat("its artifact ",
                                    mysql::QuoteIdentifier(FirstArtifact(m)),
                                    ", which a revert puts back, is gone"));
    }
  }
  if (table_alter) {
    // Its swap back would leave them with the table swapped out.
    SC_ASSIGN_OR_RETURN(std::vector<std::string> triggers,
                        TriggersOn(*conn_, m.schema, m.table));
    if (!triggers.empty()) {
      return Refuse(m, TriggersRefusal(m.table, triggers, /*revert=*/true));
    }
    absl::StatusOr<int64_t> id = WorkflowId(m.uuid);
    // (A failed read is not a window over: said as it is.)
    if (!id.ok() && !absl::IsNotFound(id.status())) return id.status();
    if (!id.ok() && absl::StartsWith(m.message, "not revertible: ")) {
      return Refuse(m, m.message);
    }
    if (!id.ok()) {
      return Refuse(m,
                    "no reverse stream keeps its old table in sync (the "
                    "revert window is over)");
    }
    SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(*id));
    if (ReverseStreamLost(row.state, row.message)) {
      return Refuse(
          m, absl::StrCat("reverting would lose information: the reverse "
                          "stream ",
                          row.state == vreplication::kStateError
                              ? "failed (it could not write a change to the "
                                "old table)"
                              : "stopped",
                          ": ", row.message));
    }
    if (row.message == kReverseStreamParked) {
      // Its stream resumes from where it was parked: the server must still
      // have every transaction since.
      SC_ASSIGN_OR_RETURN(mysql::Position parked_at,
                          mysql::Position::Parse(row.pos));
      if (parked_at.flavor() == mysql::Flavor::kMariadb) {
        SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos oldest,
                            mysql::OldestBinlogPosition(*conn_));
        mysql::MariadbGtidPos purged =
            mysql::PurgedSince(parked_at.mariadb(), oldest);
        if (!purged.empty()) {
          return Refuse(
              m, absl::StrCat("its reverse stream was parked at ",
                              parked_at.GtidText(),
                              " and the server purged the binlogs since (its "
                              "oldest binlog starts at ",
                              oldest.ToString(),
                              "): reverting would lose the writes made since"));
        }
      }
    }
  }
  Migration r = RevertOf(
      m, new_uuid.empty() ? CreateMigrationUuid() : std::string(new_uuid),
      options_.tablet);
  r.migration_context = std::string(migration_context);
  if (retain_artifacts_seconds > 0) {
    r.retain_artifacts_seconds = retain_artifacts_seconds;
    // Recorded as its own, as a migration's flag is: a RETRY after a
    // CLEANUP (retention -1) takes it again.
    r.options =
        absl::StrCat("--retain-artifacts=", retain_artifacts_seconds, "s");
  }
  // In a deployment the gate decides when each revert applies.
  r.postpone_completion = gated && table_alter;
  r.postpone_launch = gated && !table_alter;
  SC_RETURN_IF_ERROR(InsertMigration(*conn_, r));
  Wake();
  return r.uuid;
}

absl::StatusOr<std::string> Executor::LaterMigrationOn(
    const Migration& m, absl::string_view except_uuid, int64_t revert_id,
    absl::string_view context) {
  // Any migration after `m` that completed or may still run, and any
  // running now (submitted before `m` too: its cut-over would stop the
  // reverse stream); of those submitted after the revert itself
  // (`revert_id`), only the ones that already changed or are changing the
  // table (the others wait their turn).
  // Completed ones count by completion, not submission: one submitted
  // before `m` and completed after it (postponed) is the last change, one
  // submitted after it but completed before is not.
  const std::string m_completed = absl::StrCat(
      "(SELECT c.completed_timestamp FROM _vt.schema_migrations c WHERE "
      "c.migration_uuid = ",
      QuoteString(m.uuid), ")");
  SC_ASSIGN_OR_RETURN(
      std::vector<Migration> later,
      ListMine(absl::StrCat(
          "mysql_table = ", QuoteString(m.table), " AND migration_uuid <> ",
          QuoteString(except_uuid),
          " AND ((migration_status = 'complete' AND (completed_timestamp > ",
          m_completed, " OR (completed_timestamp = ", m_completed, " AND id > ",
          m.id, "))) OR migration_status = 'running' OR (id > ", m.id, " AND ",
          revert_id > 0 ? absl::StrCat("id < ", revert_id, " AND ") : "",
          "migration_status IN ('requested', 'queued', 'ready')))")));
  // A later migration undone by a later revert is no longer in the way of
  // a CREATE's, a DROP's or a view's revert (checked again as it applies):
  // the two go, whether the revert completed or is one of `context` (a
  // deployment's reverts, which apply in order, that one before this).
  // Repeated: a revert of that revert puts it back in the way. A table
  // ALTER's reverse stream stopped at the later cut-over: still refused.
  auto undone_pair =
      [&]() -> std::optional<std::pair<std::string, std::string>> {
    for (const Migration& r : later) {
      const bool undoes = r.status == kStatusComplete ||
                          (!context.empty() && r.migration_context == context);
      if (r.reverted_uuid.empty() || !undoes) continue;
      for (const Migration& x : later) {
        // A revert of m's own revert puts m's change back: m's revert then
        // goes by what that one left (it is the last), not past the pair.
        if (x.uuid == r.reverted_uuid && x.reverted_uuid != m.uuid) {
          return std::make_pair(r.uuid, x.uuid);
        }
      }
    }
    return std::nullopt;
  };
  const bool table_alter = m.ddl_action == "alter" && !m.is_view;
  for (auto pair = table_alter ? std::nullopt : undone_pair(); pair.has_value();
       pair = undone_pair()) {
    later.erase(std::remove_if(later.begin(), later.end(),
                               [&](const Migration& x) {
                                 return x.uuid == pair->first ||
                                        x.uuid == pair->second;
                               }),
                later.end());
  }
  if (later.empty()) return std::string();
  return absl::StrCat("only the last migration on ",
                      mysql::QuoteIdentifier(m.table),
                      " can be reverted, and migration ", later.back().uuid,
                      " is ", later.back().status, " after it");
}

absl::StatusOr<std::string> Executor::ForeignKeysKeepFromRevert(
    const Migration& m, bool requesting) {
  const bool table_alter = m.ddl_action == "alter" && !m.is_view;
  if (!table_alter && m.ddl_action != "create") return std::string();
  // A chain (a revert of a revert ...) that began with
  // --unsafe-allow-foreign-keys: its keys followed its swaps, and follow
  // this one, as the user accepted.
  Migration x = m;
  for (int depth = 0; depth < 1000; ++depth) {
    absl::StatusOr<DdlStrategySetting> st =
        DdlStrategySetting::FromColumns(x.strategy, x.options);
    if (st.ok() && st->IsAllowForeignKeys()) return std::string();
    if (x.reverted_uuid.empty()) break;
    SC_ASSIGN_OR_RETURN(x, ReadMigration(*conn_, x.reverted_uuid));
  }
  // Self-references move with the table; a CREATE's table referencing
  // another keeps only that one's rows from being deleted while the
  // artifact is held (as before).
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn_->Execute(absl::StrCat(
          "SELECT TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME FROM "
          "information_schema.REFERENTIAL_CONSTRAINTS WHERE "
          "CONSTRAINT_SCHEMA = ",
          QuoteString(m.schema),
          " AND (REFERENCED_TABLE_NAME = ", QuoteString(m.table),
          table_alter ? absl::StrCat(" OR TABLE_NAME = ", QuoteString(m.table))
                      : std::string(),
          ") AND NOT (TABLE_NAME = REFERENCED_TABLE_NAME AND "
          "UNIQUE_CONSTRAINT_SCHEMA = CONSTRAINT_SCHEMA) ORDER BY TABLE_NAME, "
          "CONSTRAINT_NAME")));
  std::vector<std::string> keys;
  for (const mysql::Row& row : r.rows) {
    const std::string child(row.Get(0));
    const std::string other(child == m.table ? row.Get(2) : row.Get(0));
    if (IsInternalTableName(other) ||
        IsInternalTableName(absl::AsciiStrToLower(other))) {
      continue;  // an artifact's (a CREATE reverted before this one)
    }
    // A table whose CREATE a pending revert renames away (a deployment's
    // reverts, asked for together, apply in order: that one first). As
    // one applies, that one has (the table is an artifact then), or has
    // not: then it holds the key still.
    if (!requesting) {
      keys.push_back(absl::StrCat(mysql::QuoteIdentifier(child), ".",
                                  mysql::QuoteIdentifier(row.Get(1))));
      continue;
    }
    SC_ASSIGN_OR_RETURN(
        std::string leaving,
        mysql::QueryValue(
            *conn_,
            absl::StrCat(
                "SELECT COUNT(*) FROM _vt.schema_migrations r JOIN "
                "_vt.schema_migrations c ON c.migration_uuid = "
                "r.reverted_uuid WHERE c.mysql_schema = ",
                QuoteString(m.schema),
                " AND c.mysql_table = ", QuoteString(other),
                " AND c.ddl_action = 'create' AND r.migration_status IN "
                "('requested', 'queued', 'ready', 'running')")));
    if (leaving != "0") continue;
    keys.push_back(absl::StrCat(mysql::QuoteIdentifier(child), ".",
                                mysql::QuoteIdentifier(row.Get(1))));
  }
  if (keys.empty()) return std::string();
  return absl::StrCat(
      mysql::QuoteIdentifier(m.table),
      " is linked by foreign keys created since with tables in use (",
      absl::StrJoin(keys, ", "), "): a revert ",
      table_alter ? "swaps the old table back" : "renames the table away",
      ", and the keys would follow the table out of use (a child then "
      "checked against it); drop them first");
}

absl::Status Executor::StartRevert(const Migration& r) {
  SC_ASSIGN_OR_RETURN(Migration m, ReadMigration(*conn_, r.reverted_uuid));
  if (m.ddl_action == "alter" && !m.is_view) {
    // The reverse stream is running (restarted if it was parked);
    // MonitorVrepl cuts over when it is caught up (and stops at any later
    // change of the table).
    SC_ASSIGN_OR_RETURN(int64_t id, WorkflowId(m.uuid));
    SC_RETURN_IF_ERROR(UnparkReverseStream(m.uuid, id));
    return UpdateMigration(*conn_, r.uuid,
                           Assignments().Set("stage", "reverting"));
  }
  // Checked again: a revert launched later (postponed, or retried after a
  // cancel) may find the table changed since it was requested.
  if (m.status != kStatusComplete) {
    return Fail(r, absl::StrCat("migration ", m.uuid, " is ", m.status,
                                " now; only a completed migration can be "
                                "reverted"));
  }
  SC_ASSIGN_OR_RETURN(std::string later, LaterMigrationOn(m, r.uuid, r.id, ""));
  if (!later.empty()) return Fail(r, later);
  const std::string& db = m.schema;
  SC_ASSIGN_OR_RETURN(bool exists, TableExists(db, m.table));
  std::string artifact;
  std::string sql;
  std::string intent;  // how a restart tells whether `sql` applied
  if (m.ddl_action == "create") {
    if (!exists) return Fail(r, "the table no longer exists");
    SC_ASSIGN_OR_RETURN(std::string keys_kept,
                        ForeignKeysKeepFromRevert(m, /*requesting=*/false));
    if (!keys_kept.empty()) return Fail(r, keys_kept);
    // Renamed away and held until the revert window ends.
    SC_ASSIGN_OR_RETURN(
        artifact, ArtifactName(ArtifactHint::kHold, r.uuid,
                               clock_->Now() + options_.retain_artifacts));
    sql = absl::StrCat("RENAME TABLE ", QuoteQualified(db, m.table), " TO ",
                       QuoteQualified(db, artifact));
    intent = kIntentRenameAway;
  } else if (m.ddl_action == "drop") {
    if (exists) {
      return Fail(r, absl::StrCat(mysql::QuoteIdentifier(m.table),
                                  " exists again; cannot restore it"));
    }
    if (m.artifacts.empty()) return Fail(r, "nothing was dropped");
    sql = absl::StrCat("RENAME TABLE ", QuoteQualified(db, FirstArtifact(m)),
                       " TO ", QuoteQualified(db, m.table));
    intent = kIntentRestore;
  } else {  // ALTER VIEW: swap the view with the artifact of its old version
    artifact = FirstArtifact(m);
    SC_ASSIGN_OR_RETURN(std::string tmp, ArtifactName(ArtifactHint::kHold,
                                                      r.uuid, clock_->Now()));
    sql = absl::StrCat(
        "RENAME TABLE ", QuoteQualified(db, m.table), " TO ",
        QuoteQualified(db, tmp), ", ", QuoteQualified(db, artifact), " TO ",
        QuoteQualified(db, m.table), ", ", QuoteQualified(db, tmp), " TO ",
        QuoteQualified(db, artifact));
    SC_ASSIGN_OR_RETURN(std::string digest, ViewDigest(db, m.table));
    intent = absl::StrCat(kIntentViewChange, digest);
  }
  SC_RETURN_IF_ERROR(MarkApplying(r, intent, artifact));
  // As the operation it reverts: short lock waits on the live object (a
  // long one would hold up every new query on it); a revert deployment's
  // member then waits its turn.
  absl::Status s = RunLiveDdl(sql, QuoteQualified(db, m.table));
  if (!s.ok()) {
    SC_RETURN_IF_ERROR(
        UpdateMigration(*conn_, r.uuid, Assignments().Set("artifacts", "")));
    return FailOrWaitTurn(r, s);
  }
  return FinishImmediate(r, artifact);
}

namespace {
constexpr char kParkedStageNote[] =
    "; reverse stream parked (a revert catches up first)";
}  // namespace

absl::Status Executor::ParkReverseStreams() {
  // Reverse streams of completed migrations, running or parked, newest
  // first; one a pending revert rides on is its revert's. An old table in
  // a foreign key (child or parent) keeps its stream running: parked, it
  // would hold child rows the live table deleted and fail the parent's
  // deletes.
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn_->Execute(absl::StrCat(
          "SELECT v.id, m.migration_uuid, v.state, m.stage, EXISTS (SELECT 1 "
          "FROM "
          "information_schema.REFERENTIAL_CONSTRAINTS rc WHERE "
          "rc.CONSTRAINT_SCHEMA = m.mysql_schema AND "
          "SUBSTRING_INDEX(m.artifacts, ',', 1) IN (rc.TABLE_NAME, "
          "rc.REFERENCED_TABLE_NAME)) FROM _vt.vreplication v JOIN "
          "_vt.schema_migrations m ON v.workflow = m.migration_uuid WHERE "
          "m.mysql_schema = ",
          QuoteString(options_.db),
          " AND m.migration_status = 'complete' AND (v.state = ",
          QuoteString(vreplication::kStateRunning),
          " OR (v.state = ", QuoteString(vreplication::kStateStopped),
          " AND v.message = ", QuoteString(kReverseStreamParked),
          ")) AND m.migration_uuid NOT IN (SELECT r.reverted_uuid FROM "
          "_vt.schema_migrations r WHERE r.reverted_uuid <> '' AND "
          "r.migration_status IN ('requested', 'queued', 'ready', "
          "'running')) ORDER BY m.completed_timestamp DESC, m.id DESC")));
  int live = 0;
  for (const mysql::Row& row : r.rows) {
    SC_ASSIGN_OR_RETURN(const int64_t id, row.GetInt64(0));
    const std::string uuid(row.Get(1));
    const bool running = row.Get(2) == vreplication::kStateRunning;
    const bool has_note = absl::StrContains(row.Get(3), kParkedStageNote);
    const bool in_foreign_key = row.Get(4) == "1";
    const bool keep = in_foreign_key || options_.live_reverse_streams < 0 ||
                      live < options_.live_reverse_streams;
    if (!in_foreign_key && keep) ++live;
    if (keep && (!running || has_note)) {
      // Newer ones were cleaned up or reverted (or the limit was raised).
      SC_RETURN_IF_ERROR(UnparkReverseStream(uuid, id));
    } else if (keep && !engine_->IsRunning(id)) {
      // Running in its row, so also here (its start after its cut-over's
      // commit may have failed).
      SC_RETURN_IF_ERROR(engine_->Start(id));
    } else if (!keep && (running || !has_note)) {
      // Stopped and marked parked in one write (a crash in between would
      // leave a stream stopped for no reason, and its revert refused); the
      // stage's note follows (again after a crash in between).
      if (running) {
        SC_RETURN_IF_ERROR(engine_->Stop(id, kReverseStreamParked));
      }
      if (has_note) continue;
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, uuid,
          Assignments().SetExpr(
              "stage", absl::StrCat("CONCAT(stage, ",
                                    QuoteString(kParkedStageNote), ")"))));
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::UnparkReverseStream(absl::string_view uuid, int64_t id) {
  SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(id));
  if (row.state == vreplication::kStateStopped &&
      row.message == kReverseStreamParked) {
    SC_RETURN_IF_ERROR(engine_->Start(id));
  }
  // Also when a crash came between the start and this.
  return UpdateMigration(
      *conn_, uuid,
      Assignments().SetExpr(
          "stage", absl::StrCat("REPLACE(stage, ",
                                QuoteString(kParkedStageNote), ", '')")));
}

}  // namespace onlineddl
}  // namespace sidecut
