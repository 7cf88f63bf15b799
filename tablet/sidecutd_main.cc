// sidecutd: the sidecar daemon beside one mysqld. Serves online DDL
// (sidecut.OnlineDDL) over gRPC on 127.0.0.1 by default and runs every
// migration of its database; after a restart it resumes them from the
// _vt tables.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "onlineddl/executor.h"
#include "tablet/daemon_options.h"
#include "tablet/online_ddl_service.h"
#include "util/clock.h"

ABSL_FLAG(std::string, mysql_host, "127.0.0.1", "mysqld host");
ABSL_FLAG(int, mysql_port, 3306, "mysqld port");
ABSL_FLAG(std::string, mysql_socket, "", "mysqld unix socket (instead of TCP)");
ABSL_FLAG(std::string, mysql_user, "root", "mysqld user");
ABSL_FLAG(std::string, mysql_password, "",
          "mysqld password (shows in ps; prefer --mysql_password_file or "
          "the SIDECUT_MYSQL_PASSWORD environment variable)");
ABSL_FLAG(std::string, mysql_password_file, "",
          "read the mysqld password from the first line of this file");
ABSL_FLAG(std::string, db, "", "the tablet's database (required)");
ABSL_FLAG(std::string, keyspace, "", "keyspace name (default: --db)");
ABSL_FLAG(std::string, shard, "0", "shard name");
ABSL_FLAG(std::string, tablet, "zone1-0000000100", "tablet alias");
ABSL_FLAG(std::string, bind, "127.0.0.1",
          "address to listen on; 127.0.0.1 keeps the daemon local");
ABSL_FLAG(int, port, 15999, "gRPC port (0 = any free port)");
ABSL_FLAG(std::string, port_file, "", "write the chosen port to this file");
ABSL_FLAG(int64_t, tick_ms, 500,
          "how often the scheduler checks running migrations (progress, "
          "readiness, cut-over)");
ABSL_FLAG(int, concurrent_copies, 1,
          "how many ALTERs may copy rows at once (tails always run side by "
          "side); 1 = copies take turns");
ABSL_FLAG(int, copy_niceness, 0,
          "-20..19: copy rows and build deferred indexes on mysqld threads "
          "with this CPU niceness (mysqld on this machine, one thread per "
          "connection, sidecutd with CAP_SYS_NICE to put it back before "
          "mysqld reuses the thread); above 0 foreground queries take the "
          "CPU first, below 0 the migration does (faster under load, fewer "
          "foreground tps); 0 = normal priority");
ABSL_FLAG(bool, statement_copy, false,
          "write copy chunks to the binlog as their INSERT ... SELECT "
          "statements instead of as rows (about a third less copy work; "
          "replicas replay the statements; tables whose copy a statement "
          "cannot reproduce exactly are still copied as rows)");
ABSL_FLAG(int64_t, copy_chunk_ms, 250,
          "size copy chunks so that each INSERT ... SELECT takes about this "
          "long (locked chunks hold their rows' locks that long)");
ABSL_FLAG(int64_t, copy_catchup_ms, 1000,
          "between copy chunks, bring the rows copied so far up to date "
          "with the binlog this often (fewer, larger catch-ups net more "
          "changes together; the last one after the copy is longer)");
ABSL_FLAG(bool, defer_secondary_indexes, true,
          "build a shadow table's plain secondary indexes after its copy, "
          "in one pass (faster; one burst of index-build I/O near the end)");
ABSL_FLAG(bool, verify_copy, true,
          "before an online ALTER may cut over, compare its shadow with the "
          "table row by row in one snapshot (writes wait about as long as "
          "at a cut-over while it is taken); a copy that does not match "
          "fails the migration before the swap. A revert's old table is "
          "compared so before it is swapped back in");
ABSL_FLAG(bool, verify_old_tables_ahead, true,
          "with --verify_copy: compare the old table a completed ALTER's "
          "reverse stream keeps in the background (one at a time, while no "
          "migration runs; its snapshots hold the table's writes briefly, as "
          "a cut-over does), so that a revert finds it verified and swaps at "
          "once; otherwise a revert compares it when asked");
ABSL_FLAG(bool, verify_beside_index_build, true,
          "with --verify_copy: compare a copy while its secondary indexes "
          "are built (its snapshot giving way whenever the build's ALTER "
          "waits for the shadow's metadata lock), not after the build");
ABSL_FLAG(bool, verify_before_index_build, false,
          "with --verify_copy: compare a copy before its secondary indexes "
          "are built (the build waits for it), the stream applying "
          "meanwhile; the stream is then held for the build alone and has "
          "less to catch up after it. Takes precedence over "
          "--verify_beside_index_build");
ABSL_FLAG(bool, hold_stream_during_index_build, true,
          "apply nothing to a shadow while its deferred secondary indexes "
          "are built, and catch up after (MariaDB's online index build "
          "makes every commit on the server wait while it applies the "
          "changes made to its table during the build); a verification "
          "beside the build takes its snapshot before the build starts");
ABSL_FLAG(int64_t, retain_artifacts_seconds, 1800,
          "default revert window: artifacts and reverse streams are kept "
          "this long after a migration ends");

ABSL_FLAG(int, live_reverse_streams, 4,
          "how many completed ALTERs keep their reverse stream running (each "
          "reads every binlog event); older ones are parked and a revert "
          "restarts its stream and catches up first; -1 = no limit");

ABSL_FLAG(std::string, throttle_replicas, "",
          "replicas whose replication lag holds copies back, as "
          "host:port,host:port (asked with --mysql_user's credentials; a "
          "listed replica that lags, has stopped replicating or cannot be "
          "reached pauses every copy until it recovers)");
