// ALTER TABLE through a shadow table and a VReplication workflow.
#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "mysql/gtid.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "mysql/server_thread.h"
#include "onlineddl/alter_analysis.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/check_constraints.h"
#include "onlineddl/cut_over.h"
#include "onlineddl/deferred_indexes.h"
#include "onlineddl/executor.h"
#include "onlineddl/foreign_keys.h"
#include "onlineddl/swap_check.h"
#include "onlineddl/throttled_apps.h"
#include "schemadiff/alter_analysis.h"
#include "schemadiff/constraint_names.h"
#include "schemadiff/parser.h"
#include "schemadiff/revertibility.h"
#include "util/status_macros.h"
#include "vreplication/table_schema.h"
#include "vreplication/target_writes.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl {
namespace {

bool IsAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return static_cast<unsigned char>(ch) < 0x80;
  });
}

// Whether two column names are one for MariaDB, which compares them
// without case for every letter (`имя` is `Имя`) where the analysis
// compares ASCII letters only: by the server's own case mapping.
absl::StatusOr<bool> SameColumnName(mysql::Connection& conn,
                                    const std::string& a,
                                    const std::string& b) {
  if (IsAscii(a) && IsAscii(b)) return absl::EqualsIgnoreCase(a, b);
  SC_ASSIGN_OR_RETURN(
      std::string same,
      mysql::QueryValue(
          conn,
          absl::StrCat("SELECT BINARY UPPER(CONVERT(", mysql::QuoteString(a),
                       " USING utf8mb3)) = BINARY UPPER(CONVERT(",
                       mysql::QuoteString(b), " USING utf8mb3))")));
  return same == "1";
}

// `name` as `source` spells it.
absl::StatusOr<std::string> SpelledAsSource(
    mysql::Connection& conn, const vreplication::TableSchema& source,
    const std::string& name) {
  if (IsAscii(name) || source.ColumnIndex(name) >= 0) return name;
  for (const vreplication::ColumnInfo& c : source.columns) {
    SC_ASSIGN_OR_RETURN(bool same, SameColumnName(conn, c.name, name));
    if (same) return c.name;
  }
  return name;
}

// The source columns the ALTER kept under another case of their
// non-ASCII name (MODIFY `имя` of a column `Имя` names it `имя`), as
// renames: the analysis would find no shadow column of their name.
absl::Status AddCaseRenames(
    mysql::Connection& conn, const vreplication::TableSchema& source,
    const vreplication::TableSchema& shadow,
    const std::vector<std::string>& dropped,
    std::vector<std::pair<std::string, std::string>>* renames) {
  for (const vreplication::ColumnInfo& c : source.columns) {
    if (IsAscii(c.name) || shadow.ColumnIndex(c.name) >= 0) continue;
    bool named = false;
    for (const auto& r : *renames) named |= r.first == c.name;
    for (const std::string& d : dropped) named |= d == c.name;
    if (named) continue;
    for (const vreplication::ColumnInfo& t : shadow.columns) {
      SC_ASSIGN_OR_RETURN(bool same, SameColumnName(conn, c.name, t.name));
      if (same) {
        renames->emplace_back(c.name, t.name);
        break;
      }
    }
  }
  return absl::OkStatus();
}

using mysql::QuoteIdentifier;
using mysql::QuoteString;

// The columns among `names` of db.table (not TIMESTAMPs) whose default or
// ON UPDATE reads the clock, each as "column `c` (<default>)": filled by
// the server in the session's time zone.
absl::StatusOr<std::vector<std::string>> ClockFilledColumns(
    mysql::Connection& conn, const std::string& db, const std::string& table,
    const std::vector<std::string>& names) {
  std::vector<std::string> found;
  if (names.empty()) return found;
  SC_ASSIGN_OR_RETURN(
      mysql::Result cols,
      conn.Execute(absl::StrCat(
          // A quoted default is a string, whatever it says; MariaDB's
          // unquoted NULL is none.
          "SELECT COLUMN_NAME, DATA_TYPE, LOWER(CONCAT(IF(COLUMN_DEFAULT "
          "LIKE CONCAT(CHAR(39), '%') OR COLUMN_DEFAULT = 'NULL', '', "
          "IFNULL(COLUMN_DEFAULT, '')), ' ', "
          "EXTRA)) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(table))));
  for (const mysql::Row& r : cols.rows) {
    const std::string name(r.Get(0));
    if (r.Get(1) == "timestamp" ||
        std::none_of(names.begin(), names.end(), [&](const std::string& n) {
          return absl::EqualsIgnoreCase(n, name);
        })) {
      continue;
    }
    for (const char* clock :
         {"current_timestamp", "now(", "curdate", "curtime", "current_date",
          "current_time", "localtime", "sysdate", "from_unixtime"}) {
      if (!absl::StrContains(r.Get(2), clock)) continue;
      found.push_back(absl::StrCat("column ", QuoteIdentifier(name), " (",
                                   absl::StripAsciiWhitespace(r.Get(2)), ")"));
      break;
    }
  }
  return found;
}

// "" when the server's time zone is UTC (by its offsets in January and
// July: one with daylight saving time may be UTC in winter), else "the
// server's time zone (<zone>) is not UTC". A zone not known is not UTC.
absl::StatusOr<std::string> ZoneNotUtc(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result zone,
      conn.Execute(
          "SELECT IFNULL(CONCAT(TIMESTAMPDIFF(SECOND, '2024-01-01 00:00:00', "
          "CONVERT_TZ('2024-01-01 00:00:00', '+00:00', @@GLOBAL.time_zone)), "
          "',', TIMESTAMPDIFF(SECOND, '2024-07-01 00:00:00', "
          "CONVERT_TZ('2024-07-01 00:00:00', '+00:00', @@GLOBAL.time_zone))), "
          "''), @@GLOBAL.time_zone, @@system_time_zone"));
  if (zone.rows.empty() || zone.rows[0].Get(0) == "0,0") return std::string();
  const mysql::Row& z = zone.rows[0];
  return absl::StrCat(
      "the server's time zone (", z.Get(1),
      z.Get(1) == "SYSTEM" ? absl::StrCat(": ", z.Get(2)) : std::string(),
      ") is not UTC");
}

// Why a copy, which works in UTC (where a TIMESTAMP's instant is exact),
// would store other values than the same ALTER run natively in the
// server's time zone, when that zone is not UTC: a TIMESTAMP turned into
// another type or back (native: local times), a column added with a
// default or ON UPDATE reading the clock (native: local time of day).
// "" when nothing depends on the zone, or the zone is UTC.
absl::StatusOr<std::string> TimeZoneDependence(
    mysql::Connection& conn, const std::string& db, const std::string& shadow,
    const vreplication::TableSchema& source,
    const vreplication::TableSchema& target, const AlterAnalysis& a) {
  std::vector<std::string> why;
  for (const auto& [s, t] : a.shared_columns) {
    const int si = source.ColumnIndex(s);
    const int ti = target.ColumnIndex(t);
    if (si < 0 || ti < 0) continue;
    const vreplication::ColumnInfo& sc = source.columns[si];
    const vreplication::ColumnInfo& tc = target.columns[ti];
    if ((sc.data_type == "timestamp") != (tc.data_type == "timestamp")) {
      why.push_back(absl::StrCat("column ", QuoteIdentifier(s),
                                 " changes from ", sc.column_type, " to ",
                                 tc.column_type));
    }
  }
  SC_ASSIGN_OR_RETURN(std::vector<std::string> clocked,
                      ClockFilledColumns(conn, db, shadow, a.added_columns));
  for (const std::string& c : clocked) {
    why.push_back(absl::StrCat(c, " is added with a value of the clock"));
  }
  if (why.empty()) return std::string();
  SC_ASSIGN_OR_RETURN(std::string zone, ZoneNotUtc(conn));
  if (zone.empty()) return std::string();
  return absl::StrCat(
      zone, ", and an online ALTER copies in UTC: ", absl::StrJoin(why, "; "),
      ", where a native ALTER stores local times. Run it with the mysql "
      "strategy, or set the server's time_zone to UTC");
}

// Drops NO_ZERO_DATE and NO_ZERO_IN_DATE from the session's sql_mode, or
// restores the server's default mode (both without NO_BACKSLASH_ESCAPES).
// The revertibility of changing db.table into db.shadow, from their SHOW
// CREATE TABLE, the ALTER's column renames (old, new) and dropped columns
// (as AnalyzeAlter found them) given: the reverse stream maps a renamed
// column back, and a column dropped and added again under its name still
// gets no value from it. A column the server fills by itself
// (AUTO_INCREMENT, generated) is not counted as dropped without a
// default. Columns are named as in db.table.
absl::StatusOr<schemadiff::RevertibilityAnalysis> Revertibility(
    mysql::Connection& conn, absl::string_view db, absl::string_view table,
    absl::string_view shadow,
    const std::vector<std::pair<std::string, std::string>>& renames,
    const std::vector<std::string>& dropped) {
  schemadiff::CreateTable tables[2];
  const absl::string_view names[2] = {table, shadow};
  for (int i = 0; i < 2; ++i) {
    SC_ASSIGN_OR_RETURN(
        mysql::Result r,
        conn.Execute(absl::StrCat("SHOW CREATE TABLE ",
                                  mysql::QuoteQualified(db, names[i]))));
    if (r.rows.empty() || r.rows[0].size() < 2) {
      return absl::NotFoundError(absl::StrCat("no table ", names[i]));
    }
    SC_ASSIGN_OR_RETURN(schemadiff::Statement st,
                        schemadiff::ParseStatement(r.rows[0].Get(1)));
    auto* create = std::get_if<schemadiff::CreateTable>(&st);
    if (create == nullptr || !create->spec) {
      return absl::InternalError(
          absl::StrCat("SHOW CREATE TABLE ", names[i], " is not a table"));
    }
    tables[i] = std::move(*create);
  }
  const schemadiff::CreateTable old_table = tables[0];
  // The old table's columns under their new names (each renamed once: a
  // swap of two names stays a swap), for a comparison by name.
  auto renamed = [&](const std::string& name) -> const std::string* {
    for (const auto& [from, to] : renames) {
      if (absl::EqualsIgnoreCase(from, name)) return &to;
    }
    return nullptr;
  };
  for (schemadiff::ColumnDefinition& c : tables[0].spec->columns) {
    if (const std::string* to = renamed(c.name)) c.name = *to;
  }
  // A key on a dropped column is gone, even if a column is added again
  // under its name (the reverse stream gives that one no values): named so
  // that no key of the shadow matches it (no column name holds a NUL).
  auto was_dropped = [&](const std::string& name) {
    for (const std::string& d : dropped) {
      if (absl::EqualsIgnoreCase(d, name)) return true;
    }
    return false;
  };
  for (schemadiff::IndexDefinition& k : tables[0].spec->indexes) {
    for (schemadiff::IndexPart& part : k.parts) {
      if (const std::string* to = renamed(part.column)) {
        part.column = *to;
      } else if (was_dropped(part.column)) {
        part.column = absl::StrCat(std::string(1, '\0'), part.column);
      }
    }
  }
  schemadiff::RevertibilityAnalysis r =
      schemadiff::AnalyzeRevertibility(tables[0], tables[1]);
  for (std::string& name : r.expanded_column_names) {
    for (const auto& [from, to] : renames) {
      if (absl::EqualsIgnoreCase(to, name)) {
        name = from;
        break;
      }
    }
  }
  r.dropped_no_default_column_names.clear();
  for (const schemadiff::ColumnDefinition& c : old_table.spec->columns) {
    const bool gone =
        std::any_of(dropped.begin(), dropped.end(), [&](const std::string& d) {
          return absl::EqualsIgnoreCase(d, c.name);
        });
    if (gone && !c.nullable.value_or(true) && !c.default_value &&
        !c.auto_increment && !c.generated) {
      r.dropped_no_default_column_names.push_back(c.name);
    }
  }
  return r;
}

absl::Status AllowZeroDates(mysql::Connection& conn, bool allow) {
  SC_ASSIGN_OR_RETURN(
      std::string mode,
      mysql::QueryValue(conn, allow ? "SELECT @@SESSION.sql_mode"
                                    : "SELECT @@GLOBAL.sql_mode"));
  std::vector<std::string> kept;
  for (absl::string_view m : absl::StrSplit(mode, ',')) {
    // Never NO_BACKSLASH_ESCAPES: QuoteString escapes with backslashes.
    if (m.empty() || m == "NO_BACKSLASH_ESCAPES" ||
        (allow && (m == "NO_ZERO_DATE" || m == "NO_ZERO_IN_DATE"))) {
      continue;
    }
    kept.emplace_back(m);
  }
  return conn
      .Execute(absl::StrCat("SET SESSION sql_mode = ",
                            QuoteString(absl::StrJoin(kept, ","))))
      .status();
}

}  // namespace

absl::StatusOr<int64_t> Executor::WorkflowId(absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(mysql::Result r,
                      conn_->Execute(absl::StrCat(
                          "SELECT id FROM _vt.vreplication WHERE workflow = ",
                          QuoteString(uuid), " ORDER BY id DESC LIMIT 1")));
  if (r.rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("migration ", uuid, " has no vreplication workflow"));
  }
  return r.rows[0].GetInt64(0);
}

