// Conformance runner for ../shared/corpus/schemadiff-mariadb/pairs.jsonl:
// each pair's `from` and `to` are MariaDB's own SHOW CREATE TABLE output
// around a reference ALTER. For each pair the runner creates `from` on a
// real server (in a scratch database, as a dump is restored: permissive
// sql_mode NO_ENGINE_SUBSTITUTION, foreign_key_checks off), applies
// the diff DiffCreateTables(from, to) computes, and requires SHOW CREATE
// TABLE to print exactly `to`; a pair marked expected_empty_diff must also
// have an empty diff.
//
// Talks to a server through mysql::Connection (the runner, not the pure
// schemadiff library, depends on mysql/). Thread-compatible.
#ifndef SIDECUT_SCHEMADIFF_MARIADB_PAIRS_CONFORMANCE_H_
#define SIDECUT_SCHEMADIFF_MARIADB_PAIRS_CONFORMANCE_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "mysql/connection.h"

namespace sidecut {
namespace schemadiff {

struct PairsSummary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

// Runs every pair of `path` against `conn`, writing "PASS id", "FAIL id:
// ..." lines and "N passed, N failed, N skipped" to `out`. Uses (and drops)
// the database `schemadiff_pairs`.
absl::StatusOr<PairsSummary> RunMariaDbPairs(const std::string& path,
                                             mysql::Connection& conn,
                                             std::ostream& out);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_MARIADB_PAIRS_CONFORMANCE_H_
