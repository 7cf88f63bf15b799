// Copy throttling on the health of the server and of its replicas: a copy
// pauses (its tail keeps running) while the primary runs more than
// `max_threads_running` threads, or while any watched replica lags more
// than `max_lag`, has stopped replicating, or cannot be asked. The replicas
// watched are those listed and, by choice, those the primary names in
// SHOW SLAVE HOSTS and that answer as the replica named (pt-osc finds
// replicas the same way). A copy
// writes every row it copies to the binlog: unthrottled, a large table
// floods the replicas (gh-ost's --max-lag-millis and Vitess's tablet
// throttler guard the same way).
//
// Thread-safe: several copies may ask at once.
#ifndef SIDECUT_VREPLICATION_COPY_THROTTLE_H_
#define SIDECUT_VREPLICATION_COPY_THROTTLE_H_

#include <functional>
#include <memory>
#include <set>
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
  // password; the list is read again every `rediscover`. Anything that
  // registers as a replica is listed (CDC tools too) at whatever address
  // it reports, so an entry is watched only once a session to it answers
  // with the listed server_id (until then it is retried every
  // `rediscover` and holds nothing; logged), and only its replication
  // connections from this primary count. A replica whose IO thread stops
  // leaves the list (once the server next sends it an event); it stays
  // watched `forget_unlisted_after`, or until it answers that it no longer
  // replicates from this primary. A server that will not list its
  // replicas (privilege) is logged, and copies go on.
  bool discover_replicas = false;
  mysql::ConnectParams discovered;
  absl::Duration rediscover = absl::Seconds(10);
  absl::Duration forget_unlisted_after = absl::Seconds(60);
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

// Where the primary's binlog ended (SHOW MASTER STATUS) at `at`.
struct BinlogMark {
  absl::Time at;
  std::string file;
  uint64_t pos = 0;
};

// The primary as a replica's receiving (IO) thread is judged against:
// its server_id and where its binlog ended when (oldest first).
// Seconds_Behind_Master counts applying only: a replica that has applied
// all it received reads 0 however far behind it receives (a saturated
// link, a partition not yet noticed).
struct PrimaryBinlog {
  int64_t server_id = 0;
  std::vector<BinlogMark> marks;
  absl::Time now;
};

// Why a replica whose SHOW ALL SLAVES STATUS (or SHOW SLAVE STATUS) is
// `status` holds a copy back ("" if it does not): no replication
// connection, one stopped or erring, its lag unknown, or above `max_lag`
// (beyond SQL_Delay for a delayed replica), or, given `primary`, a
// connection from it that has not received what its binlog held more than
// `max_lag` ago. `name` names the replica.
std::string ReplicaThrottleReason(const mysql::Result& status,
                                  absl::string_view name,
                                  absl::Duration max_lag,
                                  const PrimaryBinlog* primary = nullptr);

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
    // Found in SHOW SLAVE HOSTS (not listed in the options):
    bool discovered = false;
    int64_t server_id = 0;  // as listed
    int64_t master_id = 0;  // the primary's, as listed
    // A session to it answered with `server_id`: watched from then on.
    bool confirmed = false;
    absl::Time next_connect = absl::InfinitePast();  // while unconfirmed
    std::string unconfirmed_why;                     // logged once each
    // When it was first missing from the list; InfiniteFuture if listed.
    absl::Time unlisted_since = absl::InfiniteFuture();
    // Its last answer: no replication connection from this primary.
    bool not_ours = false;
  };
  // Reads SHOW SLAVE HOSTS on `primary` once `rediscover` has passed:
  // adds the replicas not yet watched, marks those no longer listed.
  absl::Status Discover(mysql::Connection& primary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether discovered replica `r` is to be forgotten now.
  bool Forget(const Replica& r) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // AskReplica for a discovered replica not yet confirmed: confirms it
  // (then asks it) or returns "" (not watched yet).
  std::string ConfirmAndAsk(Replica& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The cached reason, or AskReplica's once the cache is old.
  std::string CheckReplica(Replica& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AskReplica(Replica& r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Marks where `primary`'s binlog ends now (at most every 100 ms), and
  // forgets marks older than needed; nothing if it cannot tell.
  void MarkBinlog(mysql::Connection& primary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CopyThrottleOptions options_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::vector<Replica> replicas_ ABSL_GUARDED_BY(mu_);
  absl::Time discovered_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string list_refused_ ABSL_GUARDED_BY(mu_);  // logged once
  // Entries of SHOW SLAVE HOSTS without a usable address, logged once.
  std::set<std::string> unaddressed_ ABSL_GUARDED_BY(mu_);
  // The primary's server_id (0: unknown yet) and binlog marks.
  PrimaryBinlog binlog_ ABSL_GUARDED_BY(mu_);
};

// The server-load part alone (what a copy asks by default).
absl::StatusOr<std::string> ThreadsRunningThrottle(mysql::Connection& conn,
                                                   int64_t max_threads_running);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_COPY_THROTTLE_H_
