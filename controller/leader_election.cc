#include "controller/leader_election.h"

#include <iostream>

#include "absl/strings/str_cat.h"

namespace sidecut {
namespace controller {

namespace {

// How often a round runs: a third of the TTL, so two renewals may fail
// before the lease is in danger.
absl::Duration Period(absl::Duration ttl) {
  return std::max(absl::Milliseconds(100), ttl / 3);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LeaderElection>> LeaderElection::Start(
    EtcdClient* etcd, ElectionOptions options, Clock* clock) {
  if (options.key.empty() || options.id.empty()) {
    return absl::InvalidArgumentError(
        "leader election needs a key and a candidate id");
  }
  if (options.ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("the election TTL must be at least 1 s");
  }
  std::unique_ptr<LeaderElection> e(
      new LeaderElection(etcd, std::move(options), clock));
  e->thread_ = std::thread([p = e.get()] { p->Loop(); });
  return e;
}

LeaderElection::~LeaderElection() { Stop(/*resign=*/true); }

void LeaderElection::Abandon() { Stop(/*resign=*/false); }

void LeaderElection::Stop(bool resign) {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
  int64_t lease = 0;
  {
    absl::MutexLock l(&mu_);
    leader_ = false;
    lease = lease_;
    lease_ = 0;
  }
  if (resign && lease != 0) {
    // Deletes the key with it; another candidate wins at its next round.
    etcd_->Revoke(lease).IgnoreError();
  }
}

void LeaderElection::Loop() {
  while (true) {
    Round();
    absl::MutexLock l(&mu_);
    auto stopped = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&stopped), Period(options_.ttl))) {
      return;
    }
  }
}

void LeaderElection::Round() {
  int64_t lease = 0;
  {
    absl::MutexLock l(&mu_);
    lease = lease_;
  }
  const absl::Time sent = clock_->Now();
  absl::Status renewed = absl::OkStatus();
  if (lease != 0) {
    renewed = etcd_->KeepAlive(lease);
    if (absl::IsNotFound(renewed)) {
      absl::MutexLock l(&mu_);
      if (leader_) {
        std::cerr << "sidecut-ctld: leadership lost (" << renewed.message()
                  << ")" << std::endl;
      }
      lease_ = lease = 0;
      leader_ = false;
    }
  }
  if (lease == 0) {
    absl::StatusOr<int64_t> granted = etcd_->Grant(options_.ttl);
    if (!granted.ok()) return;  // etcd unreachable: leadership runs out
    lease = *granted;
    absl::MutexLock l(&mu_);
    lease_ = lease;
  } else if (!renewed.ok()) {
    return;  // a transient error: the lease may still be alive
  }
  const absl::Time valid_until =
      sent + options_.ttl - std::min(absl::Seconds(1), options_.ttl / 4);

  // Campaign: create the key bound to our lease if nobody holds it.
  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare* absent = txn.add_compare();
  absent->set_key(options_.key);
  absent->set_target(etcdserverpb::Compare::CREATE);
  absent->set_result(etcdserverpb::Compare::EQUAL);
  absent->set_create_revision(0);
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(options_.key);
  put->set_value(options_.id);
  put->set_lease(lease);
  txn.add_failure()->mutable_request_range()->set_key(options_.key);
  absl::StatusOr<etcdserverpb::TxnResponse> r = etcd_->Txn(txn);
  if (!r.ok()) return;

  absl::MutexLock l(&mu_);
  if (stop_) return;
  const bool was_leader = leader_;
  if (r->succeeded()) {
    leader_ = true;
    key_revision_ = r->header().revision();
    leader_id_ = options_.id;
  } else {
    const auto& kvs = r->responses(0).response_range().kvs();
    if (kvs.empty()) {
      leader_ = false;  // it vanished meanwhile: the next round campaigns
      leader_id_.clear();
    } else if (kvs[0].lease() == lease) {
      leader_ = true;  // ours, from an earlier round
      key_revision_ = kvs[0].create_revision();
      leader_id_ = options_.id;
    } else {
      leader_ = false;
      leader_id_ = kvs[0].value();
    }
  }
  if (leader_) valid_until_ = valid_until;
  if (leader_ && !was_leader) {
    std::cerr << "sidecut-ctld: " << options_.id << " is the leader"
              << std::endl;
  }
}

bool LeaderElection::IsLeader() {
  absl::MutexLock l(&mu_);
  return leader_ && clock_->Now() < valid_until_;
}

int64_t LeaderElection::Term() {
  absl::MutexLock l(&mu_);
  return leader_ && clock_->Now() < valid_until_ ? key_revision_ : 0;
}

std::string LeaderElection::Leader() {
  absl::MutexLock l(&mu_);
  if (leader_ && clock_->Now() >= valid_until_) return "";
  return leader_id_;
}

absl::optional<etcdserverpb::Compare> LeaderElection::Fence() {
  absl::MutexLock l(&mu_);
  if (!leader_ || clock_->Now() >= valid_until_) return absl::nullopt;
  etcdserverpb::Compare c;
  c.set_key(options_.key);
  c.set_target(etcdserverpb::Compare::CREATE);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_create_revision(key_revision_);
  return c;
}

bool LeaderElection::AwaitLeadership(absl::Duration timeout) {
  const absl::Time deadline = clock_->Now() + timeout;
  while (!IsLeader()) {
    if (clock_->Now() >= deadline) return false;
    clock_->SleepFor(absl::Milliseconds(20));
  }
  return true;
}

}  // namespace controller
}  // namespace sidecut
