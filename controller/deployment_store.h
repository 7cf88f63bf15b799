// DeploymentStore: the controller's deployments, one protobuf text file
// each in a state directory, written atomically (temporary file, fsync,
// rename), so that a controller killed at any moment restarts from the
// last saved state.
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

class DeploymentStore {
 public:
  // Creates `dir` if missing.
  static absl::StatusOr<DeploymentStore> Open(std::string dir);

  absl::Status Save(const ControllerDeployment& d) const;
  // Every saved deployment, oldest first.
  absl::StatusOr<std::vector<ControllerDeployment>> LoadAll() const;

  // The file name for a context: hex, so that any context is a safe name.
  static std::string FileName(const std::string& context);

 private:
  explicit DeploymentStore(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_DEPLOYMENT_STORE_H_
