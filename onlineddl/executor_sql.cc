// ALTER VITESS_MIGRATION / REVERT VITESS_MIGRATION / SHOW VITESS_MIGRATIONS.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_command.h"
#include "re2/re2.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using K = MigrationCommandKind;

mysql::Result Affected(int n) {
  mysql::Result r;
  r.affected_rows = static_cast<uint64_t>(n);
  return r;
}

}  // namespace

absl::StatusOr<mysql::Result> Executor::ExecuteCommand(
    absl::string_view sql, absl::string_view migration_context,
    absl::string_view new_uuid, absl::string_view ddl_strategy,
    absl::Time deadline) {
  // Sidecut's deployment statements: SHOW|COMPLETE|CANCEL|REVERT
  // DEPLOYMENT '<context>'.
  std::string verb, context;
  static const RE2* const kDeployment = new RE2(
      R"((?is)\s*(show|complete|cancel|revert)\s+deployment\s+'([^']*)'\s*;?\s*)");
  if (RE2::FullMatch(re2::StringPiece(sql.data(), sql.size()), *kDeployment,
                     &verb, &context)) {
    return DeploymentCommand(verb, context, deadline);
  }
  SC_ASSIGN_OR_RETURN(MigrationCommand c, ParseMigrationCommand(sql));
  if (c.kind == K::kShowMigrations) {
    std::string where;
    if (c.like.has_value()) {
      const std::string p = mysql::QuoteString(*c.like);
      where =
          absl::StrCat("migration_uuid LIKE ", p, " OR migration_context LIKE ",
                       p, " OR migration_status LIKE ", p);
    } else if (!c.where.empty()) {
      where = c.where;  // the operator's own filter, as in Vitess
    }
    return Read<mysql::Result>([&](mysql::Connection& conn) {
      return ShowMigrations(conn, MineWhere(where));
    });
  }
  if (c.kind == K::kShowMigrationLogs) {
    return absl::UnimplementedError(
        "sidecutd keeps no per-migration log files; SHOW VITESS_MIGRATIONS "
        "shows each migration's stage and message");
  }
  if (c.kind == K::kRevert) {
    // The strategy in effect: its retention, and --postpone-completion (a
    // table revert that cuts over when completed; a CREATE's, a DROP's or
    // a view's applies at once, as before: held, it would wait for a
    // LAUNCH, which COMPLETE does not give).
    int64_t retain = 0;
    bool postponed = false;
    if (!ddl_strategy.empty()) {
      SC_ASSIGN_OR_RETURN(DdlStrategySetting st,
                          DdlStrategySetting::Parse(ddl_strategy));
      retain = st.RetainArtifactsSeconds();
      if (st.IsPostponeCompletion()) {
        absl::StatusOr<Migration> reverted = Get(c.uuid);
        postponed = reverted.ok() && reverted->ddl_action == "alter" &&
                    !reverted->is_view;
      }
    }
    SC_ASSIGN_OR_RETURN(std::string uuid,
                        Revert(c.uuid, migration_context, new_uuid,
                               /*gated=*/postponed, deadline, retain));
    mysql::Result r = Affected(1);
    r.fields.push_back(mysql::Field{});
    r.fields.back().name = "uuid";
    r.rows.push_back(mysql::Row({uuid}));
    return r;
  }
  // VITESS_SHARDS: only the shards it lists act (as Vitess's tablets).
  if (!c.shards.empty() && std::find(c.shards.begin(), c.shards.end(),
                                     options_.shard) == c.shards.end()) {
    return Affected(0);
  }
  // Targets: one UUID, ALL, or those migrations of a context the command
  // applies to (a context's other members are left alone, not an error).
  std::vector<std::string> targets;
  if (!c.context.empty() && (c.kind == K::kComplete || c.kind == K::kCancel)) {
    // A deployment's context: the deployment completes or cancels as a
    // unit (its gate), as DEPLOYMENT statements do.
    absl::StatusOr<Deployment> d = GetDeployment(c.context);
    if (d.ok() && d->status == kDeployCompleting && c.kind == K::kComplete) {
      return Affected(0);  // completing already
    }
    if (d.ok() &&
        (d->status == kDeployRunning || d->status == kDeployCompleting)) {
      SC_RETURN_IF_ERROR(c.kind == K::kComplete
                             ? CompleteDeployment(c.context, deadline)
                             : CancelDeployment(c.context, deadline));
      return Affected(static_cast<int>(d->members.size()));
    }
    if (!d.ok() && !absl::IsNotFound(d.status())) return d.status();
  }
  if (!c.context.empty()) {
    SC_ASSIGN_OR_RETURN(std::vector<Migration> ms,
                        List(absl::StrCat("migration_context = ",
                                          mysql::QuoteString(c.context))));
    if (ms.empty()) {
      return absl::NotFoundError(
          absl::StrCat("no migration has context '", c.context, "'"));
    }
    for (const Migration& m : ms) {
      const bool ended =
          m.status == kStatusFailed || m.status == kStatusCancelled;
      const bool applies =
          c.kind == K::kCleanup ? IsTerminalStatus(m.status)
          : c.kind == K::kRetry ? ended
          : c.kind == K::kLaunch
              ? m.status != kStatusRunning && !IsTerminalStatus(m.status)
              : !IsTerminalStatus(m.status);
      if (applies) targets.push_back(m.uuid);
    }
  } else {
    targets.push_back(c.all ? "all" : c.uuid);
  }
  int total = 0;
  absl::Status refused;
  bool acted = false;
  for (const std::string& t : targets) {
    // Once one acted, the rest follow (a deadline passing between them
    // would leave the request half done, said to have done nothing).
    const absl::Time by = acted ? absl::InfiniteFuture() : deadline;
    absl::StatusOr<int> n;
    switch (c.kind) {
      case K::kRetry:
        n = Retry(t, by);
        break;
      case K::kCleanup:
        n = Cleanup(t, by);
        break;
      case K::kLaunch:
        n = Launch(t, by);
        break;
      case K::kComplete:
        n = Complete(t, by);
        break;
      case K::kPostponeComplete:
        n = PostponeComplete(t, by);
        break;
      case K::kCancel:
        n = Cancel(t, by);
        break;
      case K::kThrottle:
        // Fully throttled unless a RATIO says otherwise (RATIO 0: not
        // throttled, as in Vitess), until unthrottled or EXPIRE.
        n = Throttle(t, c.ratio.value_or(1.0),
                     c.expire.value_or(absl::InfiniteDuration()), by);
        break;
      case K::kUnthrottle:
        n = Throttle(t, 0, absl::InfiniteDuration(), by);
        break;
      case K::kForceCutOver:
        n = ForceCutOver(t, by);
        break;
      case K::kCutOverThreshold:
        n = SetCutOverThreshold(t, c.threshold.value_or(absl::ZeroDuration()),
                                by);
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unsupported migration command: ", sql));
    }
    // A context's member that moved on since it was listed, or that
    // cannot move now (prepared to cut over, say), is left as one in
    // another state is: the others still act (it stopped at the first,
    // some acted and some not). Refused if none could.
    if (!c.context.empty() && absl::IsFailedPrecondition(n.status())) {
      refused = n.status();
      continue;
    }
    if (!n.ok()) return n.status();
    acted = acted || *n > 0;
    total += *n;
  }
  if (total == 0 && !refused.ok()) return refused;
  return Affected(total);
}

}  // namespace onlineddl
}  // namespace sidecut
