#include "tablet/daemon_options.h"

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "util/clock.h"
#include "vreplication/copy_throttle.h"

namespace sidecut {
namespace tablet {
namespace {

absl::StatusOr<std::string> ReadPasswordFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--mysql_password_file: cannot read ", path));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::Status Range(absl::string_view flag, int64_t value, int64_t lo,
                   int64_t hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "--", flag, " must be within ", lo, "..", hi, " (got ", value, ")"));
}

// "host:port,host:port" (spaces allowed around entries).
absl::StatusOr<std::vector<mysql::ConnectParams>> ParseReplicas(
    absl::string_view list, const mysql::ConnectParams& primary) {
  std::vector<mysql::ConnectParams> out;
  for (absl::string_view entry :
       absl::StrSplit(list, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    const size_t colon = entry.rfind(':');
    int port = 0;
    absl::string_view host =
        colon == absl::string_view::npos ? entry : entry.substr(0, colon);
    // An IPv6 address in brackets: [::1]:3306 (both, or the host is left
    // as written and refused: "[db1" was taken for db1).
    const bool bracketed = absl::StartsWith(host, "[") &&
                           absl::EndsWith(host, "]") && host.size() >= 2;
    if (bracketed) host = host.substr(1, host.size() - 2);
    if (colon == absl::string_view::npos || host.empty() ||
        (!bracketed && absl::StrContains(host, ':')) ||
        absl::StrContains(host, '[') || absl::StrContains(host, ']') ||
        !absl::SimpleAtoi(entry.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--throttle_replicas: '", entry,
          "' is not host:port or [ipv6]:port (a comma-separated list of "
          "them)"));
    }
    mysql::ConnectParams p;
    p.host = std::string(host);
    p.port = port;
    p.user = primary.user;
    p.password = primary.password;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

absl::StatusOr<onlineddl::ExecutorOptions> MakeExecutorOptions(
    const DaemonFlags& f, const char* env_password) {
  if (f.db.empty()) return absl::InvalidArgumentError("--db is required");
  if (!f.mysql_password.empty() && !f.mysql_password_file.empty()) {
    return absl::InvalidArgumentError(
        "give --mysql_password or --mysql_password_file, not both");
  }
  absl::Status s = f.mysql_socket.empty()
                       ? Range("mysql_port", f.mysql_port, 1, 65535)
                       : absl::OkStatus();  // the socket names the server
  if (s.ok()) s = Range("tick_ms", f.tick_ms, 1, 3600 * 1000);
  if (s.ok()) s = Range("concurrent_copies", f.concurrent_copies, 1, 64);
  if (s.ok()) s = Range("copy_niceness", f.copy_niceness, -20, 19);
  if (s.ok()) s = Range("copy_chunk_ms", f.copy_chunk_ms, 1, 3600 * 1000);
  if (s.ok()) s = Range("copy_catchup_ms", f.copy_catchup_ms, 0, 3600 * 1000);
  if (s.ok()) {
    s = Range("live_reverse_streams", f.live_reverse_streams, -1, 10000);
  }
  if (s.ok()) {
    s = Range("retain_artifacts_seconds", f.retain_artifacts_seconds, 0,
              int64_t{10} * 365 * 86400);
  }
  if (s.ok()) {
    s = Range("throttle_max_lag_ms", f.throttle_max_lag_ms, 1000,
              int64_t{24} * 3600 * 1000);
  }
  if (s.ok()) {
    // Threads_running counts the asking statement, every binlog dump
    // (replicas, Sidecut's own streams) and the copy itself: below 8 a
    // copy would never run.
    s = Range("throttle_threads_running", f.throttle_threads_running, 8,
              100000);
  }
  if (!s.ok()) return s;

  onlineddl::ExecutorOptions o;
  o.connect.host = f.mysql_host;
  o.connect.port = f.mysql_port;
  o.connect.socket = f.mysql_socket;
  o.connect.user = f.mysql_user;
  if (!f.mysql_password.empty()) {
    o.connect.password = f.mysql_password;
  } else if (!f.mysql_password_file.empty()) {
    absl::StatusOr<std::string> password =
        ReadPasswordFile(f.mysql_password_file);
    if (!password.ok()) return password.status();
    o.connect.password = *password;
  } else if (env_password != nullptr) {
    o.connect.password = env_password;
  }
  o.db = f.db;
  o.keyspace = f.keyspace;
  o.shard = f.shard;
  o.tablet = f.tablet;
  o.tick = absl::Milliseconds(f.tick_ms);
  o.concurrent_copies = f.concurrent_copies;
  o.workflow.copy_niceness = f.copy_niceness;
  o.workflow.statement_copy = f.statement_copy;
  o.workflow.copy_batch_target = absl::Milliseconds(f.copy_chunk_ms);
  o.workflow.copy_catchup_interval = absl::Milliseconds(f.copy_catchup_ms);
  o.defer_secondary_indexes = f.defer_secondary_indexes;
  o.verify_copy = f.verify_copy;
  o.verify_old_tables_ahead = f.verify_old_tables_ahead;
  o.verify_beside_index_build = f.verify_beside_index_build;
  o.verify_before_index_build = f.verify_before_index_build;
  o.hold_stream_during_index_build = f.hold_stream_during_index_build;
  o.retain_artifacts = absl::Seconds(f.retain_artifacts_seconds);
  o.live_reverse_streams = f.live_reverse_streams;
  vreplication::CopyThrottleOptions throttle;
  absl::StatusOr<std::vector<mysql::ConnectParams>> replicas =
      ParseReplicas(f.throttle_replicas, o.connect);
  if (!replicas.ok()) return replicas.status();
  throttle.replicas = *std::move(replicas);
  throttle.discover_replicas = f.throttle_discover_replicas;
  throttle.discovered = o.connect;
  throttle.max_lag = absl::Milliseconds(f.throttle_max_lag_ms);
  throttle.max_threads_running = f.throttle_threads_running;
  auto throttler = std::make_shared<vreplication::CopyThrottle>(
      std::move(throttle), Clock::Real());
  o.workflow.throttle = [throttler](mysql::Connection& conn) {
    return throttler->Check(conn);
  };
  return o;
}

}  // namespace tablet
}  // namespace sidecut
