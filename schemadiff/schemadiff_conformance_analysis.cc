// Analysis cases of the schemadiff conformance runner: TestExpands (does a
// column change widen its data range, and why) and TestRevertible (what a
// revert of a table change would lose).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/column_expansion.h"
#include "schemadiff/parser.h"
#include "schemadiff/revertibility.h"
#include "schemadiff/schemadiff_conformance_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// CREATE TABLE t (<body>), parsed.
absl::StatusOr<CreateTable> TableWith(const std::string& body) {
  absl::StatusOr<Statement> s =
      ParseStatement(absl::StrCat("create table t (", body, ")"));
  if (!s.ok()) return s.status();
  const auto* t = std::get_if<CreateTable>(&*s);
  if (t == nullptr || !t->spec) {
    return absl::InvalidArgumentError("not a CREATE TABLE with columns");
  }
  return *t;
}

// The case's field `key`: a string, or "" when absent.
std::string Field(const JsonValue& c, absl::string_view key) {
  const JsonValue* fields = c.Find("fields");
  if (fields == nullptr) return "";
  return StringMember(*fields, key).value_or("");
}

}  // namespace

SchemadiffVerdict RunExpandsCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> source = TableWith("c " + Field(c, "source"));
  if (!source.ok()) return Fail(std::string(source.status().message()));
  absl::StatusOr<CreateTable> target = TableWith("c " + Field(c, "target"));
  if (!target.ok()) return Fail(std::string(target.status().message()));
  const JsonValue* fields = c.Find("fields");
  const JsonValue* want = fields == nullptr ? nullptr : fields->Find("expands");
  const bool expands = want != nullptr && want->boolean;
  ColumnExpansion got = ColumnChangeExpandsDataRange(
      source->spec->columns.front(), target->spec->columns.front());
  if (got.expands != expands) {
    return Fail(absl::StrCat("expands: got ", got.expands, " (", got.reason,
                             ") want ", expands));
  }
  const std::string msg = Field(c, "msg");
  if (!msg.empty() && got.reason != msg) {
    return Fail(
        absl::StrCat("reason: got \"", got.reason, "\" want \"", msg, "\""));
  }
  return Pass();
}

SchemadiffVerdict RunRevertibleCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> from = TableWith(Field(c, "fromSchema"));
  if (!from.ok()) return Fail(std::string(from.status().message()));
  absl::StatusOr<CreateTable> to = TableWith(Field(c, "toSchema"));
  if (!to.ok()) return Fail(std::string(to.status().message()));
  RevertibilityAnalysis r = AnalyzeRevertibility(*from, *to);
  const struct {
    const char* field;
    const std::vector<std::string>& got;
  } checks[] = {
      {"removedUniqueKeyNames", r.removed_unique_key_names},
      {"droppedNoDefaultColumnNames", r.dropped_no_default_column_names},
      {"expandedColumnNames", r.expanded_column_names},
  };
  for (const auto& check : checks) {
    std::string got = absl::StrJoin(check.got, ",");
    std::string want = Field(c, check.field);
    if (got != want) {
      return Fail(
          absl::StrCat(check.field, ": got \"", got, "\" want \"", want, "\""));
    }
  }
  return Pass();
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
