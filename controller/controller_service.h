// ControllerService: sidecut-ctld's gRPC face. It serves the same
// sidecut.OnlineDDL service as a tablet, for whole keyspaces, so the
// `sidecut` CLI (and any vtctld-style client) talks to either; the
// two-phase cut-over RPCs are the tablets' own and are refused here.
// A follower (several controllers sharing etcd) forwards every call to the
// leader once, so a client may talk to any controller. A forwarded call
// keeps the client's deadline, at most `max_forward_wait` (a client with
// none does not wait forever on a leader that hangs), and is cancelled
// with the client's call.
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_CONTROLLER_SERVICE_H_
#define SIDECUT_CONTROLLER_CONTROLLER_SERVICE_H_

#include "absl/time/time.h"
#include "controller/controller.h"
#include "proto/sidecut_tablet.grpc.pb.h"

namespace sidecut {
namespace controller {

class ControllerService final : public sidecut::OnlineDDL::Service {
 public:
  explicit ControllerService(
      Controller* controller,
      absl::Duration max_forward_wait = absl::Minutes(10))
      : controller_(controller), max_forward_wait_(max_forward_wait) {}

  grpc::Status ApplySchema(grpc::ServerContext*,
                           const vtctldata::ApplySchemaRequest* req,
                           vtctldata::ApplySchemaResponse* resp) override;
  grpc::Status GetSchemaMigrations(
      grpc::ServerContext*, const vtctldata::GetSchemaMigrationsRequest* req,
      vtctldata::GetSchemaMigrationsResponse* resp) override;
  grpc::Status CompleteSchemaMigration(
      grpc::ServerContext*,
      const vtctldata::CompleteSchemaMigrationRequest* req,
      vtctldata::CompleteSchemaMigrationResponse* resp) override;
  grpc::Status CancelSchemaMigration(
      grpc::ServerContext*, const vtctldata::CancelSchemaMigrationRequest* req,
      vtctldata::CancelSchemaMigrationResponse* resp) override;
  grpc::Status RetrySchemaMigration(
      grpc::ServerContext*, const vtctldata::RetrySchemaMigrationRequest* req,
      vtctldata::RetrySchemaMigrationResponse* resp) override;
  grpc::Status LaunchSchemaMigration(
      grpc::ServerContext*, const vtctldata::LaunchSchemaMigrationRequest* req,
      vtctldata::LaunchSchemaMigrationResponse* resp) override;
  grpc::Status CleanupSchemaMigration(
      grpc::ServerContext*, const vtctldata::CleanupSchemaMigrationRequest* req,
      vtctldata::CleanupSchemaMigrationResponse* resp) override;
  grpc::Status ForceCutOverSchemaMigration(
      grpc::ServerContext*,
      const vtctldata::ForceCutOverSchemaMigrationRequest* req,
      vtctldata::ForceCutOverSchemaMigrationResponse* resp) override;
  grpc::Status ExecuteMigrationCommand(grpc::ServerContext*,
                                       const MigrationCommandRequest* req,
                                       MigrationCommandResponse* resp) override;
  grpc::Status ThrottleSchemaMigration(grpc::ServerContext*,
                                       const ThrottleRequest* req,
                                       ThrottleResponse* resp) override;
  grpc::Status UnthrottleSchemaMigration(grpc::ServerContext*,
                                         const ThrottleRequest* req,
                                         ThrottleResponse* resp) override;

 private:
  // Runs `local` when this controller leads; otherwise forwards the call
  // to the leader with `method` (once: a forwarded call is never forwarded
  // again).
  template <typename Req, typename Resp, typename Local>
  grpc::Status Serve(grpc::ServerContext* ctx, const Req& req, Resp* resp,
                     grpc::Status (OnlineDDL::Stub::*method)(
                         grpc::ClientContext*, const Req&, Resp*),
                     Local local);

  Controller* const controller_;
  const absl::Duration max_forward_wait_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_CONTROLLER_SERVICE_H_
