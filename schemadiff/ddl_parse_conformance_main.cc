// ddl_parse_conformance [CORPUS.jsonl | DIRECTORY]
//
// Parses and prints every case of a ddl-parse corpus and reports
// PASS/FAIL/SKIP per case and a summary line. Default corpus:
// ../shared/corpus/ddl-parse/ddl_parse.jsonl beside the workspace.
// Exit status: 0 if no case failed, 1 if some failed, 2 on errors.
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "schemadiff/corpus_path.h"
#include "schemadiff/ddl_parse_conformance.h"

int main(int argc, char** argv) {
  namespace sd = sidecut::schemadiff;
  if (argc > 2) {
    std::cerr << "usage: " << argv[0] << " [CORPUS.jsonl | DIRECTORY]\n";
    return 2;
  }
  std::string path = argc == 2
                         ? std::string(argv[1])
                         : sd::SharedCorpusPath("schemadiff/BUILD.bazel",
                                                "ddl-parse/ddl_parse.jsonl");
  absl::StatusOr<sd::ConformanceSummary> summary =
      sd::RunDdlParseConformance(path, std::cout);
  if (!summary.ok()) {
    std::cerr << summary.status() << "\n";
    return 2;
  }
  return summary->failed == 0 ? 0 : 1;
}
