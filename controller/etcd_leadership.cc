#include "controller/etcd_leadership.h"

#include "absl/strings/str_cat.h"
#include "controller/etcd_store.h"

namespace sidecut {
namespace controller {

void EtcdLeadership::Configure(ControllerOptions& o) {
  o.leader_term = [this]() -> int64_t {
    std::shared_ptr<LeaderElection> e = election();
    return e == nullptr ? 0 : e->Term();
  };
  o.leader = [this]() -> std::string {
    std::shared_ptr<LeaderElection> e = election();
    return e == nullptr ? "" : e->Leader();
  };
  o.store = std::make_shared<EtcdStateStore>(
      etcd_, prefix_, [this]() -> absl::optional<etcdserverpb::Compare> {
        std::shared_ptr<LeaderElection> e = election();
        return e == nullptr ? absl::nullopt : e->Fence();
      });
}

absl::Status EtcdLeadership::Campaign(std::string id, absl::Duration ttl,
                                      Clock* clock) {
  ElectionOptions eo;
  eo.key = absl::StrCat(prefix_, "leader");
  eo.id = std::move(id);
  eo.ttl = ttl;
  absl::StatusOr<std::unique_ptr<LeaderElection>> e =
      LeaderElection::Start(etcd_, std::move(eo), clock);
  if (!e.ok()) return e.status();
  absl::MutexLock l(&mu_);
  election_ = std::move(*e);
  return absl::OkStatus();
}

std::shared_ptr<LeaderElection> EtcdLeadership::election() {
  absl::MutexLock l(&mu_);
  return election_;
}

void EtcdLeadership::Abandon() {
  if (std::shared_ptr<LeaderElection> e = election()) e->Abandon();
}

void EtcdLeadership::Resign() {
  std::shared_ptr<LeaderElection> e;
  {
    absl::MutexLock l(&mu_);
    e.swap(election_);
  }
  // The last reference resigns (LeaderElection's destructor revokes the
  // lease); after Abandon it does nothing.
}

}  // namespace controller
}  // namespace sidecut
