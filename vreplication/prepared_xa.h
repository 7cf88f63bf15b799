// Prepared two-phase XA transactions, none of which may be pending at a
// copy's first binlog position (or a snapshot's): one prepared before it
// is logged, with its rows, before a stream starting there, and its rows
// stay invisible until it commits (its XA COMMIT is logged without them),
// so a copy from there would miss them for good. Asked right after the
// position is read, this leaves two narrow races: a prepare already
// logged but not yet listed (the server lists it once its engines have
// prepared), and one ended between a snapshot and the question. The
// stream closes them (xa_watch.h): the XA COMMIT of a transaction it
// never saw prepared since the copy's first position fails the workflow.
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
