// sidecut-mariadb: starts N throwaway MariaDB instances for scripts, the demo
// and benchmarks, prints how to reach them, and keeps them until it receives
// SIGINT/SIGTERM or its stdin closes (with --watch_stdin). Killing it in any
// way, SIGKILL included, stops the servers and removes their directories.
//
//   sidecut-mariadb --instances=2 --env_file=/tmp/mdb.env &
//   # /tmp/mdb.env appears when all are ready:
//   #   MDB_COUNT=2 MDB0_PORT=... MDB0_SOCKET=@... MDB0_PID=... MDB0_DIR=...
//   kill %1
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "tests/harness/mariadb_instance.h"

ABSL_FLAG(int, instances, 1, "How many instances to start (1-16).");
ABSL_FLAG(bool, bench, false, "Benchmark mode: 512M buffer pool.");
ABSL_FLAG(std::string, env_file, "",
          "Write shell variables describing the instances here once ready "
          "(written atomically).");
ABSL_FLAG(std::string, base_dir, "", "Where instance directories go.");
ABSL_FLAG(bool, watch_stdin, false, "Also stop when stdin reaches EOF.");
ABSL_FLAG(int, first_server_id, 1, "server_id of the first instance.");
ABSL_FLAG(std::vector<std::string>, mysqld_option, {},
          "Extra my.cnf lines for every instance, comma-separated "
          "(innodb_log_file_size=1G,innodb_io_capacity=2000).");

namespace {

std::string EnvText(
    const std::vector<std::unique_ptr<sidecut::harness::MariaDbInstance>>& v) {
  std::string s = absl::StrCat("MDB_COUNT=", v.size(), "\n");
  for (size_t i = 0; i < v.size(); ++i) {
    const auto& in = *v[i];
    absl::StrAppend(&s, "MDB", i, "_HOST=", in.params().host, "\n", "MDB", i,
                    "_PORT=", in.port(), "\n", "MDB", i,
                    "_USER=", in.params().user, "\n", "MDB", i,
                    "_SOCKET=", in.params().socket, "\n", "MDB", i,
                    "_PID=", in.server_pid(), "\n", "MDB", i, "_DIR=", in.dir(),
                    "\n", "MDB", i, "_SERVER_ID=", in.server_id(), "\n", "MDB",
                    i, "_DOMAIN_ID=", in.gtid_domain_id(), "\n");
  }
  absl::StrAppend(&s, "MDB_HARNESS_PID=", getpid(), "\n");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  int n = absl::GetFlag(FLAGS_instances);
  if (n < 1 || n > 16) {
    std::cerr << "--instances must be between 1 and 16\n";
    return 2;
  }
  // Block the stop signals before starting anything; wait for them below.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  sidecut::harness::InstanceOptions options;
  options.benchmark_mode = absl::GetFlag(FLAGS_bench);
  options.extra_config = absl::GetFlag(FLAGS_mysqld_option);
  options.base_dir = absl::GetFlag(FLAGS_base_dir);
  options.server_id = absl::GetFlag(FLAGS_first_server_id);
  auto instances = sidecut::harness::StartInstances(n, options);
  if (!instances.ok()) {
    std::cerr << "sidecut-mariadb: " << instances.status() << "\n";
    return 1;
  }
  std::string env = EnvText(*instances);
  std::string path = absl::GetFlag(FLAGS_env_file);
  if (!path.empty()) {
    std::string tmp = path + ".tmp";
    std::ofstream(tmp) << env;
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      std::cerr << "sidecut-mariadb: cannot write " << path << "\n";
      return 1;
    }
  }
  std::cout << env << "ready" << std::endl;

  if (absl::GetFlag(FLAGS_watch_stdin)) {
    // Poll stdin for EOF while checking for stop signals.
    while (true) {
      timespec zero{0, 0};
      if (sigtimedwait(&stop, nullptr, &zero) > 0) break;
      pollfd p{0, POLLIN, 0};
      if (poll(&p, 1, 200) > 0) {
        char buf[256];
        if (read(0, buf, sizeof(buf)) <= 0) break;
      }
    }
  } else {
    int sig = 0;
    sigwait(&stop, &sig);
  }
  int rc = 0;
  for (auto& inst : *instances) {
    absl::Status s = inst->Stop();
    if (!s.ok()) {
      std::cerr << "sidecut-mariadb: " << s << "\n";
      rc = 1;
    }
  }
  if (!path.empty()) unlink(path.c_str());
  return rc;
}
