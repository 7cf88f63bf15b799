// Copy throttling on the health of the server and of its replicas: a copy
// pauses (its tail keeps running) while the primary runs more than
// `max_threads_running` threads, or while any watched replica lags more
// than `max_lag`, has stopped replicating, or cannot be asked. The replicas
// watched are those listed and, by choice, those the primary names in
// SHOW SLAVE HOSTS (every replica connected to it; pt-osc finds replicas
// the same way). A copy
// writes every row it copies to the binlog: unthrottled, a large table
// floods the replicas (gh-ost's --max-lag-millis and Vitess's tablet
// throttler guard the same way).
//
// Thread-safe: several copies may ask at once.
#ifndef SIDECUT_VREPLICATION_COPY_THROTTLE_H_
#define SIDECUT_VREPLICATION_COPY_THROTTLE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "mysql/connection.h"
#include "mysql/result.h"
#include "util/clock.h"

namespace sidecut {
namespace vreplication {

// Most threads running on the primary a copy goes on with, by default.
inline constexpr int64_t kDefaultMaxThreadsRunning = 64;

struct CopyThrottleOptions {
  // The replicas to watch (the primary's user and password are typical).
  std::vector<mysql::ConnectParams> replicas;
  // Also watch the replicas the primary lists in SHOW SLAVE HOSTS, at the
  // host and port each reports, asked with `discovered`'s user and
  // password. The list is read again every `rediscover`. A replica found
  // once stays watched while it answers and still has a replication
  // connection (a replica whose IO thread stopped leaves the list, once the
  // server next sends it an event, just when it starts falling behind);
  // one gone from the list that cannot be reached, or no longer
  // replicates, is forgotten.
  bool discover_replicas = false;
  mysql::ConnectParams discovered;
  absl::Duration rediscover = absl::Seconds(10);
  // Longest replication lag (Seconds_Behind_Master) let through. Default
  // 5 s, as Vitess's throttler.
  absl::Duration max_lag = absl::Seconds(5);
  // Most threads running on the primary let through. Default 64.
  int64_t max_threads_running = kDefaultMaxThreadsRunning;
  // A replica's answer is reused this long (copies ask after every
  // batch). Default 250 ms.
  absl::Duration cache = absl::Milliseconds(250);
  // The seam for replica sessions; default MysqlConnection::Connect.
  std::function<absl::StatusOr<std::unique_ptr<mysql::Connection>>(
      const mysql::ConnectParams&)>
      connect;
};

// Why a replica whose SHOW ALL SLAVES STATUS (or SHOW SLAVE STATUS) is
// `status` holds a copy back ("" if it does not): no replication
// connection, one stopped or erring, its lag unknown, or above `max_lag`
// (beyond SQL_Delay for a delayed replica). `name` names the replica.
std::string ReplicaThrottleReason(const mysql::Result& status,
                                  absl::string_view name,
                                  absl::Duration max_lag);

class CopyThrottle {
 public:
  CopyThrottle(CopyThrottleOptions options, Clock* clock);

  // "" to go on, or why to wait. `primary` is the asking copy's session.
  absl::StatusOr<std::string> Check(mysql::Connection& primary);

 private:
  struct Replica {
    mysql::ConnectParams params;
    std::unique_ptr<mysql::Connection> conn;
    absl::Time checked = absl::InfinitePast();
    std::string reason;
    bool discovered = false;  // found in SHOW SLAVE HOSTS, not listed
    bool listed = true;       // in the primary's latest SHOW SLAVE HOSTS
    bool gone = false;        // its last ask: unreachable or not replicating
  };
  // Reads SHOW SLAVE HOSTS on `primary` once `rediscover` has passed:
  // adds the replicas not yet watched, marks those no longer listed. ""
  // or why the copy waits (the list cannot be read).
  absl::StatusOr<std::string> Discover(mysql::Connection& primary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The cached reason, or AskReplica's once the cache is old.
  std::string CheckReplica(Replica& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AskReplica(Replica& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CopyThrottleOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::vector<Replica> replicas_ ABSL_GUARDED_BY(mu_);
  absl::Time discovered_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

// The server-load part alone (what a copy asks by default).
absl::StatusOr<std::string> ThreadsRunningThrottle(mysql::Connection& conn,
                                                   int64_t max_threads_running);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_COPY_THROTTLE_H_
