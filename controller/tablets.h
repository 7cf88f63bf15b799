// Tablets: the controller's clients of every shard's sidecutd, and the
// fan-out of one call to all shards of a keyspace in parallel. Every call
// has a deadline, so a shard that is down fails the call clearly (naming
// the shard) instead of hanging it.
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_TABLETS_H_
#define SIDECUT_CONTROLLER_TABLETS_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "proto/sidecut_controller.pb.h"
#include "proto/sidecut_tablet.grpc.pb.h"

namespace sidecut {
namespace controller {

// The seam: a stub for a tablet address (tests may serve fakes).
using StubFactory = std::function<std::unique_ptr<OnlineDDL::StubInterface>(
    const std::string& address)>;

// Insecure gRPC channels (loopback by default in the topology).
StubFactory GrpcStubFactory();

using ShardFn = std::function<absl::Status(const TopologyShard& shard,
                                           OnlineDDL::StubInterface& stub,
                                           grpc::ClientContext& context)>;

class Tablets {
 public:
  Tablets(StubFactory factory, absl::Duration timeout)
      : factory_(std::move(factory)), timeout_(timeout) {}

  // Runs `fn` for every shard of `keyspace` at once, each with a context
  // whose deadline is `timeout` (default: the constructor's). Returns the
  // statuses in shard order; a failure's message names the shard.
  std::vector<absl::Status> ForEach(
      const TopologyKeyspace& keyspace, const ShardFn& fn,
      absl::Duration timeout = absl::ZeroDuration());
  // The same for one shard.
  absl::Status Call(const TopologyShard& shard, const ShardFn& fn,
                    absl::Duration timeout = absl::ZeroDuration());

 private:
  OnlineDDL::StubInterface* Stub(const std::string& address);

  StubFactory factory_;
  absl::Duration timeout_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<OnlineDDL::StubInterface>> stubs_
      ABSL_GUARDED_BY(mu_);
};

// Reads migration `uuid` from one shard's tablet, using `context` (good
// for one call). nullopt when the shard does not have it.
absl::StatusOr<std::optional<vtctldata::SchemaMigration>> ReadMigrationOn(
    OnlineDDL::StubInterface& stub, grpc::ClientContext& context,
    const std::string& keyspace, const std::string& uuid);

// OK if every status is; otherwise the first failure's code with every
// failure's message ("shard -80: ...; shard 80-: ...").
absl::Status Combine(const std::vector<absl::Status>& statuses);

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_TABLETS_H_
