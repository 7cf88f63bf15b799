// Conformance runner for ../shared/corpus/schemadiff/*.jsonl (format in
// ../shared/corpus/README.md): one case per line, dispatched on its
// `test_func`. Handled today:
//
//   TestNormalize        `from` normalized and printed canonically must equal
//                        expect.normalized (or fields.to);
//   TestCreateTableDiff, `from` -> `to` table diff (DiffTableEntities) with
//   TestDiffTables       the case's `hints_resolved`; the statements printed
//                        must equal `expected_diff` / `expected_cdiff` (a
//                        string, "" for no diff, or a list for a chain), or
//                        the error must match `expected_error`
//                        (`expected_error_match`: equals/contains/any).
//
// Also: TestValidate (ApplyAlterTable), TestInvalidSchema and the
// TestNewSchemaFromQueries* family (Schema construction and validation),
// TestDiffSchemas (DiffSchemas), TestCreateViewDiff / TestNormalizeView /
// TestDiffViews (view_diff.h), TestGetViewDependentTableNames and
// TestGetForeignKeyParentTableNames.
//
// Cases with non-empty `mysql_only_syntax_hints` and cases of other
// test_funcs are skipped and counted per test_func.
//
// Reads files (not part of the pure library). Thread-compatible.
#ifndef SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_H_
#define SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_H_

#include <map>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "schemadiff/diff_hints.h"
#include "schemadiff/json_lite.h"

namespace sidecut {
namespace schemadiff {

struct SchemadiffVerdict {
  enum class Outcome { kPass, kFail, kSkip };
  Outcome outcome = Outcome::kFail;
  std::string detail;  // why it failed or was skipped
};

// Runs one decoded case (a JSON object).
SchemadiffVerdict RunSchemadiffCase(const JsonValue& c);

// The DiffHints named by a case's `hints_resolved` object (null: defaults).
DiffHints DiffHintsFromJson(const JsonValue* hints_resolved);

struct SchemadiffSummary {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::map<std::string, int> passed_by_func;
  std::map<std::string, int> failed_by_func;
  std::map<std::string, int> skipped_by_func;
  // Of `skipped`: relying on MySQL-8-only syntax; not self-contained (the
  // Vitess test defines their tables in code).
  int skipped_mysql_only = 0;
  int skipped_not_self_contained = 0;
};

// Runs every case of `path` (a .jsonl file, or a directory whose *.jsonl
// files run in name order), writing "PASS id", "FAIL id: ...", "SKIP id
// (...)" lines, per-test_func counts, the share passed of the cases not
// relying on MySQL-8-only syntax, and the summary line
// "N passed, N failed, N skipped" to `out`.
absl::StatusOr<SchemadiffSummary> RunSchemadiffConformance(
    const std::string& path, std::ostream& out);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_H_
