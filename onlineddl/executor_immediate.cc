// Migrations that need no copy: CREATE TABLE, DROP TABLE (a rename to a GC
// hold table), CREATE/ALTER/DROP VIEW, INSTANT ALTERs, and the mysql
// strategy (a plain ALTER TABLE, run and tracked).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "mysql/short_lock_wait.h"
#include "mysql/statement_in_binlog.h"
#include "onlineddl/artifact_name.h"
#include "onlineddl/check_constraints.h"
#include "onlineddl/executor.h"
#include "onlineddl/swap_check.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using mysql::QuoteQualified;
using mysql::QuoteString;

}  // namespace

absl::StatusOr<bool> Executor::TableExists(absl::string_view db,
                                           absl::string_view name) {
  SC_ASSIGN_OR_RETURN(
      std::string n,
      mysql::QueryValue(*conn_,
                        absl::StrCat("SELECT COUNT(*) FROM "
                                     "information_schema.TABLES WHERE "
                                     "TABLE_SCHEMA = ",
                                     QuoteString(db),
                                     " AND TABLE_NAME = ", QuoteString(name))));
  return n != "0";
}

absl::StatusOr<std::string> Executor::ViewDigest(absl::string_view db,
                                                 absl::string_view name,
                                                 bool legacy) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn_->Execute(absl::StrCat(
          legacy ? "SELECT MD5(VIEW_DEFINITION)"
                 : "SELECT CONCAT('v2:', MD5(CONCAT_WS(CHAR(10), "
                   "VIEW_DEFINITION, DEFINER, SECURITY_TYPE, CHECK_OPTION, "
                   "ALGORITHM)))",
          " FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(name))));
  return r.rows.empty() ? std::string() : std::string(r.rows[0].Get(0));
}

absl::StatusOr<std::string> Executor::TableDigest(absl::string_view db,
                                                  absl::string_view name) {
  SC_ASSIGN_OR_RETURN(mysql::Result r,
                      conn_->Execute(absl::StrCat("SHOW CREATE TABLE ",
                                                  QuoteQualified(db, name))));
  if (r.rows.empty() || r.rows[0].size() < 2) {
    return absl::NotFoundError(absl::StrCat("no table ", name));
  }
  std::string text(r.rows[0].Get(1));
  const std::string kCounter = " AUTO_INCREMENT=";
  for (size_t at = text.find(kCounter); at != std::string::npos;
       at = text.find(kCounter, at)) {
    size_t end = at + kCounter.size();
    while (end < text.size() && absl::ascii_isdigit(text[end])) ++end;
    text.erase(at, end - at);
  }
  return mysql::QueryValue(*conn_,
                           absl::StrCat("SELECT MD5(", QuoteString(text), ")"));
}

absl::Status Executor::MarkApplying(const Migration& m,
                                    absl::string_view intent,
                                    absl::string_view artifact) {
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("stage", absl::StrCat(kApplying, intent))
                             .Set("artifacts", artifact));
}

absl::Status Executor::FinishImmediate(const Migration& m,
                                       absl::string_view artifact) {
  if (options_.before_immediate_finish) {
    SC_RETURN_IF_ERROR(options_.before_immediate_finish(m));
  }
  if (!m.reverted_uuid.empty()) {
    SC_ASSIGN_OR_RETURN(Migration reverted,
                        ReadMigration(*conn_, m.reverted_uuid));
    if (reverted.ddl_action != "create") {
      // The reverted migration's artifact is live again or this revert's
      // now.
      SC_RETURN_IF_ERROR(UpdateMigration(*conn_, reverted.uuid,
                                         Assignments().Set("artifacts", "")));
    }
  }
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("migration_status", kStatusComplete)
                             .Set("artifacts", artifact)
                             .Set("is_immediate_operation", true)
                             .Set("progress", 100.0)
                             .Set("stage", "complete")
                             .SetExpr("completed_timestamp", "NOW(6)"));
}

