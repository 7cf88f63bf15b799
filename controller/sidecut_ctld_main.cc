// sidecut-ctld: the controller. Reads the cluster topology (keyspaces,
// shards, each primary's sidecutd) from a file, serves sidecut.OnlineDDL
// for whole keyspaces over gRPC on 127.0.0.1 by default, fans requests out
// to the shards and coordinates gated two-phase cut-overs across them. Its
// deployments live in --state_dir: a restarted controller resumes them.
#include <signal.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "controller/controller.h"
#include "controller/controller_service.h"
#include "controller/topology.h"
#include "grpcpp/grpcpp.h"
#include "util/clock.h"

ABSL_FLAG(std::string, topology, "",
          "topology file (protobuf text, sidecut.Topology; required)");
ABSL_FLAG(std::string, state_dir, "",
          "directory for the controller's deployments (required)");
ABSL_FLAG(std::string, bind, "127.0.0.1",
          "address to listen on; 127.0.0.1 keeps the daemon local");
ABSL_FLAG(int, port, 15990, "gRPC port (0 = any free port)");
ABSL_FLAG(std::string, port_file, "", "write the chosen port to this file");
ABSL_FLAG(int64_t, tick_ms, 500, "how often the gate runs");
ABSL_FLAG(int64_t, prepare_hold_ms, 5000,
          "how long a prepared shard waits for the swap decision before it "
          "aborts by itself");
ABSL_FLAG(int64_t, rpc_timeout_ms, 10000, "deadline of a call to a tablet");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_topology).empty() ||
      absl::GetFlag(FLAGS_state_dir).empty()) {
    std::cerr << "sidecut-ctld: --topology and --state_dir are required\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<sidecut::Topology> topology =
      sidecut::controller::LoadTopology(absl::GetFlag(FLAGS_topology));
  if (!topology.ok()) {
    std::cerr << "sidecut-ctld: " << topology.status().message() << "\n";
    return 2;
  }
  sidecut::controller::ControllerOptions o;
  o.topology = *topology;
  o.state_dir = absl::GetFlag(FLAGS_state_dir);
  o.tick = absl::Milliseconds(absl::GetFlag(FLAGS_tick_ms));
  o.prepare_hold = absl::Milliseconds(absl::GetFlag(FLAGS_prepare_hold_ms));
  o.rpc_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_rpc_timeout_ms));
  auto controller =
      sidecut::controller::Controller::Start(o, sidecut::Clock::Real());
  if (!controller.ok()) {
    std::cerr << "sidecut-ctld: " << controller.status().message() << "\n";
    return 1;
  }
  sidecut::controller::ControllerService service(controller->get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(
      absl::StrCat(absl::GetFlag(FLAGS_bind), ":", absl::GetFlag(FLAGS_port)),
      grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "sidecut-ctld: cannot listen on " << absl::GetFlag(FLAGS_bind)
              << ":" << absl::GetFlag(FLAGS_port) << "\n";
    return 1;
  }
  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_port_file)) << port << "\n";
  }
  int shards = 0;
  for (const auto& k : topology->keyspaces()) shards += k.shards_size();
  std::cerr << "sidecut-ctld: " << topology->keyspaces_size()
            << " keyspace(s), " << shards << " shard(s); serving on "
            << absl::GetFlag(FLAGS_bind) << ":" << port << std::endl;
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "sidecut-ctld: signal " << sig << ", shutting down" << std::endl;
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  controller->reset();
  return 0;
}
