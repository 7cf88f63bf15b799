// Tests only: loses a cut-over's RENAME session. A thread watches the
// server's processlist and kills (KILL CONNECTION) the first session whose
// statement is a RENAME TABLE, as a network failure or a server-side kill
// would end it: its client cannot tell whether the RENAME ran.
#ifndef SIDECUT_ONLINEDDL_TESTING_RENAME_KILLER_H_
#define SIDECUT_ONLINEDDL_TESTING_RENAME_KILLER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "mysql/mysql_connection.h"

namespace sidecut {
namespace onlineddl {
namespace testing {

class RenameKiller {
 public:
  // Watches for `limit` at most.
  RenameKiller(const mysql::ConnectParams& params, absl::Duration limit)
      : thread_([this, params, limit] {
          absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
              mysql::MysqlConnection::Connect(params);
          if (!c.ok()) return;
          const absl::Time until = absl::Now() + limit;
          while (!stop_ && absl::Now() < until) {
            absl::StatusOr<std::string> id = mysql::QueryValue(
                **c,
                "SELECT IFNULL(MIN(ID), 0) FROM information_schema.PROCESSLIST "
                "WHERE INFO LIKE 'RENAME TABLE%'");
            if (id.ok() && *id != "0" &&
                (*c)->Execute(absl::StrCat("KILL CONNECTION ", *id)).ok()) {
              killed_ = true;
              return;
            }
            absl::SleepFor(absl::Milliseconds(2));
          }
        }) {}
  ~RenameKiller() { Join(); }
  RenameKiller(const RenameKiller&) = delete;
  RenameKiller& operator=(const RenameKiller&) = delete;

  // Stops watching; whether it killed one.
  bool Join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return killed_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> killed_{false};
  std::thread thread_;
};

}  // namespace testing
}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_TESTING_RENAME_KILLER_H_
