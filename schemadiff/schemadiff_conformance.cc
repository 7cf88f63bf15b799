#include "schemadiff/schemadiff_conformance.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "schemadiff/corpus_path.h"
#include "schemadiff/schemadiff_conformance_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

std::optional<std::string> StringMember(const JsonValue& obj,
                                        absl::string_view key) {
  const JsonValue* v = obj.Find(key);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return v->text;
}

std::optional<std::vector<std::string>> ExpectedStatements(
    const JsonValue& c, absl::string_view key) {
  const JsonValue* v = c.Find(key);
  if (v == nullptr) return std::nullopt;
  std::vector<std::string> out;
  if (v->is_string()) {
    if (!v->text.empty()) out.push_back(v->text);
    return out;
  }
  if (v->type != JsonValue::Type::kArray) return std::nullopt;
  for (const JsonValue& s : v->array) out.push_back(s.text);
  return out;
}

SchemadiffVerdict Pass() {
  SchemadiffVerdict v;
  v.outcome = SchemadiffVerdict::Outcome::kPass;
  return v;
}

SchemadiffVerdict Fail(std::string detail) {
  SchemadiffVerdict v;
  v.outcome = SchemadiffVerdict::Outcome::kFail;
  v.detail = std::move(detail);
  return v;
}

SchemadiffVerdict CheckError(const JsonValue& c, const absl::Status& error) {
  std::optional<std::string> want = StringMember(c, "expected_error");
  if (!want) {
    return Fail(absl::StrCat("unexpected error: ", error.message()));
  }
  std::string match = StringMember(c, "expected_error_match").value_or("");
  bool ok = match == "any" ||
            (match == "contains" ? absl::StrContains(error.message(), *want)
                                 : error.message() == *want);
  if (ok) return Pass();
  return Fail(absl::StrCat("got error \"", error.message(), "\" want \"", *want,
                           "\"", match.empty() ? "" : " (", match,
                           match.empty() ? "" : ")"));
}

SchemadiffVerdict CheckStatements(const JsonValue& c,
                                  const std::vector<std::string>& diff,
                                  const std::vector<std::string>& cdiff) {
  if (std::optional<std::string> err = StringMember(c, "expected_error")) {
    return Fail(absl::StrCat("got [", absl::StrJoin(diff, "; "),
                             "] want error \"", *err, "\""));
  }
  std::optional<std::vector<std::string>> want =
      ExpectedStatements(c, "expected_diff");
  if (want && *want != diff) {
    return Fail(absl::StrCat("got [", absl::StrJoin(diff, "; "), "] want [",
                             absl::StrJoin(*want, "; "), "]"));
  }
  std::optional<std::vector<std::string>> cwant =
      ExpectedStatements(c, "expected_cdiff");
  if (cwant && *cwant != cdiff) {
    return Fail(absl::StrCat("canonical: got [", absl::StrJoin(cdiff, "; "),
                             "] want [", absl::StrJoin(*cwant, "; "), "]"));
  }
  return Pass();
}

}  // namespace internal

namespace {

SchemadiffVerdict Skip(std::string detail) {
  SchemadiffVerdict v;
  v.outcome = SchemadiffVerdict::Outcome::kSkip;
  v.detail = std::move(detail);
  return v;
}

absl::Status RunFile(const std::string& path, std::ostream& out,
                     SchemadiffSummary* summary) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read corpus file ", path));
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<JsonValue> c = ParseJson(line);
    if (!c.ok() || c->type != JsonValue::Type::kObject) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": not a JSON object case"));
    }
    std::string id = internal::StringMember(*c, "id").value_or("?");
    std::string func = internal::StringMember(*c, "test_func").value_or("?");
    SchemadiffVerdict v = RunSchemadiffCase(*c);
    switch (v.outcome) {
      case SchemadiffVerdict::Outcome::kPass:
        ++summary->passed;
        ++summary->passed_by_func[func];
        out << "PASS " << id << "\n";
        break;
      case SchemadiffVerdict::Outcome::kFail:
        ++summary->failed;
        ++summary->failed_by_func[func];
        out << "FAIL " << id << ": " << v.detail << "\n";
        break;
      case SchemadiffVerdict::Outcome::kSkip:
        ++summary->skipped;
        ++summary->skipped_by_func[func];
        if (absl::StartsWith(v.detail, "mysql-only")) {
          ++summary->skipped_mysql_only;
        } else if (absl::StartsWith(v.detail, "not self-contained")) {
          ++summary->skipped_not_self_contained;
        }
        out << "SKIP " << id << " (" << v.detail << ")\n";
        break;
    }
  }
  return absl::OkStatus();
}

void PrintCounts(absl::string_view what, const std::map<std::string, int>& m,
                 std::ostream& out) {
  if (m.empty()) return;
  out << what << ":";
  for (const auto& [func, n] : m) out << " " << func << "=" << n;
  out << "\n";
}

}  // namespace