absl::Status Executor::DeleteWorkflow(int64_t id) {
  SC_RETURN_IF_ERROR(engine_->Stop(id));
  return DeleteWorkflowRows(id);
}

absl::Status Executor::DeleteWorkflowRows(int64_t id) {
  // The stream last: a failure in between leaves it to be deleted again.
  // Its verifications' passes, its XA watch and its record of writes to
  // its target by others go with it.
  for (const std::string& where :
       {absl::StrCat("copy_state WHERE vrepl_id = ", id),
        absl::StrCat("sidecut_verified_copies WHERE workflow_id = ", id),
        absl::StrCat("sidecut_xa_watch WHERE vrepl_id = ", id),
        absl::StrCat("sidecut_target_writes WHERE vrepl_id = ", id),
        absl::StrCat("vreplication WHERE id = ", id)}) {
    SC_RETURN_IF_ERROR(
        conn_->Execute(absl::StrCat("DELETE FROM _vt.", where)).status());
  }
  return absl::OkStatus();
}

void Executor::StopTask(Tasks& tasks, const std::string& uuid) {
  auto it = tasks.find(uuid);
  if (it == tasks.end()) return;
  KillTask(*it->second, uuid);
  tasks.erase(it);  // joins its thread
}

void Executor::KillTask(BackgroundTask& task, const std::string& uuid) {
  absl::Status s = conn_ != nullptr
                       ? task.Kill(*conn_)
                       : absl::UnavailableError("no executor session");
  if (!s.ok()) {
    absl::StatusOr<std::unique_ptr<mysql::Connection>> fresh = Connect();
    s = fresh.ok() ? task.Kill(**fresh) : fresh.status();
  }
  if (!s.ok()) {
    std::cerr << "executor: could not stop the background statement of " << uuid
              << " (waiting for it to end): " << s.message() << "\n";
  }
}

absl::Status Executor::StartStream(const std::string& uuid,
                                   int64_t workflow_id) {
  // A stop (a throttle) ended its hold: held again, from its start, while
  // a build of the shadow's indexes runs (its own or one an earlier daemon
  // left).
  if (options_.hold_stream_during_index_build &&
      (index_builds_.count(uuid) > 0 ||
       held_for_builds_left_.count(uuid) > 0)) {
    engine_->Hold(workflow_id, true);
  }
  return engine_->Start(workflow_id);
}

absl::StatusOr<std::string> Executor::BuildDeferredIndexes(
    const Migration& m, int64_t workflow_id, DeferredAsked asked) {
  // A failure is retried (a lost session, a lock wait on the shadow), after
  // 1 s, then 2 s, before the migration fails.
  constexpr int kMaxFailures = 3;
  const absl::Time now = clock_->Now();
  auto it = index_builds_.find(m.uuid);
  if (it != index_builds_.end()) {
    absl::Status s;
    if (!it->second->Done(&s)) {
      return absl::StrCat("adding secondary indexes (",
                          absl::ToInt64Seconds(now - it->second->started()),
                          "s)");
    }
    index_builds_.erase(it);
    index_build_sessions_.erase(m.uuid);
    engine_->Hold(workflow_id, false);  // catches up (and is verified)
    if (s.ok()) {
      index_build_retries_.erase(m.uuid);
    } else {
      IndexBuildRetry& r = index_build_retries_[m.uuid];
      ++r.failures;
      r.error = std::string(s.message());
      r.next = now + absl::Seconds(r.failures);
      if (r.failures >= kMaxFailures) {
        index_build_retries_.erase(m.uuid);
        return absl::FailedPreconditionError(absl::StrCat(
            "could not add the secondary indexes deferred until after the "
            "copy to ",
            mysql::QuoteQualified(m.schema, FirstArtifact(m)), " (",
            kMaxFailures, " attempts): ", s.message(),
            "; retry the migration, or run sidecutd with "
            "--defer_secondary_indexes=false"));
      }
    }
  }
  auto retry = index_build_retries_.find(m.uuid);
  if (retry != index_build_retries_.end() && now < retry->second.next) {
    return absl::StrCat("adding secondary indexes failed (",
                        retry->second.error, "); retrying");
  }
  if (asked == DeferredAsked::kNone) return std::string();
  if (asked == DeferredAsked::kAsk) {
    SC_ASSIGN_OR_RETURN(bool deferred, HasDeferredIndexes(*conn_, m.uuid));
    if (!deferred) return std::string();
    SC_ASSIGN_OR_RETURN(std::string held_back,
                        IndexBuildHeldBack(m, workflow_id));
    if (!held_back.empty()) return held_back;
  }
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> c, Connect());
  // The copy's priority (copy_niceness), put back when the build ends.
  std::unique_ptr<mysql::ServerThreadNiceness> niced;
  if (options_.workflow.copy_niceness != 0) {
    auto n =
        mysql::ServerThreadNiceness::Set(*c, options_.workflow.copy_niceness);
    if (n.ok()) {
      niced = *std::move(n);
    } else {
      std::cerr << "executor: building indexes of " << FirstArtifact(m)
                << " at normal priority: " << n.status().message() << "\n";
    }
  }
  index_build_sessions_[m.uuid] = c->ConnectionId();
  // Held before the build's ALTER starts: no change to the shadow is
  // committed while it runs.
  if (options_.hold_stream_during_index_build) {
    engine_->Hold(workflow_id, true);
  }
  index_builds_[m.uuid] = std::make_unique<BackgroundTask>(
      std::move(c),
      [uuid = m.uuid, db = m.schema,
       shadow = FirstArtifact(m)](mysql::Connection& conn) {
        return RestoreDeferredIndexes(conn, uuid, db, shadow);
      },
      now, std::move(niced));
  return std::string("adding secondary indexes");
}

