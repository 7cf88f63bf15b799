// Submitting migrations: one request's statements, checked together and
// recorded in one transaction (all or none).

#include <algorithm>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_uuid.h"
#include "onlineddl/swap_check.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {

namespace {

// The server skips some versioned comments (above its version, /*!110500
// ... */ on 10.11, or MySQL's /*!50700 to /*!99999) where the analysis
// reads every one: a clause in one (a DROP COLUMN) would be acted on by
// the copy and not by the shadow's ALTER. Refused, saying so.
absl::Status CheckVersionedComments(mysql::Connection& conn,
                                    absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::VersionedComment> comments,
                      schemadiff::VersionedComments(sql));
  if (comments.empty()) return absl::OkStatus();
  SC_ASSIGN_OR_RETURN(std::string text,
                      mysql::QueryValue(conn, "SELECT @@version"));
  std::vector<std::string> parts = absl::StrSplit(
      text.substr(0, text.find_first_not_of("0123456789.")), '.');
  int64_t server = 0;
  for (size_t i = 0; i < 3; ++i) {
    int64_t n = 0;
    if (i < parts.size()) (void)absl::SimpleAtoi(parts[i], &n);
    server = server * 100 + n;
  }
  for (const schemadiff::VersionedComment& c : comments) {
    if (schemadiff::MariaDBIgnores(c, server)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the statement has a versioned comment for version ", c.version,
          ", which this server (", text,
          ") skips: remove the comment, or its text, to say what to run"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> Executor::Submit(
    absl::string_view sql, absl::string_view strategy,
    absl::string_view migration_context, absl::string_view uuid,
    absl::Time deadline) {
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::Parse(strategy));
  SC_ASSIGN_OR_RETURN(std::vector<DdlStatement> stmts,
                      ParseDdl(sql, options_.db));
  for (const DdlStatement& d : stmts) {
    SC_RETURN_IF_ERROR(CheckNotAnArtifact(d, st));
  }
  if (st.IsDirect()) return SubmitDirect(stmts, deadline);
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  if (st.strategy != Strategy::kMysql) {  // the server alone reads those
    SC_RETURN_IF_ERROR(CheckVersionedComments(*conn_, sql));
  }
  if (st.IsDeclarative()) {
    if (!uuid.empty()) {
      return absl::InvalidArgumentError(
          "a declarative deployment assigns its own migration UUIDs");
    }
    return SubmitDeclarative(sql, st, migration_context);
  }
  std::vector<ParsedEntry> entries(1);
  entries[0].stmts = std::move(stmts);
  entries[0].uuid = std::string(uuid);
  return SubmitLocked(entries, st, migration_context);
}

absl::StatusOr<std::vector<std::string>> Executor::SubmitAll(
    const std::vector<SubmitEntry>& entries, absl::string_view strategy,
    absl::string_view migration_context, absl::Time deadline) {
  SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                      DdlStrategySetting::Parse(strategy));
  if (st.IsDirect() || st.IsDeclarative()) {
    return absl::InvalidArgumentError(
        "SubmitAll takes migrations: a direct or declarative request is "
        "submitted with Submit");
  }
  std::vector<ParsedEntry> parsed(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    absl::Status s = [&]() -> absl::Status {
      SC_ASSIGN_OR_RETURN(parsed[i].stmts,
                          ParseDdl(entries[i].sql, options_.db));
      for (const DdlStatement& d : parsed[i].stmts) {
        SC_RETURN_IF_ERROR(CheckNotAnArtifact(d, st));
      }
      return absl::OkStatus();
    }();
    if (!s.ok()) return EntryError(i, entries.size(), s);
    parsed[i].uuid = entries[i].uuid;
  }
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(CheckMayAct(deadline));
  if (st.strategy != Strategy::kMysql) {
    for (size_t i = 0; i < entries.size(); ++i) {
      absl::Status s = CheckVersionedComments(*conn_, entries[i].sql);
      if (!s.ok()) return EntryError(i, entries.size(), s);
    }
  }
  return SubmitLocked(parsed, st, migration_context);
}

absl::Status Executor::EntryError(size_t i, size_t n, const absl::Status& s) {
  if (n <= 1) return s;
  return absl::Status(
      s.code(), absl::StrCat("statement ", i + 1, " of ", n, ": ", s.message(),
                             " (nothing was submitted)"));
}

absl::StatusOr<std::vector<std::string>> Executor::SubmitDirect(
    const std::vector<DdlStatement>& stmts, absl::Time deadline) {
  // Run as the client's own statement, on a session of its own and
  // without the executor's lock: a long ALTER must not hold up ticks,
  // cut-overs and other commands. A metadata lock held elsewhere still
  // fails it after lock_wait rather than a day later.
  // In the server's time zone, as the client's session would run it (a
  // TIMESTAMP made DATETIME holds local times).
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> c, ConnectOwn());
  SC_RETURN_IF_ERROR(
      c->Execute("SET SESSION time_zone = @@GLOBAL.time_zone").status());
  SC_RETURN_IF_ERROR(CheckDeadline(deadline));
  {
    absl::MutexLock lock(&mu_);
    SC_RETURN_IF_ERROR(CheckNotDeposed());
  }
  SC_RETURN_IF_ERROR(CheckWritable(*c));
  for (size_t i = 0; i < stmts.size(); ++i) {
    absl::Status s = c->Execute(stmts[i].sql).status();
    if (s.ok()) continue;
    if (i == 0) return s;
    // The ones before it stay applied: said, so that the request is not
    // simply sent again.
    std::string applied;
    for (size_t k = 0; k < i; ++k) {
      absl::StrAppend(&applied, k == 0 ? "" : "; ", stmts[k].sql);
    }
    return absl::Status(
        s.code(), absl::StrCat(stmts[i].sql, " failed: ", s.message(),
                               " (already applied, directly: ", applied, ")"));
  }
  return std::vector<std::string>();
}