absl::Status Executor::NotAppliedAfterRestart(const Migration& m,
                                              absl::string_view why) {
  // A deployment's member the gate was applying: applied again, in its
  // place in the order (failed, it failed the deployment half-applied).
  SC_ASSIGN_OR_RETURN(bool gated, GatedByDeployment(m));
  if (!gated) return Fail(m, absl::StrCat(why, "; retry it"));
  return UpdateMigration(
      *conn_, m.uuid,
      Assignments()
          .Set("migration_status", kStatusQueued)
          .Set("stage", "")
          .Set("message", absl::StrCat(why, "; queued again"))
          .Set("retries", m.retries + 1));
}

absl::Status Executor::RecoverImmediate(const Migration& m) {
  if (!absl::StartsWith(m.stage, kApplying)) {
    return NotAppliedAfterRestart(
        m, "the tablet restarted before this operation ran");
  }
  const absl::string_view intent =
      absl::string_view(m.stage).substr(strlen(kApplying));
  const std::string artifact = FirstArtifact(m);
  bool applied = false;
  if (intent == kIntentCreate) {
    SC_ASSIGN_OR_RETURN(applied, TableExists(m.schema, m.table));
  } else if (intent == kIntentRenameAway) {
    // The artifact's name is this migration's own: only its RENAME made
    // it, whether or not the table's name was taken again since.
    SC_ASSIGN_OR_RETURN(applied, TableExists(m.schema, artifact));
  } else if (intent == kIntentRestore) {
    SC_ASSIGN_OR_RETURN(Migration reverted,
                        ReadMigration(*conn_, m.reverted_uuid));
    SC_ASSIGN_OR_RETURN(bool table, TableExists(m.schema, m.table));
    SC_ASSIGN_OR_RETURN(bool held,
                        TableExists(m.schema, FirstArtifact(reverted)));
    applied = table && !held;
  } else if (absl::StartsWith(intent, kIntentInstant)) {
    SC_ASSIGN_OR_RETURN(bool exists, TableExists(m.schema, m.table));
    if (!exists) {
      return Fail(m, absl::StrCat("the tablet restarted during this ALTER, "
                                  "and table ",
                                  mysql::QuoteIdentifier(m.table),
                                  " no longer exists"));
    }
    SC_ASSIGN_OR_RETURN(std::string now, TableDigest(m.schema, m.table));
    if (now != intent.substr(strlen(kIntentInstant))) return FinishInstant(m);
    // Its artifacts (an earlier attempt's shadow) stay listed for GC.
    return NotAppliedAfterRestart(
        m,
        "the tablet restarted before this operation applied (nothing "
        "changed)");
  } else if (absl::StartsWith(intent, kIntentViewChange)) {
    // Recorded as "v2:<md5>" (every attribute), or by an earlier version
    // as the MD5 of the SELECT alone: compared the same way.
    const std::string saved(intent.substr(strlen(kIntentViewChange)));
    SC_ASSIGN_OR_RETURN(std::string now,
                        ViewDigest(m.schema, m.table,
                                   /*legacy=*/!absl::StartsWith(saved, "v2:")));
    applied = now != saved;
    if (!applied && m.reverted_uuid.empty() && !artifact.empty()) {
      // The old version's copy made for a revert: not needed.
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("DROP VIEW IF EXISTS ",
                                     QuoteQualified(m.schema, artifact)))
              .status());
    }
  } else {
    return Fail(m, absl::StrCat("the tablet restarted during this operation ",
                                "(unknown stage '", m.stage, "'); check ",
                                mysql::QuoteIdentifier(m.table), " by hand"));
  }
  if (applied) return FinishImmediate(m, artifact);
  SC_RETURN_IF_ERROR(
      UpdateMigration(*conn_, m.uuid, Assignments().Set("artifacts", "")));
  return NotAppliedAfterRestart(
      m,
      "the tablet restarted before this operation applied (nothing changed)");
}

absl::Status Executor::InServerTimeZone(
    const std::function<absl::Status()>& run) {
  // The client's statement as its own session would run it: a TIMESTAMP
  // literal (a DEFAULT) read in the server's time zone, not the executor
  // session's UTC.
  SC_RETURN_IF_ERROR(
      conn_->Execute("SET SESSION time_zone = @@GLOBAL.time_zone").status());
  absl::Status s = run();
  absl::Status back =
      conn_->Execute("SET SESSION time_zone = '+00:00'").status();
  return s.ok() ? back : s;
}

