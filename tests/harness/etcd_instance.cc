#include "tests/harness/etcd_instance.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/harness/free_port.h"

namespace sidecut {
namespace harness {

namespace {

// GET /health on the client port: true once etcd serves requests.
bool Healthy(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string req =
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      std::string resp;
      char buf[512];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) resp.append(buf, n);
      ok = absl::StrContains(resp, "\"health\":\"true\"");
    }
  }
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdInstance>> EtcdInstance::Start(
    const std::string& etcd_path, absl::Duration timeout) {
  if (access(etcd_path.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(etcd_path, " not found: install etcd-server"));
  }
  absl::StatusOr<ReservedPort> client = ReservedPort::Reserve();
  if (!client.ok()) return client.status();
  absl::StatusOr<ReservedPort> peer = ReservedPort::Reserve();
  if (!peer.ok()) return peer.status();
  std::unique_ptr<EtcdInstance> e(new EtcdInstance());
  e->client_port_ = client->port();
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string base = tmp != nullptr ? tmp : "/tmp";
  std::string templ = absl::StrCat(base, "/sidecut-etcd-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
  }
  e->dir_ = templ;
  const std::string client_url =
      absl::StrCat("http://127.0.0.1:", client->port());
  const std::string peer_url = absl::StrCat("http://127.0.0.1:", peer->port());
  std::vector<std::string> args = {
      etcd_path,
      "--name=sidecut-test",
      absl::StrCat("--data-dir=", e->dir_, "/data"),
      absl::StrCat("--listen-client-urls=", client_url),
      absl::StrCat("--advertise-client-urls=", client_url),
      absl::StrCat("--listen-peer-urls=", peer_url),
      absl::StrCat("--initial-advertise-peer-urls=", peer_url),
      absl::StrCat("--initial-cluster=sidecut-test=", peer_url),
      "--log-level=error",
  };
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = absl::StrCat(e->dir_, "/etcd.log");
  const pid_t parent = getpid();
  client->Release();
  peer->Release();
  pid_t pid = fork();
  if (pid < 0)
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  e->pid_ = pid;
  // The error log's end, for a failed start (the directory goes with `e`).
  auto log_tail = [&log]() {
    std::ifstream in(log);
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  };
  const absl::Time deadline = absl::Now() + timeout;
  while (!Healthy(e->client_port_)) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      e->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("etcd exited during start-up: ", log_tail()));
    }
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("etcd did not become healthy: ", log_tail()));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  return e;
}

std::string EtcdInstance::endpoint() const {
  return absl::StrCat("127.0.0.1:", client_port_);
}

void EtcdInstance::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
}

EtcdInstance::~EtcdInstance() {
  Kill();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace harness
}  // namespace sidecut
