#include "mysql/server_thread.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The value of the field `key` (e.g. "Tgid:") of a /proc status file;
// "" when absent.
std::string StatusField(const std::string& path, absl::string_view key) {
  std::istringstream status(ReadFile(path));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view v = line;
    if (absl::ConsumePrefix(&v, key)) {
      return std::string(absl::StripAsciiWhitespace(v));
    }
  }
  return "";
}

// The process a thread id belongs to, from /proc/<tid>/status (0: none).
int64_t ProcessOfThread(int64_t tid) {
  int64_t pid = 0;
  return absl::SimpleAtoi(
             StatusField(absl::StrCat("/proc/", tid, "/status"), "Tgid:"), &pid)
             ? pid
             : 0;
}

}  // namespace

absl::StatusOr<int64_t> ServerThreadId(Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      std::string text,
      QueryValue(conn,
                 "SELECT TID FROM information_schema.PROCESSLIST WHERE ID = "
                 "CONNECTION_ID()"));
  int64_t tid = 0;
  if (!absl::SimpleAtoi(text, &tid) || tid <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the server reports no thread id ('", text, "')"));
  }
  return tid;
}

bool CanRaiseThreadPriority() {
  // CAP_SYS_NICE itself: a nice limit (RLIMIT_NICE) is the target thread's,
  // so the probe below would not prove it for mysqld's threads.
  uint64_t caps = 0;
  constexpr int kCapSysNice = 23;  // linux/capability.h
  if (!absl::SimpleHexAtoi(StatusField("/proc/self/status", "CapEff:"),
                           &caps) ||
      ((caps >> kCapSysNice) & 1) == 0) {
    return false;
  }
  // Tried on a thread of our own that ends right after: lower its priority
  // one step, then raise it back. (CAP_SYS_NICE inside a user namespace, as
  // in a sandbox, lowers but does not raise.)
  bool can = false;
  std::thread probe([&can] {
    const id_t self = static_cast<id_t>(syscall(SYS_gettid));
    errno = 0;
    const int now = getpriority(PRIO_PROCESS, self);
    if (errno != 0 || now >= 19) return;
    if (setpriority(PRIO_PROCESS, self, now + 1) != 0) return;
    can = setpriority(PRIO_PROCESS, self, now) == 0;
  });
  probe.join();
  return can;
}

absl::StatusOr<std::unique_ptr<ServerThreadNiceness>> ServerThreadNiceness::Set(
    Connection& conn, int niceness) {
  if (niceness == 0 || niceness < -20 || niceness > 19) {
    return absl::InvalidArgumentError(
        absl::StrCat("niceness ", niceness, " is not within -20..-1 or 1..19"));
  }
  SC_ASSIGN_OR_RETURN(std::string handling,
                      QueryValue(conn, "SELECT @@thread_handling"));
  if (handling != "one-thread-per-connection") {
    return absl::FailedPreconditionError(
        absl::StrCat("thread_handling is ", handling,
                     ": a connection has no thread of its own to renice"));
  }
  SC_ASSIGN_OR_RETURN(const int64_t tid, ServerThreadId(conn));
  const int64_t pid = ProcessOfThread(tid);
  std::string comm(absl::StripAsciiWhitespace(
      pid > 0 ? ReadFile(absl::StrCat("/proc/", pid, "/comm")) : ""));
  if (comm != "mariadbd" && comm != "mysqld") {
    return absl::FailedPreconditionError(
        absl::StrCat("thread ", tid, " is not a local server's (process '",
                     comm, "'): the server runs elsewhere"));
  }
  if (!CanRaiseThreadPriority()) {
    return absl::PermissionDeniedError(
        "renicing a server thread needs the right to raise thread priorities "
        "(CAP_SYS_NICE), to put its priority back before the server reuses "
        "the thread for other connections");
  }
  // Put back to the server's own niceness (its main thread's), not the
  // thread's current one: a thread left reniced (a sidecar killed before
  // putting it back) is then repaired, not perpetuated.
  errno = 0;
  const int original = getpriority(PRIO_PROCESS, static_cast<id_t>(pid));
  if (errno != 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot read the priority of server process ", pid, ": ",
                     std::strerror(errno)));
  }
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), niceness) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot renice server thread ", tid, ": ", std::strerror(errno)));
  }
  return std::unique_ptr<ServerThreadNiceness>(
      new ServerThreadNiceness(tid, pid, original));
}

ServerThreadNiceness::~ServerThreadNiceness() { Restore().IgnoreError(); }

absl::Status ServerThreadNiceness::Restore() {
  if (restored_) return absl::OkStatus();
  restored_ = true;
  // The thread may have ended, and its id been reused elsewhere.
  if (ProcessOfThread(tid_) != pid_) return absl::OkStatus();
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid_), original_) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot put back the priority of server thread ", tid_,
                     ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace mysql
}  // namespace sidecut