absl::StatusOr<std::string> Executor::IndexBuildHeldBack(const Migration& m,
                                                         int64_t workflow_id) {
  // A build a killed daemon left running goes on in the server: a second
  // would wait behind it, then fail on the indexes it added. Once it ends,
  // the build adds what it did not (nothing, if it succeeded).
  SC_ASSIGN_OR_RETURN(std::vector<int64_t> running,
                      IndexBuildsRunning(*conn_, m.schema, FirstArtifact(m)));
  const bool held = held_for_builds_left_.count(m.uuid) > 0;
  if (!running.empty()) {
    if (!held && options_.hold_stream_during_index_build) {
      engine_->Hold(workflow_id, true);
      held_for_builds_left_.insert(m.uuid);
    }
    return absl::StrCat(
        "adding secondary indexes: waiting for the build an earlier sidecutd "
        "left running (session ",
        running[0], ") to end");
  }
  if (held) {
    engine_->Hold(workflow_id, false);
    held_for_builds_left_.erase(m.uuid);
  }
  // Not before the replicas keep up (index_build_throttle); a check that
  // fails is asked again next tick.
  absl::StatusOr<std::string> wait = options_.index_build_throttle(*conn_);
  if (!wait.ok() || !wait->empty()) {
    return absl::StrCat("adding secondary indexes waits: ",
                        wait.ok() ? *wait
                                  : absl::StrCat("cannot check the replicas: ",
                                                 wait.status().message()));
  }
  return std::string();
}

absl::StatusOr<std::string> Executor::IndexBuildState(const std::string& uuid) {
  auto it = index_build_sessions_.find(uuid);
  if (it == index_build_sessions_.end()) return std::string();
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn_->Execute(absl::StrCat(
          "SELECT IFNULL(STATE, '') FROM information_schema.PROCESSLIST "
          "WHERE ID = ",
          it->second)));
  return r.rows.empty() ? std::string() : std::string(r.rows[0].Get(0));
}

absl::Status Executor::DropWorkflow(absl::string_view uuid) {
  StopTask(index_builds_, std::string(uuid));
  index_build_sessions_.erase(std::string(uuid));
  StopVerify(std::string(uuid));
  StopVerify(ReverseVerifyKey(uuid));  // its old table's, if it had one
  index_build_retries_.erase(std::string(uuid));
  held_for_builds_left_.erase(std::string(uuid));
  SC_RETURN_IF_ERROR(ForgetDeferredIndexes(*conn_, uuid));
  while (true) {
    absl::StatusOr<int64_t> id = WorkflowId(uuid);
    if (absl::IsNotFound(id.status())) return absl::OkStatus();
    SC_RETURN_IF_ERROR(id.status());
    SC_RETURN_IF_ERROR(DeleteWorkflow(*id));
  }
}

