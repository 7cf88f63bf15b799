// sidecutd's command line turned into the executor's options, checked.
#ifndef SIDECUT_TABLET_DAEMON_OPTIONS_H_
#define SIDECUT_TABLET_DAEMON_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "onlineddl/executor.h"

namespace sidecut {
namespace tablet {

// sidecutd's flags as parsed (see sidecutd_main.cc for their meaning).
struct DaemonFlags {
  std::string mysql_host = "127.0.0.1";
  int mysql_port = 3306;
  std::string mysql_socket;
  std::string mysql_user = "root";
  std::string mysql_password;
  std::string mysql_password_file;
  std::string db;
  std::string keyspace;
  std::string shard = "0";
  std::string tablet = "zone1-0000000100";
  int64_t tick_ms = 500;
  int concurrent_copies = 1;
  int copy_niceness = 0;
  bool statement_copy = false;
  int64_t copy_chunk_ms = 250;
  int64_t copy_catchup_ms = 1000;
  bool defer_secondary_indexes = true;
  bool verify_copy = true;
  bool verify_old_tables_ahead = true;
  bool verify_beside_index_build = true;
  bool verify_before_index_build = false;
  bool hold_stream_during_index_build = true;
  int64_t retain_artifacts_seconds = 1800;
  int live_reverse_streams = 4;  // -1: no limit
  // "host:port,host:port": replicas whose lag holds copies back (asked
  // with the primary's user and password).
  std::string throttle_replicas;
  // Also watch the replicas the server lists in SHOW SLAVE HOSTS. Off by
  // default: a listed address is whatever a session with REPLICATION
  // SLAVE reported, and it is asked with the daemon's credentials (never
  // sent in clear, but a challenge answered there can be guessed at).
  bool throttle_discover_replicas = false;
  int64_t throttle_max_lag_ms = 5000;
  int64_t throttle_threads_running = 64;
};

// The environment variable read for the MySQL password when neither
// --mysql_password nor --mysql_password_file is given (a password on the
// command line shows in `ps`).
inline constexpr char kPasswordEnv[] = "SIDECUT_MYSQL_PASSWORD";

// Checks `flags` and builds the executor's options. The password comes from
// --mysql_password, else the first line of --mysql_password_file, else
// `env_password` (the value of kPasswordEnv, or null). InvalidArgument names
// the flag at fault; nothing is started.
absl::StatusOr<onlineddl::ExecutorOptions> MakeExecutorOptions(
    const DaemonFlags& flags, const char* env_password);

}  // namespace tablet
}  // namespace sidecut

#endif  // SIDECUT_TABLET_DAEMON_OPTIONS_H_
