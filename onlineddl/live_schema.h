// The live schema of a database as CREATE statements (tables, then views),
// from the server's SHOW CREATE, leaving out Sidecut's and Vitess's
// internal tables (artifacts, shadows, GC tables).
#ifndef SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_
#define SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// ';'-separated CREATE TABLE / CREATE VIEW statements of `db` (sequences
// are left out: schemadiff does not model them, and a deployment must not
// take them for tables to drop).
absl::StatusOr<std::string> LoadLiveSchemaSql(mysql::Connection& conn,
                                              absl::string_view db);

// The server's default collation of each character set (normalized names):
// information_schema.CHARACTER_SETS, overridden where the server has
// @@character_set_collations (MariaDB 11.2+).
absl::StatusOr<absl::flat_hash_map<std::string, std::string>>
LoadDefaultCollations(mysql::Connection& conn);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_LIVE_SCHEMA_H_
