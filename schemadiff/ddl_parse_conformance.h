// Conformance runner for ../shared/corpus/ddl-parse/*.jsonl: each case is
// an `input` statement and the `output` expected after parse and print
// (`output_mode` String or CanonicalString; `parse_mode` Parse (lenient),
// ParseStrictDDL or ParseMultiple).
//
// Verdicts:
//   - `output` null and `output_mode` null: the input must be rejected.
//   - `output` null with an output mode (the corpus has no expectation):
//     the printed form must parse again and print identically (round trip).
//   - otherwise the printed form must equal `output` exactly.
//   - cases with non-empty `mysql_only_syntax_hints` are run and reported
//     but counted as skipped (MySQL-8-only syntax).
//
// Reads files (not part of the pure parsing library). Thread-compatible.
#ifndef SIDECUT_SCHEMADIFF_DDL_PARSE_CONFORMANCE_H_
#define SIDECUT_SCHEMADIFF_DDL_PARSE_CONFORMANCE_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

struct DdlParseCase {
  std::string id;
  std::string input;
  std::optional<std::string> output;
  std::string output_mode;  // "String", "CanonicalString" or empty
  std::string parse_mode;   // "Parse", "ParseStrictDDL", "ParseMultiple"
  std::vector<std::string> mysql_only_syntax_hints;
};

// Decodes one jsonl line.
absl::StatusOr<DdlParseCase> DecodeDdlParseCase(absl::string_view json_line);

struct CaseVerdict {
  bool pass = false;
  bool skipped = false;  // MySQL-only syntax; `pass` says how it went
  std::string detail;    // "got ... want ..." on failure, notes otherwise
};

CaseVerdict RunDdlParseCase(const DdlParseCase& c);

struct ConformanceSummary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  int round_trip_only = 0;  // passes checked by round trip (no expectation)
};

// Runs every case of `path` (a .jsonl file, or a directory whose *.jsonl
// files are run in name order), writing "PASS id", "FAIL id: ..." and
// "SKIP id ..." lines and the summary line
// "N passed, N failed, N skipped (mysql-only syntax)" to `out`.
absl::StatusOr<ConformanceSummary> RunDdlParseConformance(
    const std::string& path, std::ostream& out);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_DDL_PARSE_CONFORMANCE_H_