absl::Status Executor::RunLiveDdl(absl::string_view ddl,
                                  absl::string_view table) {
  const int64_t wait =
      std::max<int64_t>(1, absl::ToInt64Seconds(options_.live_ddl_lock_wait));
  absl::Status s;
  for (int attempt = 0; attempt < 3; ++attempt) {
    s = mysql::ExecuteWithLockWait(*conn_, ddl, absl::Seconds(wait));
    if (s.ok() || mysql::MysqlErrno(s) != 1205) return s;  // lock wait
  }
  absl::Status in_use(
      s.code(),
      absl::StrCat(table, " is in use: a transaction holds it (waited 3 x ",
                   wait,
                   " s for its metadata lock, each wait holding up every new "
                   "query on it); retry the migration once it ends (",
                   s.message(), ")"));
  // Still the server's lock wait (MysqlErrno) to the caller.
  s.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    in_use.SetPayload(url, payload);
  });
  return in_use;
}

absl::Status Executor::RunImmediate(const Migration& m, const DdlStatement& d) {
  const std::string& db = m.schema;
  SC_ASSIGN_OR_RETURN(
      mysql::Result exists,
      conn_->Execute(absl::StrCat(
          "SELECT TABLE_TYPE FROM information_schema.TABLES WHERE "
          "TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(m.table))));
  std::string artifact;
  absl::Status s;
  const bool view_exists =
      !exists.rows.empty() && exists.rows[0].Get(0) == "VIEW";
  if (d.action == DdlStatement::Action::kCreate && !exists.rows.empty() &&
      !(d.is_view && d.or_replace && view_exists)) {
    if (d.or_replace && !d.is_view) {
      return Fail(
          m, absl::StrCat("CREATE OR REPLACE TABLE would drop ",
                          QuoteQualified(db, m.table),
                          " at once, keeping nothing for a revert; drop it "
                          "first (DROP TABLE keeps it as an artifact a revert "
                          "restores), then create it"));
    }
    if (d.if_not_exists) {
      // The server would do nothing; so does this migration, and a revert
      // must not drop the table it did not create.
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid,
          Assignments()
              .Set("revertible_notes", kNothingCreatedNote)
              .Set("message",
                   absl::StrCat("table ", QuoteQualified(db, m.table),
                                " exists: nothing changed"))));
      return FinishImmediate(m, "");
    }
    // Refused here, not by the server after the intent to create is
    // recorded: a restart in between took the table for created.
    return Fail(m,
                absl::StrCat(view_exists ? "view " : "table ",
                             QuoteQualified(db, m.table), " already exists"));
  }
  if (d.action == DdlStatement::Action::kDrop) {
    if (exists.rows.empty()) {
      if (!d.if_exists) {
        return Fail(
            m, absl::StrCat(d.is_view ? "view " : "table ",
                            QuoteQualified(db, m.table), " does not exist"));
      }
    } else {
      // Foreign keys to or from it stay in force on the artifact (one made
      // since it was submitted).
      SC_ASSIGN_OR_RETURN(
          DdlStrategySetting st,
          DdlStrategySetting::FromColumns(m.strategy, m.options));
      if (!d.is_view && !st.IsAllowForeignKeys()) {
        const absl::Status allowed = CheckDropAllowed(*conn_, db, m.table);
        if (absl::IsFailedPrecondition(allowed)) {
          return Fail(m, allowed.message());
        }
        SC_RETURN_IF_ERROR(allowed);
      }
      // Kept as a hold artifact until the retention ends (table GC reads
      // the deadline from the name); a revert renames it back.
      absl::Duration retain = m.retain_artifacts_seconds > 0
                                  ? absl::Seconds(m.retain_artifacts_seconds)
                                  : options_.retain_artifacts;
      SC_ASSIGN_OR_RETURN(artifact, ArtifactName(ArtifactHint::kHold, m.uuid,
                                                 clock_->Now() + retain));
      SC_RETURN_IF_ERROR(MarkApplying(m, kIntentRenameAway, artifact));
      s = RunLiveDdl(absl::StrCat("RENAME TABLE ", QuoteQualified(db, m.table),
                                  " TO ", QuoteQualified(db, artifact)),
                     QuoteQualified(db, m.table));
    }
  } else if (d.is_view && (d.action == DdlStatement::Action::kAlter ||
                           (d.or_replace && view_exists))) {
    if (exists.rows.empty()) {
      return Fail(m, absl::StrCat("view ", QuoteQualified(db, m.table),
                                  " does not exist"));
    }
    if (d.action == DdlStatement::Action::kCreate) {
      // CREATE OR REPLACE of an existing view changes it as ALTER VIEW
      // does, and is reverted the same way (to the old definition).
      SC_RETURN_IF_ERROR(UpdateMigration(
          *conn_, m.uuid, Assignments().Set("ddl_action", "alter")));
    }
    // Keep the old view whole (definer, SQL SECURITY, ALGORITHM, CHECK
    // OPTION) as an artifact view, for a revert: SHOW CREATE VIEW with the
    // artifact's name.
    SC_ASSIGN_OR_RETURN(mysql::Result shown,
                        conn_->Execute(absl::StrCat(
                            "SHOW CREATE VIEW ", QuoteQualified(db, m.table))));
    if (shown.rows.empty()) return absl::InternalError("SHOW CREATE VIEW");
    std::string def(shown.rows[0].Get(1));
    const std::string named =
        absl::StrCat(" VIEW ", mysql::QuoteIdentifier(m.table));
    const size_t at = def.find(named);
    if (at == std::string::npos) {
      return Fail(m, absl::StrCat("cannot read the definition of view ",
                                  QuoteQualified(db, m.table)));
    }
    SC_ASSIGN_OR_RETURN(
        artifact, ArtifactName(ArtifactHint::kShadow, m.uuid, clock_->Now()));
    def.replace(at, named.size(),
                absl::StrCat(" VIEW ", QuoteQualified(db, artifact)));
    SC_ASSIGN_OR_RETURN(std::string digest, ViewDigest(db, m.table));
    SC_RETURN_IF_ERROR(
        MarkApplying(m, absl::StrCat(kIntentViewChange, digest), artifact));
    s = conn_->Execute(def).status();
    if (s.ok()) {
      s = RunLiveDdl(d.sql, QuoteQualified(db, m.table));
      // Not changed: the old version's copy is not needed (listed nowhere
      // once the migration fails, table GC would never take it).
      if (!s.ok()) {
        const absl::Status dropped =
            conn_
                ->Execute(absl::StrCat("DROP VIEW IF EXISTS ",
                                       QuoteQualified(db, artifact)))
                .status();
        // Left listed, the migration's cleanup drops it later.
        if (!dropped.ok()) return Fail(m, s.message());
      }
    }
  } else {
    // CREATE TABLE or VIEW of a name not taken (else the server refuses).
    SC_RETURN_IF_ERROR(MarkApplying(m, kIntentCreate, ""));
    s = InServerTimeZone([&] { return conn_->Execute(d.sql).status(); });
  }
  if (!s.ok()) {
    if (!artifact.empty()) {
      SC_RETURN_IF_ERROR(
          UpdateMigration(*conn_, m.uuid, Assignments().Set("artifacts", "")));
    }
    return FailOrWaitTurn(m, s);
  }
  return FinishImmediate(m, artifact);
}

absl::Status Executor::FailOrWaitTurn(const Migration& m,
                                      const absl::Status& s) {
  if (!gate_applying_ || mysql::MysqlErrno(s) != 1205) {
    return Fail(m, s.message());
  }
  // Failing it would leave its deployment half-applied. Each attempt holds
  // up new queries on the object while it waits: hence the backoff.
  const absl::Duration pause = BackOff(m);
  return UpdateMigration(
      *conn_, m.uuid,
      Assignments()
          .Set("migration_status", m.status)
          .Set("cutover_attempts", m.cutover_attempts + 1)
          .Set("stage", absl::StrCat(kWaitingToApply, "; retrying in ",
                                     absl::FormatDuration(pause)))
          .Set("message", s.message())
          .SetExpr("started_timestamp", "NULL"));
}

absl::StatusOr<bool> Executor::TryInstant(const Migration& m,
                                          const DdlStatement& d) {
  // The server decides: it refuses ALGORITHM=INSTANT for anything it cannot
  // do as a metadata-only change. A restart before the outcome is recorded
  // tells by the table's definition whether it applied.
  // MySQL's DROP CHECK, as MariaDB says it.
  std::string clauses = d.alter_clauses;
  if (absl::Status s = DropCheckForMariadb(*conn_, m.schema, m.table, &clauses);
      !s.ok()) {
    SC_RETURN_IF_ERROR(Fail(m, s.message()));
    return true;
  }
  SC_ASSIGN_OR_RETURN(std::string digest, TableDigest(m.schema, m.table));
  SC_RETURN_IF_ERROR(
      MarkApplying(m, absl::StrCat(kIntentInstant, digest), m.artifacts));
  absl::Status s = InServerTimeZone([&] {
    return RunLiveDdl(
        absl::StrCat("ALTER TABLE ", QuoteQualified(m.schema, m.table), " ",
                     clauses, ", ALGORITHM=INSTANT"),
        QuoteQualified(m.schema, m.table));
  });
  if (!s.ok()) {
    int err = mysql::MysqlErrno(s);
    // 1845/1846: ALGORITHM=INSTANT not supported for this change; 4092:
    // instant ADD/DROP COLUMN not possible for this table.
    if (err == 1845 || err == 1846 || err == 4092) {
      SC_RETURN_IF_ERROR(
          UpdateMigration(*conn_, m.uuid, Assignments().Set("stage", "")));
      return false;
    }
    SC_RETURN_IF_ERROR(Fail(m, s.message()));
    return true;
  }
  SC_RETURN_IF_ERROR(FinishInstant(m));
  return true;
}

absl::Status Executor::FinishInstant(const Migration& m) {
  return UpdateMigration(
      *conn_, m.uuid,
      Assignments()
          .Set("migration_status", kStatusComplete)
          .Set("special_plan", "{\"operation\": \"instant-ddl\"}")
          .Set("is_immediate_operation", true)
          .Set("progress", 100.0)
          .Set("stage", "complete (INSTANT)")
          .SetExpr("completed_timestamp", "NOW(6)"));
}

namespace {

// special_plan of a `mysql` ALTER: {"operation": "mysql-alter",
// "connection": N, "table_digest": "...", "server_started": T,
// "binlog_file": F, "binlog_pos": P} (the binlog's end before it ran; none
// when the server writes no binlog).
struct MysqlAlterPlan {
  int64_t connection = 0;
  std::string table_digest;
  int64_t server_started = 0;
  std::optional<mysql::BinlogCoordinates> binlog;
};

// What of an ALTER may leave SHOW CREATE TABLE as it was (so that an
// unchanged definition does not mean it did not apply): "" if nothing.
std::string EffectsTheDefinitionHides(const DdlStatement& d) {
  const auto* alter = std::get_if<schemadiff::AlterTable>(&d.parsed);
  if (alter == nullptr) return "";
  if (alter->partition_spec.has_value()) {
    const std::string& op = alter->partition_spec->action;
    for (const char* shown :
         {"add", "drop", "reorganize", "coalesce", "remove", "partition by"}) {
      if (absl::EqualsIgnoreCase(op, shown)) return "";
    }
    return absl::StrCat(absl::AsciiStrToUpper(op), " PARTITION");
  }
  using K = schemadiff::AlterOption::Kind;
  for (const schemadiff::AlterOption& o : alter->options) {
    switch (o.kind) {
      case K::kForce:
        return "FORCE";
      case K::kOrderBy:
        return "ORDER BY";
      case K::kConvertCharset:
        return "CONVERT TO CHARACTER SET";
      case K::kTableOptions:
        return "its table options";
      case K::kKeys:
        return "DISABLE/ENABLE KEYS";
      case K::kTablespace:
        return "DISCARD/IMPORT TABLESPACE";
      default:
        break;
    }
  }
  return "";
}

std::string MysqlAlterPlanJson(const MysqlAlterPlan& p) {
  google::protobuf::Struct s;
  auto& f = *s.mutable_fields();
  f["operation"].set_string_value("mysql-alter");
  f["connection"].set_number_value(static_cast<double>(p.connection));
  f["table_digest"].set_string_value(p.table_digest);
  f["server_started"].set_number_value(static_cast<double>(p.server_started));
  if (p.binlog.has_value()) {
    f["binlog_file"].set_string_value(p.binlog->file);
    f["binlog_pos"].set_number_value(static_cast<double>(p.binlog->offset));
  }
  std::string json;
  // A Struct of strings and numbers always prints.
  (void)google::protobuf::util::MessageToJsonString(s, &json);
  return json;
}

std::optional<MysqlAlterPlan> ParseMysqlAlterPlan(const std::string& json) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(json, &s).ok()) {
    return std::nullopt;
  }
  const auto& f = s.fields();
  auto op = f.find("operation");
  auto conn = f.find("connection");
  auto digest = f.find("table_digest");
  if (op == f.end() || op->second.string_value() != "mysql-alter" ||
      conn == f.end() || digest == f.end()) {
    return std::nullopt;
  }
  MysqlAlterPlan p;
  p.connection = static_cast<int64_t>(conn->second.number_value());
  p.table_digest = digest->second.string_value();
  auto started = f.find("server_started");
  if (started != f.end()) {
    p.server_started = static_cast<int64_t>(started->second.number_value());
  }
  auto file = f.find("binlog_file");
  auto pos = f.find("binlog_pos");
  if (file != f.end() && pos != f.end()) {
    p.binlog = mysql::BinlogCoordinates{
        file->second.string_value(),
        static_cast<uint64_t>(pos->second.number_value())};
  }
  return p;
}

}  // namespace

