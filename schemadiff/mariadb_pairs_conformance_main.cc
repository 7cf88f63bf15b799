// Runs the MariaDB pairs corpus against a throwaway MariaDB instance:
//   bazel run //schemadiff:mariadb_pairs_conformance [-- FILE.jsonl]
// Default: ../shared/corpus/schemadiff-mariadb/pairs.jsonl. Exit status 0
// when every pair passes, 1 otherwise, 2 on setup errors.
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "schemadiff/corpus_path.h"
#include "schemadiff/mariadb_pairs_conformance.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"

int main(int argc, char** argv) {
  namespace sd = sidecut::schemadiff;
  if (argc > 2) {
    std::cerr << "usage: " << argv[0] << " [PAIRS.jsonl]\n";
    return 2;
  }
  std::string path =
      argc == 2 ? std::string(argv[1])
                : sd::SharedCorpusPath("schemadiff/BUILD.bazel",
                                       "schemadiff-mariadb/pairs.jsonl");
  auto instance = sidecut::harness::MariaDbInstance::Start({});
  if (!instance.ok()) {
    std::cerr << instance.status() << "\n";
    return 2;
  }
  auto conn = sidecut::harness::ConnectTo(**instance);
  if (!conn.ok()) {
    std::cerr << conn.status() << "\n";
    return 2;
  }
  absl::StatusOr<sd::PairsSummary> summary =
      sd::RunMariaDbPairs(path, **conn, std::cout);
  if (!summary.ok()) {
    std::cerr << summary.status() << "\n";
    return 2;
  }
  return summary->failed == 0 ? 0 : 1;
}
