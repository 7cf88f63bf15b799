#include "tests/harness/instance_connection.h"

#include <dirent.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace harness {

mysql::ConnectParams ConnectParamsFor(const MariaDbInstance& instance) {
  mysql::ConnectParams p;
  p.host = instance.params().host;
  p.port = instance.params().port;
  p.user = instance.params().user;
  p.password = instance.params().password;
  return p;
}

absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> ConnectTo(
    const MariaDbInstance& instance) {
  return mysql::MysqlConnection::Connect(ConnectParamsFor(instance));
}

int ServerThreadsWithNiceness(const MariaDbInstance& instance, int n) {
  const std::string dir =
      absl::StrCat("/proc/", instance.server_pid(), "/task");
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int count = 0;
  while (struct dirent* e = readdir(d)) {
    int64_t tid = 0;
    if (!absl::SimpleAtoi(e->d_name, &tid)) continue;
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    count += errno == 0 && nice == n;
  }
  closedir(d);
  return count;
}

}  // namespace harness
}  // namespace sidecut