absl::Status Executor::StartMysqlAlter(const Migration& m) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> c, Connect());
  // The server's own ALTER, as a client's session would run it: in the
  // server's time zone (a TIMESTAMP made DATETIME holds local times).
  SC_RETURN_IF_ERROR(
      c->Execute("SET SESSION time_zone = @@GLOBAL.time_zone").status());
  // With two-phase binlogging (MariaDB 10.8+) a START ALTER carrying the
  // statement is written before it applies; a restarted daemon takes the
  // statement in the binlog for applied. Older servers lack the variable.
  c->Execute("SET SESSION binlog_alter_two_phase = 0").IgnoreError();
  // Its session and the table's definition before it: a daemon restarted
  // meanwhile (the server's thread runs on after a SIGKILL) stops that
  // thread and tells by the definition whether the ALTER applied.
  MysqlAlterPlan plan;
  plan.connection = static_cast<int64_t>(c->ConnectionId());
  SC_ASSIGN_OR_RETURN(plan.table_digest, TableDigest(m.schema, m.table));
  SC_ASSIGN_OR_RETURN(plan.server_started, ServerStarted());
  SC_ASSIGN_OR_RETURN(plan.binlog, mysql::BinlogEndCoordinates(*conn_));
  SC_RETURN_IF_ERROR(
      UpdateMigration(*conn_, m.uuid,
                      Assignments()
                          .Set("stage", "running ALTER TABLE")
                          .Set("special_plan", MysqlAlterPlanJson(plan))));
  mysql_alters_[m.uuid] = std::make_unique<BackgroundTask>(
      std::move(c),
      [sql = m.statement](mysql::Connection& conn) {
        return conn.Execute(sql).status();
      },
      clock_->Now());
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Executor::ServerStarted() {
  SC_ASSIGN_OR_RETURN(
      std::string started,
      mysql::QueryValue(
          *conn_,
          "SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE FROM "
          "information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'"));
  double v = 0;
  if (!absl::SimpleAtod(started, &v)) {
    return absl::InternalError(
        absl::StrCat("cannot read when the server started: '", started, "'"));
  }
  return static_cast<int64_t>(v);
}

