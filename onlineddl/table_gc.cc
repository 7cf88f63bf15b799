#include "onlineddl/table_gc.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "mysql/short_lock_wait.h"
#include "onlineddl/swap_check.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using mysql::QuoteQualified;
using mysql::QuoteString;

// The first state of `l` after hold.
ArtifactHint FirstStateAfterHold(const GcLifecycle& l) {
  if (l.purge) return ArtifactHint::kPurge;
  if (l.evac) return ArtifactHint::kEvac;
  return ArtifactHint::kDrop;
}

}  // namespace

int PurgeBatchRows(int64_t avg_row_bytes, int64_t bytes, int most) {
  most = std::max(1, most);
  if (avg_row_bytes <= 0) return std::min(100, most);
  return static_cast<int>(std::clamp<int64_t>(bytes / avg_row_bytes, 1, most));
}

absl::Duration TableGc::StateDuration(ArtifactHint hint) const {
  switch (hint) {
    case ArtifactHint::kHold:
      return options_.hold;
    case ArtifactHint::kEvac:
      return options_.evac;
    default:
      return absl::ZeroDuration();
  }
}

absl::Status TableGc::Run(mysql::Connection& conn,
                          absl::string_view ddl) const {
  return mysql::ExecuteWithLockWait(conn, ddl, options_.lock_wait);
}

absl::Status TableGc::MoveTo(mysql::Connection& conn, absl::string_view db,
                             absl::string_view table, ArtifactHint hint,
                             absl::Duration wait, absl::string_view uuid) {
  if (hint == ArtifactHint::kDrop) {
    return Run(
        conn, absl::StrCat("DROP TABLE IF EXISTS ", QuoteQualified(db, table)));
  }
  // A migration's tables share its UUID: one moving to the same state in
  // the same second takes the next second (as Vitess spaces a migration's
  // artifacts).
  absl::Status s;
  for (int i = 0; i < 60; ++i) {
    SC_ASSIGN_OR_RETURN(
        std::string name,
        ArtifactName(hint, uuid, clock_->Now() + wait + absl::Seconds(i)));
    s = Run(conn, absl::StrCat("RENAME TABLE ", QuoteQualified(db, table),
                               " TO ", QuoteQualified(db, name)));
    if (mysql::MysqlErrno(s) != mysql::kErTableExists) return s;
  }
  return s;
}

absl::Status TableGc::Retire(mysql::Connection& conn, absl::string_view db,
                             absl::string_view table, absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE "
          "TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(table))));
  if (r.rows.empty()) return absl::OkStatus();
  if (r.rows[0].Get(0) == "VIEW") return DropView(conn, db, table);
  ArtifactHint first = FirstStateAfterHold(options_.lifecycle);
  return MoveTo(conn, db, table, first, StateDuration(first), uuid);
}

absl::Status TableGc::DropView(mysql::Connection& conn, absl::string_view db,
                               absl::string_view view) {
  return Run(conn,
             absl::StrCat("DROP VIEW IF EXISTS ", QuoteQualified(db, view)));
}

absl::StatusOr<bool> TableGc::Purge(mysql::Connection& conn,
                                    absl::string_view db,
                                    absl::string_view table, absl::Time until) {
  const std::string key = absl::StrCat(db, std::string(1, '\0'), table);
  if (!unreferenced_.contains(key)) {
    SC_RETURN_IF_ERROR(CheckUnreferenced(conn, db, table));
    unreferenced_.insert(key);
  }
  SC_ASSIGN_OR_RETURN(std::vector<std::string> triggers,
                      TriggersOn(conn, db, table));
  for (const std::string& trigger : triggers) {
    SC_RETURN_IF_ERROR(Run(conn, absl::StrCat("DROP TRIGGER IF EXISTS ",
                                              QuoteQualified(db, trigger))));
  }
  const int64_t wait =
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.lock_wait));
  int batch = 0;
  if (auto known = batch_.find(key); known != batch_.end()) {
    batch = known->second;
  } else {
    SC_ASSIGN_OR_RETURN(
        std::string avg,
        mysql::QueryValue(
            conn, absl::StrCat("SELECT IFNULL(AVG_ROW_LENGTH, 0) FROM "
                               "information_schema.TABLES WHERE "
                               "TABLE_SCHEMA = ",
                               QuoteString(db),
                               " AND TABLE_NAME = ", QuoteString(table))));
    int64_t bytes = 0;
    if (!absl::SimpleAtoi(avg, &bytes)) bytes = 0;
    batch = PurgeBatchRows(bytes, options_.purge_batch_bytes,
                           options_.purge_batch_rows);
    // Unknown yet (statistics not computed): read again next tick.
    if (bytes > 0) batch_[key] = batch;
  }
  while (clock_->Now() < until) {
    if (options_.throttle) {
      SC_ASSIGN_OR_RETURN(std::string reason, options_.throttle(conn));
      if (!reason.empty()) return false;  // next tick
    }
    // Small batches: no long locks, no huge transaction or binlog event.
    // Only its own foreign keys remain (no other table references it): a
    // self-reference would refuse deleting a parent row before its
    // children, and a row of a child deletes nothing elsewhere. A row
    // event carries no SET STATEMENT to a replica.
    const std::string settings = absl::StrCat(
        "SET STATEMENT foreign_key_checks = 0, lock_wait_timeout = ", wait,
        log_purges_ ? "" : ", sql_log_bin = 0");
    const std::string del = absl::StrCat(
        " FOR DELETE FROM ", QuoteQualified(db, table), " LIMIT ", batch);
    absl::StatusOr<mysql::Result> r = conn.Execute(absl::StrCat(settings, del));
    if (!r.ok() && !log_purges_ &&
        mysql::MysqlErrno(r.status()) == mysql::kErSpecificAccessDenied) {
      log_purges_ = true;
      continue;
    }
    SC_RETURN_IF_ERROR(r.status());
    if (r->affected_rows < static_cast<uint64_t>(batch)) {
      unreferenced_.erase(key);  // renamed next
      batch_.erase(key);
      return true;
    }
  }
  return false;
}

