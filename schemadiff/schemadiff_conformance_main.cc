// Runs the schemadiff conformance corpus:
//   bazel run //schemadiff:schemadiff_conformance [-- FILE.jsonl|DIR]
// Default: every file of ../shared/corpus/schemadiff/ beside the
// workspace. Exit status 0 when nothing failed, 1 otherwise, 2 on usage or
// read errors.
#include <iostream>
#include <string>

#include "absl/status/statusor.h"
#include "schemadiff/corpus_path.h"
#include "schemadiff/schemadiff_conformance.h"

int main(int argc, char** argv) {
  namespace sd = sidecut::schemadiff;
  if (argc > 2) {
    std::cerr << "usage: " << argv[0] << " [CORPUS.jsonl | DIRECTORY]\n";
    return 2;
  }
  std::string path =
      argc == 2 ? std::string(argv[1])
                : sd::SharedCorpusPath("schemadiff/BUILD.bazel", "schemadiff");
  absl::StatusOr<sd::SchemadiffSummary> summary =
      sd::RunSchemadiffConformance(path, std::cout);
  if (!summary.ok()) {
    std::cerr << summary.status() << "\n";
    return 2;
  }
  return summary->failed == 0 ? 0 : 1;
}