absl::Status Executor::RecoverMysqlAlter(const Migration& m) {
  const std::optional<MysqlAlterPlan> plan =
      ParseMysqlAlterPlan(m.special_plan);
  if (!plan.has_value()) {
    return Fail(m, "the tablet restarted during this ALTER TABLE; retry it");
  }
  // Its server thread may run on: stopped (as stopping the daemon does),
  // then the outcome is read once it has gone. Only that thread: on the
  // same server since (ids start again at a restart), running its
  // statement.
  SC_ASSIGN_OR_RETURN(int64_t now_started, ServerStarted());
  SC_ASSIGN_OR_RETURN(
      std::string running,
      mysql::QueryValue(
          *conn_,
          absl::StrCat("SELECT COUNT(*) FROM information_schema.PROCESSLIST "
                       "WHERE ID = ",
                       plan->connection,
                       " AND COMMAND IN ('Query', 'Killed') AND "
                       "INFO = ",
                       QuoteString(m.statement))));
  // Uptime counts whole seconds: the same server within a few.
  const bool same_server = plan->server_started > 0 &&
                           std::abs(now_started - plan->server_started) <= 5;
  if (same_server && running != "0") {
    conn_->Execute(absl::StrCat("KILL CONNECTION ", plan->connection))
        .IgnoreError();
    return UpdateMigration(
        *conn_, m.uuid,
        Assignments().Set("stage",
                          absl::StrCat("stopping the ALTER TABLE a restart "
                                       "left running (server connection ",
                                       plan->connection, ")")));
  }
  std::string how;
  SC_ASSIGN_OR_RETURN(const MysqlAlterOutcome outcome,
                      JudgeMysqlAlter(m, &how));
  switch (outcome) {
    case MysqlAlterOutcome::kApplied:
      return CompleteMysqlAlter(
          m, absl::StrCat("complete (applied while the tablet restarted", how,
                          ")"));
    case MysqlAlterOutcome::kNotApplied:
      return Fail(m, absl::StrCat("the tablet restarted during this ALTER "
                                  "TABLE, which did not apply (",
                                  how, "); retry it"));
    case MysqlAlterOutcome::kUnknown:
      break;
  }
  return Fail(m, absl::StrCat("the tablet restarted during this ALTER TABLE; "
                              "whether it applied is unknown: ",
                              how, ". Check the table before retrying"));
}

