// Analysis cases of the schemadiff conformance runner: TestExpands (does a
// column change widen its data range, and why), TestRevertible (what a
// revert of a table change would lose), the ALTER TABLE analyses
// (alter_analysis.h) and TestSchemaApplyError (a schema diff applies to its
// `from`, not to its `to`).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/alter_analysis.h"
#include "schemadiff/column_expansion.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/revertibility.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_order.h"
#include "schemadiff/schema_diff_plan.h"
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

// The case's field `key` as a boolean (false when absent).
bool BoolField(const JsonValue& c, absl::string_view key) {
  const JsonValue* fields = c.Find("fields");
  const JsonValue* v = fields == nullptr ? nullptr : fields->Find(key);
  return v != nullptr && v->boolean;
}

// The case's field `key`, an object of strings, as a map.
std::map<std::string, std::string> MapField(const JsonValue& c,
                                            absl::string_view key) {
  std::map<std::string, std::string> out;
  const JsonValue* fields = c.Find("fields");
  const JsonValue* v = fields == nullptr ? nullptr : fields->Find(key);
  if (v == nullptr) return out;
  for (const auto& [k, value] : v->object) {
    out[k] = value.is_string() ? value.text : (value.boolean ? "true" : "");
  }
  return out;
}

absl::StatusOr<AlterTable> AlterOf(const JsonValue& c) {
  absl::StatusOr<Statement> s = ParseStatement(Field(c, "alter"));
  if (!s.ok()) return s.status();
  const auto* a = std::get_if<AlterTable>(&*s);
  if (a == nullptr) return absl::InvalidArgumentError("not an ALTER TABLE");
  return *a;
}

absl::StatusOr<CreateTable> CreateOf(const JsonValue& c,
                                     absl::string_view key) {
  absl::StatusOr<Statement> s = ParseStatement(Field(c, key));
  if (!s.ok()) return s.status();
  const auto* t = std::get_if<CreateTable>(&*s);
  if (t == nullptr) return absl::InvalidArgumentError("not a CREATE TABLE");
  return *t;
}

// Applies the ordered diffs turning `a` into `b` to `target`.
absl::Status ApplyPlan(const Schema& a, const Schema& b, const Schema& target) {
  absl::StatusOr<SchemaDiffPlan> plan = PlanSchemaDiff(a, b, DiffHints{});
  if (!plan.ok()) return plan.status();
  if (plan->diffs.empty()) return absl::InvalidArgumentError("no diffs");
  absl::StatusOr<std::vector<int>> order = OrderDiffs(a, *plan);
  if (!order.ok()) return order.status();
  Schema current = target;
  for (int d : *order) {
    absl::StatusOr<Schema> next = ApplyEntityDiff(current, plan->diffs[d]);
    if (!next.ok()) return next.status();
    current = *std::move(next);
  }
  return absl::OkStatus();
}

}  // namespace

SchemadiffVerdict RunRotatesRangePartitionCase(const JsonValue& c) {
  absl::StatusOr<AlterTable> alter = AlterOf(c);
  if (!alter.ok()) return Fail(std::string(alter.status().message()));
  bool got = AlterTableRotatesRangePartition(*alter);
  if (got == BoolField(c, "expect")) return Pass();
  return Fail(absl::StrCat("rotates: got ", got));
}

SchemadiffVerdict RunAddInstantAlgorithmCase(const JsonValue& c) {
  absl::StatusOr<AlterTable> alter = AlterOf(c);
  if (!alter.ok()) return Fail(std::string(alter.status().message()));
  AddInstantAlgorithm(&*alter);
  std::string got = ToCanonicalString(*alter);
  std::string want = Field(c, "expect");
  if (got == want) return Pass();
  return Fail(absl::StrCat("got \"", got, "\" want \"", want, "\""));
}

SchemadiffVerdict RunRemovedForeignKeyNamesCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> before = CreateOf(c, "before");
  if (!before.ok()) return Fail(std::string(before.status().message()));
  absl::StatusOr<CreateTable> after = CreateOf(c, "after");
  if (!after.ok()) return Fail(std::string(after.status().message()));
  std::vector<std::string> want;
  const JsonValue* fields = c.Find("fields");
  const JsonValue* names = fields == nullptr ? nullptr : fields->Find("names");
  if (names != nullptr) {
    for (const JsonValue& n : names->array) want.push_back(n.text);
  }
  std::vector<std::string> got = RemovedForeignKeyNames(*before, *after);
  if (got == want) return Pass();
  return Fail(absl::StrCat("got [", absl::StrJoin(got, ","), "] want [",
                           absl::StrJoin(want, ","), "]"));
}

SchemadiffVerdict RunAlterTableAnalysisCase(const JsonValue& c) {
  absl::StatusOr<AlterTable> alter = AlterOf(c);
  if (!alter.ok()) return Fail(std::string(alter.status().message()));
  AlterTableAnalysis a = AnalyzeAlterTable(*alter);
  if (a.column_renames != MapField(c, "renames")) {
    return Fail("column renames differ");
  }
  std::map<std::string, std::string> drops;
  for (const std::string& d : a.dropped_columns) drops[d] = "true";
  if (drops != MapField(c, "drops")) return Fail("dropped columns differ");
  if (a.sets_auto_increment != BoolField(c, "autoinc")) {
    return Fail(absl::StrCat("auto_increment: got ", a.sets_auto_increment));
  }
  if (a.is_rename != BoolField(c, "isrename")) {
    return Fail(absl::StrCat("rename: got ", a.is_rename));
  }
  return Pass();
}

SchemadiffVerdict RunSchemaApplyErrorCase(const JsonValue& c) {
  absl::StatusOr<Schema> a = Schema::FromSql(Field(c, "from"));
  if (!a.ok()) return Fail(std::string(a.status().message()));
  absl::StatusOr<Schema> b = Schema::FromSql(Field(c, "to"));
  if (!b.ok()) return Fail(std::string(b.status().message()));
  // The diffs of a to b apply to a, not to b; and the other way round.
  for (const auto& [x, y] : {std::pair(&*a, &*b), std::pair(&*b, &*a)}) {
    absl::Status on_x = ApplyPlan(*x, *y, *x);
    if (!on_x.ok()) return Fail(absl::StrCat("apply: ", on_x.message()));
    if (ApplyPlan(*x, *y, *y).ok()) {
      return Fail("diffs applied to the schema they lead to");
    }
  }
  return Pass();
}

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
