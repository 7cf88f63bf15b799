#include "controller/controller_service.h"

#include "util/grpc_status.h"

namespace sidecut {
namespace controller {

grpc::Status ControllerService::ApplySchema(
    grpc::ServerContext*, const vtctldata::ApplySchemaRequest* req,
    vtctldata::ApplySchemaResponse* resp) {
  absl::StatusOr<vtctldata::ApplySchemaResponse> r =
      controller_->ApplySchema(*req);
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

grpc::Status ControllerService::GetSchemaMigrations(
    grpc::ServerContext*, const vtctldata::GetSchemaMigrationsRequest* req,
    vtctldata::GetSchemaMigrationsResponse* resp) {
  absl::StatusOr<vtctldata::GetSchemaMigrationsResponse> r =
      controller_->GetSchemaMigrations(*req);
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

#define SIDECUT_CTLD_RPC(rpc, verb)                                            \
  grpc::Status ControllerService::rpc##SchemaMigration(                        \
      grpc::ServerContext*, const vtctldata::rpc##SchemaMigrationRequest* req, \
      vtctldata::rpc##SchemaMigrationResponse* resp) {                         \
    absl::StatusOr<std::map<std::string, uint64_t>> n =                        \
        controller_->Command(verb, req->keyspace(), req->uuid());              \
    if (!n.ok()) return ToGrpc(n.status());                                    \
    for (const auto& [shard, count] : *n) {                                    \
      (*resp->mutable_rows_affected_by_shard())[shard] = count;                \
    }                                                                          \
    return grpc::Status::OK;                                                   \
  }
SIDECUT_CTLD_RPC(Complete, "complete")
SIDECUT_CTLD_RPC(Cancel, "cancel")
SIDECUT_CTLD_RPC(Retry, "retry")
SIDECUT_CTLD_RPC(Launch, "launch")
SIDECUT_CTLD_RPC(Cleanup, "cleanup")
SIDECUT_CTLD_RPC(ForceCutOver, "force-cutover")
#undef SIDECUT_CTLD_RPC

grpc::Status ControllerService::ExecuteMigrationCommand(
    grpc::ServerContext*, const MigrationCommandRequest* req,
    MigrationCommandResponse* resp) {
  absl::StatusOr<MigrationCommandResponse> r =
      controller_->ExecuteMigrationCommand(*req);
  if (!r.ok()) return ToGrpc(r.status());
  *resp = std::move(*r);
  return grpc::Status::OK;
}

}  // namespace controller
}  // namespace sidecut
