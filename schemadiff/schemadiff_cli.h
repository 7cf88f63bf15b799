// The `sidecut_schemadiff` command (schemadiff_main.cc), as a function so
// tests can run it in-process:
//
//   sidecut_schemadiff --from=A --to=B [--json]
//
// A and B are each a .sql file, a directory whose *.sql files (sorted by
// name, not recursive) hold CREATE TABLE / CREATE VIEW statements, or a
// live server's schema, mysql://user[:password]@host[:port]/db, read
// through the `live` seam (the library itself does no I/O beyond files;
// cli/live_schema_source.h connects). Prints
// the diff as ordered statements (schema_diff_order.h), one a line ending
// in ';', or with --json one object:
//
//   {"diffs": [{"entity", "kind", "statement"}...],
//    "order": [diff indexes], "classes": [[diff indexes]...],
//    "dependencies": [{"diff", "on", "kind"}...]}
//
// Returns the exit code: 0 on success, 1 on an error (printed to `err`),
// 2 on a usage error. Not thread-safe only in that it reads files.
#ifndef SIDECUT_SCHEMADIFF_SCHEMADIFF_CLI_H_
#define SIDECUT_SCHEMADIFF_SCHEMADIFF_CLI_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_plan.h"

namespace sidecut {
namespace schemadiff {

// Reads the SQL of a live-server source ("mysql://...").
using LiveSqlSource =
    std::function<absl::StatusOr<std::string>(const std::string& url)>;

// True for a live-server source spec.
bool IsLiveSource(absl::string_view spec);

// Reads a .sql file, or every *.sql file of a directory (sorted by name),
// or a live server through `live`, and builds the schema. Errors name the
// source.
absl::StatusOr<Schema> LoadSchemaSource(const std::string& path,
                                        const LiveSqlSource& live = nullptr);

// The --json document of a plan and its order.
// Each ALTER TABLE diff says whether MariaDB 10.11 and MySQL 8.0 can run it
// with ALGORITHM=INSTANT ("instant": {"mariadb": bool, "mysql80": bool};
// instant_capability.h), judged on the table in `from`.
std::string SchemaDiffJson(const Schema& from, const SchemaDiffPlan& plan,
                           const std::vector<int>& order);

// `args` excludes the program name.
int RunSchemadiffCli(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err, const LiveSqlSource& live = nullptr);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMADIFF_CLI_H_
