// Ordering cases of the schemadiff conformance runner (TestSchemaDiff):
// the number of diffs and dependencies, whether some dependency is
// sequential, the entity order of the ordered diffs, and the "impossible
// order" error with its number of conflicting diffs; and INSTANT capability
// (TestAlterTableCapableOfInstantDDL, MySQL 8.0 rules).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "schemadiff/instant_capability.h"
#include "schemadiff/parser.h"
#include "schemadiff/schema.h"
#include "schemadiff/schema_diff_order.h"
#include "schemadiff/schema_diff_plan.h"
#include "schemadiff/schemadiff_conformance_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

absl::StatusOr<Schema> SchemaOf(const JsonValue& c, absl::string_view key) {
  const JsonValue* v = c.Find(key);
  std::vector<Statement> all;
  if (v != nullptr) {
    for (const JsonValue& s : v->array) {
      absl::StatusOr<std::vector<Statement>> stmts = ParseStatements(s.text);
      if (!stmts.ok()) return stmts.status();
      for (Statement& st : *stmts) all.push_back(std::move(st));
    }
  }
  return Schema::FromStatements(std::move(all));
}

// Compares expect[key] (a number) with `got`; empty when equal or absent.
std::string CheckCount(const JsonValue* expect, absl::string_view key,
                       size_t got) {
  const JsonValue* v = expect == nullptr ? nullptr : expect->Find(key);
  int want = 0;
  if (v == nullptr || !absl::SimpleAtoi(v->text, &want)) return "";
  if (static_cast<size_t>(want) == got) return "";
  return absl::StrCat(key, ": got ", got, " want ", want);
}

// N of "... N diffs found conflicting:", or 0.
size_t ConflictingDiffs(const absl::Status& s) {
  std::vector<std::string> words = absl::StrSplit(s.message(), ' ');
  for (size_t i = 1; i < words.size(); ++i) {
    size_t n = 0;
    if (words[i] == "diffs" && absl::SimpleAtoi(words[i - 1], &n)) return n;
  }
  return 0;
}

SchemadiffVerdict CheckOrder(const JsonValue& c, const Schema& from,
                             const SchemaDiffPlan& plan) {
  const JsonValue* expect = c.Find("expect");
  absl::StatusOr<std::vector<int>> order = OrderDiffs(from, plan);
  std::optional<std::string> err = StringMember(c, "expected_error");
  if (!order.ok()) {
    if (!err) return Fail(std::string(order.status().message()));
    if (!absl::StrContains(order.status().message(), *err)) {
      return Fail(absl::StrCat("error: got \"", order.status().message(),
                               "\" want \"", *err, "\""));
    }
    // Vitess reports the conflicting diffs only with that error's text.
    if (!absl::StrContains(*err, "diffs found conflicting")) return Pass();
    std::string bad = CheckCount(expect, "conflictingDiffs",
                                 ConflictingDiffs(order.status()));
    return bad.empty() ? Pass() : Fail(bad);
  }
  if (err) return Fail(absl::StrCat("ordered, want error \"", *err, "\""));
  std::vector<std::string> got;
  for (int i : *order) got.push_back(plan.diffs[i].entity);
  const JsonValue* want =
      expect == nullptr ? nullptr : expect->Find("entityOrder");
  if (want == nullptr) return Pass();
  std::vector<std::string> names;
  for (const JsonValue& n : want->array) names.push_back(n.text);
  if (got == names) return Pass();
  return Fail(absl::StrCat("entityOrder: got [", absl::StrJoin(got, ", "),
                           "] want [", absl::StrJoin(names, ", "), "]"));
}

}  // namespace

