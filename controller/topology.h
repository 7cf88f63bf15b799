// The cluster topology sidecut-ctld drives: keyspaces, their shards, and
// each shard's primary sidecutd address, read from a protobuf text file
// (proto/sidecut_controller.proto, message Topology).
#ifndef SIDECUT_CONTROLLER_TOPOLOGY_H_
#define SIDECUT_CONTROLLER_TOPOLOGY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/sidecut_controller.pb.h"

namespace sidecut {
namespace controller {

// Parses and validates: at least one keyspace, each with at least one
// shard; names unique and non-empty; every shard has a host:port address.
absl::StatusOr<Topology> ParseTopology(absl::string_view text);
absl::StatusOr<Topology> LoadTopology(const std::string& path);

// The keyspace named `name`; "" means the only keyspace when there is
// exactly one.
absl::StatusOr<const TopologyKeyspace*> FindKeyspace(const Topology& topology,
                                                     absl::string_view name);

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_TOPOLOGY_H_
