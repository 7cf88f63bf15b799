// Prepared two-phase XA transactions, as a copy's first snapshot must see
// none: one prepared before the snapshot's binlog position is logged
// before a stream starting there, and its rows stay invisible until it
// commits (its XA COMMIT is logged without them), so a copy from that
// snapshot would miss them for good.
#ifndef SIDECUT_VREPLICATION_PREPARED_XA_H_
#define SIDECUT_VREPLICATION_PREPARED_XA_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

// How many prepared XA transactions the server lists (XA RECOVER), or
// nullopt if the session may not ask (no privilege).
absl::StatusOr<absl::optional<size_t>> PreparedXaCount(mysql::Connection& conn);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_PREPARED_XA_H_
