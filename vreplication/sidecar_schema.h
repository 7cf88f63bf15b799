// The sidecar database `_vt` with Vitess-compatible `vreplication` and
// `copy_state` tables. EnsureSidecarSchema creates what is missing and adds
// columns that later versions introduced (idempotent; safe to run at every
// start).
#ifndef SIDECUT_VREPLICATION_SIDECAR_SCHEMA_H_
#define SIDECUT_VREPLICATION_SIDECAR_SCHEMA_H_

#include "absl/status/status.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

inline constexpr char kSidecarDb[] = "_vt";

absl::Status EnsureSidecarSchema(mysql::Connection& conn);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_SIDECAR_SCHEMA_H_
