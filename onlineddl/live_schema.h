// The live schema of a database as CREATE statements (tables, then views),
// from the server's SHOW CREATE, leaving out Sidecut's and Vitess's
// internal tables (artifacts, shadows, GC tables).
#ifndef SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_
#define SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// ';'-separated CREATE TABLE / CREATE VIEW statements of `db`.
absl::StatusOr<std::string> LoadLiveSchemaSql(mysql::Connection& conn,
                                              absl::string_view db);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_
