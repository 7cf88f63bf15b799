// ReservedPort: a loopback TCP port held by a bound (not listening) socket
// with SO_REUSEADDR, so no other process can take it, while a server that
// also sets SO_REUSEADDR (mariadbd does) can bind it. Release it once the
// server has bound the port.
#ifndef SIDECUT_TESTS_HARNESS_FREE_PORT_H_
#define SIDECUT_TESTS_HARNESS_FREE_PORT_H_

#include "absl/status/statusor.h"

namespace sidecut {
namespace harness {

class ReservedPort {
 public:
  static absl::StatusOr<ReservedPort> Reserve();

  ReservedPort(ReservedPort&& other) noexcept;
  ReservedPort& operator=(ReservedPort&& other) noexcept;
  ~ReservedPort();

  int port() const { return port_; }
  // Closes the holding socket. Idempotent.
  void Release();

 private:
  ReservedPort(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace harness
}  // namespace sidecut

#endif  // SIDECUT_TESTS_HARNESS_FREE_PORT_H_
