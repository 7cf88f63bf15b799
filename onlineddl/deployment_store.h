// _vt.sidecut_deployments: one row per deployment, the migrations of one
// request (one migration_context) that complete as a unit in a valid order.
// Sidecut's own table (Vitess has no deployment entity).
//
// Thread-compatible (functions over a caller-owned Connection).
#ifndef SIDECUT_ONLINEDDL_DEPLOYMENT_STORE_H_
#define SIDECUT_ONLINEDDL_DEPLOYMENT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// Deployment states.
inline constexpr char kDeployRunning[] = "running";        // members work
inline constexpr char kDeployCompleting[] = "completing";  // applying in order
inline constexpr char kDeployComplete[] = "complete";
inline constexpr char kDeployFailed[] = "failed";
inline constexpr char kDeployCancelled[] = "cancelled";

struct Deployment {
  std::string context;  // the members' migration_context
  std::string schema;
  std::string status;
  std::vector<std::string> members;  // migration UUIDs in apply order
  bool postpone_completion = false;
  std::string reverted_context;  // set for a deployment that reverts another
  std::string message;
  int64_t spread_ms = -1;  // first to last change applied; -1 until complete
  // Tables and views the plan depends on without changing them (a view it
  // creates reads them, a foreign key links them to a table it changes):
  // while it runs, a plain migration of one is refused (the plan is the
  // difference from the schema as it was).
  std::vector<std::string> related;
};

absl::Status EnsureDeployments(mysql::Connection& conn);
absl::Status InsertDeployment(mysql::Connection& conn, const Deployment& d);
// kNotFound naming the context when absent.
absl::StatusOr<Deployment> ReadDeployment(mysql::Connection& conn,
                                          absl::string_view schema,
                                          absl::string_view context);
absl::StatusOr<std::vector<Deployment>> ListDeployments(
    mysql::Connection& conn, absl::string_view schema,
    absl::string_view status);  // "" = any
absl::Status UpdateDeployment(mysql::Connection& conn, const Deployment& d);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_DEPLOYMENT_STORE_H_