absl::Status Executor::StartVrepl(const Migration& m, const DdlStatement& d) {
  const std::string& db = m.schema;
  // Partition operations that change rows would run on the empty shadow,
  // and the copy would bring every row back: a DROP or TRUNCATE PARTITION
  // deleted nothing, an EXCHANGE moved the other table's rows in.
  if (const auto* alter = std::get_if<schemadiff::AlterTable>(&d.parsed);
      alter != nullptr && alter->partition_spec.has_value()) {
    const std::string& op = alter->partition_spec->action;
    for (const char* changes_rows :
         {"drop", "truncate", "exchange", "discard", "import"}) {
      if (!absl::EqualsIgnoreCase(op, changes_rows)) continue;
      return Fail(
          m, absl::StrCat(absl::AsciiStrToUpper(op),
                          " PARTITION works on the table's partitions in "
                          "place: an online ALTER would run it on an empty "
                          "copy of the table, then copy every row of the "
                          "live table into it. Run it with the mysql or "
                          "direct strategy (the server does it in place, "
                          "quickly)"));
    }
  }
  // So does DISCARD or IMPORT TABLESPACE: on the shadow, it left the copy
  // failing on a tablespace discarded, the live table untouched.
  if (const auto* alter = std::get_if<schemadiff::AlterTable>(&d.parsed);
      alter != nullptr) {
    for (const schemadiff::AlterOption& o : alter->options) {
      if (o.kind != schemadiff::AlterOption::Kind::kTablespace) continue;
      return Fail(m, absl::StrCat(absl::AsciiStrToUpper(o.value),
                                  " TABLESPACE works on the table's own "
                                  "tablespace: an online ALTER would run it "
                                  "on an empty copy of the table. Run it "
                                  "with the mysql or direct strategy"));
    }
  }
  SC_RETURN_IF_ERROR(AllowZeroDates(*conn_, false));  // the server's mode
  absl::StatusOr<vreplication::TableSchema> source =
      vreplication::LoadTableSchema(*conn_, db, m.table);
  if (!source.ok()) return Fail(m, source.status().message());
  SC_ASSIGN_OR_RETURN(std::vector<std::string> fks,
                      ForeignKeysOn(*conn_, db, m.table));
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::FromColumns(m.strategy, m.options));
  if (!fks.empty() && !st.IsAllowForeignKeys()) {
    return Fail(
        m, absl::StrCat("Foreign key found on ", QuoteIdentifier(m.table), " (",
                        absl::StrJoin(fks, ", "),
                        "): online DDL cannot swap a table that is a "
                        "foreign key parent or child"));
  }
  SC_ASSIGN_OR_RETURN(std::vector<std::string> triggers,
                      TriggersOn(*conn_, db, m.table));
  if (!triggers.empty()) {
    return Fail(m, TriggersRefusal(m.table, triggers, /*revert=*/false));
  }
  if (options_.fs_space) {
    // Copies running side by side (--concurrent_copies) have yet to write
    // the rest of theirs.
    std::vector<CopyUnderWay> others;
    SC_ASSIGN_OR_RETURN(std::vector<Migration> running,
                        ListMine("migration_status = 'running'"));
    for (const Migration& r : running) {
      // Copying, or building its indexes (also one waiting to build them
      // again, or not yet restarted after a daemon restart).
      const bool indexing = index_builds_.count(r.uuid) > 0 ||
                            index_build_retries_.count(r.uuid) > 0 ||
                            absl::StrContains(r.stage, "adding secondary");
      if (r.uuid == m.uuid || !IsVreplAlter(r) ||
          (r.progress >= 100 && !indexing)) {
        continue;
      }
      others.push_back(CopyUnderWay{r.table, r.progress / 100});
    }
    std::string skipped;
    SC_ASSIGN_OR_RETURN(std::string short_of_disk,
                        CheckDiskForCopy(*conn_, db, m.table, options_.fs_space,
                                         &skipped, others));
    if (!short_of_disk.empty()) return Fail(m, short_of_disk);
    if (!skipped.empty()) {
      std::cerr << "executor: migration " << m.uuid
                << ": no disk check before its copy: " << skipped << "\n";
    }
  }
  if (!(SentryName(m.table, m.uuid) > m.table)) {
    return Fail(m, absl::StrCat("cannot cut over ", QuoteIdentifier(m.table),
                                ": no sentry name sorts after it (its 56th "
                                "character is U+FFEE or beyond)"));
  }
  // A retry within the second of a failed attempt would get that attempt's
  // name (it is kept as an artifact): the next free second's.
  std::string shadow;
  for (int i = 0; i < 10; ++i) {
    SC_ASSIGN_OR_RETURN(shadow, ArtifactName(ArtifactHint::kShadow, m.uuid,
                                             clock_->Now() + absl::Seconds(i)));
    SC_ASSIGN_OR_RETURN(bool taken, TableExists(db, shadow));
    if (!taken) break;
  }
  if (st.IsAllowForeignKeys()) {
    // Foreign key names are the schema's: an earlier attempt's shadow
    // keeping the ones this ALTER adds would make it fail (errno 121).
    SC_RETURN_IF_ERROR(DropShadowForeignKeys(
        db, m.artifacts, [](const std::string&) { return true; }));
  }
  // Listed before it exists: a daemon killed while the CREATE runs (or
  // waits for the table) leaves a shadow that table GC finds (a name
  // listed with no table is passed over).
  std::string artifacts =
      m.artifacts.empty() ? shadow : absl::StrCat(shadow, ",", m.artifacts);
  SC_RETURN_IF_ERROR(UpdateMigration(*conn_, m.uuid,
                                     Assignments()
                                         .Set("artifacts", artifacts)
                                         .Set("stage", "creating shadow")));
  // The original may hold zero dates its session once allowed: copying its
  // definition must accept them.
  SC_RETURN_IF_ERROR(AllowZeroDates(*conn_, true));
  absl::Status s = conn_
                       ->Execute(absl::StrCat(
                           "CREATE TABLE ", mysql::QuoteQualified(db, shadow),
                           " LIKE ", mysql::QuoteQualified(db, m.table)))
                       .status();
  SC_RETURN_IF_ERROR(AllowZeroDates(*conn_, st.IsAllowZeroInDate()));
  if (!s.ok()) {
    AllowZeroDates(*conn_, false).IgnoreError();
    // Taken off only if surely not there (a lost connection's CREATE may
    // still run); a name listed without its table is passed over.
    absl::StatusOr<bool> there = TableExists(db, shadow);
    if (there.ok() && !*there) {
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid, Assignments().Set("artifacts", m.artifacts)));
    }
    return Fail(m, s.message());
  }
  SC_RETURN_IF_ERROR(UpdateMigration(
      *conn_, m.uuid, Assignments().Set("stage", "altering shadow")));
  std::string alter_clauses = d.alter_clauses;
  if (st.IsAllowForeignKeys()) {
    // Kept (CREATE ... LIKE dropped them); the ALTER may drop them.
    s = KeepForeignKeys(m, shadow, &alter_clauses);
    if (!s.ok()) return Fail(m, s.message());
  }
  s = DropCheckForMariadb(*conn_, db, shadow, &alter_clauses);
  if (!s.ok()) return Fail(m, s.message());
  // In the server's time zone, as the client's ALTER would read a TIMESTAMP
  // default literal (the shadow is empty; rows are copied in UTC).
  s = InServerTimeZone([&] {
    return conn_
        ->Execute(absl::StrCat("ALTER TABLE ",
                               mysql::QuoteQualified(db, shadow), " ",
                               alter_clauses))
        .status();
  });
  if (!s.ok()) return Fail(m, s.message());
  if (!st.IsAllowForeignKeys()) {
    // A foreign key the ALTER adds: during the copy the parent's deletes
    // and key updates would fail on rows the shadow holds (the live table
    // has no such key), and the swap moves no references.
    SC_ASSIGN_OR_RETURN(
        std::string added,
        mysql::QueryValue(
            *conn_, absl::StrCat("SELECT COUNT(*) FROM information_schema."
                                 "REFERENTIAL_CONSTRAINTS WHERE "
                                 "CONSTRAINT_SCHEMA = ",
                                 QuoteString(db),
                                 " AND TABLE_NAME = ", QuoteString(shadow))));
    if (added != "0") {
      SC_RETURN_IF_ERROR(AllowZeroDates(*conn_, false));
      // Its foreign key names would block the same ALTER by other means.
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("DROP TABLE ",
                                     mysql::QuoteQualified(db, shadow)))
              .status());
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid, Assignments().Set("artifacts", m.artifacts)));
      return Fail(
          m, absl::StrCat("the ALTER adds a foreign key to ",
                          QuoteIdentifier(m.table),
                          ": online DDL cannot swap a table that is a foreign "
                          "key child (the parent's writes would fail against "
                          "the shadow while it copies); add it with the "
                          "direct or mysql strategy, or accept that with "
                          "--unsafe-allow-foreign-keys"));
    }
  }
  // CREATE … LIKE does not carry the AUTO_INCREMENT counter; unless the
  // ALTER sets it (AUTO_INCREMENT = n: a column made or kept
  // AUTO_INCREMENT, a comment naming it, keep the table's).
  if (!schemadiff::AnalyzeAlterTable(std::get<schemadiff::AlterTable>(d.parsed))
           .sets_auto_increment) {
    SC_ASSIGN_OR_RETURN(
        std::string next,
        mysql::QueryValue(
            *conn_, absl::StrCat("SELECT IFNULL(AUTO_INCREMENT, 0) FROM "
                                 "information_schema.TABLES WHERE "
                                 "TABLE_SCHEMA = ",
                                 QuoteString(db),
                                 " AND TABLE_NAME = ", QuoteString(m.table))));
    if (next != "0") {
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("ALTER TABLE ",
                                     mysql::QuoteQualified(db, shadow),
                                     " AUTO_INCREMENT = ", next))
              .status());
    }
  }
  SC_RETURN_IF_ERROR(AllowZeroDates(*conn_, false));
  absl::StatusOr<vreplication::TableSchema> target =
      vreplication::LoadTableSchema(*conn_, db, shadow);
  if (!target.ok()) return Fail(m, target.status().message());
  const auto& alter = std::get<schemadiff::AlterTable>(d.parsed);
  std::vector<std::pair<std::string, std::string>> renames =
      ColumnRenames(alter);
  std::vector<std::string> dropped = DroppedColumns(alter);
  for (auto& r : renames) {
    SC_ASSIGN_OR_RETURN(r.first, SpelledAsSource(*conn_, *source, r.first));
  }
  for (std::string& d : dropped) {
    SC_ASSIGN_OR_RETURN(d, SpelledAsSource(*conn_, *source, d));
  }
  SC_RETURN_IF_ERROR(
      AddCaseRenames(*conn_, *source, *target, dropped, &renames));
  absl::StatusOr<AlterAnalysis> a =
      AnalyzeAlter(*source, *target, renames, dropped);
  if (!a.ok()) return Fail(m, a.status().message());
  // What a revert would lose or fail on, from the two CREATE TABLE
  // statements (Vitess's revertibility analysis). A dropped NOT NULL column
  // without a default: the reverse stream cannot write a row inserted after
  // the cut-over to the old table (the column has no value for it), and a
  // revert is refused from then on.
  std::vector<std::string> dropped_no_default, expanded;
  absl::StatusOr<schemadiff::RevertibilityAnalysis> rev =
      Revertibility(*conn_, db, m.table, shadow, renames, a->dropped_columns);
  if (!rev.ok()) {
    a->revertible_notes.push_back(
        absl::StrCat("revertibility not analyzed: ", rev.status().message()));
    expanded = a->changed_type_columns;
  } else {
    dropped_no_default = rev->dropped_no_default_column_names;
    expanded = rev->expanded_column_names;
    // Every unique key, as the server has them (on nullable or prefixed
    // columns too; one replaced by a stricter key is kept): the analysis
    // knows only the keys a copy can iterate on.
    a->removed_unique_key_names = rev->removed_unique_key_names;
    a->removed_unique_keys =
        static_cast<int>(rev->removed_unique_key_names.size());
  }
  for (const std::string& k : a->removed_unique_key_names) {
    a->revertible_notes.push_back(absl::StrCat(
        "unique key ", k,
        " removed: duplicates written meanwhile would block a revert"));
  }
  for (const std::string& c : dropped_no_default) {
    a->revertible_notes.push_back(absl::StrCat(
        "column ", mysql::QuoteIdentifier(c),
        " (NOT NULL, no default) dropped: a row inserted after the "
        "cut-over has no value for it in the old table, and a revert "
        "is refused once one is"));
  }
  // A dropped column the server fills from the clock: the reverse stream,
  // in UTC, gives rows inserted after the cut-over UTC times in the old
  // table where the server would have put local ones.
  SC_ASSIGN_OR_RETURN(
      std::vector<std::string> clocked,
      ClockFilledColumns(*conn_, db, m.table, a->dropped_columns));
  if (!clocked.empty()) {
    SC_ASSIGN_OR_RETURN(std::string zone, ZoneNotUtc(*conn_));
    for (const std::string& c : clocked) {
      if (zone.empty()) break;
      a->revertible_notes.push_back(absl::StrCat(
          c, " dropped: ", zone,
          "; after a revert, rows inserted since the cut-over hold UTC "
          "times in it, not local ones"));
    }
  }
  SC_ASSIGN_OR_RETURN(
      std::string zoned,
      TimeZoneDependence(*conn_, db, shadow, *source, *target, *a));
  if (!zoned.empty()) return Fail(m, zoned);
  binlogdata::BinlogSource src;
  src.set_keyspace(m.keyspace);
  src.set_shard(m.shard);
  *src.mutable_filter()->add_rules() = a->rule;
  src.set_on_ddl(binlogdata::STOP);
  SC_ASSIGN_OR_RETURN(
      std::string rows,
      mysql::QueryValue(
          *conn_, absl::StrCat("SELECT IFNULL(TABLE_ROWS, 0) "
                               "FROM information_schema.TABLES "
                               "WHERE TABLE_SCHEMA = ",
                               QuoteString(db),
                               " AND TABLE_NAME = ", QuoteString(m.table))));
  int64_t table_rows = 0;
  absl::SimpleAtoi(rows, &table_rows);
  SC_RETURN_IF_ERROR(UpdateMigration(
      *conn_, m.uuid,
      Assignments()
          .Set("added_unique_keys", static_cast<int64_t>(a->added_unique_keys))
          .Set("removed_unique_keys",
               static_cast<int64_t>(a->removed_unique_keys))
          .Set("removed_unique_key_names",
               absl::StrJoin(a->removed_unique_key_names, ","))
          .Set("dropped_no_default_column_names",
               absl::StrJoin(dropped_no_default, ","))
          .Set("expanded_column_names", absl::StrJoin(expanded, ","))
          .Set("revertible_notes", absl::StrJoin(a->revertible_notes, "\n"))
          .Set("special_plan",
               absl::StrCat(
                   "{\"unique_key\": ", QuoteString(a->source_key_name), "}"))
          .Set("table_rows", table_rows)
          .Set("stage", "copying")));
  if (fks.empty() && options_.defer_secondary_indexes) {
    // Plain secondary indexes are built after the copy, in one pass.
    absl::StatusOr<int> deferred = DeferIndexes(*conn_, m.uuid, db, shadow);
    if (!deferred.ok()) return Fail(m, deferred.status().message());
  }
  absl::StatusOr<int64_t> id =
      engine_->Create(m.uuid, src, db, vreplication::kWorkflowTypeOnlineDdl);
  if (!id.ok()) return Fail(m, id.status().message());
  progress_[m.uuid] = Progress{clock_->Now(), 0};
  return absl::OkStatus();
}

