// Internal: helpers and per-test_func handlers of the schemadiff
// conformance runner, shared by schemadiff_conformance*.cc.
#ifndef SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_INTERNAL_H_
#define SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_INTERNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "schemadiff/json_lite.h"
#include "schemadiff/schemadiff_conformance.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

// The string member `key`, or nullopt when absent or not a string.
std::optional<std::string> StringMember(const JsonValue& obj,
                                        absl::string_view key);

// Expected statements: a string ("" = none) or a list; nullopt otherwise.
std::optional<std::vector<std::string>> ExpectedStatements(
    const JsonValue& c, absl::string_view key);

// Verdict for an error against `expected_error` / `expected_error_match`.
SchemadiffVerdict CheckError(const JsonValue& c, const absl::Status& error);

// Verdict comparing printed statements with `expected_diff` and
// `expected_cdiff`.
SchemadiffVerdict CheckStatements(const JsonValue& c,
                                  const std::vector<std::string>& diff,
                                  const std::vector<std::string>& cdiff);

SchemadiffVerdict Pass();
SchemadiffVerdict Fail(std::string detail);

// schemadiff_conformance_table.cc
SchemadiffVerdict RunNormalizeCase(const JsonValue& c);
SchemadiffVerdict RunTableDiffCase(const JsonValue& c);
SchemadiffVerdict RunValidateCase(const JsonValue& c);  // TestValidate
SchemadiffVerdict RunViewCase(const JsonValue& c);  // TestCreateViewDiff, ...

// schemadiff_conformance_schema.cc
SchemadiffVerdict RunSchemaCase(const JsonValue& c);
SchemadiffVerdict RunSchemaDiffCase(const JsonValue& c);  // TestDiffSchemas
SchemadiffVerdict RunEntityDiffByStatementCase(const JsonValue& c);
SchemadiffVerdict RunDependencyNamesCase(const JsonValue& c);
// schemadiff_conformance_order.cc: TestSchemaDiff and
// TestAlterTableCapableOfInstantDDL
SchemadiffVerdict RunOrderedSchemaDiffCase(const JsonValue& c);
// TestPermutations: the number of diffs and of distinct permutations the
// ordering search walks over all of them (PermuteDiffs), the original
// first, and an early break after one.
SchemadiffVerdict RunPermutationsCase(const JsonValue& c);

// schemadiff_conformance_analysis.cc: TestExpands (column_expansion.h) and
// TestRevertible (revertibility.h).
SchemadiffVerdict RunExpandsCase(const JsonValue& c);
SchemadiffVerdict RunRevertibleCase(const JsonValue& c);
SchemadiffVerdict RunRotatesRangePartitionCase(const JsonValue& c);
SchemadiffVerdict RunAddInstantAlgorithmCase(const JsonValue& c);
SchemadiffVerdict RunRemovedForeignKeyNamesCase(const JsonValue& c);
SchemadiffVerdict RunAlterTableAnalysisCase(const JsonValue& c);
SchemadiffVerdict RunSchemaApplyErrorCase(const JsonValue& c);
// Key analyses (key_analysis.h) on the tables the Vitess tests define.
SchemadiffVerdict RunKeyFactsCase(const JsonValue& c);
SchemadiffVerdict RunKeyAtLeastConstrainedAsCase(const JsonValue& c);
SchemadiffVerdict RunIndexesCoveringColumnsCase(const JsonValue& c);
SchemadiffVerdict RunIterationKeysCase(const JsonValue& c);
SchemadiffVerdict RunInstantCapabilityCase(const JsonValue& c);

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMADIFF_CONFORMANCE_INTERNAL_H_
