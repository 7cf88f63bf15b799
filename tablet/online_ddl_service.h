// OnlineDdlService: sidecutd's gRPC face (sidecut.OnlineDDL in
// proto/sidecut_tablet.proto) over one tablet's Executor, with Vitess's
// vtctldata request and response messages. Keyspace fields are checked
// against the tablet's keyspace when set.
//
// Thread-safe (the Executor is).
#ifndef SIDECUT_TABLET_ONLINE_DDL_SERVICE_H_
#define SIDECUT_TABLET_ONLINE_DDL_SERVICE_H_

#include <functional>
#include <string>

#include "onlineddl/executor.h"
#include "proto/sidecut_tablet.grpc.pb.h"

namespace sidecut {
namespace tablet {

// Not final: a test stands in for a tablet refusing some request.
class OnlineDdlService : public sidecut::OnlineDDL::Service {
 public:
  OnlineDdlService(onlineddl::Executor* executor, std::string keyspace,
                   std::string shard)
      : executor_(executor),
        keyspace_(std::move(keyspace)),
        shard_(std::move(shard)) {}

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
  grpc::Status PrepareCutOver(grpc::ServerContext*,
                              const PrepareCutOverRequest* req,
                              PrepareCutOverResponse* resp) override;
  grpc::Status CommitCutOver(grpc::ServerContext*,
                             const CommitCutOverRequest* req,
                             CommitCutOverResponse* resp) override;
  grpc::Status AbortCutOver(grpc::ServerContext*,
                            const AbortCutOverRequest* req,
                            AbortCutOverResponse* resp) override;
  grpc::Status PlanDeclarative(grpc::ServerContext*,
                               const PlanDeclarativeRequest* req,
                               PlanDeclarativeResponse* resp) override;
  grpc::Status ThrottleSchemaMigration(grpc::ServerContext*,
                                       const ThrottleRequest* req,
                                       ThrottleResponse* resp) override;
  grpc::Status UnthrottleSchemaMigration(grpc::ServerContext*,
                                         const ThrottleRequest* req,
                                         ThrottleResponse* resp) override;

 private:
  absl::Status CheckKeyspace(const std::string& keyspace) const;
  // Checks `keyspace`, then runs `command` and records its count under this
  // tablet's shard.
  template <typename Resp>
  grpc::Status Count(const std::string& keyspace,
                     const std::function<absl::StatusOr<int>()>& command,
                     Resp* resp);

  onlineddl::Executor* executor_;
  std::string keyspace_;
  std::string shard_;
};

}  // namespace tablet
}  // namespace sidecut

#endif  // SIDECUT_TABLET_ONLINE_DDL_SERVICE_H_