namespace {
// Salts the names of keys an ALTER drops and adds again.
constexpr char kReadded[] = ":added";
}  // namespace

absl::Status Executor::DropShadowForeignKeys(
    const std::string& db, const std::string& artifacts,
    const std::function<bool(const std::string& name)>& which) {
  for (absl::string_view a :
       absl::StrSplit(artifacts, ',', absl::SkipEmpty())) {
    absl::optional<ParsedArtifactName> parsed = ParseArtifactName(a);
    if (!parsed.has_value() || parsed->hint != ArtifactHint::kShadow) continue;
    SC_ASSIGN_OR_RETURN(std::vector<ForeignKey> fks,
                        LoadForeignKeys(*conn_, db, a));
    for (const ForeignKey& fk : fks) {
      if (!which(fk.name)) continue;
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat(
                  "ALTER TABLE ", mysql::QuoteQualified(db, a),
                  " DROP FOREIGN KEY ", mysql::QuoteIdentifier(fk.name)))
              .status());
    }
  }
  return absl::OkStatus();
}

absl::Status Executor::KeepForeignKeys(const Migration& m,
                                       const std::string& shadow,
                                       std::string* alter_clauses) {
  SC_ASSIGN_OR_RETURN(std::vector<ForeignKey> fks,
                      LoadForeignKeys(*conn_, m.schema, m.table));
  if (fks.empty()) return absl::OkStatus();
  std::vector<std::string> adds;
  std::map<std::string, std::string> renamed;
  std::map<std::string, std::string> readded;
  for (const ForeignKey& fk : fks) {
    if (fk.referenced_schema == m.schema && fk.referenced_table == m.table) {
      return absl::FailedPreconditionError(absl::StrCat(
          "foreign key ", QuoteIdentifier(fk.name), " of ",
          QuoteIdentifier(m.table),
          " references its own table: its shadow cannot keep it; use the "
          "direct or mysql strategy"));
    }
    const std::string name =
        schemadiff::NewConstraintName(m.table, fk.name, m.uuid);
    SC_ASSIGN_OR_RETURN(std::string add, AddForeignKeyClause(fk, name));
    adds.push_back(std::move(add));
    renamed[absl::AsciiStrToLower(fk.name)] = name;
    readded[absl::AsciiStrToLower(fk.name)] = schemadiff::NewConstraintName(
        m.table, fk.name, absl::StrCat(m.uuid, kReadded));
  }
  SC_RETURN_IF_ERROR(
      conn_
          ->Execute(absl::StrCat("ALTER TABLE ",
                                 mysql::QuoteQualified(m.schema, shadow), " ",
                                 absl::StrJoin(adds, ", ")))
          .status());
  SC_ASSIGN_OR_RETURN(*alter_clauses, RenameForeignKeysInAlter(
                                          *alter_clauses, renamed, readded));
  return absl::OkStatus();
}

absl::Status Executor::DropKeptForeignKeys(const Migration& m) {
  if (m.ddl_action != "alter" || m.is_view || !m.reverted_uuid.empty()) {
    return absl::OkStatus();
  }
  SC_ASSIGN_OR_RETURN(Migration now, ReadMigration(*conn_, m.uuid));
  // And those the ALTER adds under the user's names: left on the shadow,
  // they would hold the names (unique in a schema) and fail the same ALTER
  // submitted again. No table swapped in holds them: the ALTER adding one
  // on the shadow failed if the table held it.
  std::set<std::string> added;
  if (absl::StatusOr<DdlStatement> d = ParseMigration(m); d.ok()) {
    SC_ASSIGN_OR_RETURN(added, AddedForeignKeyNames(d->alter_clauses));
  }
  return DropShadowForeignKeys(
      m.schema, now.artifacts, [&](const std::string& name) {
        return schemadiff::IsNewConstraintName(m.table, name, m.uuid) ||
               schemadiff::IsNewConstraintName(
                   m.table, name, absl::StrCat(m.uuid, kReadded)) ||
               added.count(absl::AsciiStrToLower(name)) > 0;
      });
}