absl::StatusOr<std::vector<std::string>> Executor::SubmitLocked(
    const std::vector<ParsedEntry>& entries, const DdlStrategySetting& st,
    absl::string_view migration_context) {
  SC_ASSIGN_OR_RETURN(std::vector<Migration> pending,
                      ListMine("migration_status IN ('requested', "
                               "'queued', 'ready', 'running')"));
  // Each entry is checked as if the ones before it were submitted (they
  // count as pending), then all are recorded in one transaction: a
  // refused entry leaves nothing of the request behind.
  std::vector<Migration> created;
  std::vector<std::string> uuids;
  std::set<std::string> ours;  // created by this request, not recorded yet
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].uuid.empty() &&
        std::find(uuids.begin(), uuids.end(), entries[i].uuid) != uuids.end()) {
      return EntryError(
          i, entries.size(),
          absl::InvalidArgumentError(absl::StrCat(
              "migration UUID ", entries[i].uuid, " is given twice")));
    }
    std::vector<Migration> mine;
    absl::StatusOr<bool> known =
        CheckEntry(entries[i], st, migration_context, pending, ours, &mine);
    if (!known.ok()) return EntryError(i, entries.size(), known.status());
    if (*known) {
      uuids.push_back(entries[i].uuid);
      continue;
    }
    for (Migration& m : mine) {
      uuids.push_back(m.uuid);
      ours.insert(m.uuid);
      pending.push_back(m);
      created.push_back(std::move(m));
    }
  }
  if (created.empty()) return uuids;
  SC_RETURN_IF_ERROR(conn_->Execute("BEGIN").status());
  absl::Status inserted;
  for (const Migration& m : created) {
    inserted = InsertMigration(*conn_, m);
    if (!inserted.ok()) break;
  }
  if (inserted.ok()) inserted = conn_->Execute("COMMIT").status();
  if (!inserted.ok()) {
    conn_->Execute("ROLLBACK").IgnoreError();
    return inserted;
  }
  Wake();
  return uuids;
}

