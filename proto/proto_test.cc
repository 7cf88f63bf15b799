// Checks that the generated code round-trips on the wire with Vitess's field
// numbers and that the gRPC service serves on a loopback port.
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/query.pb.h"
#include "proto/sidecut_service.grpc.pb.h"

namespace {

TEST(QueryProtoTest, RowLengthsUseZigZagAndNullIsMinusOne) {
  query::Row row;
  row.add_lengths(-1);
  row.add_lengths(3);
  row.set_values("abc");
  std::string wire = row.SerializeAsString();
  // Field 1 packed sint64: tag 0x0a, length 2, zigzag(-1)=1, zigzag(3)=6.
  ASSERT_GE(wire.size(), 4u);
  EXPECT_EQ(static_cast<unsigned char>(wire[0]), 0x0a);
  EXPECT_EQ(wire[1], 2);
  EXPECT_EQ(wire[2], 1);
  EXPECT_EQ(wire[3], 6);
  query::Row back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.lengths(0), -1);
  EXPECT_EQ(back.values(), "abc");
}

TEST(QueryProtoTest, FieldNumbersMatchVitess) {
  query::Field f;
  f.set_column_type("int(11)");  // field 11, wire type 2 -> tag 0x5a
  std::string wire = f.SerializeAsString();
  ASSERT_FALSE(wire.empty());
  EXPECT_EQ(static_cast<unsigned char>(wire[0]), 0x5a);
  EXPECT_EQ(query::JSON, 2078);
  EXPECT_EQ(query::VARCHAR, 6165);
}

class EchoTablet final : public sidecut::Tablet::Service {
  grpc::Status Ping(grpc::ServerContext*, const sidecut::PingRequest* req,
                    sidecut::PingResponse* resp) override {
    resp->set_payload(req->payload());
    return grpc::Status::OK;
  }
};

TEST(ServiceProtoTest, ServesOnLoopbackPortZero) {
  EchoTablet service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  ASSERT_GT(port, 0);
  auto stub = sidecut::Tablet::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  sidecut::PingRequest req;
  req.set_payload("hello");
  sidecut::PingResponse resp;
  grpc::Status s = stub->Ping(&ctx, req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.payload(), "hello");
  server->Shutdown();
}

}  // namespace
