#include "tests/harness/mariadb_instance.h"

#include <fcntl.h>
#include <mariadb/mysql.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "tests/harness/free_port.h"
#include "tools/cpp/runfiles/runfiles.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/wait.h"

extern char** environ;

namespace sidecut {
namespace harness {
namespace {

// The guardian: starts mariadbd (which dies with the guardian), prints its
// pid, then waits for its stdin to close (stop request or owner death), shuts
// the server down (SIGTERM, SIGKILL after 30 s; mariadbd is polled
// through /proc since it stays a zombie until reaped), and removes the
// directory. Signals are ignored only after mariadbd has started so it does not
// inherit ignored dispositions.
constexpr char kGuardianScript[] = R"sh(
setpriv --pdeathsig KILL "$1" --defaults-file="$2" </dev/null >/dev/null 2>>"$3/error.log" &
pid=$!
trap '' INT TERM HUP PIPE
echo "$pid"
read -r _ || true
kill -TERM "$pid" 2>/dev/null
i=0
while [ $i -lt 600 ]; do
  state=$(cut -d' ' -f3 "/proc/$pid/stat" 2>/dev/null)
  if [ -z "$state" ] || [ "$state" = Z ]; then break; fi
  sleep 0.05
  i=$((i+1))
done
kill -KILL "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$3"
)sh";

std::string DefaultBaseDir() {
  if (const char* t = getenv("TEST_TMPDIR"); t != nullptr && *t != '\0') {
    return t;
  }
  if (access("/dev/shm", W_OK) == 0) return "/dev/shm";
  return "/tmp";
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::trunc);
  f << content;
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

std::string MyCnf(const InstanceOptions& o, const std::string& dir, int port,
                  const std::string& socket) {
  std::vector<std::string> lines = {
      "[mariadbd]",
      "user=root",
      absl::StrCat("datadir=", dir, "/data"),
      absl::StrCat("tmpdir=", dir, "/tmp"),
      absl::StrCat("pid-file=", dir, "/mariadbd.pid"),
      absl::StrCat("log-error=", dir, "/error.log"),
      absl::StrCat("port=", port),
      "bind-address=127.0.0.1",
      absl::StrCat("socket=", socket),
      "skip-name-resolve",
      absl::StrCat("server_id=", o.server_id),
      absl::StrCat("gtid_domain_id=", o.gtid_domain_id),
      "log_bin=mariadb-bin",
      "binlog_format=ROW",
      "binlog_row_image=FULL",
      "binlog_row_metadata=FULL",
      "binlog_checksum=CRC32",
      "gtid_strict_mode=1",
      "log_slave_updates=1",
      "max_binlog_size=64M",
      "character-set-server=utf8mb4",
      "collation-server=utf8mb4_general_ci",
      "event_scheduler=ON",
      // Lets the cut-over see which metadata locks its RENAME holds.
      "plugin_load_add=metadata_lock_info",
      "performance_schema=OFF",
      "innodb_flush_log_at_trx_commit=2",
      "sync_binlog=0",
      "innodb_log_file_size=8M",
      "max_connections=200",
  };
  if (o.benchmark_mode) {
    lines.push_back("innodb_buffer_pool_size=512M");
    lines.push_back("innodb_log_file_size=256M");
  } else {
    lines.push_back("innodb_buffer_pool_size=16M");
    lines.push_back("key_buffer_size=1M");
    lines.push_back("aria_pagecache_buffer_size=1M");
    lines.push_back("query_cache_size=0");
  }
  for (const std::string& l : o.extra_config) lines.push_back(l);
  return absl::StrJoin(lines, "\n") + "\n";
}

// Runs argv to completion; returns an error naming it if it fails.
absl::Status RunCommand(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("cannot run ", args[0], ": ", strerror(rc)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat("command failed: ", absl::StrJoin(args, " ")));
  }
  return absl::OkStatus();
}

// Starts the guardian with pipes on its stdin and stdout.
absl::Status SpawnGuardian(const std::string& mariadbd, const std::string& cnf,
                           const std::string& dir, pid_t* pid, int* stdin_fd,
                           int* stdout_fd) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]);
    close(in[1]);
    return absl::InternalError("pipe2 failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) {
    sigaddset(&defaults, sig);
  }
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> args = {
      "/bin/sh", "-c", kGuardianScript, "sidecut-guardian", mariadbd, cnf, dir};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(in[0]);
  close(out[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    return absl::InternalError(absl::StrCat("posix_spawn: ", strerror(rc)));
  }
  *stdin_fd = in[1];
  *stdout_fd = out[0];
  return absl::OkStatus();
}

absl::StatusOr<pid_t> ReadServerPid(int fd) {
  std::string line;
  char c;
  while (true) {
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line.push_back(c);
  }
  int pid = 0;
  if (!absl::SimpleAtoi(line, &pid) || pid <= 0) {
    return absl::InternalError("the guardian did not report mariadbd's pid");
  }
  return pid;
}

// One connection attempt: kUnavailable while the server is not up yet.
absl::StatusOr<bool> Ping(const ConnectionParams& p) {
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return absl::ResourceExhaustedError("mysql_init failed");
  unsigned int timeout = 2;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  bool ok =
      mysql_real_connect(m, p.host.c_str(), p.user.c_str(), p.password.c_str(),
                         nullptr, p.port, nullptr, 0) != nullptr;
  std::string err = ok ? "" : mysql_error(m);
  mysql_close(m);
  if (!ok) return absl::UnavailableError(err);
  return true;
}

bool ProcessAlive(pid_t pid) {
  if (kill(pid, 0) != 0) return false;
  // A zombie is dead for our purposes.
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string content((std::istreambuf_iterator<char>(stat)),
                      std::istreambuf_iterator<char>());
  size_t paren = content.rfind(')');
  return paren == std::string::npos || paren + 2 >= content.size() ||
         content[paren + 2] != 'Z';
}

}  // namespace

