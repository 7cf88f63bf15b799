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

struct RenameKillerOptions {
  // A table (quoted, qualified) the killer reads in an open transaction
  // while it watches: a cut-over's shadow, which the RENAME then waits for
  // in the queue, the cut-over's lock still held (it waits for the RENAME
  // to hold the name before the table). The RENAME is killed once it has
  // waited 300 ms. The table is held until Join.
  std::string hold;
  // Also kills, first, the session holding the sentry's lock (the
  // cut-over's session A, seen through the metadata_lock_info plugin): the
  // cut-over cannot make sure the RENAME did not run. Needs `hold`.
  bool lock_holder_too = false;
};

class RenameKiller {
 public:
  // Watches for `limit` at most.
  RenameKiller(const mysql::ConnectParams& params, absl::Duration limit,
               RenameKillerOptions options = {})
      : thread_([this, params, limit, options] {
          absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> c =
              mysql::MysqlConnection::Connect(params);
          if (!c.ok()) return;
          if (!options.hold.empty() &&
              (!(*c)->Execute("BEGIN").ok() ||
               !(*c)->Execute(absl::StrCat("SELECT 1 FROM ", options.hold,
                                           " LIMIT 0"))
                    .ok())) {
            return;
          }
          const std::string query = absl::StrCat(
              "SELECT IFNULL(MIN(ID), 0) FROM information_schema.PROCESSLIST "
              "WHERE INFO LIKE 'RENAME TABLE%'",
              options.hold.empty() ? ""
                                   : " AND STATE LIKE '%metadata lock%' AND "
                                     "TIME_MS >= 300");
          const absl::Time until = absl::Now() + limit;
          while (!stop_ && absl::Now() < until) {
            absl::StatusOr<std::string> id = mysql::QueryValue(**c, query);
            if (!id.ok() || *id == "0") {
              absl::SleepFor(absl::Milliseconds(2));
              continue;
            }
            // The lock's session first: with B still there, the cut-over
            // could end B itself while it holds the lock, and be sure.
            // B, waiting for the held shadow, cannot rename meanwhile.
            if (options.lock_holder_too) KillSentryHolders(**c, *id);
            if ((*c)->Execute(absl::StrCat("KILL CONNECTION ", *id)).ok()) {
              killed_ = true;
              break;
            }
            absl::SleepFor(absl::Milliseconds(2));
          }
          // The hold lasts until Join: released now, it would let the
          // killed RENAME's thread, still queued, take the shadow.
          while (!stop_ && absl::Now() < until) {
            absl::SleepFor(absl::Milliseconds(2));
          }
          (*c)->Execute("ROLLBACK").IgnoreError();
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
  static void KillSentryHolders(mysql::Connection& c,
                                const std::string& rename_id) {
    absl::StatusOr<mysql::Result> holders = c.Execute(absl::StrCat(
        "SELECT DISTINCT THREAD_ID FROM information_schema.METADATA_LOCK_INFO "
        "WHERE TABLE_NAME LIKE '%~%' AND THREAD_ID NOT IN (CONNECTION_ID(), ",
        rename_id, ")"));
    if (!holders.ok()) return;
    for (const mysql::Row& row : holders->rows) {
      c.Execute(absl::StrCat("KILL CONNECTION ", row.Get(0))).IgnoreError();
    }
  }

  std::atomic<bool> stop_{false};
  std::atomic<bool> killed_{false};
  std::thread thread_;
};

}  // namespace testing
}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_TESTING_RENAME_KILLER_H_
