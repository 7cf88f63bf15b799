#include "vreplication/copy_throttle.h"

#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_connection.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

// The value of column `name` of the first row, or nullopt (no such column,
// or NULL).
absl::optional<std::string> Column(const mysql::Result& r,
                                   absl::string_view name) {
  const int i = r.ColumnIndex(name);
  if (i < 0 || r.rows.empty() || r.rows[0].IsNull(i)) return absl::nullopt;
  return std::string(r.rows[0].Get(i));
}

}  // namespace

std::string ReplicaThrottleReason(const mysql::Result& status,
                                  absl::string_view name,
                                  absl::Duration max_lag) {
  if (status.rows.empty()) {
    return absl::StrCat("replica ", name,
                        " does not replicate (SHOW SLAVE STATUS is empty)");
  }
  for (const char* thread : {"Slave_SQL_Running", "Slave_IO_Running"}) {
    absl::optional<std::string> running = Column(status, thread);
    if (running.has_value() && *running != "Yes") {
      const char* error_column =
          absl::string_view(thread) == "Slave_SQL_Running" ? "Last_SQL_Error"
                                                           : "Last_IO_Error";
      absl::optional<std::string> error = Column(status, error_column);
      return absl::StrCat("replica ", name, ": ", thread, " is ", *running,
                          error.has_value() && !error->empty()
                              ? absl::StrCat(" (", *error, ")")
                              : "");
    }
  }
  absl::optional<std::string> behind = Column(status, "Seconds_Behind_Master");
  int64_t seconds = 0;
  if (!behind.has_value() || !absl::SimpleAtoi(*behind, &seconds)) {
    return absl::StrCat("replica ", name, ": its lag is unknown");
  }
  if (absl::Seconds(seconds) > max_lag) {
    return absl::StrCat("replica ", name, " lags ", seconds, "s > ",
                        absl::FormatDuration(max_lag));
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

std::string CopyThrottle::CheckReplica(Replica& r) {
  const absl::Time now = clock_->Now();
  if (now - r.checked < options_.cache) return r.reason;
  r.checked = now;
  const std::string name = r.params.Describe();
  if (r.conn == nullptr) {
    mysql::ConnectParams p = r.params;
    p.connect_timeout = std::min(p.connect_timeout, absl::Seconds(2));
    p.read_timeout = absl::Seconds(5);
    absl::StatusOr<std::unique_ptr<mysql::Connection>> c =
        options_.connect ? options_.connect(p)
                         : absl::StatusOr<std::unique_ptr<mysql::Connection>>(
                               mysql::MysqlConnection::Connect(p));
    if (!c.ok()) {
      r.reason = absl::StrCat(
          "replica ", name, " cannot be asked its lag: ", c.status().message());
      return r.reason;
    }
    r.conn = *std::move(c);
  }
  absl::StatusOr<mysql::Result> status = r.conn->Execute("SHOW SLAVE STATUS");
  if (!status.ok()) {
    r.conn.reset();  // reconnects next time
    r.reason =
        absl::StrCat("replica ", name,
                     " cannot be asked its lag: ", status.status().message());
    return r.reason;
  }
  r.reason = ReplicaThrottleReason(*status, name, options_.max_lag);
  return r.reason;
}

absl::StatusOr<std::string> CopyThrottle::Check(mysql::Connection& primary) {
  SC_ASSIGN_OR_RETURN(
      std::string load,
      ThreadsRunningThrottle(primary, options_.max_threads_running));
  if (!load.empty()) return load;
  absl::MutexLock lock(&mu_);
  for (Replica& r : replicas_) {
    std::string reason = CheckReplica(r);
    if (!reason.empty()) return reason;
  }
  return std::string();
}

}  // namespace vreplication
}  // namespace sidecut
