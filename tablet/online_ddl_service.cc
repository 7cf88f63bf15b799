#include "tablet/online_ddl_service.h"

#include <algorithm>
#include <functional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "mysql/quoting.h"
#include "onlineddl/ddl_statement.h"
#include "onlineddl/ddl_strategy.h"
#include "onlineddl/migration_command.h"
#include "onlineddl/migration_uuid.h"
#include "tablet/migration_proto.h"

namespace sidecut {
namespace tablet {

absl::Status OnlineDdlService::CheckKeyspace(
    const std::string& keyspace) const {
  if (keyspace.empty() || keyspace == keyspace_) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "this tablet serves keyspace ", keyspace_, ", not ", keyspace));
}

template <typename Resp>
grpc::Status OnlineDdlService::Count(
    const std::string& keyspace,
    const std::function<absl::StatusOr<int>()>& command, Resp* resp) {
  // Before the command runs: one for another keyspace changes nothing.
  absl::Status ks = CheckKeyspace(keyspace);
  if (!ks.ok()) return ToGrpc(ks);
  const absl::StatusOr<int> n = command();
  if (!n.ok()) return ToGrpc(n.status());
  (*resp->mutable_rows_affected_by_shard())[shard_] = static_cast<uint64_t>(*n);
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::ApplySchema(
    grpc::ServerContext* ctx, const vtctldata::ApplySchemaRequest* req,
    vtctldata::ApplySchemaResponse* resp) {
  // A request its client gave up on (its deadline passed while it waited
  // for the executor) submits nothing.
  const absl::Time deadline = absl::FromChrono(ctx->deadline());
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  if (req->uuid_list_size() > 0 && req->uuid_list_size() != req->sql_size()) {
    return ToGrpc(absl::InvalidArgumentError(
        "uuid_list must give one UUID per SQL statement"));
  }
  // Every statement is checked before any is submitted: a bad one must
  // not leave the ones before it running with their UUIDs unreported. So
  // are the strategy (for DDL) and the UUIDs: valid, distinct, each for
  // one DDL statement.
  absl::StatusOr<onlineddl::DdlStrategySetting> strategy =
      onlineddl::DdlStrategySetting::Parse(req->ddl_strategy());
  std::set<std::string> uuids;
  for (int i = 0; i < req->sql_size(); ++i) {
    const std::string& sql = req->sql(i);
    const std::string uuid = req->uuid_list_size() > 0
                                 ? absl::AsciiStrToLower(req->uuid_list(i))
                                 : "";
    absl::Status valid;
    if (!uuid.empty() && !onlineddl::IsValidMigrationUuid(req->uuid_list(i))) {
      valid = absl::InvalidArgumentError(absl::StrCat(
          "'", req->uuid_list(i), "' is not a valid migration UUID"));
    } else if (!uuid.empty() && !uuids.insert(uuid).second) {
      valid = absl::InvalidArgumentError(absl::StrCat(
          "migration UUID ", req->uuid_list(i), " is given twice"));
    } else if (onlineddl::LooksLikeMigrationCommand(sql)) {
      absl::StatusOr<onlineddl::MigrationCommand> cmd =
          onlineddl::ParseMigrationCommand(sql);
      valid = cmd.status();
      // A revert takes the strategy's --retain-artifacts.
      if (cmd.ok() && cmd->kind == onlineddl::MigrationCommandKind::kRevert &&
          !strategy.ok()) {
        valid = strategy.status();
      }
    } else if (!strategy.ok()) {
      valid = strategy.status();
    } else {
      absl::StatusOr<std::vector<onlineddl::DdlStatement>> ddl =
          onlineddl::ParseDdl(sql, executor_->db());
      valid = ddl.status();
      if (ddl.ok() && !uuid.empty() && strategy->IsDeclarative()) {
        valid = absl::InvalidArgumentError(
            "a declarative deployment assigns its own migration UUIDs");
      } else if (ddl.ok() && !uuid.empty() && ddl->size() != 1 &&
                 !strategy->IsDirect()) {
        valid = absl::InvalidArgumentError(
            "a fixed migration UUID applies to exactly one statement");
      }
    }
    if (!valid.ok()) {
      return ToGrpc(absl::Status(
          valid.code(),
          absl::StrCat("statement ", i + 1, " of ", req->sql_size(), ": ",
                       valid.message(), " (nothing was submitted)")));
    }
  }
  if (strategy.ok() && strategy->IsDeclarative() && req->sql_size() > 1) {
    // The entries together are the desired schema, as the controller reads
    // them: one deployment. Planned one by one, each was taken for the
    // whole (with --whole-schema each dropped the tables of the others).
    std::vector<std::string> parts;
    for (const std::string& sql : req->sql()) {
      if (onlineddl::LooksLikeMigrationCommand(sql)) {
        return ToGrpc(absl::InvalidArgumentError(
            "a declarative request's statements are one desired schema: send "
            "migration commands (ALTER VITESS_MIGRATION, REVERT, ...) in a "
            "request of their own (nothing was submitted)"));
      }
      parts.push_back(sql);
    }
    absl::StatusOr<std::vector<std::string>> uuids =
        executor_->Submit(absl::StrJoin(parts, "\n;\n"), req->ddl_strategy(),
                          req->migration_context(), "", deadline);
    if (!uuids.ok()) return ToGrpc(uuids.status());
    for (const std::string& u : *uuids) resp->add_uuid_list(u);
    (*resp->mutable_rows_affected_by_shard())[shard_] = uuids->size();
    return grpc::Status::OK;
  }
  // A request's migrations share a context, as Vitess gives them
  // ("vtctl:<uuid>") when the client names none: --singleton-context holds
  // other requests off, and CONTEXT commands reach them together. Taken
  // from the first given UUID, so that the same request sent again is
  // still the same (a no-op).
  std::string context = req->migration_context();
  // (A declarative deployment names its own.)
  if (context.empty() && !(strategy.ok() && strategy->IsDeclarative())) {
    context =
        absl::StrCat("vtctl:", req->uuid_list_size() > 0
                                   ? absl::AsciiStrToLower(req->uuid_list(0))
                                   : onlineddl::CreateMigrationUuid());
  }
  const bool migrations_only =
      strategy.ok() && !strategy->IsDirect() && !strategy->IsDeclarative() &&
      std::none_of(req->sql().begin(), req->sql().end(),
                   onlineddl::LooksLikeMigrationCommand);
  if (migrations_only) {
    // All submitted or none: a later statement refused (a pending
    // migration on its table, --singleton) leaves nothing behind.
    std::vector<onlineddl::Executor::SubmitEntry> entries;
    for (int i = 0; i < req->sql_size(); ++i) {
      entries.push_back({req->sql(i), req->uuid_list_size() > 0
                                          ? req->uuid_list(i)
                                          : std::string()});
    }
    absl::StatusOr<std::vector<std::string>> uuids =
        executor_->SubmitAll(entries, req->ddl_strategy(), context, deadline);
    if (!uuids.ok()) return ToGrpc(uuids.status());
    for (const std::string& u : *uuids) resp->add_uuid_list(u);
    (*resp->mutable_rows_affected_by_shard())[shard_] = uuids->size();
    return grpc::Status::OK;
  }
  // Commands, or direct DDL, act one by one.
  uint64_t affected = 0;
  // Statements before a failing one that acted without a UUID to show (a
  // direct DDL, a command): said with the error, as are the UUIDs.
  std::vector<std::string> acted;
  auto partly = [&](const absl::Status& s) {
    std::vector<std::string> done;
    if (resp->uuid_list_size() > 0) {
      done.push_back(absl::StrCat("already submitted: ",
                                  absl::StrJoin(resp->uuid_list(), ", ")));
    }
    if (!acted.empty()) {
      done.push_back(
          absl::StrCat("already applied: ", absl::StrJoin(acted, "; ")));
    }
    if (done.empty()) return ToGrpc(s);
    return ToGrpc(absl::Status(
        s.code(),
        absl::StrCat(s.message(), " (", absl::StrJoin(done, "; "), ")")));
  };
  for (int i = 0; i < req->sql_size(); ++i) {
    const std::string& sql = req->sql(i);
    absl::StatusOr<onlineddl::MigrationCommand> cmd =
        onlineddl::ParseMigrationCommand(sql);
    if (cmd.ok() && cmd->kind == onlineddl::MigrationCommandKind::kRevert &&
        strategy.ok() && strategy->IsPostponeCompletion()) {
      // A controller's gated revert: it cuts over (or launches) every
      // shard together.
      absl::StatusOr<std::string> u = executor_->Revert(
          cmd->uuid, context,
          req->uuid_list_size() > 0 ? req->uuid_list(i) : "",
          /*gated=*/true, deadline, strategy->RetainArtifactsSeconds());
      if (!u.ok()) return partly(u.status());
      resp->add_uuid_list(*u);
      ++affected;
      continue;
    }
    if (onlineddl::LooksLikeMigrationCommand(sql)) {
      absl::StatusOr<mysql::Result> r = executor_->ExecuteCommand(
          sql, context, req->uuid_list_size() > 0 ? req->uuid_list(i) : "",
          req->ddl_strategy(), deadline);
      if (!r.ok()) return partly(r.status());
      affected += r->affected_rows;
      // (A DEPLOYMENT verb answers with the deployment's rows; SHOW does
      // nothing.)
      const bool deployment_verb =
          absl::StrContains(absl::AsciiStrToLower(sql), "deployment") &&
          !absl::StartsWith(
              absl::AsciiStrToLower(absl::StripLeadingAsciiWhitespace(sql)),
              "show");
      if ((r->fields.empty() && r->affected_rows > 0) || deployment_verb) {
        acted.push_back(absl::StrCat("statement ", i + 1, " (", sql, ")"));
      }
      // REVERT returns the new migration's UUID.
      if (r->fields.size() == 1 && r->fields[0].name == "uuid") {
        for (const mysql::Row& row : r->rows) {
          resp->add_uuid_list(std::string(row.Get(0)));
        }
      }
      continue;
    }
    absl::StatusOr<std::vector<std::string>> uuids = executor_->Submit(
        sql, req->ddl_strategy(), context,
        req->uuid_list_size() > 0 ? req->uuid_list(i) : "", deadline);
    if (!uuids.ok()) return partly(uuids.status());
    for (const std::string& u : *uuids) resp->add_uuid_list(u);
    affected += uuids->size();
    if (uuids->empty() && strategy.ok() && strategy->IsDirect()) {
      acted.push_back(absl::StrCat("statement ", i + 1, " (", sql, ")"));
    }
  }
  (*resp->mutable_rows_affected_by_shard())[shard_] = affected;
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::GetSchemaMigrations(
    grpc::ServerContext*, const vtctldata::GetSchemaMigrationsRequest* req,
    vtctldata::GetSchemaMigrationsResponse* resp) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  // One filter, as Vitess picks it: a UUID (the others, skip and limit
  // ignored), else a context, a status, or how recent.
  std::string cond;
  const bool by_uuid = !req->uuid().empty();
  if (by_uuid) {
    cond = absl::StrCat("migration_uuid = ", mysql::QuoteString(req->uuid()));
  } else if (!req->migration_context().empty()) {
    cond = absl::StrCat("migration_context = ",
                        mysql::QuoteString(req->migration_context()));
  } else if (req->status() != vtctldata::SchemaMigration::UNKNOWN) {
    cond = absl::StrCat("migration_status = ",
                        mysql::QuoteString(StatusFromProto(req->status())));
  } else if (req->has_recent()) {
    cond = absl::StrCat("requested_timestamp >= NOW() - INTERVAL ",
                        req->recent().seconds(), " SECOND");
  }
  absl::StatusOr<std::vector<onlineddl::Migration>> ms = executor_->List(cond);
  if (!ms.ok()) return ToGrpc(ms.status());
  if (req->order() == vtctldata::DESCENDING) {
    std::reverse(ms->begin(), ms->end());
  }
  // A deployment's members wait postponed only for its gate, which
  // completes them by itself: shown as not postponed.
  absl::StatusOr<std::set<std::string>> gated =
      executor_->SelfCompletingMembers();
  if (!gated.ok()) return ToGrpc(gated.status());
  uint64_t skipped = 0;
  for (const onlineddl::Migration& m : *ms) {
    if (!by_uuid && skipped++ < req->skip()) continue;
    if (!by_uuid && req->limit() > 0 &&
        static_cast<uint64_t>(resp->migrations_size()) >= req->limit()) {
      break;
    }
    vtctldata::SchemaMigration* p = resp->add_migrations();
    *p = ToProto(m);
    if (gated->count(m.uuid) > 0) p->set_postpone_completion(false);
  }
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::CompleteSchemaMigration(
    grpc::ServerContext* ctx,
    const vtctldata::CompleteSchemaMigrationRequest* req,
    vtctldata::CompleteSchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Complete(req->uuid(),
                                   absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::CancelSchemaMigration(
    grpc::ServerContext* ctx,
    const vtctldata::CancelSchemaMigrationRequest* req,
    vtctldata::CancelSchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Cancel(req->uuid(),
                                 absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::RetrySchemaMigration(
    grpc::ServerContext* ctx, const vtctldata::RetrySchemaMigrationRequest* req,
    vtctldata::RetrySchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Retry(req->uuid(), absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::LaunchSchemaMigration(
    grpc::ServerContext* ctx,
    const vtctldata::LaunchSchemaMigrationRequest* req,
    vtctldata::LaunchSchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Launch(req->uuid(),
                                 absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::CleanupSchemaMigration(
    grpc::ServerContext* ctx,
    const vtctldata::CleanupSchemaMigrationRequest* req,
    vtctldata::CleanupSchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Cleanup(req->uuid(),
                                  absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::ForceCutOverSchemaMigration(
    grpc::ServerContext* ctx,
    const vtctldata::ForceCutOverSchemaMigrationRequest* req,
    vtctldata::ForceCutOverSchemaMigrationResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->ForceCutOver(req->uuid(),
                                       absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::ExecuteMigrationCommand(
    grpc::ServerContext* ctx, const MigrationCommandRequest* req,
    MigrationCommandResponse* resp) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  // SHOW VITESS_MIGRATIONS FROM <keyspace>: this tablet's, or an error.
  if (onlineddl::LooksLikeMigrationCommand(req->sql())) {
    absl::StatusOr<onlineddl::MigrationCommand> cmd =
        onlineddl::ParseMigrationCommand(req->sql());
    if (cmd.ok()) {
      ks = CheckKeyspace(cmd->keyspace);
      if (!ks.ok()) return ToGrpc(ks);
    }
  }
  absl::StatusOr<mysql::Result> r = executor_->ExecuteCommand(
      req->sql(), req->migration_context(), req->uuid(), req->ddl_strategy(),
      absl::FromChrono(ctx->deadline()));
  if (!r.ok()) return ToGrpc(r.status());
  *resp->mutable_result() = ToQueryResult(*r);
  if (r->fields.size() == 1 && r->fields[0].name == "uuid") {
    for (const mysql::Row& row : r->rows) {
      resp->add_uuids(std::string(row.Get(0)));
    }
  }
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::PrepareCutOver(grpc::ServerContext* ctx,
                                              const PrepareCutOverRequest* req,
                                              PrepareCutOverResponse*) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  absl::Duration hold = req->has_hold()
                            ? absl::Seconds(req->hold().seconds()) +
                                  absl::Nanoseconds(req->hold().nanos())
                            : absl::Seconds(10);
  // A request its controller gave up on prepares nothing.
  return ToGrpc(executor_->PrepareCutOver(
      req->uuid(), hold, req->catch_up_only(),
      absl::FromChrono(ctx->deadline()), req->controller_term()));
}

grpc::Status OnlineDdlService::CommitCutOver(grpc::ServerContext*,
                                             const CommitCutOverRequest* req,
                                             CommitCutOverResponse* resp) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  std::vector<std::string> uuids = {req->uuid()};
  uuids.insert(uuids.end(), req->together_uuids().begin(),
               req->together_uuids().end());
  absl::StatusOr<std::vector<onlineddl::CutOverResult>> r =
      executor_->CommitCutOvers(uuids, req->controller_term());
  if (!r.ok()) return ToGrpc(r.status());
  // One RENAME: the longest stall (the first table locked) and its position.
  absl::Duration stall;
  for (const onlineddl::CutOverResult& c : *r) stall = std::max(stall, c.stall);
  resp->set_stall_micros(absl::ToInt64Microseconds(stall));
  resp->set_swapped_at_micros(absl::ToUnixMicros(absl::Now()));
  resp->set_rename_position(r->front().rename_position.ToString());
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::AbortCutOver(grpc::ServerContext*,
                                            const AbortCutOverRequest* req,
                                            AbortCutOverResponse*) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  return ToGrpc(executor_->AbortCutOver(req->uuid(), req->controller_term()));
}

grpc::Status OnlineDdlService::PlanDeclarative(
    grpc::ServerContext*, const PlanDeclarativeRequest* req,
    PlanDeclarativeResponse* resp) {
  absl::Status ks = CheckKeyspace(req->keyspace());
  if (!ks.ok()) return ToGrpc(ks);
  // The entries together describe one desired schema (the separator on a
  // line of its own: an entry may end in a line comment).
  std::vector<absl::string_view> entries;
  for (const std::string& sql : req->sql()) {
    absl::string_view e = absl::StripTrailingAsciiWhitespace(sql);
    while (absl::ConsumeSuffix(&e, ";"))
      e = absl::StripTrailingAsciiWhitespace(e);
    if (!e.empty()) entries.push_back(e);
  }
  std::vector<std::string> related;
  absl::StatusOr<std::vector<std::string>> ddl = executor_->PlanDeclarative(
      absl::StrJoin(entries, "\n;\n"), req->ddl_strategy(), &related);
  if (!ddl.ok()) return ToGrpc(ddl.status());
  for (std::string& d : *ddl) resp->add_ddl(std::move(d));
  for (std::string& r : related) resp->add_related_tables(std::move(r));
  return grpc::Status::OK;
}

grpc::Status OnlineDdlService::ThrottleSchemaMigration(
    grpc::ServerContext* ctx, const ThrottleRequest* req,
    ThrottleResponse* resp) {
  // Unset or 0: until unthrottled.
  absl::Duration expire = absl::ZeroDuration();
  if (req->has_expire()) {
    expire = absl::Seconds(req->expire().seconds()) +
             absl::Nanoseconds(req->expire().nanos());
  }
  if (expire < absl::ZeroDuration()) {
    return ToGrpc(absl::InvalidArgumentError(
        absl::StrCat("throttle expiry ", absl::FormatDuration(expire),
                     ": give a duration from now, or none")));
  }
  // proto3 cannot tell 0 from unset: 0 throttles fully (Unthrottle
  // clears it).
  if (!(req->ratio() >= 0 && req->ratio() <= 1)) {
    return ToGrpc(absl::InvalidArgumentError(absl::StrCat(
        "throttle ratio ", req->ratio(),
        ": give a number from 0 to 1 (0 or unset: fully throttled)")));
  }
  double ratio = req->ratio() > 0 ? req->ratio() : 1.0;
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Throttle(
            req->uuid(), ratio,
            expire == absl::ZeroDuration() ? absl::InfiniteDuration() : expire,
            absl::FromChrono(ctx->deadline()));
      },
      resp);
}

grpc::Status OnlineDdlService::UnthrottleSchemaMigration(
    grpc::ServerContext* ctx, const ThrottleRequest* req,
    ThrottleResponse* resp) {
  return Count(
      req->keyspace(),
      [&] {
        return executor_->Throttle(req->uuid(), 0, absl::InfiniteDuration(),
                                   absl::FromChrono(ctx->deadline()));
      },
      resp);
}

}  // namespace tablet
}  // namespace sidecut
