// Runs the online DDL corpus end to end on throwaway MariaDB instances:
//   bazel run //tests/onlineddl_conformance:onlineddl_conformance --
//       [--cases=DIR] [--filter=REGEX] [--parallel=N] [--event_seconds=S]
//       [--stop_writes=scheduler|disable] [--case_timeout=60s]
// Prints one line per case as it ends, then "N passed, N failed, N
// skipped". Exit status 0 when no case failed, 1 otherwise, 2 on usage or
// setup errors. Without `bazel run`, run it from the workspace directory
// (the default --cases is found from there).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/time.h"
#include "tests/onlineddl_conformance/onlineddl_conformance.h"

ABSL_FLAG(std::string, cases, "",
          "A case directory, or a directory of them. Default: the shared "
          "corpus's onlineddl directory.");
ABSL_FLAG(std::string, filter, "",
          "Run only the cases whose name matches this RE2 regexp (anywhere).");
ABSL_FLAG(int, parallel, 2,
          "MariaDB instances to start; the cases are spread over them "
          "(1-16).");
ABSL_FLAG(int, event_seconds, 10,
          "How long each case's event writes (the corpus says 60; 1-60).");
ABSL_FLAG(std::string, stop_writes, "disable",
          "How to stop the event's writes before the cut-over: \"scheduler\" "
          "(SET GLOBAL event_scheduler = OFF; nothing in the binlog) or "
          "\"disable\" (ALTER EVENT ... DISABLE, a DDL in the binlog).");
ABSL_FLAG(absl::Duration, case_timeout, absl::Seconds(60),
          "Time limit of one case.");

int main(int argc, char** argv) {
  namespace odc = sidecut::onlineddl_conformance;
  absl::ParseCommandLine(argc, argv);
  const int parallel = absl::GetFlag(FLAGS_parallel);
  const int event_seconds = absl::GetFlag(FLAGS_event_seconds);
  if (parallel < 1 || parallel > 16 || event_seconds < 1 ||
      event_seconds > 60) {
    std::cerr << "--parallel must be 1-16 and --event_seconds 1-60\n";
    return 2;
  }
  const std::string stop_writes = absl::GetFlag(FLAGS_stop_writes);
  if (stop_writes != "scheduler" && stop_writes != "disable") {
    std::cerr << "--stop_writes must be \"scheduler\" or \"disable\"\n";
    return 2;
  }
  std::string path = absl::GetFlag(FLAGS_cases);
  if (path.empty()) {
    path = odc::DefaultCasesPath("tests/onlineddl_conformance/BUILD.bazel");
  }
  absl::StatusOr<std::vector<odc::ConformanceCase>> cases =
      odc::LoadCases(path, absl::GetFlag(FLAGS_filter));
  if (!cases.ok()) {
    std::cerr << cases.status() << "\n";
    return 2;
  }
  if (cases->empty()) {
    std::cerr << "no case of " << path << " matches --filter\n";
    return 2;
  }
  const int n = std::min<int>(parallel, static_cast<int>(cases->size()));
  auto instances = odc::StartSuiteInstances(n);
  if (!instances.ok()) {
    std::cerr << "cannot start MariaDB: " << instances.status() << "\n";
    return 2;
  }
  odc::RunOptions options;
  options.event_seconds = event_seconds;
  options.case_timeout = absl::GetFlag(FLAGS_case_timeout);
  options.stop_writes = stop_writes == "scheduler"
                            ? odc::StopWrites::kStopScheduler
                            : odc::StopWrites::kDisableEvents;
  std::vector<odc::CaseResult> results =
      odc::RunCases(*cases, odc::ServersOf(*instances), options,
                    [](const odc::CaseResult& r) {
                      std::cout << odc::FormatResult(r) << std::endl;
                    });
  for (auto& in : *instances) in->Stop().IgnoreError();
  odc::Summary summary = odc::Summarize(results);
  std::cout << odc::FormatSummary(summary) << std::endl;
  return summary.failed == 0 ? 0 : 1;
}
