// The controller's state in etcd (sidecut-ctld --etcd): the topology under
// <prefix>topology (protobuf text, as the --topology file) and each
// deployment under <prefix>deployments/<hex context> (binary protobuf).
// With a fence (LeaderElection::Fence), every deployment write is a transaction
// fenced on the leader's key: a controller that lost its leadership cannot
// write, so it can never record a swap decision behind its successor's back.
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_ETCD_STORE_H_
#define SIDECUT_CONTROLLER_ETCD_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "controller/deployment_store.h"
#include "controller/etcd_client.h"
#include "proto/sidecut_controller.pb.h"

namespace sidecut {
namespace controller {

class EtcdStateStore final : public StateStore {
 public:
  // `etcd` must outlive this. `fence` (LeaderElection::Fence; may be
  // empty: unfenced) gives the comparison every write is conditional on,
  // nullopt when this controller may not write.
  using Fence = std::function<absl::optional<etcdserverpb::Compare>()>;
  EtcdStateStore(EtcdClient* etcd, std::string prefix, Fence fence)
      : etcd_(etcd), prefix_(std::move(prefix)), fence_(std::move(fence)) {}

  // FAILED_PRECONDITION when fenced and this controller is not the leader.
  absl::Status Save(const ControllerDeployment& d) override;
  absl::Status Create(const ControllerDeployment& d) override;
  absl::StatusOr<std::vector<ControllerDeployment>> LoadAll() override;

 private:
  // The fenced put of `d`, only while its key is absent if `create`.
  absl::Status Put(const ControllerDeployment& d, bool create);

  EtcdClient* const etcd_;
  const std::string prefix_;
  const Fence fence_;
};

// The topology kept in etcd: validated as a --topology file is.
absl::Status PutTopology(EtcdClient& etcd, const std::string& prefix,
                         const Topology& topology);
absl::StatusOr<Topology> GetTopology(EtcdClient& etcd,
                                     const std::string& prefix);

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_ETCD_STORE_H_