absl::Status Executor::MonitorVrepl(const Migration& m) {
  // A revert rides on the reverse stream of the migration it reverts.
  const bool revert = !m.reverted_uuid.empty();
  absl::StatusOr<int64_t> id = WorkflowId(revert ? m.reverted_uuid : m.uuid);
  if (absl::IsNotFound(id.status())) {
    return Fail(m, "the migration's vreplication workflow is missing");
  }
  SC_RETURN_IF_ERROR(id.status());
  SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row, engine_->Read(*id));
  // A permanent error fails the migration; a retried one too once it has
  // persisted for error_grace (a duplicate key from an added UNIQUE key
  // recurs at every retry; one from a crashed process's last commit does
  // not).
  bool give_up = row.state == vreplication::kStateError &&
                 !absl::EndsWith(row.message, "(will retry)");
  if (row.state == vreplication::kStateError && !give_up) {
    auto first = first_error_.emplace(m.uuid, clock_->Now()).first;
    give_up = clock_->Now() - first->second >= options_.error_grace;
  } else {
    first_error_.erase(m.uuid);
  }
  if (give_up) {
    first_error_.erase(m.uuid);
    std::string msg(absl::StripSuffix(row.message, " (will retry)"));
    if (CutOverInterrupted(m)) {
      // The stream was to tell whether the interrupted RENAME ran; it
      // cannot now.
      checking_until_.erase(m.uuid);
      return SettleFromSchemas(m, *id, absl::StrCat("failed: ", msg));
    }
    return Fail(m, revert ? absl::StrCat("cannot revert: the reverse stream "
                                         "failed: ",
                                         msg)
                          : msg);
  }
  if (row.state == vreplication::kStateStopped && IsOwnCutOver(m, row)) {
    // The swap happened but was not recorded (a crash, or an error after
    // the RENAME): the position after it starts the reverse stream. First
    // of all: a throttle must not restart the stream past the RENAME.
    SC_ASSIGN_OR_RETURN(mysql::Position at, mysql::Position::Parse(row.pos));
    CutOverResult done;
    done.rename_position = std::move(at);
    std::cerr << "executor: migration " << m.uuid
              << ": its cut-over swapped the tables but was not recorded; "
                 "completing it\n";
    return CutOverDone(m, *id, done);
  }
  Assignments a;
  a.SetExpr("liveness_timestamp", "NOW()");
  const bool stopped_by_us = row.state == vreplication::kStateStopped &&
                             row.message == vreplication::kStoppedByRequest;
  if (CutOverInterrupted(m)) {
    // Did the interrupted cut-over swap? Its stream, restarted (throttled
    // or not), stops at the RENAME (above) or passes the binlog's end as
    // of now without one: then nothing was swapped.
    if (stopped_by_us) {
      checking_until_.erase(m.uuid);
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid,
          Assignments().Set("stage", kCheckingInterruptedCutOver)));
      return engine_->Start(*id);
    }
    if (row.state == vreplication::kStateRunning ||
        row.state == vreplication::kStateCopying) {
      auto until = checking_until_.find(m.uuid);
      if (until == checking_until_.end()) {
        SC_ASSIGN_OR_RETURN(mysql::Position end, BinlogEnd(*conn_));
        until = checking_until_.emplace(m.uuid, std::move(end)).first;
      }
      SC_ASSIGN_OR_RETURN(mysql::Position at, mysql::Position::Parse(row.pos));
      if (!at.AtLeast(until->second)) return UpdateMigration(*conn_, m.uuid, a);
      checking_until_.erase(until);
      std::cerr << "executor: migration " << m.uuid
                << ": its interrupted cut-over swapped nothing; going on\n";
      // Below, the stage moves on (throttled, copying, ready ...).
    } else if (row.state == vreplication::kStateError) {
      // Retrying (within error_grace): the check goes on once the stream
      // runs again, and the stage keeps saying so (commands go by it).
      return UpdateMigration(*conn_, m.uuid, a);
    }
  }
  // The throttle in force now (a THROTTLE ALL given before it was
  // submitted, one that expired): applied from the next tick.
  SC_ASSIGN_OR_RETURN(double throttle,
                      ThrottleRatioOf(*conn_, m.schema, m.uuid, clock_->Now()));
  if (std::fabs(throttle - m.user_throttle_ratio) > 1e-4) {
    return ApplyThrottle(m, throttle);
  }
  if (m.user_throttle_ratio >= 1) {
    // Throttled before its stream existed (queued, or launched later).
    if (row.state != vreplication::kStateStopped) {
      SC_RETURN_IF_ERROR(engine_->Stop(*id));
    }
    // Its stream stands still: not ready, whatever it was a moment ago.
    a.Set("stage", "throttled by user").Set("ready_to_complete", false);
    return UpdateMigration(*conn_, m.uuid, a);
  }
  if (stopped_by_us) {
    // Stopped here, and no throttle is in force:
    //   - unthrottled (the command restarts the stream too; this covers a
    //     daemon that stopped in between);
    //   - a throttle stopped it and the daemon stopped before recording
    //     the throttle, which then expired (failing the migration would
    //     leave a reverted migration's stream stopped for good);
    //   - a cut-over stopped it and ended without recording an outcome
    //     (the process died; the server released its lock). Either
    //     nothing was swapped and the stream goes on, or the swap happened
    //     and the stream stops at its RENAME (it had applied everything
    //     before the lock; t took no writes until the RENAME), recognized
    //     on a later round.
    return StartStream(m.uuid, *id);
  }
  if (revert && row.state == vreplication::kStateStopped &&
      row.message == kReverseStreamParked) {
    // Launched, but the process ended before its stream was restarted
    // (StartRevert).
    return UnparkReverseStream(m.reverted_uuid, *id);
  }
  if (row.state == vreplication::kStateStopped && CutOverInterrupted(m)) {
    // Checking whether an interrupted cut-over swapped, the stream stopped
    // before the RENAME (or the binlog's end) at someone else's DDL naming
    // the table (CREATE TABLE other.t, say): it cannot tell.
    checking_until_.erase(m.uuid);
    return SettleFromSchemas(m, *id, absl::StrCat("stopped: ", row.message));
  }
  if (row.state == vreplication::kStateStopped) {
    return Fail(m,
                absl::StrCat("the migration's stream stopped: ", row.message));
  }
  if (row.state != vreplication::kStateError && !engine_->IsRunning(*id)) {
    // Its row said it runs but nothing here runs it (a reverse stream whose
    // start after its cut-over failed, which a revert now rides on): it
    // would never catch up. Read again, now that no thread can change it:
    // one that stopped since (at a DDL) is not restarted past it.
    SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow now, engine_->Read(*id));
    if (now.state == vreplication::kStateRunning ||
        now.state == vreplication::kStateCopying ||
        now.state == vreplication::kStateInit) {
      return engine_->Start(*id);
    }
    return absl::OkStatus();  // the next round sees why it stopped
  }
  const bool copying = row.state == vreplication::kStateCopying ||
                       row.state == vreplication::kStateInit;
  const absl::Time now = clock_->Now();
  Progress& p = progress_[m.uuid];
  if (p.at == absl::Time()) p = Progress{now, row.rows_copied};
  int64_t table_rows = std::max(m.table_rows, row.rows_copied);
  a.Set("rows_copied", row.rows_copied).Set("table_rows", table_rows);
  const int64_t lag = engine_->LagSeconds(*id);
  a.Set("vreplication_lag_seconds", std::max<int64_t>(lag, 0));
  bool ready = false;
  bool held = false;        // by the copy's throttler
  std::string waiting_for;  // an older migration it completes after
  if (copying) {
    double pct = table_rows > 0 ? 100.0 * row.rows_copied / table_rows : 0;
    a.Set("progress", std::min(pct, 99.9));
    double secs = absl::ToDoubleSeconds(now - p.at);
    int64_t done = row.rows_copied - p.rows;
    if (secs >= 10) p = Progress{now, row.rows_copied};  // rolling window
    // The copy's throttler (replica lag, server load) holds it back: the
    // workflow records the reason while it waits (time_throttled fresh)
    // and clears it when it goes on; the time only guards against a
    // record left by a process that died.
    held = !row.reason_throttled.empty() &&
           absl::ToUnixSeconds(now) - row.time_throttled <= 30;
    if (held) {
      // No end to tell while held: the pace before the hold would promise
      // one the hold does not keep. Once rows flow again the pace counts
      // the hold's time within its window (a throttle by ratio holds now
      // and then, and slows the copy by that much).
      a.Set("eta_seconds", int64_t{-1});
    } else if (secs >= 1 && done > 0) {
      a.Set("eta_seconds",
            static_cast<int64_t>((table_rows - row.rows_copied) * secs / done));
    }
    if (held) {
      a.Set("component_throttled", "vcopier")
          .Set("reason_throttled", row.reason_throttled)
          .SetExpr("last_throttled_timestamp",
                   absl::StrCat("FROM_UNIXTIME(", row.time_throttled, ")"));
    }
    a.Set("stage", absl::StrCat(held ? absl::StrCat("copying, throttled: ",
                                                    row.reason_throttled)
                                     : std::string("copying"),
                                "; lag ", std::max<int64_t>(lag, 0), "s"));
  } else {
    // Copied: the indexes deferred until now are built in the background
    // (the tail goes on); the migration is not ready before they are.
    std::string building;
    int64_t verify_eta = -1;
    if (row.state == vreplication::kStateRunning) {
      const std::string key = VerifyKey(m);
      // With the stream held during the build and the copy verified beside
      // it, the verification's snapshot comes first (taken with the stream
      // applied up to it), the build starts once it is taken, and the
      // shadow is read once the build's ALTER is past its exclusive start
      // (a read holds the shadow's metadata lock).
      // Or the copy is verified before the build starts
      // (verify_before_index_build).
      const bool verify_first =
          !revert && options_.verify_copy && options_.verify_before_index_build;
      const bool snapshot_first = !revert && !verify_first &&
                                  options_.verify_copy &&
                                  options_.verify_beside_index_build &&
                                  options_.hold_stream_during_index_build;
      auto v0 = verify_states_.find(key);
      const bool passed0 = v0 != verify_states_.end() && v0->second.passed;
      // A hold taken for a build an earlier daemon left running ends with
      // it, whatever else this tick decides (the stream held, nothing
      // else would be verified or built).
      if (held_for_builds_left_.count(m.uuid) > 0) {
        SC_ASSIGN_OR_RETURN(
            std::vector<int64_t> left,
            IndexBuildsRunning(*conn_, m.schema, FirstArtifact(m)));
        if (left.empty()) {
          engine_->Hold(*id, false);
          held_for_builds_left_.erase(m.uuid);
        }
      }
      // The build held back (IndexBuildHeldBack): the copy is not verified
      // beside it meanwhile, whose snapshot would stay open as long (for
      // as long as the replicas lag: InnoDB could not purge meanwhile).
      // One verified first still is.
      std::string held_back;
      DeferredAsked asked = DeferredAsked::kAsk;  // for BuildDeferredIndexes
      if (!revert && (!verify_first || passed0) &&
          index_builds_.count(m.uuid) == 0) {
        SC_ASSIGN_OR_RETURN(bool deferred, HasDeferredIndexes(*conn_, m.uuid));
        if (deferred) {
          SC_ASSIGN_OR_RETURN(held_back, IndexBuildHeldBack(m, *id));
        }
        asked = !deferred ? DeferredAsked::kNone : DeferredAsked::kMayStart;
      }
      bool build_waits = false;  // for the verification (or its snapshot)
      if (held_back.empty() && (snapshot_first || verify_first) &&
          index_builds_.count(m.uuid) == 0) {
        auto v = verify_states_.find(key);
        const bool passed = v != verify_states_.end() && v->second.passed;
        const bool taken =
            v != verify_states_.end() && v->second.progress != nullptr &&
            verifies_.count(key) > 0 && v->second.progress->snapshot_taken;
        // Not behind a verification that failed (retried later, alone).
        const bool failed = v != verify_states_.end() && v->second.failures > 0;
        if (!passed && (verify_first || !taken) && !failed) {
          if (asked == DeferredAsked::kAsk) {
            SC_ASSIGN_OR_RETURN(build_waits,
                                HasDeferredIndexes(*conn_, m.uuid));
          } else {
            build_waits = asked == DeferredAsked::kMayStart;
          }
        }
      }
      // Not ready while the build waits for the verification to pass.
      bool build_next = false;
      if (build_waits && verify_first) {
        build_next = true;
      } else if (build_waits) {
        building = "adding secondary indexes";
      } else if (!held_back.empty()) {
        building = held_back;
      } else if (!revert) {
        absl::StatusOr<std::string> stage = BuildDeferredIndexes(m, *id, asked);
        if (absl::IsFailedPrecondition(stage.status())) {
          return Fail(m, stage.status().message());
        }
        SC_RETURN_IF_ERROR(stage.status());
        building = *std::move(stage);
      }
      // Verified once the stream has caught up (a revert's may have been
      // parked for hours; readiness needs as much anyway): until then the
      // stage says it catches up. A revert's old table is checked as a
      // copy is.
      const bool caught_up =
          lag >= 0 && absl::Seconds(lag) <= options_.ready_lag;
      // Not held: beside the index build once its ALTER builds (past its
      // exclusive start: a snapshot holding the shadow's metadata lock would
      // hold it up). Either way the snapshot gives way while the ALTER waits
      // for that lock (to finish, or a retried one to start).
      const bool beside =
          !building.empty() && options_.verify_beside_index_build &&
          options_.verify_copy &&
          (snapshot_first || !options_.hold_stream_during_index_build);
      const bool build_running = index_builds_.count(m.uuid) > 0;
      // A state not read is taken as "not building yet" (tried again next
      // tick).
      const std::string state = beside && build_running
                                    ? IndexBuildState(m.uuid).value_or("")
                                    : std::string();
      const bool past_start = state == "altering table";
      bool may_verify =
          building.empty() || past_start || (snapshot_first && beside);
      auto v = verify_states_.find(key);
      if (v != verify_states_.end() && v->second.progress != nullptr) {
        v->second.progress->index_building = beside;
        // Only while it waits for the lock (holding it, it needs nothing of
        // ours; a renewal then would read mid-commit).
        v->second.progress->give_way =
            state == "Waiting for table metadata lock";
        if (snapshot_first) {
          v->second.progress->may_read = !beside || past_start;
          v->second.progress->stream_held = build_running;
        }
      }
      bool verifying_now = verifies_.count(key) > 0;
      if (!held_back.empty() && !verify_first) {
        if (verifying_now) PauseVerify(key);
        verifying_now = false;
        may_verify = false;
      }
      // A statement waiting for the table's metadata lock (a DBA's DDL):
      // the snapshot gives way at once, keeping its place (held, it held
      // that statement and every write queued behind it).
      const bool passed = v != verify_states_.end() && v->second.passed;
      if (options_.verify_copy && !passed && (may_verify || verifying_now)) {
        SC_ASSIGN_OR_RETURN(bool awaited, MetadataLockAwaited({m.table}));
        if (awaited) {
          if (verifying_now) PauseVerify(key);
          verifying_now = false;
          may_verify = false;
          const std::string paused = absl::StrCat(
              "verifying the copy paused: a statement waits for the "
              "metadata lock of ",
              mysql::QuoteIdentifier(m.table));
          building =
              building.empty() ? paused : absl::StrCat(paused, "; ", building);
        }
      }
      if ((may_verify || verifying_now) && (caught_up || verifying_now)) {
        const std::string indexes = building;
        absl::StatusOr<std::string> verifying = VerifyShadow(
            m, *id, &verify_eta, /*ahead=*/false, !indexes.empty());
        if (absl::IsFailedPrecondition(verifying.status())) {
          StopVerify(VerifyKey(m));
          return Fail(m, verifying.status().message());
        }
        SC_RETURN_IF_ERROR(verifying.status());
        building = *std::move(verifying);
        if (!indexes.empty()) {
          building = building.empty()
                         ? indexes
                         : absl::StrCat(building, " beside ", indexes);
        }
      }
      if (build_next) {
        building = building.empty() ? std::string("adding secondary indexes")
                                    : absl::StrCat(building,
                                                   ", then adding secondary "
                                                   "indexes");
      }
    }
    auto verified = verify_states_.find(VerifyKey(m));
    const std::string ready_stage =
        verified != verify_states_.end() && !verified->second.summary.empty()
            ? absl::StrCat("ready to complete (", verified->second.summary, ")")
            : std::string("ready to complete");
    ready = building.empty() && row.state == vreplication::kStateRunning &&
            lag >= 0 && absl::Seconds(lag) <= options_.ready_lag;
    // Ready, it completes after the migrations submitted before it.
    if (ready && !m.postpone_completion && InOrderCompletion(m)) {
      SC_ASSIGN_OR_RETURN(std::vector<Migration> older, PendingBefore(m));
      if (!older.empty()) waiting_for = older[0].uuid;
    }
    // The copy is done; how long the index build takes the server does not
    // say (no progress for an in-place ADD INDEX): ETA unknown meanwhile;
    // a verification's from its pace.
    a.Set("progress", 100.0)
        .Set("eta_seconds", building.empty() ? int64_t{0} : verify_eta);
    a.Set("stage",
          absl::StrCat(
              !building.empty() ? building
              : !waiting_for.empty()
                  ? absl::StrCat(ready_stage, ", waiting for ", waiting_for,
                                 " to complete first "
                                 "(in order)")
              : ready ? ready_stage
                      : "catching up",
              "; lag ", std::max<int64_t>(lag, 0), "s"));
  }
  if (!held && m.component_throttled == "vcopier") {
    a.Set("component_throttled", "").Set("reason_throttled", "");
  }
  a.Set("ready_to_complete", ready);
  if (ready && !m.ready_to_complete) {
    a.SetExpr("ready_to_complete_timestamp", "NOW()");
  }
  SC_RETURN_IF_ERROR(UpdateMigration(*conn_, m.uuid, a));
  if (!ready || m.postpone_completion) return absl::OkStatus();
  if (BackingOff(m.uuid) || !waiting_for.empty()) return absl::OkStatus();
  return CutOverVrepl({m});
}

