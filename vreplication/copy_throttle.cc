#include "vreplication/copy_throttle.h"

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <set>
#include <thread>
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

// `a` compared with `b`, binlog coordinates of one server (files named
// <base>.<number>): <0, 0 or >0; nullopt if they cannot be compared.
absl::optional<int> CompareCoordinates(absl::string_view a_file, uint64_t a_pos,
                                       absl::string_view b_file,
                                       uint64_t b_pos) {
  const size_t ad = a_file.rfind('.');
  const size_t bd = b_file.rfind('.');
  uint64_t an = 0, bn = 0;
  if (ad == absl::string_view::npos || bd == absl::string_view::npos ||
      a_file.substr(0, ad) != b_file.substr(0, bd) ||
      !absl::SimpleAtoi(a_file.substr(ad + 1), &an) ||
      !absl::SimpleAtoi(b_file.substr(bd + 1), &bn)) {
    return absl::nullopt;
  }
  if (an != bn) return an < bn ? -1 : 1;
  if (a_pos != b_pos) return a_pos < b_pos ? -1 : 1;
  return 0;
}

// How long ago the primary's binlog held an event row `i`'s connection
// has not received, if it is from `primary` and that is known.
absl::optional<absl::Duration> ReceivingLag(const mysql::Result& status,
                                            size_t i,
                                            const PrimaryBinlog& primary) {
  absl::optional<std::string> from = Column(status, i, "Master_Server_Id");
  absl::optional<std::string> file = Column(status, i, "Master_Log_File");
  absl::optional<std::string> read = Column(status, i, "Read_Master_Log_Pos");
  int64_t id = 0;
  uint64_t pos = 0;
  if (primary.server_id == 0 || !from.has_value() ||
      !absl::SimpleAtoi(*from, &id) || id != primary.server_id ||
      !file.has_value() || !read.has_value() ||
      !absl::SimpleAtoi(*read, &pos)) {
    return absl::nullopt;
  }
  // The oldest mark beyond what it read: the binlog held an event it has
  // not received since then at least.
  for (const BinlogMark& m : primary.marks) {
    absl::optional<int> c = CompareCoordinates(m.file, m.pos, *file, pos);
    if (!c.has_value()) return absl::nullopt;
    if (*c > 0) return primary.now - m.at;
  }
  return absl::ZeroDuration();
}

std::string RowReason(const mysql::Result& status, size_t i,
                      absl::string_view name, absl::Duration max_lag,
                      const PrimaryBinlog* primary) {
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
  if (primary != nullptr) {
    absl::optional<absl::Duration> receiving =
        ReceivingLag(status, i, *primary);
    if (receiving.has_value() && *receiving > max_lag) {
      return absl::StrCat(
          who, " receives the binlog ", absl::ToInt64Seconds(*receiving),
          "s or more behind > ", absl::FormatDuration(max_lag), " (read up to ",
          Column(status, i, "Master_Log_File").value_or(""), ":",
          Column(status, i, "Read_Master_Log_Pos").value_or(""),
          "; Seconds_Behind_Master counts applying only)");
    }
  }
  return "";
}

}  // namespace