absl::StatusOr<bool> Executor::CheckEntry(const ParsedEntry& e,
                                          const DdlStrategySetting& st,
                                          absl::string_view migration_context,
                                          const std::vector<Migration>& pending,
                                          const std::set<std::string>& ours,
                                          std::vector<Migration>* out) {
  const std::vector<DdlStatement>& stmts = e.stmts;
  const std::string& uuid = e.uuid;
  // A DROP of a foreign key parent or child would be refused as it applies
  // (executor_immediate.cc): refused now, before a deployment applies
  // anything ordered before it.
  if (!st.IsAllowForeignKeys()) {
    for (const DdlStatement& d : stmts) {
      if (d.action != DdlStatement::Action::kDrop || d.is_view) continue;
      SC_RETURN_IF_ERROR(CheckDropAllowed(*conn_, options_.db, d.table));
    }
  }
  if (!uuid.empty() && stmts.size() != 1) {
    return absl::InvalidArgumentError(
        "a fixed migration UUID applies to exactly one statement");
  }
  if (!uuid.empty() && !IsValidMigrationUuid(uuid)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", uuid, "' is not a valid migration UUID"));
  }
  if (!uuid.empty()) {
    // Submitted again (a controller resuming an interrupted submission):
    // the same request is a no-op, whatever the migration's state since.
    absl::StatusOr<Migration> existing = ReadMigration(*conn_, uuid);
    if (existing.ok()) {
      if (existing->schema == options_.db &&
          existing->statement == stmts[0].sql &&
          existing->migration_context == migration_context &&
          existing->strategy == StrategyName(st.strategy) &&
          existing->options == st.options) {
        return true;  // the same request again: a no-op
      }
      return absl::AlreadyExistsError(absl::StrCat(
          "migration ", uuid,
          " already exists with another statement, database or context"));
    }
    if (!absl::IsNotFound(existing.status())) return existing.status();
  }
  if (st.IsSingleton() && stmts.size() > 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "singleton migration rejected: ", stmts.size(),
        " statements would be as many pending migrations; submit them with "
        "--singleton-context"));
  }
  if (st.IsSingleton() && !pending.empty() && ours.count(pending[0].uuid)) {
    return absl::FailedPreconditionError(
        "singleton migration rejected: the request's statements would be as "
        "many pending migrations; submit them with --singleton-context");
  }
  if (st.IsSingleton() && !pending.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("singleton migration rejected: migration ",
                     pending[0].uuid, " is still ", pending[0].status));
  }
  if (st.IsSingletonContext()) {
    for (const Migration& p : pending) {
      if (p.migration_context != migration_context) {
        return absl::FailedPreconditionError(
            absl::StrCat("singleton-context migration rejected: migration ",
                         p.uuid, " of another context (", p.migration_context,
                         ") is still ", p.status));
      }
    }
  }
  if (!st.IsAllowConcurrent()) {
    for (const DdlStatement& d : stmts) {
      for (const Migration& p : pending) {
        if (p.table != d.table) continue;
        if (ours.count(p.uuid) > 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              "table ", mysql::QuoteIdentifier(d.table),
              " is also changed by an earlier statement of this request; "
              "combine them into one ALTER TABLE, or submit with "
              "--allow-concurrent to run them one after the other"));
        }
        return absl::FailedPreconditionError(absl::StrCat(
            "table ", mysql::QuoteIdentifier(d.table),
            " already has a pending migration ", p.uuid, " (", p.status,
            "); wait for it or cancel it, or submit with --allow-concurrent "
            "to queue this one behind it"));
      }
    }
  }
  std::vector<std::string> changed;
  for (const DdlStatement& d : stmts) changed.push_back(d.table);
  SC_RETURN_IF_ERROR(CheckNoDeploymentDependsOn(changed));
  for (const DdlStatement& d : stmts) {
    // A running deployment's member waits (postponed) for its gate: one
    // queued "behind" it would run ahead of it, and the member then fail
    // as the gate applies it (a CREATE finding the table there).
    for (const Migration& p : pending) {
      if (p.table != d.table) continue;
      SC_ASSIGN_OR_RETURN(bool gated, GatedByDeployment(p));
      if (!gated) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "table ", mysql::QuoteIdentifier(d.table),
          " is changed by deployment '", p.migration_context, "' (migration ",
          p.uuid,
          "), which applies its changes together and in order; complete or "
          "cancel the deployment first"));
    }
  }
  for (const DdlStatement& d : stmts) {
    Migration m;
    m.uuid = uuid.empty() ? CreateMigrationUuid() : std::string(uuid);
    m.keyspace = options_.keyspace;
    m.shard = options_.shard;
    m.schema = options_.db;
    m.table = d.table;
    m.statement = d.sql;
    m.strategy = std::string(StrategyName(st.strategy));
    m.options = st.options;
    m.status = kStatusRequested;
    m.tablet = options_.tablet;
    m.migration_context = std::string(migration_context);
    m.ddl_action = std::string(ActionName(d.action));
    m.is_view = d.is_view;
    m.postpone_completion = st.IsPostponeCompletion();
    m.postpone_launch = st.IsPostponeLaunch();
    m.allow_concurrent = st.IsAllowConcurrent();
    m.cutover_threshold_seconds = absl::ToInt64Seconds(st.CutOverThreshold());
    m.retain_artifacts_seconds = st.RetainArtifactsSeconds();
    out->push_back(std::move(m));
  }
  return false;
}

}  // namespace onlineddl
}  // namespace sidecut
