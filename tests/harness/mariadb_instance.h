// MariaDbInstance: a throwaway MariaDB 10.11 server on a free loopback port,
// for tests, the demo and benchmarks.
//
// Each instance lives in its own directory (datadir, my.cnf, error log),
// starts from a template datadir built at build time, and is configured as
// Sidecut expects a production primary: ROW binlog with FULL image and FULL
// metadata, GTID strict mode, distinct server_id / gtid_domain_id, utf8mb4,
// event scheduler on.
//
// Lifetime: a guardian process (a tiny shell) owns mariadbd. Stop() or the
// destructor makes it shut the server down and remove the directory. If the
// owning process dies, even by SIGKILL, the guardian sees its stdin pipe
// close and does the same; if the guardian itself is killed, mariadbd gets
// SIGKILL through PR_SET_PDEATHSIG. No orphan server, no leftover directory.
//
// Thread-compatible: one thread at a time per instance.
#ifndef SIDECUT_TESTS_HARNESS_MARIADB_INSTANCE_H_
#define SIDECUT_TESTS_HARNESS_MARIADB_INSTANCE_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sidecut {
namespace harness {

struct InstanceOptions {
  // server_id; must differ between instances that replicate. Default 1.
  int server_id = 1;
  // gtid_domain_id; distinct per instance. Default 0.
  int gtid_domain_id = 0;
  // Larger buffer pool (512M) and log for benchmarks; default small (16M).
  bool benchmark_mode = false;
  // Directory under which the instance directory is created. Default:
  // $TEST_TMPDIR, else /dev/shm when writable, else /tmp.
  std::string base_dir;
  // Template datadir tarball. Default: found in the runfiles of the
  // running binary (tests/harness/mariadb_template.tar).
  std::string template_tar;
  // Path to mariadbd. Default /usr/sbin/mariadbd.
  std::string mariadbd_path = "/usr/sbin/mariadbd";
  // Extra my.cnf lines for the [mariadbd] section, e.g. "max_connections=50".
  std::vector<std::string> extra_config;
  // How long to wait for the server to accept connections. Default 60 s.
  absl::Duration start_timeout = absl::Seconds(60);
};

// What a client needs to reach the instance.
struct ConnectionParams {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user = "root";
  std::string password;
  // Abstract unix socket name, "@..." (no filesystem path limits).
  std::string socket;
};

class MariaDbInstance {
 public:
  // Creates the instance directory, starts mariadbd and waits until it
  // accepts connections. On failure nothing is left running or on disk and
  // the error carries the tail of the server's error log.
  static absl::StatusOr<std::unique_ptr<MariaDbInstance>> Start(
      const InstanceOptions& options);

  ~MariaDbInstance();
  MariaDbInstance(const MariaDbInstance&) = delete;
  MariaDbInstance& operator=(const MariaDbInstance&) = delete;

  // Shuts the server down and removes its directory; waits for both.
  // Idempotent.
  absl::Status Stop();

  const ConnectionParams& params() const { return params_; }
  int port() const { return params_.port; }
  const std::string& dir() const { return dir_; }
  std::string datadir() const { return dir_ + "/data"; }
  // The pid of mariadbd (not of the guardian).
  pid_t server_pid() const { return server_pid_; }
  int server_id() const { return options_.server_id; }
  int gtid_domain_id() const { return options_.gtid_domain_id; }

  // A `mariadb` command line reaching this instance, for scripts and logs.
  std::string ClientCommand() const;

  // Returns the last `max_bytes` of the server's error log.
  std::string ErrorLogTail(size_t max_bytes = 4000) const;

 private:
  MariaDbInstance() = default;

  InstanceOptions options_;
  ConnectionParams params_;
  std::string dir_;
  pid_t guardian_pid_ = -1;
  pid_t server_pid_ = -1;
  int guardian_stdin_ = -1;  // closing it tells the guardian to stop
};

// Starts `n` instances in parallel-safe order with server_id = first + i and
// gtid_domain_id = i (other options from `base`). On failure, the ones already
// started are stopped.
absl::StatusOr<std::vector<std::unique_ptr<MariaDbInstance>>> StartInstances(
    int n, const InstanceOptions& base);

// Returns the default template tarball path from the runfiles of `argv0`
// (or of the running test), or an error saying how to build it.
absl::StatusOr<std::string> DefaultTemplateTar();

}  // namespace harness
}  // namespace sidecut

#endif  // SIDECUT_TESTS_HARNESS_MARIADB_INSTANCE_H_
