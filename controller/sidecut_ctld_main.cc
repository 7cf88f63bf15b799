// sidecut-ctld: the controller. Reads the cluster topology (keyspaces,
// shards, each primary's sidecutd) from a file, serves sidecut.OnlineDDL
// for whole keyspaces over gRPC on 127.0.0.1 by default, fans requests out
// to the shards and coordinates gated two-phase cut-overs across them. Its
// deployments live in --state_dir: a restarted controller resumes them.
//
// With --etcd, the topology and the deployments live in etcd instead and
// several sidecut-ctld may run: one is elected leader (etcd lease), acts,
// and fences its writes; the others forward requests to it and take over,
// resuming its deployments, when it dies.
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
#include "controller/etcd_client.h"
#include "controller/etcd_leadership.h"
#include "controller/etcd_store.h"
#include "controller/topology.h"
#include "grpcpp/grpcpp.h"
#include "util/clock.h"

ABSL_FLAG(std::string, topology, "",
          "topology file (protobuf text, sidecut.Topology); required unless "
          "--etcd holds one already (given with --etcd, it is published "
          "there)");
ABSL_FLAG(std::string, state_dir, "",
          "directory for the controller's deployments (required without "
          "--etcd)");
ABSL_FLAG(std::string, etcd, "",
          "host:port of an etcd v3 server: topology, deployments and leader "
          "election live there");
ABSL_FLAG(std::string, etcd_prefix, "/sidecut/",
          "prefix of every key sidecut-ctld keeps in etcd");
ABSL_FLAG(int64_t, election_ttl_s, 5,
          "etcd lease TTL of the leader: a dead leader is replaced after "
          "about this many seconds");
ABSL_FLAG(std::string, advertise, "",
          "address other controllers forward requests to (default: "
          "--bind:<port>)");
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
  const std::string etcd_endpoint = absl::GetFlag(FLAGS_etcd);
  const std::string prefix = absl::GetFlag(FLAGS_etcd_prefix);
  if (etcd_endpoint.empty() && (absl::GetFlag(FLAGS_topology).empty() ||
                                absl::GetFlag(FLAGS_state_dir).empty())) {
    std::cerr << "sidecut-ctld: --topology and --state_dir are required "
                 "(or --etcd)\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // A closed terminal, a log rotation or a service manager's reload:
  // ignored, said in the log (its default ended the daemon as abruptly as
  // SIGKILL; and nohup's SIG_IGN does not hold for a signal taken here).
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<sidecut::controller::EtcdClient> etcd;
  if (!etcd_endpoint.empty()) {
    auto c = sidecut::controller::EtcdClient::Connect(etcd_endpoint);
    if (!c.ok()) {
      std::cerr << "sidecut-ctld: " << c.status().message() << "\n";
      return 1;
    }
    etcd = std::move(*c);
  }
  absl::StatusOr<sidecut::Topology> topology =
      absl::NotFoundError("no topology");
  if (!absl::GetFlag(FLAGS_topology).empty()) {
    topology = sidecut::controller::LoadTopology(absl::GetFlag(FLAGS_topology));
    if (topology.ok() && etcd != nullptr) {
      absl::Status put =
          sidecut::controller::PutTopology(*etcd, prefix, *topology);
      if (!put.ok()) topology = put;
    }
  } else {
    topology = sidecut::controller::GetTopology(*etcd, prefix);
  }
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
  // Its election starts once the port is known (the id is the address).
  std::unique_ptr<sidecut::controller::EtcdLeadership> leadership;
  if (etcd != nullptr) {
    leadership = std::make_unique<sidecut::controller::EtcdLeadership>(
        etcd.get(), prefix);
    leadership->Configure(o);
  }
  auto controller =
      sidecut::controller::Controller::Start(o, sidecut::Clock::Real());
  if (!controller.ok()) {
    std::cerr << "sidecut-ctld: " << controller.status().message() << "\n";
    return 1;
  }
  sidecut::controller::ControllerService service(controller->get());
  grpc::ServerBuilder builder;
  // A second daemon on the same port fails to listen (gRPC's default
  // SO_REUSEPORT let both listen, the kernel sharing the calls out).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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
  if (leadership != nullptr) {
    const std::string id =
        absl::GetFlag(FLAGS_advertise).empty()
            ? absl::StrCat(absl::GetFlag(FLAGS_bind), ":", port)
            : absl::GetFlag(FLAGS_advertise);
    absl::Status campaign = leadership->Campaign(
        id, absl::Seconds(absl::GetFlag(FLAGS_election_ttl_s)),
        sidecut::Clock::Real());
    if (!campaign.ok()) {
      std::cerr << "sidecut-ctld: " << campaign.message() << "\n";
      return 2;
    }
    std::cerr << "sidecut-ctld: etcd " << etcd_endpoint << ", prefix " << prefix
              << ", candidate " << id << std::endl;
  }
  int shards = 0;
  for (const auto& k : topology->keyspaces()) shards += k.shards_size();
  std::cerr << "sidecut-ctld: " << topology->keyspaces_size()
            << " keyspace(s), " << shards << " shard(s); serving on "
            << absl::GetFlag(FLAGS_bind) << ":" << port << std::endl;
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) {
    std::cerr
        << "sidecut-ctld: SIGHUP ignored (nothing to reload; SIGTERM or SIGINT "
           "stops it)"
        << std::endl;
  }
  std::cerr << "sidecut-ctld: signal " << sig << ", shutting down" << std::endl;
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  controller->reset();
  leadership.reset();  // resigns: another controller takes over at once
  return 0;
}