absl::Status Executor::SettleFromSchemas(const Migration& m, int64_t id,
                                         absl::string_view stream) {
  const bool revert = !m.reverted_uuid.empty();
  absl::StatusOr<SwapFromSchemas> checked =
      CheckSwapFromSchemas(*conn_, m.uuid, m.schema, m.table, FirstArtifact(m));
  SwapFromSchemas seen;
  if (checked.ok()) {
    seen = *std::move(checked);
  } else {
    seen.why =
        absl::StrCat("reading them failed: ", checked.status().message());
  }
  if (seen.outcome == SwapFromSchemas::kSwapped) {
    return CompleteUnrevertible(
        m, id,
        absl::StrCat("its cut-over was interrupted (the daemon stopped, "
                     "or the RENAME's session was lost) and swapped the "
                     "tables (",
                     seen.why, "), but the stream that was to find the RENAME ",
                     stream,
                     ", so the position a reverse stream would start "
                     "from is unknown"));
  }
  if (seen.outcome == SwapFromSchemas::kNotSwapped) {
    return Fail(m, absl::StrCat(revert ? "cannot revert: " : "",
                                "its cut-over was interrupted (the daemon "
                                "stopped, or the RENAME's session was lost) "
                                "before swapping the tables (",
                                seen.why, "), and then its stream ", stream,
                                revert ? "" : ". A retry runs it again"));
  }
  SC_RETURN_IF_ERROR(Fail(
      m, absl::StrCat(
             revert ? "cannot revert: " : "",
             "its cut-over was interrupted (the daemon stopped, or the "
             "RENAME's session was lost) and whether that swapped the "
             "tables is unknown: the stream that would tell ",
             stream, "; nor can their schemas tell (", seen.why, ")",
             ". If it swapped, ", mysql::QuoteIdentifier(m.table),
             " has the schema ",
             revert ? "from before the reverted change"
                    : "the migration asked for",
             " and ", mysql::QuoteIdentifier(FirstArtifact(m)),
             " the other one (compare their SHOW CREATE TABLE). No rows are "
             "lost either way: ",
             mysql::QuoteIdentifier(m.table),
             " holds every row. A retry is refused (it could apply the "
             "change twice); submit a new migration if the schema is not "
             "the one wanted")));
  // Marks it for Retry.
  return UpdateMigration(*conn_, m.uuid,
                         Assignments().Set("stage", kSwapOutcomeUnknownStage));
}

bool Executor::CutOverInterrupted(const Migration& m) const {
  if (prepared_.count(m.uuid) > 0) return false;  // prepared here, held
  return absl::StartsWith(m.stage, "cutting over") ||
         m.stage == "cut-over prepared" ||
         m.stage == kCheckingInterruptedCutOver;
}

absl::Status Executor::RefuseWhileChecking(const Migration& m,
                                           absl::string_view what) {
  return absl::FailedPreconditionError(absl::StrCat(
      "cannot ", what, " migration ", m.uuid,
      " now: its cut-over was interrupted (the daemon stopped, or the "
      "RENAME's session was lost), and whether that swapped the tables is "
      "being checked (its stream catches up); try again in a moment"));
}

bool Executor::IsOwnCutOver(const Migration& m,
                            const vreplication::WorkflowRow& row) {
  // Our RENAME (cut_over.cc) moves the table to its sentry first; the
  // stream records it, or (too long) that clause, as the DDL it stopped at.
  return absl::StartsWith(row.message, "Stopped at DDL RENAME TABLE ") &&
         absl::StrContains(
             row.message,
             absl::StrCat(
                 mysql::QuoteQualified(m.schema, m.table), " TO ",
                 mysql::QuoteQualified(m.schema, SentryName(m.table, m.uuid))));
}

absl::StatusOr<int64_t> Executor::CutOverWorkflowId(const Migration& m) {
  return WorkflowId(m.reverted_uuid.empty() ? m.uuid : m.reverted_uuid);
}

absl::StatusOr<CutOverOptions> Executor::CutOverOptionsFor(const Migration& m) {
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::FromColumns(m.strategy, m.options));
  CutOverOptions o;
  o.threshold = m.cutover_threshold_seconds > 0
                    ? absl::Seconds(m.cutover_threshold_seconds)
                    : st.CutOverThreshold();
  absl::optional<absl::Duration> force_after = st.ForceCutOverAfter();
  o.force = m.force_cutover ||
            (force_after.has_value() && m.seconds_since_ready_to_complete >=
                                            absl::ToInt64Seconds(*force_after));
  if (options_.tune_cut_over) options_.tune_cut_over(o);
  return o;
}

