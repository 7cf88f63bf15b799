#include "vreplication/copy_throttle.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_connection.h"
#include "mysql/mysql_error.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

// Row `i`'s value of column `name`, or nullopt (no such column, or NULL).
absl::optional<std::string> Column(const mysql::Result& r, size_t i,
                                   absl::string_view name) {
  const int c = r.ColumnIndex(name);
  if (c < 0 || i >= r.rows.size() || r.rows[i].IsNull(c)) return absl::nullopt;
  return std::string(r.rows[i].Get(c));
}

std::string RowReason(const mysql::Result& status, size_t i,
                      absl::string_view name, absl::Duration max_lag) {
  absl::optional<std::string> connection = Column(status, i, "Connection_name");
  const std::string who =
      connection.has_value() && !connection->empty()
          ? absl::StrCat("replica ", name, " (connection '", *connection, "')")
          : absl::StrCat("replica ", name);
  for (const char* thread : {"Slave_SQL_Running", "Slave_IO_Running"}) {
    absl::optional<std::string> running = Column(status, i, thread);
    if (running.has_value() && *running != "Yes") {
      const char* error_column =
          absl::string_view(thread) == "Slave_SQL_Running" ? "Last_SQL_Error"
                                                           : "Last_IO_Error";
      absl::optional<std::string> error = Column(status, i, error_column);
      return absl::StrCat(who, ": ", thread, " is ", *running,
                          error.has_value() && !error->empty()
                              ? absl::StrCat(" (", *error, ")")
                              : "");
    }
  }
  absl::optional<std::string> behind =
      Column(status, i, "Seconds_Behind_Master");
  int64_t seconds = 0;
  if (!behind.has_value() || !absl::SimpleAtoi(*behind, &seconds)) {
    return absl::StrCat(who, ": its lag is unknown");
  }
  // A delayed replica (MASTER_DELAY) is behind on purpose: its lag counts
  // beyond the delay.
  absl::optional<std::string> delay = Column(status, i, "SQL_Delay");
  int64_t delayed = 0;
  if (delay.has_value() && absl::SimpleAtoi(*delay, &delayed) && delayed > 0) {
    seconds = std::max<int64_t>(0, seconds - delayed);
  }
  if (absl::Seconds(seconds) > max_lag) {
    return absl::StrCat(who, " lags ", seconds, "s > ",
                        absl::FormatDuration(max_lag),
                        delayed > 0 ? " beyond its delay" : "");
  }
  return "";
}

}  // namespace

std::string ReplicaThrottleReason(const mysql::Result& status,
                                  absl::string_view name,
                                  absl::Duration max_lag) {
  if (status.rows.empty()) {
    return absl::StrCat("replica ", name,
                        " does not replicate (no replication connection)");
  }
  for (size_t i = 0; i < status.rows.size(); ++i) {
    std::string reason = RowReason(status, i, name, max_lag);
    if (!reason.empty()) return reason;
  }
  return "";
}

absl::StatusOr<std::string> ThreadsRunningThrottle(
    mysql::Connection& conn, int64_t max_threads_running) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute("SHOW GLOBAL STATUS LIKE 'Threads_running'"));
  if (r.rows.empty()) return std::string();
  SC_ASSIGN_OR_RETURN(int64_t n, r.rows[0].GetInt64(1));
  if (n <= max_threads_running) return std::string();
  return absl::StrCat("Threads_running ", n, " > ", max_threads_running);
}

