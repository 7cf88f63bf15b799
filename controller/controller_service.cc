#include "controller/controller_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "util/grpc_status.h"

namespace sidecut {
namespace controller {

namespace {

constexpr char kForwardedHeader[] = "sidecut-forwarded-by-follower";

// Puts a verb's count per shard into its response.
template <typename Resp>
absl::Status PutCounts(
    const absl::StatusOr<std::map<std::string, uint64_t>>& counts, Resp* resp) {
  if (!counts.ok()) return counts.status();
  for (const auto& [shard, n] : *counts) {
    (*resp->mutable_rows_affected_by_shard())[shard] = n;
  }
  return absl::OkStatus();
}

}  // namespace

template <typename Req, typename Resp, typename Local>
grpc::Status ControllerService::Serve(
    grpc::ServerContext* ctx, const Req& req, Resp* resp,
    grpc::Status (OnlineDDL::Stub::*method)(grpc::ClientContext*, const Req&,
                                            Resp*),
    Local local) {
  std::string leader;
  if (controller_->Leading(&leader)) {
    absl::Status s = local();
    return s.ok() ? grpc::Status::OK : ToGrpc(s);
  }
  if (leader.empty()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "this sidecut-ctld is a follower and no leader is "
                        "elected yet; retry in a few seconds");
  }
  if (ctx->client_metadata().count(kForwardedHeader) != 0) {
    return grpc::Status(
        grpc::StatusCode::UNAVAILABLE,
        absl::StrCat("this sidecut-ctld is not the leader (the leader is ",
                     leader, "); leadership is changing, retry"));
  }
  std::unique_ptr<OnlineDDL::Stub> stub = OnlineDDL::NewStub(
      grpc::CreateChannel(leader, grpc::InsecureChannelCredentials()));
  // Cancelled with the client's call.
  std::unique_ptr<grpc::ClientContext> forward =
      grpc::ClientContext::FromServerContext(*ctx);
  forward->set_deadline(std::min(
      ctx->deadline(), std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(max_forward_wait_)));
  forward->AddMetadata(kForwardedHeader, "1");
  return ((*stub).*method)(forward.get(), req, resp);
}

grpc::Status ControllerService::ApplySchema(
    grpc::ServerContext* ctx, const vtctldata::ApplySchemaRequest* req,
    vtctldata::ApplySchemaResponse* resp) {
  return Serve(ctx, *req, resp, &OnlineDDL::Stub::ApplySchema, [&] {
    absl::StatusOr<vtctldata::ApplySchemaResponse> r =
        controller_->ApplySchema(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

grpc::Status ControllerService::GetSchemaMigrations(
    grpc::ServerContext* ctx, const vtctldata::GetSchemaMigrationsRequest* req,
    vtctldata::GetSchemaMigrationsResponse* resp) {
  return Serve(ctx, *req, resp, &OnlineDDL::Stub::GetSchemaMigrations, [&] {
    absl::StatusOr<vtctldata::GetSchemaMigrationsResponse> r =
        controller_->GetSchemaMigrations(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

#define SIDECUT_CTLD_RPC(rpc, verb)                                            \
  grpc::Status ControllerService::rpc##SchemaMigration(                        \
      grpc::ServerContext* ctx,                                                \
      const vtctldata::rpc##SchemaMigrationRequest* req,                       \
      vtctldata::rpc##SchemaMigrationResponse* resp) {                         \
    return Serve(                                                              \
        ctx, *req, resp, &OnlineDDL::Stub::rpc##SchemaMigration, [&] {         \
          return PutCounts(                                                    \
              controller_->Command(verb, req->keyspace(), req->uuid()), resp); \
        });                                                                    \
  }
SIDECUT_CTLD_RPC(Complete, "complete")
SIDECUT_CTLD_RPC(Cancel, "cancel")
SIDECUT_CTLD_RPC(Retry, "retry")
SIDECUT_CTLD_RPC(Launch, "launch")
SIDECUT_CTLD_RPC(Cleanup, "cleanup")
SIDECUT_CTLD_RPC(ForceCutOver, "force-cutover")
#undef SIDECUT_CTLD_RPC

#define SIDECUT_CTLD_THROTTLE(rpc, unthrottle)                             \
  grpc::Status ControllerService::rpc##SchemaMigration(                    \
      grpc::ServerContext* ctx, const ThrottleRequest* req,                \
      ThrottleResponse* resp) {                                            \
    return Serve(                                                          \
        ctx, *req, resp, &OnlineDDL::Stub::rpc##SchemaMigration, [&] {     \
          return PutCounts(controller_->Throttle(*req, unthrottle), resp); \
        });                                                                \
  }
SIDECUT_CTLD_THROTTLE(Throttle, false)
SIDECUT_CTLD_THROTTLE(Unthrottle, true)
#undef SIDECUT_CTLD_THROTTLE

grpc::Status ControllerService::ExecuteMigrationCommand(
    grpc::ServerContext* ctx, const MigrationCommandRequest* req,
    MigrationCommandResponse* resp) {
  return Serve(ctx, *req, resp, &OnlineDDL::Stub::ExecuteMigrationCommand, [&] {
    absl::StatusOr<MigrationCommandResponse> r =
        controller_->ExecuteMigrationCommand(*req);
    if (r.ok()) *resp = std::move(*r);
    return r.status();
  });
}

}  // namespace controller
}  // namespace sidecut
