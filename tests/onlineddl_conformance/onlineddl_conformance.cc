#include "tests/onlineddl_conformance/onlineddl_conformance.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "re2/re2.h"
#include "schemadiff/corpus_path.h"
#include "tests/harness/instance_connection.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl_conformance {

std::string DefaultCasesPath(absl::string_view anchor) {
  return schemadiff::SharedCorpusPath(anchor, "onlineddl");
}

absl::StatusOr<std::vector<ConformanceCase>> LoadCases(
    const std::string& path, absl::string_view filter) {
  RE2 re(std::string(filter), RE2::Quiet);
  if (!re.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--filter \"", filter, "\" is not a valid regexp: ", re.error()));
  }
  SC_ASSIGN_OR_RETURN(std::vector<std::string> dirs, ListCaseDirs(path));
  std::vector<ConformanceCase> cases;
  for (const std::string& dir : dirs) {
    SC_ASSIGN_OR_RETURN(ConformanceCase c, LoadCase(dir));
    if (filter.empty() || RE2::PartialMatch(c.name, re)) {
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

absl::StatusOr<std::vector<std::unique_ptr<harness::MariaDbInstance>>>
StartSuiteInstances(int n) {
  harness::InstanceOptions o;
  o.extra_config.push_back(absl::StrCat("sql_mode=", kSuiteSqlMode));
  return harness::StartInstances(n, o);
}

std::vector<mysql::ConnectParams> ServersOf(
    const std::vector<std::unique_ptr<harness::MariaDbInstance>>& instances) {
  std::vector<mysql::ConnectParams> servers;
  for (const auto& in : instances) {
    servers.push_back(harness::ConnectParamsFor(*in));
  }
  return servers;
}

std::vector<CaseResult> RunCases(
    const std::vector<ConformanceCase>& cases,
    const std::vector<mysql::ConnectParams>& servers, const RunOptions& options,
    const std::function<void(const CaseResult&)>& on_result) {
  std::vector<CaseResult> results(cases.size());
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  std::vector<std::thread> workers;
  for (const mysql::ConnectParams& server : servers) {
    workers.emplace_back([&, server] {
      for (size_t i = next++; i < cases.size(); i = next++) {
        CaseResult r = RunCase(cases[i], server, options);
        absl::MutexLock lock(&mu);
        results[i] = r;
        if (on_result) on_result(r);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  return results;
}

std::string FormatResult(const CaseResult& r) {
  const std::string took =
      absl::StrFormat("(%.1fs)", absl::ToDoubleSeconds(r.duration));
  switch (r.outcome) {
    case Outcome::kPass:
      return absl::StrCat("PASS ", r.name, " ", took);
    case Outcome::kSkip:
      return absl::StrCat("SKIP ", r.name, ": ", r.reason);
    case Outcome::kFail:
      break;
  }
  return absl::StrCat("FAIL ", r.name, ": ", r.reason, " ", took);
}

Summary Summarize(const std::vector<CaseResult>& results) {
  Summary s;
  for (const CaseResult& r : results) {
    switch (r.outcome) {
      case Outcome::kPass:
        ++s.passed;
        break;
      case Outcome::kFail:
        ++s.failed;
        break;
      case Outcome::kSkip:
        ++s.skipped;
        break;
    }
  }
  return s;
}

std::string FormatSummary(const Summary& s) {
  return absl::StrCat(s.passed, " passed, ", s.failed, " failed, ", s.skipped,
                      " skipped");
}

}  // namespace onlineddl_conformance
}  // namespace sidecut
