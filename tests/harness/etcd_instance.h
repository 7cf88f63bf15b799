// EtcdInstance: a throwaway single-member etcd (Debian's etcd-server) on
// free loopback ports with its own data directory, for tests of the
// controller's etcd backend. The server is killed (PR_SET_PDEATHSIG) if
// the test process dies; the destructor kills it and removes the
// directory.
//
// Thread-compatible.
#ifndef SIDECUT_TESTS_HARNESS_ETCD_INSTANCE_H_
#define SIDECUT_TESTS_HARNESS_ETCD_INSTANCE_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace sidecut {
namespace harness {

class EtcdInstance {
 public:
  // Starts etcd and waits until /health says true.
  static absl::StatusOr<std::unique_ptr<EtcdInstance>> Start(
      const std::string& etcd_path = "/usr/bin/etcd",
      absl::Duration timeout = absl::Seconds(30));
  ~EtcdInstance();
  EtcdInstance(const EtcdInstance&) = delete;
  EtcdInstance& operator=(const EtcdInstance&) = delete;

  // host:port of the client (gRPC) endpoint.
  std::string endpoint() const;

 private:
  EtcdInstance() = default;
  void Kill();

  pid_t pid_ = -1;
  int client_port_ = 0;
  std::string dir_;
};

}  // namespace harness
}  // namespace sidecut

#endif  // SIDECUT_TESTS_HARNESS_ETCD_INSTANCE_H_
