#include "controller/tablets.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"
#include "util/grpc_status.h"

namespace sidecut {
namespace controller {

absl::StatusOr<std::optional<vtctldata::SchemaMigration>> ReadMigrationOn(
    OnlineDDL::StubInterface& stub, grpc::ClientContext& context,
    const std::string& keyspace, const std::string& uuid) {
  vtctldata::GetSchemaMigrationsRequest req;
  req.set_keyspace(keyspace);
  req.set_uuid(uuid);
  vtctldata::GetSchemaMigrationsResponse resp;
  absl::Status s = FromGrpc(stub.GetSchemaMigrations(&context, req, &resp));
  if (!s.ok()) return s;
  if (resp.migrations_size() == 0) return std::nullopt;
  return resp.migrations(0);
}

StubFactory GrpcStubFactory() {
  return [](const std::string& address) {
    return std::unique_ptr<OnlineDDL::StubInterface>(OnlineDDL::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
  };
}

OnlineDDL::StubInterface* Tablets::Stub(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<OnlineDDL::StubInterface>& s = stubs_[address];
  if (s == nullptr) s = factory_(address);
  return s.get();
}

absl::Status Tablets::Call(const TopologyShard& shard, const ShardFn& fn,
                           absl::Duration timeout) {
  if (timeout == absl::ZeroDuration()) timeout = timeout_;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
  absl::Status s = fn(shard, *Stub(shard.tablet()), context);
  if (s.ok()) return s;
  return absl::Status(s.code(),
                      absl::StrCat("shard ", shard.name(), " (", shard.tablet(),
                                   "): ", s.message()));
}

std::vector<absl::Status> Tablets::ForEach(const TopologyKeyspace& keyspace,
                                           const ShardFn& fn,
                                           absl::Duration timeout) {
  std::vector<absl::Status> statuses(keyspace.shards_size());
  std::vector<std::thread> threads;
  for (int i = 0; i < keyspace.shards_size(); ++i) {
    threads.emplace_back(
        [&, i] { statuses[i] = Call(keyspace.shards(i), fn, timeout); });
  }
  for (std::thread& t : threads) t.join();
  return statuses;
}

absl::Status Combine(const std::vector<absl::Status>& statuses) {
  std::vector<std::string> messages;
  absl::StatusCode code = absl::StatusCode::kOk;
  for (const absl::Status& s : statuses) {
    if (s.ok()) continue;
    if (code == absl::StatusCode::kOk) code = s.code();
    messages.emplace_back(s.message());
  }
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  return absl::Status(code, absl::StrJoin(messages, "; "));
}

}  // namespace controller
}  // namespace sidecut
