// EtcdLeadership: runs a Controller on etcd (sidecut-ctld --etcd): its
// deployments in etcd, written only under the leader's fence, and its
// actions gated on a LeaderElection. The election starts after the
// controller serves (the candidate's id is its address), so the controller
// sees "not leading" until Campaign.
//
// Must outlive the controller configured with it. Thread-safe.
#ifndef SIDECUT_CONTROLLER_ETCD_LEADERSHIP_H_
#define SIDECUT_CONTROLLER_ETCD_LEADERSHIP_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/controller.h"
#include "controller/etcd_client.h"
#include "controller/leader_election.h"
#include "util/clock.h"

namespace sidecut {
namespace controller {

class EtcdLeadership {
 public:
  // `etcd` must outlive this. Keys live under `prefix`.
  EtcdLeadership(EtcdClient* etcd, std::string prefix)
      : etcd_(etcd), prefix_(std::move(prefix)) {}
  // Resigns (another controller takes over at once).
  ~EtcdLeadership() { Resign(); }

  // Sets `o`'s store, leader_term and leader.
  void Configure(ControllerOptions& o);
  // Starts campaigning as `id` (the address followers forward to) on the
  // key <prefix>leader.
  absl::Status Campaign(std::string id, absl::Duration ttl, Clock* clock);

  // The running election (null before Campaign).
  std::shared_ptr<LeaderElection> election();
  // Stops campaigning without resigning, as if the process had died.
  void Abandon();
  void Resign();

 private:
  EtcdClient* const etcd_;
  const std::string prefix_;
  absl::Mutex mu_;
  std::shared_ptr<LeaderElection> election_ ABSL_GUARDED_BY(mu_);
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_ETCD_LEADERSHIP_H_
