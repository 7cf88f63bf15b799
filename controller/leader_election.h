// LeaderElection: one leader among the sidecut-ctld processes sharing an
// etcd, by etcd's usual recipe: each candidate holds a lease (TTL, kept
// alive) and tries to create the election key bound to it in a transaction
// that succeeds only if the key does not exist. The key's value names the
// leader (its gRPC address, where followers forward requests). When the
// leader dies its lease expires, the key vanishes and another candidate
// wins; a leader that resigns revokes its lease so the others win at once.
//
// A leader that cannot renew its lease stops calling itself leader before
// the lease can have expired (it counts from the moment it sent the last
// successful renewal). Fence() gives the comparison that holds only while
// this candidate's key exists: writes that must come from the leader
// (controller/etcd_store.h) carry it, so a deposed leader cannot write.
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_LEADER_ELECTION_H_
#define SIDECUT_CONTROLLER_LEADER_ELECTION_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "controller/etcd_client.h"
#include "util/clock.h"

namespace sidecut {
namespace controller {

struct ElectionOptions {
  // The election key, e.g. "/sidecut/leader".
  std::string key;
  // This candidate's name: the address followers forward requests to.
  std::string id;
  // Lease TTL (whole seconds). A dead leader is replaced after about this.
  absl::Duration ttl = absl::Seconds(5);
};

class LeaderElection {
 public:
  // Starts campaigning in a background thread. `etcd` must outlive this.
  static absl::StatusOr<std::unique_ptr<LeaderElection>> Start(
      EtcdClient* etcd, ElectionOptions options, Clock* clock);
  // Resigns: revokes the lease, so another candidate wins at once.
  ~LeaderElection();

  // Stops campaigning without resigning, as if the process had died: the
  // lease expires after its TTL (tests of fail-over).
  void Abandon();

  bool IsLeader();
  // Non-zero while leading, and different each time leadership is gained
  // (the election key's creation revision); 0 otherwise.
  int64_t Term();
  // The current leader's id as last seen ("" if none is known).
  std::string Leader();
  // While leading: the comparison that holds only while this candidate's
  // key exists (its creation revision). nullopt when not leading.
  absl::optional<etcdserverpb::Compare> Fence();

  // Blocks until this candidate leads or `timeout` passes.
  bool AwaitLeadership(absl::Duration timeout);

 private:
  LeaderElection(EtcdClient* etcd, ElectionOptions options, Clock* clock)
      : etcd_(etcd), options_(std::move(options)), clock_(clock) {}
  void Loop();
  // One round: renew or obtain the lease, then campaign or observe.
  void Round();
  void Stop(bool resign);

  EtcdClient* const etcd_;
  const ElectionOptions options_;
  Clock* const clock_;

  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  int64_t lease_ ABSL_GUARDED_BY(mu_) = 0;
  bool leader_ ABSL_GUARDED_BY(mu_) = false;
  // Leadership is trusted until then (last renewal sent + TTL - margin).
  absl::Time valid_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t key_revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::string leader_id_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_LEADER_ELECTION_H_