CopyThrottle::CopyThrottle(CopyThrottleOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {
  for (const mysql::ConnectParams& p : options_.replicas) {
    Replica r;
    r.params = p;
    replicas_.push_back(std::move(r));
  }
}

absl::StatusOr<std::string> CopyThrottle::Discover(mysql::Connection& primary) {
  if (!options_.discover_replicas ||
      clock_->Now() - discovered_at_ < options_.rediscover) {
    return std::string();
  }
  absl::StatusOr<mysql::Result> hosts = primary.Execute("SHOW SLAVE HOSTS");
  if (mysql::MysqlErrno(hosts.status()) == mysql::kErSpecificAccessDenied) {
    return absl::StrCat(
        "the primary's replicas cannot be listed (SHOW SLAVE HOSTS: ",
        hosts.status().message(),
        "): grant the privilege, or list the replicas and turn discovery "
        "off");
  }
  if (!hosts.ok()) return hosts.status();
  for (Replica& r : replicas_) r.listed = !r.discovered;
  for (size_t i = 0; i < hosts->rows.size(); ++i) {
    absl::optional<std::string> host = Column(*hosts, i, "Host");
    absl::optional<std::string> port = Column(*hosts, i, "Port");
    int p = 0;
    // A replica that reports no address cannot be asked: left out.
    if (!host.has_value() || host->empty() || !port.has_value() ||
        !absl::SimpleAtoi(*port, &p) || p < 1 || p > 65535) {
      continue;
    }
    auto known =
        std::find_if(replicas_.begin(), replicas_.end(), [&](const Replica& r) {
          return r.params.host == *host && r.params.port == p;
        });
    if (known != replicas_.end()) {
      known->listed = true;
      continue;
    }
    Replica r;
    r.params = options_.discovered;
    r.params.host = *host;
    r.params.port = p;
    r.params.socket.clear();
    r.params.database.clear();
    r.discovered = true;
    std::cerr << "copy throttle: watching replica " << r.params.Describe()
              << " (found in SHOW SLAVE HOSTS)" << std::endl;
    replicas_.push_back(std::move(r));
  }
  // Stamped after reading, as replica answers.
  discovered_at_ = clock_->Now();
  return std::string();
}

std::string CopyThrottle::CheckReplica(Replica& r) {
  if (clock_->Now() - r.checked < options_.cache) return r.reason;
  r.reason = AskReplica(r);
  // Stamped after asking: copies that waited for this answer reuse it.
  r.checked = clock_->Now();
  return r.reason;
}

std::string CopyThrottle::AskReplica(Replica& r) {
  const std::string name =
      r.discovered
          ? absl::StrCat(r.params.Describe(), " (found in SHOW SLAVE HOSTS)")
          : r.params.Describe();
  r.gone = true;
  if (r.conn == nullptr) {
    // Short: a copy (and whatever waits to stop it) waits this long.
    mysql::ConnectParams p = r.params;
    p.connect_timeout = std::min(p.connect_timeout, absl::Seconds(1));
    p.read_timeout = absl::Seconds(2);
    p.write_timeout = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<mysql::Connection>> c =
        options_.connect ? options_.connect(p)
                         : absl::StatusOr<std::unique_ptr<mysql::Connection>>(
                               mysql::MysqlConnection::Connect(p));
    if (!c.ok()) {
      return absl::StrCat("replica ", name,
                          " cannot be asked its lag: ", c.status().message());
    }
    r.conn = *std::move(c);
  }
  // Every replication connection (MariaDB multi-source); servers without
  // the statement have one.
  absl::StatusOr<mysql::Result> status =
      r.conn->Execute("SHOW ALL SLAVES STATUS");
  if (mysql::MysqlErrno(status.status()) == mysql::kErParseError) {
    status = r.conn->Execute("SHOW SLAVE STATUS");
  }
  if (!status.ok()) {
    r.conn.reset();  // reconnects next time
    return absl::StrCat("replica ", name, " cannot be asked its lag: ",
                        status.status().message());
  }
  r.gone = status->rows.empty();
  return ReplicaThrottleReason(*status, name, options_.max_lag);
}

absl::StatusOr<std::string> CopyThrottle::Check(mysql::Connection& primary) {
  SC_ASSIGN_OR_RETURN(
      std::string load,
      ThreadsRunningThrottle(primary, options_.max_threads_running));
  if (!load.empty()) return load;
  absl::MutexLock lock(&mu_);
  SC_ASSIGN_OR_RETURN(std::string unlisted, Discover(primary));
  if (!unlisted.empty()) return unlisted;
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    std::string reason = CheckReplica(*it);
    if (it->discovered && !it->listed && it->gone) {
      // Left the primary and cannot be asked, or no longer replicates:
      // gone (decommissioned, moved), not behind.
      std::cerr << "copy throttle: no longer watching replica "
                << it->params.Describe() << " (gone from SHOW SLAVE HOSTS; "
                << reason << ")" << std::endl;
      it = replicas_.erase(it);
      continue;
    }
    if (!reason.empty()) return reason;
    ++it;
  }
  return std::string();
}

}  // namespace vreplication
}  // namespace sidecut
