// Work that runs on a session and a thread of its own (a strategy-mysql
// ALTER TABLE, the build of a shadow's deferred indexes), so the scheduler
// keeps ticking, answering and cancelling while the server works.
#ifndef SIDECUT_ONLINEDDL_BACKGROUND_TASK_H_
#define SIDECUT_ONLINEDDL_BACKGROUND_TASK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "mysql/connection.h"
#include "mysql/server_thread.h"

namespace sidecut {
namespace onlineddl {

class BackgroundTask {
 public:
  using Work = std::function<absl::Status(mysql::Connection&)>;

  // Starts `work` on `conn` at once. `niceness` (optional) is a changed
  // priority of `conn`'s server thread, put back as soon as the work ends
  // or before it is killed (the server caches a killed session's thread for
  // later connections).
  BackgroundTask(
      std::unique_ptr<mysql::Connection> conn, Work work, absl::Time started,
      std::unique_ptr<mysql::ServerThreadNiceness> niceness = nullptr);
  // Waits for the work to end; Kill it first not to wait for the server.
  ~BackgroundTask();

  BackgroundTask(const BackgroundTask&) = delete;
  BackgroundTask& operator=(const BackgroundTask&) = delete;

  // Whether the work has ended; if so, sets *status to its outcome.
  bool Done(absl::Status* status);

  // Ends the work: kills its session through `other`, so the statement
  // running and any after it fail.
  absl::Status Kill(mysql::Connection& other);

  // Waits for the work to end (Kill it first not to wait for the server);
  // its outcome.
  absl::Status Wait();

  absl::Time started() const { return started_; }

 private:
  std::unique_ptr<mysql::Connection> conn_;
  const uint64_t connection_id_;
  const absl::Time started_;
  absl::Mutex mu_;
  std::unique_ptr<mysql::ServerThreadNiceness> niceness_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_BACKGROUND_TASK_H_