SchemadiffVerdict RunSchemadiffCase(const JsonValue& c) {
  const JsonValue* hints = c.Find("mysql_only_syntax_hints");
  if (hints != nullptr && !hints->array.empty()) {
    std::vector<std::string> names;
    for (const JsonValue& h : hints->array) names.push_back(h.text);
    return Skip(absl::StrCat("mysql-only: ", absl::StrJoin(names, ",")));
  }
  std::string func = internal::StringMember(c, "test_func").value_or("");
  using Runner = SchemadiffVerdict (*)(const JsonValue&);
  static const auto* const kRunners = new std::map<std::string, Runner>{
      {"TestNormalize", internal::RunNormalizeCase},
      {"TestCreateTableDiff", internal::RunTableDiffCase},
      {"TestDiffTables", internal::RunTableDiffCase},
      {"TestInvalidSchema", internal::RunSchemaCase},
      {"TestNewSchemaFromSQL", internal::RunSchemaCase},
      {"TestToSQL", internal::RunSchemaCase},
      {"TestCopy", internal::RunSchemaCase},
      {"TestTableForeignKeyOrdering", internal::RunSchemaCase},
      {"TestInvalidTableForeignKeyReference", internal::RunSchemaCase},
      {"TestViewReferences", internal::RunSchemaCase},
      {"TestGetEntityColumnNames", internal::RunSchemaCase},
      {"TestValidate", internal::RunValidateCase},
      {"TestDiffSchemas", internal::RunSchemaDiffCase},
      {"TestSchemaDiff", internal::RunOrderedSchemaDiffCase},
      {"TestPermutations", internal::RunPermutationsCase},
      {"TestExpands", internal::RunExpandsCase},
      {"TestRevertible", internal::RunRevertibleCase},
      {"TestAlterTableRotatesRangePartition",
       internal::RunRotatesRangePartitionCase},
      {"TestAddInstantAlgorithm", internal::RunAddInstantAlgorithmCase},
      {"TestRemovedForeignKeyNames", internal::RunRemovedForeignKeyNamesCase},
      {"TestGetAlterTableAnalysis", internal::RunAlterTableAnalysisCase},
      {"TestSchemaApplyError", internal::RunSchemaApplyErrorCase},
      {"TestIndexDefinitionEntityMap", internal::RunKeyFactsCase},
      {"TestKeyAtLeastConstrainedAs", internal::RunKeyAtLeastConstrainedAsCase},
      {"TestIndexesCoveringForeignKeyColumns",
       internal::RunIndexesCoveringColumnsCase},
      {"TestUniqueKeysCoveredByColumns", internal::RunIterationKeysCase},
      {"TestAlterTableCapableOfInstantDDL", internal::RunInstantCapabilityCase},
      {"TestEntityDiffByStatement", internal::RunEntityDiffByStatementCase},
      {"TestCreateViewDiff", internal::RunViewCase},
      {"TestNormalizeView", internal::RunViewCase},
      {"TestDiffViews", internal::RunViewCase},
      {"TestGetViewDependentTableNames", internal::RunDependencyNamesCase},
      {"TestGetForeignKeyParentTableNames", internal::RunDependencyNamesCase},
  };
  if (auto it = kRunners->find(func); it != kRunners->end()) {
    return it->second(c);
  }
  // TestNewSchemaFromQueries and its variants (...Loop, ...Unresolved, ...).
  if (absl::StartsWith(func, "TestNewSchemaFromQueries")) {
    return internal::RunSchemaCase(c);
  }
  // These cases name keys or constraints of tables (or a migration UUID)
  // that the Vitess test function defines in its code, not in the case:
  // they cannot be run from the case alone.
  for (absl::string_view f :
       {"TestIntroducedUniqueConstraints", "TestAnalyzeSharedColumns",
        "TestDuplicateCreateTable", "TestValidateAndEditCreateTableStatement",
        "TestValidateAndEditAlterTableStatement"}) {
    if (func == f) {
      return Skip(absl::StrCat(
          "not self-contained: ", func,
          " reads tables or a UUID defined in the Vitess test code"));
    }
  }
  return Skip(absl::StrCat("test_func ", func, " not handled yet"));
}

absl::StatusOr<SchemadiffSummary> RunSchemadiffConformance(
    const std::string& path, std::ostream& out) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> files, CorpusFiles(path));
  SchemadiffSummary summary;
  for (const std::string& f : files) {
    SC_RETURN_IF_ERROR(RunFile(f, out, &summary));
  }
  PrintCounts("passed by test_func", summary.passed_by_func, out);
  PrintCounts("failed by test_func", summary.failed_by_func, out);
  PrintCounts("skipped by test_func", summary.skipped_by_func, out);
  const int portable = summary.passed + summary.failed + summary.skipped -
                       summary.skipped_mysql_only;
  const int runnable = portable - summary.skipped_not_self_contained;
  if (portable > 0 && runnable > 0) {
    out << absl::StrFormat(
        "not MySQL-8-only: %d cases, %d passed (%.1f%%); of the %d "
        "self-contained ones %.1f%% passed\n",
        portable, summary.passed, 100.0 * summary.passed / portable, runnable,
        100.0 * summary.passed / runnable);
  }
  out << summary.passed << " passed, " << summary.failed << " failed, "
      << summary.skipped << " skipped\n";
  return summary;
}

}  // namespace schemadiff
}  // namespace sidecut