ABSL_FLAG(bool, throttle_discover_replicas, false,
          "also watch every replica the server lists in SHOW SLAVE HOSTS "
          "as if listed in --throttle_replicas, once a session to the host "
          "and port it reports (with --mysql_user's credentials, never sent "
          "in clear) answers with its listed server_id; one off the list is "
          "forgotten after 60 s. Off by default: anyone with REPLICATION "
          "SLAVE can list any address, and the challenge answered there can "
          "be guessed at offline; list replicas with --throttle_replicas");
ABSL_FLAG(int64_t, throttle_max_lag_ms, 5000,
          "most replication lag (Seconds_Behind_Master) a copy goes on with");
ABSL_FLAG(int64_t, throttle_threads_running, 64,
          "copies pause while the server runs more threads than this");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sidecut::tablet::DaemonFlags f;
  f.mysql_host = absl::GetFlag(FLAGS_mysql_host);
  f.mysql_port = absl::GetFlag(FLAGS_mysql_port);
  f.mysql_socket = absl::GetFlag(FLAGS_mysql_socket);
  f.mysql_user = absl::GetFlag(FLAGS_mysql_user);
  f.mysql_password = absl::GetFlag(FLAGS_mysql_password);
  f.mysql_password_file = absl::GetFlag(FLAGS_mysql_password_file);
  f.db = absl::GetFlag(FLAGS_db);
  f.keyspace = absl::GetFlag(FLAGS_keyspace);
  f.shard = absl::GetFlag(FLAGS_shard);
  f.tablet = absl::GetFlag(FLAGS_tablet);
  f.tick_ms = absl::GetFlag(FLAGS_tick_ms);
  f.concurrent_copies = absl::GetFlag(FLAGS_concurrent_copies);
  f.copy_niceness = absl::GetFlag(FLAGS_copy_niceness);
  f.statement_copy = absl::GetFlag(FLAGS_statement_copy);
  f.copy_chunk_ms = absl::GetFlag(FLAGS_copy_chunk_ms);
  f.copy_catchup_ms = absl::GetFlag(FLAGS_copy_catchup_ms);
  f.defer_secondary_indexes = absl::GetFlag(FLAGS_defer_secondary_indexes);
  f.retain_artifacts_seconds = absl::GetFlag(FLAGS_retain_artifacts_seconds);
  f.live_reverse_streams = absl::GetFlag(FLAGS_live_reverse_streams);
  f.verify_copy = absl::GetFlag(FLAGS_verify_copy);
  f.verify_old_tables_ahead = absl::GetFlag(FLAGS_verify_old_tables_ahead);
  f.verify_beside_index_build = absl::GetFlag(FLAGS_verify_beside_index_build);
  f.verify_before_index_build = absl::GetFlag(FLAGS_verify_before_index_build);
  f.hold_stream_during_index_build =
      absl::GetFlag(FLAGS_hold_stream_during_index_build);
  f.throttle_replicas = absl::GetFlag(FLAGS_throttle_replicas);
  f.throttle_discover_replicas =
      absl::GetFlag(FLAGS_throttle_discover_replicas);
  f.throttle_max_lag_ms = absl::GetFlag(FLAGS_throttle_max_lag_ms);
  f.throttle_threads_running = absl::GetFlag(FLAGS_throttle_threads_running);
  absl::StatusOr<sidecut::onlineddl::ExecutorOptions> options =
      sidecut::tablet::MakeExecutorOptions(
          f, std::getenv(sidecut::tablet::kPasswordEnv));
  if (!options.ok()) {
    std::cerr << "sidecutd: " << options.status().message() << "\n";
    return 2;
  }
  sidecut::onlineddl::ExecutorOptions o = *options;
  // Another daemon took this database's migrations (this one reconnected
  // meanwhile): it has stopped them; the daemon shuts down, failing.
  static std::atomic<bool> deposed{false};
  o.on_deposed = [] {
    deposed = true;
    kill(getpid(), SIGTERM);
  };
  // Signals are taken by sigwait() below, never by other threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // A closed terminal, a log rotation or a service manager's reload:
  // ignored, said in the log (its default ended the daemon as abruptly as
  // SIGKILL; and nohup's SIG_IGN does not hold for a signal taken here).
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto executor =
      sidecut::onlineddl::Executor::Start(o, sidecut::Clock::Real());
  if (!executor.ok()) {
    std::cerr << "sidecutd: " << executor.status().message() << "\n";
    return 1;
  }
  const std::string keyspace = o.keyspace.empty() ? o.db : o.keyspace;
  sidecut::tablet::OnlineDdlService service(executor->get(), keyspace, o.shard);
  grpc::ServerBuilder builder;
  // A second daemon on the same port fails to listen (gRPC's default
  // SO_REUSEPORT let both listen, the kernel sharing the calls out).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat(absl::GetFlag(FLAGS_bind), ":", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "sidecutd: cannot listen on " << absl::GetFlag(FLAGS_bind)
              << ":" << absl::GetFlag(FLAGS_port) << "\n";
    return 1;
  }
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_port_file)) << port << "\n";
  }
  std::cerr << "sidecutd: keyspace " << keyspace << " shard " << o.shard
            << " (database " << o.db << ") serving on "
            << absl::GetFlag(FLAGS_bind) << ":" << port << std::endl;
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    std::cerr
        << "sidecutd: SIGHUP ignored (nothing to reload; SIGTERM or SIGINT "
           "stops it)"
        << std::endl;
  }
  std::cerr << "sidecutd: signal " << sig << ", shutting down" << std::endl;
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  executor->reset();
  return deposed ? 1 : 0;
}