absl::StatusOr<Executor::MysqlAlterOutcome> Executor::JudgeMysqlAlter(
    const Migration& m, std::string* how) {
  const std::optional<MysqlAlterPlan> plan =
      ParseMysqlAlterPlan(m.special_plan);
  if (!plan.has_value()) {
    *how = "its plan (special_plan) cannot be read";
    return MysqlAlterOutcome::kUnknown;
  }
  // A changed definition says it applied (a RENAME TO among its clauses
  // took the table away).
  absl::StatusOr<std::string> now = TableDigest(m.schema, m.table);
  if (!now.ok() && !absl::IsNotFound(now.status())) return now.status();
  if (!now.ok() || *now != plan->table_digest) {
    *how = "";
    return MysqlAlterOutcome::kApplied;
  }
  // Unchanged: it did not apply, unless its effect does not show there.
  absl::StatusOr<DdlStatement> d = ParseMigration(m);
  const std::string hidden =
      d.ok() ? EffectsTheDefinitionHides(*d) : "its statement";
  if (hidden.empty()) {
    *how = "nothing changed";
    return MysqlAlterOutcome::kNotApplied;
  }
  // Then the binlog has it if it applied (a DDL is written once it has):
  // read only then, a scan of all written since it started.
  if (plan->binlog.has_value()) {
    absl::StatusOr<bool> found = mysql::StatementLoggedSince(
        *conn_, *plan->binlog, m.schema, m.statement);
    if (found.ok()) {
      *how = *found ? "; found in the binlog"
                    : "the server's binlog does not have it";
      return *found ? MysqlAlterOutcome::kApplied
                    : MysqlAlterOutcome::kNotApplied;
    }
    std::cerr << "executor: migration " << m.uuid
              << ": cannot tell from the binlog whether its ALTER TABLE "
                 "applied ("
              << found.status().message() << ")\n";
  }
  *how = absl::StrCat("the table's definition does not show what ", hidden,
                      " does (and the binlog could not tell)");
  return MysqlAlterOutcome::kUnknown;
}