CutOverRequest Executor::CutOverRequestFor(const Migration& m,
                                           int64_t workflow_id) {
  CutOverRequest req;
  req.db = m.schema;
  req.table = m.table;
  req.shadow = FirstArtifact(m);
  req.sentry = SentryName(m.table, m.uuid);
  vreplication::Engine* engine = engine_.get();
  Clock* clock = clock_;
  req.wait_applied = [engine, clock, workflow_id](
                         const mysql::Position& pos,
                         absl::Time deadline) -> absl::Status {
    while (true) {
      absl::optional<mysql::Position> p =
          engine->CommittedPosition(workflow_id);
      if (p.has_value() && p->AtLeast(pos)) return absl::OkStatus();
      if (clock->Now() >= deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            "cut-over: the stream did not apply the locked position within "
            "the cut-over threshold (applied up to ",
            p.has_value() ? p->ToString() : "nothing: not running", ", needed ",
            pos.ToString(), ")"));
      }
      clock->SleepFor(absl::Milliseconds(1));
    }
  };
  // On the executor's own session (the locked table's metadata stays
  // readable to it): the callers hold mu_ and run on this thread.
  mysql::Connection* conn = conn_.get();
  // Without verification nothing checks the table again (nor forgets the
  // record): no use refusing.
  req.stop_stream = [engine, workflow_id, conn,
                     revert = !m.reverted_uuid.empty() &&
                              options_.verify_copy]() -> absl::Status {
    SC_RETURN_IF_ERROR(engine->Stop(workflow_id));
    if (!revert) return absl::OkStatus();
    // The stream applied everything before the lock: a write to the old
    // table by another session since its check is recorded by now.
    SC_ASSIGN_OR_RETURN(absl::optional<std::string> written,
                        vreplication::RecordedTargetWrite(*conn, workflow_id));
    if (written.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cut-over: the old table ", *written,
          " was written by another session since it was checked; it is "
          "checked again before the revert"));
    }
    return absl::OkStatus();
  };
  req.check_locked = [conn, db = m.schema, table = m.table,
                      revert = !m.reverted_uuid.empty()]() {
    return CheckSwapKeepsTriggers(*conn, db, table, revert);
  };
  return req;
}

absl::Duration Executor::BackOff(const Migration& m) {
  absl::Duration pause = options_.cut_over_backoff;
  for (int64_t i = 0;
       i < m.cutover_attempts && pause < options_.cut_over_backoff_max; ++i) {
    pause *= 2;
  }
  pause = std::min(pause, options_.cut_over_backoff_max);
  next_cut_over_[m.uuid] = clock_->Now() + pause;
  return pause;
}

bool Executor::BackingOff(const std::string& uuid) const {
  auto next = next_cut_over_.find(uuid);
  return next != next_cut_over_.end() && clock_->Now() < next->second;
}

absl::Status Executor::CutOverFailed(const Migration& m, int64_t workflow_id,
                                     bool stream_stopped,
                                     const absl::Status& error, bool backoff) {
  if (IsSwapOutcomeUnknown(error)) {
    // The RENAME may have run: as after a crash, the restarted stream
    // stops at it or passes the binlog's end without it (MonitorVrepl);
    // meanwhile commands that assume either outcome are refused.
    SC_RETURN_IF_ERROR(
        UpdateMigration(*conn_, m.uuid,
                        Assignments()
                            .Set("stage", kCheckingInterruptedCutOver)
                            .Set("ready_to_complete", false)
                            .Set("message", error.message())));
    return stream_stopped ? engine_->Start(workflow_id) : absl::OkStatus();
  }
  if (stream_stopped) {
    // Nothing was swapped: the stream goes on for the next attempt.
    SC_RETURN_IF_ERROR(engine_->Start(workflow_id));
  }
  if (!backoff) {
    return UpdateMigration(*conn_, m.uuid,
                           Assignments()
                               .Set("stage", "cut-over aborted")
                               .Set("message", error.message()));
  }
  const absl::Duration pause = BackOff(m);
  return UpdateMigration(
      *conn_, m.uuid,
      Assignments()
          .Set("stage", absl::StrCat("cut-over failed; retrying in ",
                                     absl::FormatDuration(pause)))
          .Set("message", error.message()));
}

void Executor::RecordSchemas(const Migration& m) {
  absl::Status s = RecordSchemasBeforeSwap(*conn_, m.uuid, m.schema, m.table,
                                           FirstArtifact(m));
  if (s.ok()) return;
  // Only a check after a crash needs them: the cut-over goes on, and
  // without a record (not an earlier attempt's) that check says it cannot
  // tell.
  std::cerr << "executor: migration " << m.uuid
            << ": recording the schemas before its cut-over failed: "
            << s.message() << "\n";
  ForgetSchemasBeforeSwap(*conn_, m.uuid).IgnoreError();
}

absl::Status Executor::CompleteUnrevertible(const Migration& m,
                                            int64_t workflow_id,
                                            absl::string_view why) {
  SC_RETURN_IF_ERROR(
      RecordComplete(m, "complete", absl::StrCat("not revertible: ", why)));
  // No stream keeps the other table in sync: a revert is refused.
  return DeleteWorkflow(workflow_id);
}

absl::Status Executor::RecordComplete(const Migration& m,
                                      const std::string& stage,
                                      const std::string& message) {
  if (!m.reverted_uuid.empty()) {
    // The reverted migration's old table is this revert's now. The shadows
    // of its earlier, failed attempts (a retry lists its new one first)
    // stay its own, retired with it: listed nowhere, table GC would never
    // take them.
    absl::StatusOr<Migration> reverted = ReadMigration(*conn_, m.reverted_uuid);
    if (!reverted.ok() && !absl::IsNotFound(reverted.status())) {
      return reverted.status();
    }
    std::vector<std::string> kept;
    for (absl::string_view a :
         absl::StrSplit(reverted.ok() ? reverted->artifacts : "", ',',
                        absl::SkipEmpty())) {
      if (a != FirstArtifact(m)) kept.emplace_back(a);
    }
    SC_RETURN_IF_ERROR(UpdateMigration(
        *conn_, m.reverted_uuid,
        Assignments().Set("artifacts", absl::StrJoin(kept, ","))));
    StopVerify(ReverseVerifyKey(m.reverted_uuid));
  }
  ForgetEnded(m.uuid);
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("migration_status", kStatusComplete)
                             .Set("message", message)
                             .Set("progress", 100.0)
                             .Set("eta_seconds", int64_t{0})
                             .Set("stage", stage)
                             .SetExpr("completed_timestamp", "NOW(6)")
                             .SetExpr("liveness_timestamp", "NOW()"));
}

absl::Status Executor::CutOverDone(const Migration& m, int64_t workflow_id,
                                   const CutOverResult& r) {
  SC_ASSIGN_OR_RETURN(vreplication::WorkflowRow row,
                      engine_->Read(workflow_id));
  // Planned before anything is written (it reads both tables' schemas).
  absl::StatusOr<binlogdata::BinlogSource> reverse =
      ReverseStreamSource(m, row);
  // Stopped already (its cut-over's lock, or its RENAME).
  SC_RETURN_IF_ERROR(engine_->Stop(workflow_id));
  // Recorded complete and its stream replaced by the reverse one in one
  // transaction: a crash (or an error) before the commit leaves it cutting
  // over, its stream stopped short of the RENAME, which the restarted
  // stream then finds (MonitorVrepl); never complete without its reverse
  // stream, nor running with a reverse stream that looks like its own and
  // would swap the tables back.
  auto fail = [&](absl::Status s) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return s;
  };
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  absl::Status done = RecordComplete(
      m,
      r.stall > absl::ZeroDuration()
          ? absl::StrCat("complete; writes stalled ",
                         absl::ToInt64Milliseconds(r.stall), " ms at cut-over")
          : std::string("complete"),
      reverse.ok()
          ? std::string()
          : absl::StrCat("not revertible: ", reverse.status().message()));
  if (!done.ok()) return fail(done);
  if (absl::Status deleted = DeleteWorkflowRows(workflow_id); !deleted.ok()) {
    return fail(deleted);
  }
  int64_t id = 0;
  if (reverse.ok()) {
    absl::StatusOr<int64_t> created = vreplication::CreateWorkflow(
        *conn_, m.uuid, *reverse, m.schema,
        vreplication::kWorkflowTypeOnlineDdl, r.rename_position.ToString());
    if (!created.ok()) return fail(created.status());
    id = *created;
    // The old table is what a revert swaps back in: DDL on it stops the
    // stream, and the revert is then refused.
    absl::Status tagged =
        conn_
            ->Execute(absl::StrCat(
                "UPDATE _vt.vreplication SET tags = ",
                mysql::QuoteString(vreplication::kTagStopOnTargetDdl),
                " WHERE id = ", id))
            .status();
    if (!tagged.ok()) return fail(tagged);
  }
  if (options_.before_completion_commit) {
    absl::Status hooked = options_.before_completion_commit(m);
    if (!hooked.ok()) return fail(hooked);
  }
  SC_RETURN_IF_ERROR(conn_->Execute("COMMIT").status());
  if (id == 0) return absl::OkStatus();
  // Its row says Running: if not started here, ParkReverseStreams starts
  // it within a second.
  if (absl::Status started = engine_->Start(id); !started.ok()) {
    std::cerr << "executor: " << m.uuid
              << ": starting its reverse stream: " << started.message()
              << std::endl;
  }
  return absl::OkStatus();
}

}  // namespace onlineddl
}  // namespace sidecut
