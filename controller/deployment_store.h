// StateStore: where the controller keeps its deployments, so that a
// controller killed at any moment restarts (or a successor takes over) from
// the last saved state. DeploymentStore keeps them as files in a state
// directory (the default); EtcdStateStore (etcd_store.h) in etcd, shared
// by several controllers.
//
// DeploymentStore: one protobuf text file per deployment, written
// atomically (temporary file, fsync, rename).
//
// Thread-compatible.
#ifndef SIDECUT_CONTROLLER_DEPLOYMENT_STORE_H_
#define SIDECUT_CONTROLLER_DEPLOYMENT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/sidecut_controller.pb.h"

namespace sidecut {
namespace controller {

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual absl::Status Save(const ControllerDeployment& d) = 0;
  // Saves `d`, a new deployment: ALREADY_EXISTS, and nothing saved, if
  // one of its context is. A create whose answer was lost (a timeout) can
  // be overtaken by a Save: if it lands after, it changes nothing.
  virtual absl::Status Create(const ControllerDeployment& d) = 0;
  // Every saved deployment, oldest first.
  virtual absl::StatusOr<std::vector<ControllerDeployment>> LoadAll() = 0;
};

// Oldest first (by creation time, then context).
void SortDeployments(std::vector<ControllerDeployment>& all);

class DeploymentStore final : public StateStore {
 public:
  // Creates `dir` if missing.
  static absl::StatusOr<DeploymentStore> Open(std::string dir);

  absl::Status Save(const ControllerDeployment& d) override;
  absl::Status Create(const ControllerDeployment& d) override;
  absl::StatusOr<std::vector<ControllerDeployment>> LoadAll() override;

  // The file name for a context: hex, so that any context is a safe name.
  static std::string FileName(const std::string& context);

 private:
  explicit DeploymentStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_DEPLOYMENT_STORE_H_
