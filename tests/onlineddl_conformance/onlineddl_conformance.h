// Conformance runner for the online DDL corpus
// (../shared/corpus/onlineddl/NAME/, 104 cases in Vitess's vrepl_suite
// format): loads the cases, starts throwaway MariaDB instances configured
// as the suite expects, runs the cases spread over the instances (see
// case_runner.h for what one case checks) and reports one line per case:
//   PASS name (1.2s)
//   FAIL name: reason (3.4s)
//   SKIP name: reason
// then "N passed, N failed, N skipped".
//
// Thread-safe: RunCases runs one worker thread per server and serializes
// its `on_result` calls.
#ifndef SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_ONLINEDDL_CONFORMANCE_H_
#define SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_ONLINEDDL_CONFORMANCE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"
#include "tests/harness/mariadb_instance.h"
#include "tests/onlineddl_conformance/case_runner.h"
#include "tests/onlineddl_conformance/conformance_case.h"

namespace sidecut {
namespace onlineddl_conformance {

// The sql_mode Vitess's suite sets globally before every case (the cases'
// expected errors depend on it: NO_ZERO_IN_DATE, NO_ZERO_DATE, strict).
inline constexpr char kSuiteSqlMode[] =
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

// <workspace>/../shared/corpus/onlineddl, located from `anchor` (a
// workspace-relative file in the test's data; see schemadiff/corpus_path.h).
std::string DefaultCasesPath(absl::string_view anchor);

// Loads the cases of `path` (a case directory or a directory of them; see
// ListCaseDirs) whose name matches the RE2 regexp `filter` somewhere
// ("" = all), in name order. kInvalidArgument for a bad filter.
absl::StatusOr<std::vector<ConformanceCase>> LoadCases(
    const std::string& path, absl::string_view filter);

// Starts `n` throwaway instances with the suite's settings (kSuiteSqlMode;
// the harness already enables the event scheduler).
absl::StatusOr<std::vector<std::unique_ptr<harness::MariaDbInstance>>>
StartSuiteInstances(int n);

// How to reach each instance (TCP, user root).
std::vector<mysql::ConnectParams> ServersOf(
    const std::vector<std::unique_ptr<harness::MariaDbInstance>>& instances);

// Runs `cases` on `servers`, one worker thread per server taking the next
// case as it finishes one; calls `on_result` (serialized) as each case
// ends. Returns the results in the order of `cases`.
// REQUIRES: !servers.empty().
std::vector<CaseResult> RunCases(
    const std::vector<ConformanceCase>& cases,
    const std::vector<mysql::ConnectParams>& servers, const RunOptions& options,
    const std::function<void(const CaseResult&)>& on_result);

// "PASS name (1.2s)", "FAIL name: reason (1.2s)" or "SKIP name: reason".
std::string FormatResult(const CaseResult& r);

struct Summary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
};

Summary Summarize(const std::vector<CaseResult>& results);

// "N passed, N failed, N skipped".
std::string FormatSummary(const Summary& s);

}  // namespace onlineddl_conformance
}  // namespace sidecut

#endif  // SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_ONLINEDDL_CONFORMANCE_H_