absl::Status TableGc::CheckUnreferenced(mysql::Connection& conn,
                                        absl::string_view db,
                                        absl::string_view table) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result children,
      conn.Execute(absl::StrCat(
          "SELECT CONCAT(CONSTRAINT_SCHEMA, '.', TABLE_NAME, '.', "
          "CONSTRAINT_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS "
          "WHERE UNIQUE_CONSTRAINT_SCHEMA = ",
          QuoteString(db), " AND REFERENCED_TABLE_NAME = ", QuoteString(table),
          " AND NOT (CONSTRAINT_SCHEMA = ", QuoteString(db),
          " AND TABLE_NAME = ", QuoteString(table), ")")));
  if (!children.rows.empty()) {
    std::string names;
    for (const mysql::Row& row : children.rows) {
      absl::StrAppend(&names, names.empty() ? "" : ", ", row.Get(0));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "referenced by foreign keys of other tables (", names,
        "): purging it would cascade into them; left until they are "
        "dropped"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> TableGc::Tick(
    mysql::Connection& conn, absl::string_view db,
    const absl::flat_hash_set<std::string>& keep) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat("SELECT TABLE_NAME, TABLE_TYPE, ENGINE FROM "
                                "information_schema.TABLES WHERE "
                                "TABLE_SCHEMA = ",
                                QuoteString(db),
                                " AND TABLE_NAME LIKE '\\_vt\\_%'")));
  int changed = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::vector<std::string> errors;
  const absl::Time purge_until = clock_->Now() + options_.purge_budget;
  for (const mysql::Row& row : r.rows) {
    std::string table(row.Get(0));
    absl::optional<ParsedArtifactName> p = ParseArtifactName(table);
    if (!p.has_value() || !p->hint.has_value() || !IsGcHint(*p->hint)) {
      continue;
    }
    if (*p->hint == ArtifactHint::kHold &&
        keep.contains(absl::AsciiStrToLower(p->uuid))) {
      continue;  // a dropped table or view a pending revert brings back
    }
    absl::StatusOr<bool> advanced =
        Advance(conn, db, table, *p, row.Get(1), row.Get(2), purge_until);
    if (!advanced.ok()) {
      // E.g. a dropped foreign-key parent whose purge the children refuse:
      // the other tables still advance. Every table stuck is reported.
      if (code == absl::StatusCode::kOk) code = advanced.status().code();
      errors.push_back(absl::StrCat("table GC of ", QuoteQualified(db, table),
                                    ": ", advanced.status().message()));
      continue;
    }
    if (*advanced) ++changed;
  }
  if (!errors.empty()) {
    return absl::Status(code, absl::StrJoin(errors, "; "));
  }
  return changed;
}

absl::StatusOr<bool> TableGc::Advance(
    mysql::Connection& conn, absl::string_view db, const std::string& table,
    const ParsedArtifactName& p, absl::string_view type,
    absl::string_view engine, absl::Time purge_until) {
  if (type == "VIEW") {
    // A dropped view held for a revert: no data to purge (a DELETE
    // through an updatable view would delete its base table's rows).
    if (*p.hint == ArtifactHint::kHold && clock_->Now() < p.time) {
      return false;
    }
    SC_RETURN_IF_ERROR(DropView(conn, db, table));
    return true;
  }
  // Only a table whose engine stores its own rows is purged: a DELETE
  // through MERGE, FederatedX, CONNECT or Spider deletes the rows of the
  // tables or the server it stands for, where DROP TABLE removes only the
  // definition; a system-versioned table's DELETE keeps the rows as
  // history. The others go on to be dropped as they are.
  const bool purgeable =
      type == "BASE TABLE" && (absl::EqualsIgnoreCase(engine, "InnoDB") ||
                               absl::EqualsIgnoreCase(engine, "Aria") ||
                               absl::EqualsIgnoreCase(engine, "MyISAM"));
  if (*p.hint == ArtifactHint::kPurge && purgeable) {
    SC_ASSIGN_OR_RETURN(bool empty, Purge(conn, db, table, purge_until));
    if (!empty) return false;
  } else if (clock_->Now() < p.time) {
    return false;  // its time has not come
  }
  absl::optional<ArtifactHint> next = NextGcState(*p.hint, options_.lifecycle);
  if (!next.has_value()) next = ArtifactHint::kDrop;
  if (*p.hint == ArtifactHint::kDrop) next = ArtifactHint::kDrop;
  SC_RETURN_IF_ERROR(
      MoveTo(conn, db, table, *next, StateDuration(*next), p.uuid));
  return true;
}

}  // namespace onlineddl
}  // namespace sidecut