SchemadiffVerdict RunOrderedSchemaDiffCase(const JsonValue& c) {
  const JsonValue* hints = c.Find("hints_resolved");
  absl::StatusOr<Schema> from = SchemaOf(c, "from");
  if (!from.ok()) return CheckError(c, from.status());
  absl::StatusOr<Schema> to = SchemaOf(c, "to");
  if (!to.ok()) return CheckError(c, to.status());
  absl::StatusOr<SchemaDiffPlan> plan =
      PlanSchemaDiff(*from, *to, DiffHintsFromJson(hints));
  if (!plan.ok()) return CheckError(c, plan.status());
  const JsonValue* expect = c.Find("expect");
  for (std::string bad :
       {CheckCount(expect, "expectDiffs", plan->diffs.size()),
        CheckCount(expect, "expectDeps", plan->dependencies.size())}) {
    if (!bad.empty()) return Fail(bad);
  }
  const JsonValue* seq =
      expect == nullptr ? nullptr : expect->Find("sequential");
  if (seq != nullptr && seq->boolean != plan->HasSequentialDependencies()) {
    return Fail(
        absl::StrCat("sequential: got ", plan->HasSequentialDependencies()));
  }
  return CheckOrder(c, *from, *plan);
}

SchemadiffVerdict RunPermutationsCase(const JsonValue& c) {
  absl::StatusOr<Schema> from = SchemaOf(c, "from");
  if (!from.ok()) return CheckError(c, from.status());
  absl::StatusOr<Schema> to = SchemaOf(c, "to");
  if (!to.ok()) return CheckError(c, to.status());
  absl::StatusOr<SchemaDiffPlan> plan =
      PlanSchemaDiff(*from, *to, DiffHintsFromJson(c.Find("hints_resolved")));
  if (!plan.ok()) return CheckError(c, plan.status());
  const JsonValue* expect = c.Find("expect");
  std::string bad = CheckCount(expect, "expectDiffs", plan->diffs.size());
  if (!bad.empty()) return Fail(bad);
  // Every permutation of all the diffs (not per class), as Vitess's
  // TestPermutations counts them: the unordered order first, each once.
  std::vector<int> original(plan->diffs.size());
  for (size_t i = 0; i < original.size(); ++i) original[i] = i;
  std::vector<int> diffs = original;
  std::set<std::vector<int>> seen;
  std::string problem;
  bool broke = PermuteDiffs(*plan, &diffs, [&](const std::vector<int>& p) {
    if (seen.empty() && p != original) problem = "first is not the original";
    if (!seen.insert(p).second) problem = "a permutation repeats";
    return false;
  });
  if (broke) problem = "stopped without being asked";
  if (!problem.empty()) return Fail(problem);
  bad = CheckCount(expect, "expectPermutations", seen.size());
  if (!bad.empty()) return Fail(bad);
  // An early break stops at the first permutation, the original.
  int visits = 0;
  broke = PermuteDiffs(*plan, &diffs, [&](const std::vector<int>& p) {
    ++visits;
    if (p != original) problem = "early break: first is not the original";
    return true;
  });
  if (!problem.empty()) return Fail(problem);
  if (broke != !original.empty() || visits != (original.empty() ? 0 : 1)) {
    return Fail(absl::StrCat("early break: ", visits, " visits"));
  }
  return Pass();
}

SchemadiffVerdict RunInstantCapabilityCase(const JsonValue& c) {
  absl::StatusOr<Statement> create =
      ParseStatement(StringMember(c, "from").value_or(""));
  if (!create.ok()) return CheckError(c, create.status());
  absl::StatusOr<Statement> alter =
      ParseStatement(StringMember(c, "alter").value_or(""));
  if (!alter.ok()) return CheckError(c, alter.status());
  const auto* t = std::get_if<CreateTable>(&*create);
  const auto* a = std::get_if<AlterTable>(&*alter);
  const JsonValue* expect = c.Find("expect");
  const JsonValue* want =
      expect == nullptr ? nullptr : expect->Find("expectCapableOfInstantDDL");
  if (t == nullptr || a == nullptr || want == nullptr) {
    return Fail("want CREATE TABLE, ALTER TABLE and expectCapableOfInstantDDL");
  }
  bool got = CapableOfInstantDdl(*t, *a, ServerFlavor::kMySQL80);
  if (got == want->boolean) return Pass();
  return Fail(absl::StrCat("capable of INSTANT: got ", got));
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