absl::StatusOr<std::string> DefaultTemplateTar() {
  constexpr char kRlocation[] = "sidecut/tests/harness/mariadb_template.tar";
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  std::string argv0 = n > 0 ? std::string(exe, n) : "";
  std::string error;
  std::unique_ptr<bazel::tools::cpp::runfiles::Runfiles> rf(
      bazel::tools::cpp::runfiles::Runfiles::Create(argv0, &error));
  if (rf != nullptr) {
    std::string path = rf->Rlocation(kRlocation);
    if (!path.empty() && access(path.c_str(), R_OK) == 0) return path;
  }
  return absl::NotFoundError(
      absl::StrCat("MariaDB template datadir not found in runfiles (", error,
                   "); depend on //tests/harness:mariadb_template or set "
                   "InstanceOptions::template_tar"));
}

absl::StatusOr<std::unique_ptr<MariaDbInstance>> MariaDbInstance::Start(
    const InstanceOptions& options) {
  std::unique_ptr<MariaDbInstance> inst(new MariaDbInstance());
  inst->options_ = options;
  std::string tar = options.template_tar;
  if (tar.empty()) {
    SC_ASSIGN_OR_RETURN(tar, DefaultTemplateTar());
  }
  std::string base =
      options.base_dir.empty() ? DefaultBaseDir() : options.base_dir;
  std::string pattern = base + "/sidecut-mdb-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp in ", base, ": ", strerror(errno)));
  }
  inst->dir_ = pattern;
  // From here on the destructor removes the directory on failure.
  mkdir((inst->dir_ + "/data").c_str(), 0700);
  mkdir((inst->dir_ + "/tmp").c_str(), 0700);
  SC_RETURN_IF_ERROR(
      RunCommand({"tar", "-C", inst->dir_ + "/data", "-xf", tar}));

  SC_ASSIGN_OR_RETURN(ReservedPort port, ReservedPort::Reserve());
  inst->params_.port = port.port();
  // Abstract socket names are global per network namespace: make them
  // unique with the port (held by us) and the directory's random suffix.
  inst->params_.socket = absl::StrCat(
      "@sidecut-", port.port(), "-",
      absl::StripPrefix(inst->dir_.substr(inst->dir_.rfind('/') + 1),
                        "sidecut-mdb-"));
  std::string cnf = inst->dir_ + "/my.cnf";
  SC_RETURN_IF_ERROR(WriteFile(
      cnf, MyCnf(options, inst->dir_, port.port(), inst->params_.socket)));

  int stdout_fd = -1;
  SC_RETURN_IF_ERROR(SpawnGuardian(options.mariadbd_path, cnf, inst->dir_,
                                   &inst->guardian_pid_, &inst->guardian_stdin_,
                                   &stdout_fd));
  absl::StatusOr<pid_t> server_pid = ReadServerPid(stdout_fd);
  close(stdout_fd);
  if (!server_pid.ok()) return server_pid.status();
  inst->server_pid_ = *server_pid;

  MariaDbInstance* raw = inst.get();
  absl::Status ready = WaitFor(
      Clock::Real(), absl::StrCat("mariadbd on port ", port.port()),
      [raw]() -> absl::StatusOr<bool> {
        if (!ProcessAlive(raw->server_pid_)) {
          return absl::InternalError("mariadbd exited during startup");
        }
        return Ping(raw->params_);
      },
      WaitOptions{.timeout = options.start_timeout});
  port.Release();
  if (!ready.ok()) {
    return absl::Status(ready.code(),
                        absl::StrCat(ready.message(), "; error log of ",
                                     inst->dir_, ":\n", inst->ErrorLogTail()));
  }
  return inst;
}

absl::StatusOr<std::vector<std::unique_ptr<MariaDbInstance>>> StartInstances(
    int n, const InstanceOptions& base) {
  std::vector<std::unique_ptr<MariaDbInstance>> out;
  for (int i = 0; i < n; ++i) {
    InstanceOptions o = base;
    o.server_id = base.server_id + i;
    o.gtid_domain_id = base.gtid_domain_id + i;
    SC_ASSIGN_OR_RETURN(std::unique_ptr<MariaDbInstance> inst,
                        MariaDbInstance::Start(o));
    out.push_back(std::move(inst));
  }
  return out;
}

MariaDbInstance::~MariaDbInstance() { Stop().IgnoreError(); }

absl::Status MariaDbInstance::Stop() {
  if (guardian_pid_ > 0) {
    close(guardian_stdin_);  // the guardian shuts down and cleans up
    guardian_stdin_ = -1;
    int status = 0;
    while (waitpid(guardian_pid_, &status, 0) < 0 && errno == EINTR) {
    }
    guardian_pid_ = -1;
    server_pid_ = -1;
  } else if (!dir_.empty()) {
    // Failed before the guardian started: clean up ourselves.
    RunCommand({"rm", "-rf", dir_}).IgnoreError();
  }
  bool leftover = !dir_.empty() && access(dir_.c_str(), F_OK) == 0;
  std::string dir = dir_;
  dir_.clear();
  if (leftover) {
    return absl::InternalError(
        absl::StrCat("instance directory ", dir, " was not removed"));
  }
  return absl::OkStatus();
}

std::string MariaDbInstance::ClientCommand() const {
  return absl::StrCat("mariadb --protocol=tcp -h", params_.host, " -P",
                      params_.port, " -u", params_.user);
}

std::string MariaDbInstance::ErrorLogTail(size_t max_bytes) const {
  std::ifstream f(dir_ + "/error.log");
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
  return s;
}

}  // namespace harness
}  // namespace sidecut