std::string ReplicaThrottleReason(const mysql::Result& status,
                                  absl::string_view name,
                                  absl::Duration max_lag,
                                  const PrimaryBinlog* primary) {
  if (status.rows.empty()) {
    return absl::StrCat("replica ", name,
                        " does not replicate (no replication connection)");
  }
  for (size_t i = 0; i < status.rows.size(); ++i) {
    std::string reason = RowReason(status, i, name, max_lag, primary);
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

absl::Status CopyThrottle::Discover(mysql::Connection& primary) {
  const absl::Time now = clock_->Now();
  if (!options_.discover_replicas ||
      now - discovered_at_ < options_.rediscover) {
    return absl::OkStatus();
  }
  absl::StatusOr<mysql::Result> hosts = primary.Execute("SHOW SLAVE HOSTS");
  if (mysql::MysqlErrno(hosts.status()) == mysql::kErSpecificAccessDenied) {
    // Not a reason to hold every copy: said once, asked again later.
    if (list_refused_.empty()) {
      list_refused_ = std::string(hosts.status().message());
      std::cerr << "copy throttle: the server's replicas cannot be found "
                   "(SHOW SLAVE HOSTS: "
                << list_refused_
                << "); only the listed replicas are watched: grant REPLICATION "
                   "MASTER ADMIN, or list them"
                << std::endl;
    }
    discovered_at_ = now;
    return absl::OkStatus();
  }
  SC_RETURN_IF_ERROR(hosts.status());
  list_refused_.clear();
  std::vector<bool> listed(replicas_.size(), false);
  for (size_t i = 0; i < hosts->rows.size(); ++i) {
    absl::optional<std::string> host = Column(*hosts, i, "Host");
    absl::optional<std::string> port = Column(*hosts, i, "Port");
    absl::optional<std::string> server = Column(*hosts, i, "Server_id");
    absl::optional<std::string> master = Column(*hosts, i, "Master_id");
    int p = 0;
    int64_t server_id = 0, master_id = 0;
    if (!host.has_value() || host->empty() || !port.has_value() ||
        !absl::SimpleAtoi(*port, &p) || p < 1 || p > 65535 ||
        !server.has_value() || !absl::SimpleAtoi(*server, &server_id)) {
      const std::string entry =
          absl::StrCat("server_id ", server.value_or("NULL"), " at '",
                       host.value_or(""), "' port ", port.value_or("NULL"));
      if (unaddressed_.insert(entry).second) {
        std::cerr << "copy throttle: not watching a replica listed in SHOW "
                     "SLAVE HOSTS without an address to ask it at ("
                  << entry << "); list it to watch it" << std::endl;
      }
      continue;
    }
    if (master.has_value()) absl::SimpleAtoi(*master, &master_id);
    // A replica listed in the options at the same address is asked as
    // such; a discovered one is known by its server_id.
    auto known =
        std::find_if(replicas_.begin(), replicas_.end(), [&](const Replica& r) {
          return r.discovered ? r.server_id == server_id
                              : r.params.host == *host && r.params.port == p;
        });
    if (known != replicas_.end()) {
      listed[known - replicas_.begin()] = true;
      if (known->discovered &&
          (known->params.host != *host || known->params.port != p)) {
        known->params.host = *host;  // moved: asked anew at its address
        known->params.port = p;
        known->conn.reset();
        known->confirmed = false;
        known->next_connect = absl::InfinitePast();
      }
      continue;
    }
    Replica r;
    r.params = options_.discovered;
    r.params.host = *host;
    r.params.port = p;
    r.params.socket.clear();
    r.params.database.clear();
    // Whatever answers at an address a replica reports (anyone with
    // REPLICATION SLAVE can report any) never gets the password itself.
    r.params.restricted_auth = mysql::kNoCleartextAuth;
    r.discovered = true;
    r.server_id = server_id;
    r.master_id = master_id;
    replicas_.push_back(std::move(r));
    listed.push_back(true);
  }
  for (size_t i = 0; i < replicas_.size(); ++i) {
    Replica& r = replicas_[i];
    if (listed[i]) {
      r.unlisted_since = absl::InfiniteFuture();
    } else if (r.discovered && r.unlisted_since == absl::InfiniteFuture()) {
      r.unlisted_since = now;
    }
  }
  // Stamped after reading, as replica answers.
  discovered_at_ = clock_->Now();
  return absl::OkStatus();
}

bool CopyThrottle::Forget(const Replica& r) const {
  if (!r.discovered || r.unlisted_since == absl::InfiniteFuture()) {
    return false;
  }
  return !r.confirmed || r.not_ours ||
         clock_->Now() - r.unlisted_since >= options_.forget_unlisted_after;
}

std::string CopyThrottle::CheckReplica(Replica& r) {
  if (clock_->Now() - r.checked < options_.cache) return r.reason;
  r.reason = r.discovered && !r.confirmed ? ConfirmAndAsk(r) : AskReplica(r);
  // Stamped after asking: copies that waited for this answer reuse it.
  r.checked = clock_->Now();
  return r.reason;
}

namespace {

absl::StatusOr<std::unique_ptr<mysql::Connection>> ConnectToReplica(
    const CopyThrottleOptions& options, const mysql::ConnectParams& params) {
  // Short: a copy (and whatever waits to stop it) waits this long.
  mysql::ConnectParams p = params;
  p.connect_timeout = std::min(p.connect_timeout, absl::Seconds(1));
  p.read_timeout = absl::Seconds(2);
  p.write_timeout = absl::Seconds(2);
  return options.connect ? options.connect(p)
                         : absl::StatusOr<std::unique_ptr<mysql::Connection>>(
                               mysql::MysqlConnection::Connect(p));
}

}  // namespace

std::string CopyThrottle::ConfirmAndAsk(Replica& r) {
  const absl::Time now = clock_->Now();
  if (now < r.next_connect) return std::string();
  std::string why;
  absl::StatusOr<std::unique_ptr<mysql::Connection>> c =
      ConnectToReplica(options_, r.params);
  if (!c.ok()) {
    why = absl::StrCat("cannot connect: ", c.status().message());
  } else {
    absl::StatusOr<mysql::Result> id = (*c)->Execute("SELECT @@server_id");
    int64_t answered = 0;
    if (!id.ok()) {
      why = std::string(id.status().message());
    } else if (id->rows.empty() ||
               !absl::SimpleAtoi(id->rows[0].Get(0), &answered) ||
               answered != r.server_id) {
      why = absl::StrCat("it answers as server_id ",
                         id->rows.empty() ? "?" : id->rows[0].Get(0),
                         ", not the one listed");
    }
  }
  if (!why.empty()) {
    // Anything that registers (a CDC tool too) is listed, at whatever
    // address it reports: not watched until it answers as listed.
    r.next_connect = now + options_.rediscover;
    if (why != r.unconfirmed_why) {
      r.unconfirmed_why = why;
      std::cerr << "copy throttle: not watching " << r.params.Describe()
                << ", listed in SHOW SLAVE HOSTS as server_id " << r.server_id
                << ": " << why << " (list the replica's address to watch it)"
                << std::endl;
    }
    return std::string();
  }
  r.conn = *std::move(c);
  r.confirmed = true;
  std::cerr << "copy throttle: watching replica " << r.params.Describe()
            << " (server_id " << r.server_id << ", found in SHOW SLAVE HOSTS)"
            << std::endl;
  return AskReplica(r);
}

std::string CopyThrottle::AskReplica(Replica& r) {
  const std::string name =
      r.discovered
          ? absl::StrCat(r.params.Describe(), " (found in SHOW SLAVE HOSTS)")
          : r.params.Describe();
  if (r.conn == nullptr) {
    absl::StatusOr<std::unique_ptr<mysql::Connection>> c =
        ConnectToReplica(options_, r.params);
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
  if (r.discovered && r.master_id != 0 &&
      status->ColumnIndex("Master_Server_Id") >= 0) {
    // Only its connections from this primary: another source's lag is not
    // this copy's doing.
    std::vector<mysql::Row> ours;
    for (size_t i = 0; i < status->rows.size(); ++i) {
      absl::optional<std::string> from = Column(*status, i, "Master_Server_Id");
      int64_t id = 0;
      if (from.has_value() && absl::SimpleAtoi(*from, &id) &&
          id == r.master_id) {
        ours.push_back(status->rows[i]);
      }
    }
    status->rows = std::move(ours);
    r.not_ours = status->rows.empty();
    if (r.not_ours) return std::string();
  }
  return ReplicaThrottleReason(*status, name, options_.max_lag, &binlog_);
}

void CopyThrottle::MarkBinlog(mysql::Connection& primary) {
  const absl::Time now = clock_->Now();
  binlog_.now = now;
  if (!binlog_.marks.empty() &&
      now - binlog_.marks.back().at < absl::Milliseconds(100)) {
    return;
  }
  if (binlog_.server_id == 0) {
    absl::StatusOr<mysql::Result> id = primary.Execute("SELECT @@server_id");
    if (!id.ok() || id->rows.empty() ||
        !absl::SimpleAtoi(id->rows[0].Get(0), &binlog_.server_id)) {
      binlog_.server_id = 0;
      return;  // the receiving side is not judged
    }
  }
  absl::StatusOr<mysql::Result> end = primary.Execute("SHOW MASTER STATUS");
  uint64_t pos = 0;
  if (!end.ok() || end->rows.empty() ||
      !absl::SimpleAtoi(end->rows[0].Get(1), &pos)) {
    return;  // no binlog, or no privilege
  }
  binlog_.marks.push_back(
      BinlogMark{now, std::string(end->rows[0].Get(0)), pos});
  // A replica lacking the oldest mark kept is already held back.
  const absl::Time keep_from = now - 2 * options_.max_lag - absl::Seconds(1);
  size_t drop = 0;
  while (drop + 1 < binlog_.marks.size() &&
         binlog_.marks[drop + 1].at <= keep_from) {
    ++drop;
  }
  binlog_.marks.erase(binlog_.marks.begin(), binlog_.marks.begin() + drop);
}

absl::StatusOr<std::string> CopyThrottle::Check(mysql::Connection& primary) {
  SC_ASSIGN_OR_RETURN(
      std::string load,
      ThreadsRunningThrottle(primary, options_.max_threads_running));
  if (!load.empty()) return load;
  absl::MutexLock lock(&mu_);
  SC_RETURN_IF_ERROR(Discover(primary));
  if (!replicas_.empty()) MarkBinlog(primary);
  // The replicas due an answer are asked at once, each on a thread of its
  // own (under mu_, each touching only its own Replica): a check takes as
  // long as the slowest answer (a replica far away, or one that does not
  // answer within its timeout), not the sum of them all.
  const size_t n = replicas_.size();
  std::vector<bool> asked(n, false);
  std::vector<std::string> reasons(n);
  std::vector<size_t> due;
  for (size_t i = 0; i < n; ++i) {
    asked[i] = !Forget(replicas_[i]);
    if (!asked[i]) continue;
    if (clock_->Now() - replicas_[i].checked >= options_.cache) {
      due.push_back(i);
    } else {
      reasons[i] = replicas_[i].reason;  // its answer is recent enough
    }
  }
  std::vector<std::thread> askers;
  for (size_t k = 0; k + 1 < due.size(); ++k) {  // the last on this thread
    askers.emplace_back([this, i = due[k], &reasons]()
                            ABSL_NO_THREAD_SAFETY_ANALYSIS {
                              reasons[i] = CheckReplica(replicas_[i]);
                            });
  }
  if (!due.empty()) reasons[due.back()] = CheckReplica(replicas_[due.back()]);
  for (std::thread& t : askers) t.join();
  std::string first;  // the first reason, in the replicas' order
  std::vector<Replica> kept;
  for (size_t i = 0; i < n; ++i) {
    Replica& r = replicas_[i];
    if (asked[i]) {
      if (!Forget(r)) {
        if (first.empty()) first = reasons[i];
        kept.push_back(std::move(r));
        continue;
      }
    }
    // Gone from the primary: decommissioned, moved, stopped for long.
    if (r.confirmed) {
      std::cerr << "copy throttle: no longer watching replica "
                << r.params.Describe() << " (gone from SHOW SLAVE HOSTS"
                << (r.not_ours ? "; it no longer replicates from here" : "")
                << ")" << std::endl;
    }
  }
  replicas_ = std::move(kept);
  return first;
}

}  // namespace vreplication
}  // namespace sidecut
