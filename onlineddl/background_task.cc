#include "onlineddl/background_task.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "mysql/mysql_error.h"

namespace sidecut {
namespace onlineddl {

BackgroundTask::BackgroundTask(
    std::unique_ptr<mysql::Connection> conn, Work work, absl::Time started,
    std::unique_ptr<mysql::ServerThreadNiceness> niceness)
    : conn_(std::move(conn)),
      connection_id_(conn_->ConnectionId()),
      started_(started),
      niceness_(std::move(niceness)),
      thread_([this, work = std::move(work)] {
        absl::Status s = work(*conn_);
        absl::MutexLock lock(&mu_);
        niceness_.reset();  // put back: the session stays open, idle
        status_ = s;
        done_ = true;
      }) {}

BackgroundTask::~BackgroundTask() {
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  niceness_.reset();  // before conn_ closes
}

absl::Status BackgroundTask::Wait() {
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  return status_;
}

bool BackgroundTask::Done(absl::Status* status) {
  absl::MutexLock lock(&mu_);
  if (done_) *status = status_;
  return done_;
}

absl::Status BackgroundTask::Kill(mysql::Connection& other) {
  {
    absl::MutexLock lock(&mu_);
    if (done_) return absl::OkStatus();
    niceness_.reset();  // before the server caches the killed thread
  }
  absl::Status s =
      other.Execute(absl::StrCat("KILL CONNECTION ", connection_id_)).status();
  // Unknown thread: it ended meanwhile.
  if (!s.ok() && mysql::MysqlErrno(s) == 1094) return absl::OkStatus();
  return s;
}

}  // namespace onlineddl
}  // namespace sidecut
