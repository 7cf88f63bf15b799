// vreplicator: runs the VReplication engine against one MariaDB until
// SIGINT/SIGTERM, resuming every workflow recorded in _vt.vreplication. Used
// by crash tests (SIGKILL at any moment, restart, resume) and by hand.
//
//   vreplicator --port=3306 [--copy_phase_duration_ms=...]
#include <signal.h>

#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "util/clock.h"
#include "vreplication/engine.h"
#include "vreplication/vr_store.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "MariaDB host");
ABSL_FLAG(int, port, 3306, "MariaDB port");
ABSL_FLAG(std::string, user, "root", "MariaDB user");
ABSL_FLAG(std::string, password, "", "MariaDB password");
ABSL_FLAG(int64_t, copy_phase_duration_ms, 3600 * 1000,
          "Longest streaming of one snapshot before catching up");
ABSL_FLAG(int64_t, copy_batch_rows, 1000, "Rows per copy transaction");
ABSL_FLAG(std::string, create_workflow, "",
          "Create a workflow with this name before running (with --db and "
          "--source).");
ABSL_FLAG(std::string, db, "", "Database of the workflow to create.");
ABSL_FLAG(std::string, source, "",
          "BinlogSource prototext of the workflow to create, e.g. "
          "'filter:{rules:{match:\"t2\" filter:\"select * from t\"}}'.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  sidecut::vreplication::WorkflowOptions o;
  o.connect.host = absl::GetFlag(FLAGS_host);
  o.connect.port = absl::GetFlag(FLAGS_port);
  o.connect.user = absl::GetFlag(FLAGS_user);
  o.connect.password = absl::GetFlag(FLAGS_password);
  o.copy_phase_duration =
      absl::Milliseconds(absl::GetFlag(FLAGS_copy_phase_duration_ms));
  o.copy_batch_rows = static_cast<size_t>(absl::GetFlag(FLAGS_copy_batch_rows));
  sidecut::vreplication::Engine engine(o, sidecut::Clock::Real());
  absl::Status s = engine.Open();
  if (!s.ok()) {
    std::cerr << "vreplicator: " << s << "\n";
    return 1;
  }
  if (!absl::GetFlag(FLAGS_create_workflow).empty()) {
    auto source =
        sidecut::vreplication::SourceFromText(absl::GetFlag(FLAGS_source));
    if (!source.ok()) {
      std::cerr << "vreplicator: " << source.status() << "\n";
      return 2;
    }
    auto id = engine.Create(absl::GetFlag(FLAGS_create_workflow), *source,
                            absl::GetFlag(FLAGS_db), 0);
    if (!id.ok()) {
      std::cerr << "vreplicator: " << id.status() << "\n";
      return 1;
    }
    std::cout << "vreplicator: created workflow " << *id << std::endl;
  }
  std::cout << "vreplicator: running" << std::endl;
  int sig = 0;
  sigwait(&stop, &sig);
  engine.Close();
  return 0;
}
