#include "vreplication/engine.h"

#include "absl/strings/match.h"
#include "mysql/mysql_connection.h"
#include "util/status_macros.h"
#include "vreplication/sidecar_schema.h"

namespace sidecut {
namespace vreplication {

Engine::Engine(WorkflowOptions options, Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

Engine::~Engine() { Close(); }

absl::StatusOr<std::unique_ptr<mysql::Connection>> Engine::Connect() {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                      mysql::MysqlConnection::Connect(options_.connect));
  return std::unique_ptr<mysql::Connection>(std::move(c));
}

void Engine::StartLocked(int64_t id) {
  if (closed_ || running_.count(id)) return;
  Running& r = running_[id];
  r.workflow = std::make_unique<Workflow>(id, options_, clock_);
  Workflow* wf = r.workflow.get();
  wf->SetHeld(held_.count(id) > 0);
  r.thread = std::thread([wf] {
    wf->Run().IgnoreError();
    wf->MarkFinished();
  });
}

absl::Status Engine::Open(absl::string_view db) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, Connect());
  SC_RETURN_IF_ERROR(EnsureSidecarSchema(*conn));
  SC_ASSIGN_OR_RETURN(std::vector<int64_t> ids, ListWorkflowIds(*conn));
  absl::MutexLock lock(&mu_);
  closed_ = false;
  for (int64_t id : ids) {
    SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(*conn, id));
    if (!db.empty() && row.db_name != db) continue;  // another daemon's
    if (row.state != kStateStopped) StartLocked(id);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Engine::Create(absl::string_view name,
                                       const binlogdata::BinlogSource& source,
                                       absl::string_view db, int workflow_type,
                                       absl::string_view start_pos) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, Connect());
  SC_RETURN_IF_ERROR(EnsureSidecarSchema(*conn));
  SC_ASSIGN_OR_RETURN(int64_t id, CreateWorkflow(*conn, name, source, db,
                                                 workflow_type, start_pos));
  absl::MutexLock lock(&mu_);
  StartLocked(id);
  return id;
}

absl::Status Engine::Stop(int64_t id, absl::string_view message) {
  Running r;
  {
    absl::MutexLock lock(&mu_);
    held_.erase(id);
    auto it = running_.find(id);
    if (it != running_.end()) {
      r = std::move(it->second);
      running_.erase(it);
    }
  }
  if (r.workflow != nullptr) {
    r.workflow->RequestStop(/*mark_stopped=*/true, message);
    r.thread.join();
  }
  // Also when the workflow had ended on its own (a permanent error): its
  // row says Stopped, so that no later Open starts it again. A row already
  // Stopped keeps its message (e.g. the DDL it stopped at).
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, Connect());
  absl::StatusOr<WorkflowRow> row = ReadWorkflow(*conn, id);
  if (absl::IsNotFound(row.status())) return absl::OkStatus();
  SC_RETURN_IF_ERROR(row.status());
  // A workflow that failed for good keeps its error as the reason.
  const bool failed = row->state == kStateError &&
                      !absl::EndsWith(row->message, "(will retry)");
  return MarkStopped(*conn, id, failed ? row->message : std::string(message));
}

void Engine::Close() {
  std::map<int64_t, Running> all;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    all.swap(running_);
  }
  for (auto& [id, r] : all) r.workflow->RequestStop(/*mark_stopped=*/false);
  for (auto& [id, r] : all) r.thread.join();
}

absl::StatusOr<WorkflowRow> Engine::Read(int64_t id) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, Connect());
  return ReadWorkflow(*conn, id);
}

void Engine::Hold(int64_t id, bool held) {
  absl::MutexLock lock(&mu_);
  if (held) {
    held_.insert(id);
  } else {
    held_.erase(id);
  }
  auto it = running_.find(id);
  if (it != running_.end()) it->second.workflow->SetHeld(held);
}

int64_t Engine::LagSeconds(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(id);
  return it == running_.end() ? -1 : it->second.workflow->lag_seconds();
}

absl::optional<mysql::Position> Engine::CommittedPosition(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(id);
  if (it == running_.end()) return absl::nullopt;
  return it->second.workflow->committed_position();
}

bool Engine::IsRunning(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = running_.find(id);
  return it != running_.end() && !it->second.workflow->finished();
}

absl::Status Engine::Start(int64_t id) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> conn, Connect());
  SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(*conn, id));
  absl::MutexLock lock(&mu_);
  auto it = running_.find(id);
  if (it != running_.end()) {
    if (!it->second.workflow->finished()) return absl::OkStatus();
    it->second.thread.join();
    running_.erase(it);
  }
  if (row.state == kStateStopped) {
    // Copying until every table is copied (a copy stopped midway, or one
    // that never began): whoever waits for the copy to end (an index
    // build, a cut-over) must not take the restart for its end.
    SC_ASSIGN_OR_RETURN(std::vector<CopyStateRow> copying,
                        ReadCopyState(*conn, id));
    const bool copied = !row.pos.empty() && copying.empty();
    SC_RETURN_IF_ERROR(
        SetState(*conn, id, copied ? kStateRunning : kStateCopying, ""));
  }
  StartLocked(id);
  return absl::OkStatus();
}

}  // namespace vreplication
}  // namespace sidecut
