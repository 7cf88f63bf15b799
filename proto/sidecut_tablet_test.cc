// Checks the OnlineDDL service's method table and that a stub reaches a
// server on a loopback port.
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/sidecut_tablet.grpc.pb.h"
#include "proto/sidecut_tablet.pb.h"
#include "proto/vtctldata.pb.h"

namespace {

TEST(SidecutTabletProtoTest, OnlineDdlMethods) {
  struct Method {
    std::string name, input, output;
  };
  const std::vector<Method> expected = {
      {"ApplySchema", "vtctldata.ApplySchemaRequest",
       "vtctldata.ApplySchemaResponse"},
      {"GetSchemaMigrations", "vtctldata.GetSchemaMigrationsRequest",
       "vtctldata.GetSchemaMigrationsResponse"},
      {"CompleteSchemaMigration", "vtctldata.CompleteSchemaMigrationRequest",
       "vtctldata.CompleteSchemaMigrationResponse"},
      {"CancelSchemaMigration", "vtctldata.CancelSchemaMigrationRequest",
       "vtctldata.CancelSchemaMigrationResponse"},
      {"RetrySchemaMigration", "vtctldata.RetrySchemaMigrationRequest",
       "vtctldata.RetrySchemaMigrationResponse"},
      {"LaunchSchemaMigration", "vtctldata.LaunchSchemaMigrationRequest",
       "vtctldata.LaunchSchemaMigrationResponse"},
      {"CleanupSchemaMigration", "vtctldata.CleanupSchemaMigrationRequest",
       "vtctldata.CleanupSchemaMigrationResponse"},
      {"ForceCutOverSchemaMigration",
       "vtctldata.ForceCutOverSchemaMigrationRequest",
       "vtctldata.ForceCutOverSchemaMigrationResponse"},
      {"ExecuteMigrationCommand", "sidecut.MigrationCommandRequest",
       "sidecut.MigrationCommandResponse"},
      {"ThrottleSchemaMigration", "sidecut.ThrottleRequest",
       "sidecut.ThrottleResponse"},
      {"UnthrottleSchemaMigration", "sidecut.ThrottleRequest",
       "sidecut.ThrottleResponse"},
      {"PrepareCutOver", "sidecut.PrepareCutOverRequest",
       "sidecut.PrepareCutOverResponse"},
      {"CommitCutOver", "sidecut.CommitCutOverRequest",
       "sidecut.CommitCutOverResponse"},
      {"AbortCutOver", "sidecut.AbortCutOverRequest",
       "sidecut.AbortCutOverResponse"},
      {"PlanDeclarative", "sidecut.PlanDeclarativeRequest",
       "sidecut.PlanDeclarativeResponse"},
  };
  const google::protobuf::ServiceDescriptor* service =
      sidecut::ThrottleRequest::descriptor()->file()->FindServiceByName(
          "OnlineDDL");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->full_name(), "sidecut.OnlineDDL");
  ASSERT_EQ(service->method_count(), static_cast<int>(expected.size()));
  for (int i = 0; i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* m = service->method(i);
    SCOPED_TRACE(m->name());
    EXPECT_EQ(m->name(), expected[i].name);
    EXPECT_EQ(m->input_type()->full_name(), expected[i].input);
    EXPECT_EQ(m->output_type()->full_name(), expected[i].output);
    EXPECT_FALSE(m->client_streaming());
    EXPECT_FALSE(m->server_streaming());
  }
}

TEST(SidecutTabletProtoTest, OwnMessageFieldNumbers) {
  const auto* cmd = sidecut::MigrationCommandRequest::descriptor();
  EXPECT_EQ(cmd->FindFieldByName("sql")->number(), 1);
  EXPECT_EQ(cmd->FindFieldByName("ddl_strategy")->number(), 2);
  EXPECT_EQ(cmd->FindFieldByName("migration_context")->number(), 3);
  EXPECT_EQ(cmd->FindFieldByName("uuid")->number(), 4);
  const auto* prepare = sidecut::PrepareCutOverRequest::descriptor();
  EXPECT_EQ(prepare->FindFieldByName("keyspace")->number(), 1);
  EXPECT_EQ(prepare->FindFieldByName("uuid")->number(), 2);
  EXPECT_EQ(prepare->FindFieldByName("hold")->number(), 3);
  EXPECT_EQ(prepare->FindFieldByName("catch_up_only")->number(), 4);
  const auto* commit = sidecut::CommitCutOverResponse::descriptor();
  EXPECT_EQ(commit->FindFieldByName("stall_micros")->number(), 1);
  EXPECT_EQ(commit->FindFieldByName("swapped_at_micros")->number(), 2);
  EXPECT_EQ(commit->FindFieldByName("rename_position")->number(), 3);
  const auto* resp = sidecut::MigrationCommandResponse::descriptor();
  EXPECT_EQ(resp->FindFieldByName("result")->number(), 1);
  EXPECT_EQ(resp->FindFieldByName("uuids")->number(), 2);
  const auto* throttle = sidecut::ThrottleRequest::descriptor();
  EXPECT_EQ(throttle->FindFieldByName("uuid")->number(), 1);
  EXPECT_EQ(throttle->FindFieldByName("ratio")->number(), 2);
  EXPECT_EQ(throttle->FindFieldByName("expire")->number(), 3);
  EXPECT_EQ(sidecut::ThrottleResponse::descriptor()
                ->FindFieldByName("rows_affected_by_shard")
                ->number(),
            1);
}

// Serves one migration from GetSchemaMigrations; every other method keeps
// the generated UNIMPLEMENTED default.
class FakeOnlineDdl final : public sidecut::OnlineDDL::Service {
  grpc::Status GetSchemaMigrations(
      grpc::ServerContext*, const vtctldata::GetSchemaMigrationsRequest* req,
      vtctldata::GetSchemaMigrationsResponse* resp) override {
    vtctldata::SchemaMigration* m = resp->add_migrations();
    m->set_uuid(req->uuid());
    m->set_keyspace(req->keyspace());
    m->set_status(vtctldata::SchemaMigration::RUNNING);
    return grpc::Status::OK;
  }
};

TEST(SidecutTabletProtoTest, ServesOnLoopbackPortZero) {
  FakeOnlineDdl service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);
  auto stub = sidecut::OnlineDDL::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  grpc::ClientContext get_ctx;
  vtctldata::GetSchemaMigrationsRequest req;
  req.set_keyspace("ks");
  req.set_uuid("6ff1a1c4_1234_11ee_9b6c_0a43f95f28a3");
  vtctldata::GetSchemaMigrationsResponse resp;
  grpc::Status s = stub->GetSchemaMigrations(&get_ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(resp.migrations_size(), 1);
  EXPECT_EQ(resp.migrations(0).uuid(), req.uuid());
  EXPECT_EQ(resp.migrations(0).status(), vtctldata::SchemaMigration::RUNNING);

  grpc::ClientContext apply_ctx;
  vtctldata::ApplySchemaResponse apply_resp;
  s = stub->ApplySchema(&apply_ctx, vtctldata::ApplySchemaRequest(),
                        &apply_resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  server->Shutdown();
}

}  // namespace
