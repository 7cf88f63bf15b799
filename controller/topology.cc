#include "controller/topology.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace sidecut {
namespace controller {
namespace {

// Collects the text parser's errors instead of printing them.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat("line ", line + 1, " column ", column + 1, ": ",
                            message);
    }
  }
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

bool IsHostPort(absl::string_view address) {
  size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) return false;
  int port = 0;
  return absl::SimpleAtoi(address.substr(colon + 1), &port) && port > 0 &&
         port < 65536;
}

}  // namespace

absl::StatusOr<Topology> ParseTopology(absl::string_view text) {
  Topology t;
  ErrorCollector errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &t)) {
    return absl::InvalidArgumentError(
        absl::StrCat("topology: ", errors.first()));
  }
  if (t.keyspaces_size() == 0) {
    return absl::InvalidArgumentError("topology: no keyspaces");
  }
  std::set<std::string> keyspaces;
  for (const TopologyKeyspace& k : t.keyspaces()) {
    if (k.name().empty()) {
      return absl::InvalidArgumentError("topology: a keyspace has no name");
    }
    if (!keyspaces.insert(k.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("topology: keyspace ", k.name(), " appears twice"));
    }
    if (k.shards_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("topology: keyspace ", k.name(), " has no shards"));
    }
    std::set<std::string> shards;
    for (const TopologyShard& s : k.shards()) {
      if (s.name().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "topology: a shard of keyspace ", k.name(), " has no name"));
      }
      if (!shards.insert(s.name()).second) {
        return absl::InvalidArgumentError(absl::StrCat(
            "topology: shard ", k.name(), "/", s.name(), " appears twice"));
      }
      if (!IsHostPort(s.tablet())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "topology: shard ", k.name(), "/", s.name(),
            " needs a tablet address host:port, not '", s.tablet(), "'"));
      }
    }
  }
  return t;
}

absl::StatusOr<Topology> LoadTopology(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read topology ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Topology> t = ParseTopology(text.str());
  if (!t.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", t.status().message()));
  }
  return t;
}

absl::StatusOr<const TopologyKeyspace*> FindKeyspace(const Topology& topology,
                                                     absl::string_view name) {
  if (name.empty()) {
    if (topology.keyspaces_size() == 1) return &topology.keyspaces(0);
    return absl::InvalidArgumentError(
        "name a keyspace: the topology has several");
  }
  for (const TopologyKeyspace& k : topology.keyspaces()) {
    if (k.name() == name) return &k;
  }
  return absl::NotFoundError(
      absl::StrCat("keyspace ", name, " is not in the topology"));
}

}  // namespace controller
}  // namespace sidecut
