// Engine: runs every workflow of one server, each on its own thread, from
// the rows of _vt.vreplication. Open() resumes what was running (after a
// restart or a crash); Create() adds and starts a workflow.
//
// Thread-safe.
#ifndef SIDECUT_VREPLICATION_ENGINE_H_
#define SIDECUT_VREPLICATION_ENGINE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "proto/binlogdata.pb.h"
#include "util/clock.h"
#include "vreplication/vr_store.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {

class Engine {
 public:
  // `options` applies to every workflow; `clock` must outlive the engine.
  Engine(WorkflowOptions options, Clock* clock);
  ~Engine();

  // Creates the sidecar schema if needed and starts every workflow whose
  // state is Init, Copying, Running or Error; with `db`, only those of that
  // database (a server may hold several, each with a daemon of its own:
  // each runs its own workflows).
  absl::Status Open(absl::string_view db = "");

  // Inserts a workflow and starts it (see CreateWorkflow for `start_pos`).
  absl::StatusOr<int64_t> Create(absl::string_view name,
                                 const binlogdata::BinlogSource& source,
                                 absl::string_view db, int workflow_type,
                                 absl::string_view start_pos = "");

  // Stops a workflow and marks it Stopped with `message` (one write: a
  // crash leaves it running or stopped with that message). A row already
  // Stopped keeps its message.
  absl::Status Stop(int64_t id, absl::string_view message = kStoppedByRequest);

  // Stops every thread without changing states (a later Open resumes);
  // until then Create and Start record their changes but start nothing.
  void Close();

  absl::StatusOr<WorkflowRow> Read(int64_t id);
  // See Workflow::lag_seconds(); -1 if not running.
  int64_t LagSeconds(int64_t id);
  // See Workflow::committed_position(); empty if not running or not in the
  // running phase yet.
  absl::optional<mysql::Position> CommittedPosition(int64_t id);
  // Starts workflow `id` (after Stop, or one created elsewhere) unless it
  // runs already; its state is reset to Running-or-Copying by the workflow.
  absl::Status Start(int64_t id);
  // Whether workflow `id` runs here (started and not ended).
  bool IsRunning(int64_t id);
  // Holds or releases workflow `id`'s running phase (Workflow::SetHeld),
  // also across its restarts here, until released or stopped.
  void Hold(int64_t id, bool held);

 private:
  struct Running {
    std::unique_ptr<Workflow> workflow;
    std::thread thread;
  };
  void StartLocked(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::unique_ptr<mysql::Connection>> Connect();

  WorkflowOptions options_;
  Clock* clock_;
  absl::Mutex mu_;
  std::map<int64_t, Running> running_ ABSL_GUARDED_BY(mu_);
  std::set<int64_t> held_ ABSL_GUARDED_BY(mu_);
  // Closed (Close, until the next Open): no workflow thread starts, so a
  // command cannot restart one while the engine is meant to stand still.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_ENGINE_H_
