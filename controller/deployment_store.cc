#include "controller/deployment_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace sidecut {
namespace controller {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::InternalError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<DeploymentStore> DeploymentStore::Open(std::string dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot create state directory ",
                                            dir, ": ", ec.message()));
  }
  return DeploymentStore(std::move(dir));
}

std::string DeploymentStore::FileName(const std::string& context) {
  return absl::StrCat("deployment-", absl::BytesToHexString(context),
                      ".textproto");
}

absl::Status DeploymentStore::Create(const ControllerDeployment& d) {
  const std::string path = absl::StrCat(dir_, "/", FileName(d.context()));
  if (::access(path.c_str(), F_OK) == 0) {
    return absl::AlreadyExistsError(absl::StrCat(
        "deployment ", d.context(), " is already saved (", path, ")"));
  }
  return Save(d);
}

absl::Status DeploymentStore::Save(const ControllerDeployment& d) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(d, &text)) {
    return absl::InternalError("cannot print deployment");
  }
  const std::string path = absl::StrCat(dir_, "/", FileName(d.context()));
  const std::string tmp = absl::StrCat(path, ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot create", tmp);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Errno("cannot write", tmp);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return Errno("cannot fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Errno("cannot rename", tmp);
  }
  int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ControllerDeployment>> DeploymentStore::LoadAll() {
  std::vector<ControllerDeployment> all;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!absl::StartsWith(name, "deployment-") ||
        !absl::EndsWith(name, ".textproto")) {
      continue;  // temporary files of an interrupted save, others
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    ControllerDeployment d;
    // Fields of a newer version (a rolled-back controller) are skipped.
    google::protobuf::TextFormat::Parser parser;
    parser.AllowUnknownField(true);
    if (!parser.ParseFromString(text.str(), &d)) {
      return absl::DataLossError(
          absl::StrCat("cannot parse ", entry.path().string()));
    }
    all.push_back(std::move(d));
  }
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot list ", dir_, ": ", ec.message()));
  }
  SortDeployments(all);
  return all;
}

void SortDeployments(std::vector<ControllerDeployment>& all) {
  std::sort(all.begin(), all.end(),
            [](const ControllerDeployment& a, const ControllerDeployment& b) {
              if (a.created_micros() != b.created_micros()) {
                return a.created_micros() < b.created_micros();
              }
              return a.context() < b.context();
            });
}

}  // namespace controller
}  // namespace sidecut
