#include "mysql/server_thread.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

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

// The process a thread id belongs to, from /proc/<tid>/status (0: none).
int64_t ProcessOfThread(int64_t tid) {
  std::istringstream status(ReadFile(absl::StrCat("/proc/", tid, "/status")));
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view v = line;
    if (absl::ConsumePrefix(&v, "Tgid:")) {
      int64_t pid = 0;
      return absl::SimpleAtoi(absl::StripAsciiWhitespace(v), &pid) ? pid : 0;
    }
  }
  return 0;
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

absl::Status NiceServerThread(Connection& conn, int niceness) {
  if (niceness < 1 || niceness > 19) {
    return absl::InvalidArgumentError(
        absl::StrCat("niceness ", niceness, " is not within 1..19"));
  }
  SC_ASSIGN_OR_RETURN(std::string handling,
                      QueryValue(conn, "SELECT @@thread_handling"));
  if (handling != "one-thread-per-connection") {
    return absl::FailedPreconditionError(absl::StrCat(
        "thread_handling is ", handling,
        ": a connection has no thread of its own to deprioritize"));
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
  if (setpriority(PRIO_PROCESS, static_cast<id_t>(tid), niceness) != 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot renice server thread ", tid, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace mysql
}  // namespace sidecut
