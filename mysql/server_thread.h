// The operating-system thread serving a connection, when the server runs on
// this machine: lets a sidecar change the CPU priority of its own heavy
// work (a copy, an index build) against the server's foreground
// connections, and put it back.
#ifndef SIDECUT_MYSQL_SERVER_THREAD_H_
#define SIDECUT_MYSQL_SERVER_THREAD_H_

#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mysql/connection.h"

namespace sidecut {
namespace mysql {

// The operating-system thread id the server reports for `conn`
// (information_schema.PROCESSLIST.TID); an error when it reports none.
absl::StatusOr<int64_t> ServerThreadId(Connection& conn);

// Whether this process may raise any thread's CPU priority: CAP_SYS_NICE in
// its effective set, and a raise tried on a short-lived thread of its own
// works (not so in a user namespace).
bool CanRaiseThreadPriority();

// A changed niceness of the server thread serving one connection, put back
// by Restore() or the destructor; call either before the connection closes.
// The server hands a closed connection's thread to later connections (its
// thread cache), which would otherwise inherit the change, so the change is
// made only where it can be undone.
class ServerThreadNiceness {
 public:
  // Gives the thread serving `conn` `niceness` (-20..19, not 0; below 0:
  // before the foreground, above: after it). Only where that is well
  // defined and ours to change and put back: one thread per connection
  // (@@thread_handling), the thread id the server reports belonging to a
  // local mariadbd/mysqld process, and CAP_SYS_NICE (putting a lowered
  // priority back raises it). Otherwise an error saying which, and nothing
  // changes.
  static absl::StatusOr<std::unique_ptr<ServerThreadNiceness>> Set(
      Connection& conn, int niceness);

  ServerThreadNiceness(const ServerThreadNiceness&) = delete;
  ServerThreadNiceness& operator=(const ServerThreadNiceness&) = delete;
  ~ServerThreadNiceness();

  // Puts back the server's own niceness (its main thread's) on the thread
  // (nothing if it has ended).
  absl::Status Restore();

  int64_t thread_id() const { return tid_; }

 private:
  ServerThreadNiceness(int64_t tid, int64_t pid, int original)
      : tid_(tid), pid_(pid), original_(original) {}

  const int64_t tid_;
  const int64_t pid_;
  const int original_;
  bool restored_ = false;
};

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_SERVER_THREAD_H_