absl::Status Executor::StopMysqlAlter(const Migration& m) {
  if (m.strategy != "mysql" || !m.reverted_uuid.empty() ||
      m.status != kStatusRunning || m.ddl_action != "alter" || m.is_view ||
      absl::StartsWith(m.stage, kApplying) ||
      !ParseMysqlAlterPlan(m.special_plan).has_value()) {
    return absl::OkStatus();  // none started
  }
  auto it = mysql_alters_.find(m.uuid);
  if (it == mysql_alters_.end()) {
    // A restart left it: its server thread may run on (the next check
    // stops it), and it may have applied.
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", m.uuid,
        "'s ALTER TABLE was running when the daemon stopped; the next check "
        "settles it (complete if it applied, failed if not)"));
  }
  std::unique_ptr<BackgroundTask> task = std::move(it->second);
  mysql_alters_.erase(it);
  absl::Status ran;
  if (!task->Done(&ran)) {
    KillTask(*task, m.uuid);
    ran = task->Wait();
  }
  const int err = mysql::MysqlErrno(ran);
  const bool killed =
      err == mysql::kCrServerLost || err == mysql::kCrServerGone ||
      err == mysql::kErQueryInterrupted || err == 1927;  // ER_CONNECTION_KILLED
  if (!ran.ok() && !killed) {
    // It failed by itself (a duplicate column, ...): failed, as the next
    // check records it, with its own error.
    SC_RETURN_IF_ERROR(Fail(m, ran.message()));
    return absl::FailedPreconditionError(
        absl::StrCat("migration ", m.uuid,
                     "'s ALTER TABLE had already failed when the cancel came: ",
                     ran.message()));
  }
  // Ended: by its own result if it ran through, else by what the server
  // shows (a KILL that came as it committed leaves it applied).
  std::string how;
  MysqlAlterOutcome outcome = MysqlAlterOutcome::kApplied;
  if (!ran.ok()) {
    SC_ASSIGN_OR_RETURN(outcome, JudgeMysqlAlter(m, &how));
  }
  switch (outcome) {
    case MysqlAlterOutcome::kNotApplied:
      return absl::OkStatus();
    case MysqlAlterOutcome::kApplied:
      SC_RETURN_IF_ERROR(CompleteMysqlAlter(
          m, absl::StrCat("complete (it had applied when the cancel came", how,
                          ")")));
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", m.uuid,
          "'s ALTER TABLE had already applied when the cancel came: it is "
          "complete"));
    case MysqlAlterOutcome::kUnknown:
      break;
  }
  SC_RETURN_IF_ERROR(Fail(
      m, absl::StrCat("stopped by a cancel; whether its ALTER TABLE applied is "
                      "unknown: ",
                      how, ". Check the table before retrying")));
  return absl::FailedPreconditionError(absl::StrCat(
      "migration ", m.uuid,
      "'s ALTER TABLE was stopped, but whether it applied is unknown (", how,
      "): it is failed; check the table before retrying"));
}

absl::Status Executor::MonitorMysqlAlter(const Migration& m) {
  auto it = mysql_alters_.find(m.uuid);
  if (it == mysql_alters_.end()) return RecoverMysqlAlter(m);
  absl::Status s;
  if (!it->second->Done(&s)) {
    return UpdateMigration(
        *conn_, m.uuid, Assignments().SetExpr("liveness_timestamp", "NOW()"));
  }
  mysql_alters_.erase(it);
  if (!s.ok()) return Fail(m, s.message());
  return CompleteMysqlAlter(m, "complete");
}

absl::Status Executor::CompleteMysqlAlter(const Migration& m,
                                          absl::string_view stage) {
  return UpdateMigration(*conn_, m.uuid,
                         Assignments()
                             .Set("migration_status", kStatusComplete)
                             .Set("progress", 100.0)
                             .Set("stage", stage)
                             .SetExpr("completed_timestamp", "NOW(6)"));
}

}  // namespace onlineddl
}  // namespace sidecut
