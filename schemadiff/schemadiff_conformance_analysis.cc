// Analysis cases of the schemadiff conformance runner: TestExpands (does a
// column change widen its data range, and why), TestRevertible (what a
// revert of a table change would lose), the ALTER TABLE analyses
// (alter_analysis.h) and TestSchemaApplyError (a schema diff applies to its
// `from`, not to its `to`).
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "schemadiff/alter_analysis.h"
#include "schemadiff/column_expansion.h"
#include "schemadiff/key_analysis.h"
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

// `sql` parsed as one statement of type T (with columns, for a table).
template <typename T>
absl::StatusOr<T> ParseAs(const std::string& sql) {
  absl::StatusOr<Statement> s = ParseStatement(sql);
  if (!s.ok()) return s.status();
  const auto* t = std::get_if<T>(&*s);
  if (t == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected statement: ", sql));
  }
  if constexpr (std::is_same_v<T, CreateTable>) {
    if (!t->spec) return absl::InvalidArgumentError("no column definitions");
  }
  return *t;
}

// CREATE TABLE t (<body>), parsed.
absl::StatusOr<CreateTable> TableWith(const std::string& body) {
  return ParseAs<CreateTable>(absl::StrCat("create table t (", body, ")"));
}

// The case's field `key`, or nullptr.
const JsonValue* FieldValue(const JsonValue& c, absl::string_view key) {
  const JsonValue* fields = c.Find("fields");
  return fields == nullptr ? nullptr : fields->Find(key);
}

// The case's field `key`: a string, or "" when absent.
std::string Field(const JsonValue& c, absl::string_view key) {
  const JsonValue* v = FieldValue(c, key);
  return v != nullptr && v->is_string() ? v->text : "";
}

// The case's field `key` as a boolean (false when absent).
bool BoolField(const JsonValue& c, absl::string_view key) {
  const JsonValue* v = FieldValue(c, key);
  return v != nullptr && v->boolean;
}

// The case's field `key`, a list of strings (empty when absent).
std::vector<std::string> ListField(const JsonValue& c, absl::string_view key) {
  std::vector<std::string> out;
  const JsonValue* v = FieldValue(c, key);
  if (v == nullptr) return out;
  for (const JsonValue& x : v->array) out.push_back(x.text);
  return out;
}

// The case's field `key`, an object of strings, as a map.
std::map<std::string, std::string> MapField(const JsonValue& c,
                                            absl::string_view key) {
  std::map<std::string, std::string> out;
  const JsonValue* v = FieldValue(c, key);
  if (v == nullptr) return out;
  for (const auto& [k, value] : v->object) {
    out[k] = value.is_string() ? value.text : (value.boolean ? "true" : "");
  }
  return out;
}

absl::StatusOr<AlterTable> AlterOf(const JsonValue& c) {
  return ParseAs<AlterTable>(Field(c, "alter"));
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

// The tables some Vitess test functions define in their code rather than in
// their cases (the cases name their keys); rewritten here from those tests.
constexpr char kKeyMapTable[] =
    "create table t (id int, col1 int, Col2 int not null, "
    "col3 int not null default 3, f float not null, v varchar(32), "
    "primary key (id), unique key ukid (id), unique key uk1 (col1), "
    "unique key uk2 (Col2), unique key uk3 (col3), key k1 (col1), "
    "key k2 (Col2), key k3 (col3), key kf (f), key kf2 (f, Col2), "
    "key kv (v), key kv1 (v, col1), key kv2 (v(10), Col2), "
    "unique key uk12 (col1, Col2), unique key uk21 (col2, Col1), "
    "unique key uk23 (col2, col3), unique key ukid3 (id, col3))";
constexpr char kConstrainedSourceTable[] =
    "create table source_table (id int, c1 int, c2 int, c3 int, c9 int, "
    "v varchar(32), primary key (id), unique key uk1 (c1), "
    "unique key uk2 (c2), unique key uk3 (c3), unique key uk9 (c9), "
    "unique key uk12 (c1, c2), unique key uk13 (c1, c3), "
    "unique key uk23 (c2, c3), unique key uk123 (c1, c2, c3), "
    "unique key uk21 (c2, c1), unique key ukv (v), unique key ukv3 (v(3)), "
    "unique key ukv5 (v(5)), unique key uk2v5 (c2, v(5)))";
constexpr char kConstrainedTargetTable[] =
    "create table target_table (id int, c1 int, c2 int, c3_renamed int, "
    "v varchar(32), primary key (id), unique key uk1 (c1), "
    "unique key uk2 (c2), unique key uk3 (c3_renamed), "
    "unique key uk12 (c1, c2), unique key uk13 (c1, c3_renamed), "
    "unique key uk23 (c2, c3_renamed), "
    "unique key uk123 (c1, c2, c3_renamed), unique key uk21 (c2, c1), "
    "unique key ukv (v), unique key ukv3 (v(3)), unique key ukv5 (v(5)), "
    "unique key uk2v5 (c2, v(5)))";
constexpr char kCoveringTable[] =
    "create table t (id int, a int, b int, c int, d int, e int, z int, "
    "primary key (id), key ax (a), key abx (a, b), key bx (b), "
    "key bax (b, a), key abcdx (a, b, c, d), key dex (d, e))";
constexpr char kIterationKeysTable[] =
    "create table t (id int, c1 int not null, c2 int not null, "
    "c3 int not null, c9 int, v varchar(32) not null, primary key (id), "
    "unique key uk1 (c1), unique key uk3 (c3), unique key uk9 (c9), "
    "key k3 (c3), unique key uk12 (c1, c2), unique key uk13 (c1, c3), "
    "unique key uk23 (c2, c3), unique key uk123 (c1, c2, c3), "
    "unique key uk21 (c2, c1), unique key ukv (v), unique key ukv3 (v(3)), "
    "unique key uk2v5 (c2, v(5)), unique key uk3v (c3, v))";

absl::StatusOr<CreateTable> FixtureTable(const char* sql) {
  return ParseAs<CreateTable>(sql);
}

const IndexDefinition* KeyNamed(const CreateTable& t, const std::string& name) {
  for (const IndexDefinition& k : t.spec->indexes) {
    if (absl::EqualsIgnoreCase(k.name, name) ||
        (k.kind == IndexKind::kPrimary &&
         absl::EqualsIgnoreCase(name, "primary"))) {
      return &k;
    }
  }
  return nullptr;
}

std::vector<std::string> KeyNames(
    const std::vector<const IndexDefinition*>& keys) {
  std::vector<std::string> out;
  for (const IndexDefinition* k : keys) {
    out.push_back(k->kind == IndexKind::kPrimary ? "PRIMARY" : k->name);
  }
  return out;
}

SchemadiffVerdict CompareLists(const std::vector<std::string>& got,
                               const std::vector<std::string>& want) {
  if (got == want) return Pass();
  return Fail(absl::StrCat("got [", absl::StrJoin(got, ","), "] want [",
                           absl::StrJoin(want, ","), "]"));
}

}  // namespace

SchemadiffVerdict RunKeyFactsCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> t = FixtureTable(kKeyMapTable);
  if (!t.ok()) return Fail(std::string(t.status().message()));
  std::map<std::string, KeyFacts> keys = KeyFactsByName(*t);
  auto it = keys.find(Field(c, "key"));
  if (it == keys.end()) return Fail("no such key");
  const KeyFacts& k = it->second;
  if (k.columns != ListField(c, "columns")) {
    return Fail(absl::StrCat("columns: got ", absl::StrJoin(k.columns, ",")));
  }
  const struct {
    const char* field;
    bool got;
  } flags[] = {{"unique", k.unique},
               {"nullable", k.has_nullable},
               {"float", k.has_float},
               {"prefix", k.has_prefix}};
  for (const auto& f : flags) {
    if (f.got != BoolField(c, f.field)) {
      return Fail(absl::StrCat(f.field, ": got ", f.got));
    }
  }
  return Pass();
}

SchemadiffVerdict RunKeyAtLeastConstrainedAsCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> source = FixtureTable(kConstrainedSourceTable);
  absl::StatusOr<CreateTable> target = FixtureTable(kConstrainedTargetTable);
  if (!source.ok() || !target.ok()) return Fail("fixture does not parse");
  const IndexDefinition* a = KeyNamed(*source, Field(c, "sourceKey"));
  const IndexDefinition* b = KeyNamed(*target, Field(c, "targetKey"));
  if (a == nullptr || b == nullptr) return Fail("no such key");
  bool got = KeyAtLeastConstrainedAs(*a, *b, MapField(c, "renameMap"));
  if (got == BoolField(c, "expect")) return Pass();
  return Fail(absl::StrCat("got ", got));
}

SchemadiffVerdict RunIndexesCoveringColumnsCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> t = FixtureTable(kCoveringTable);
  if (!t.ok()) return Fail(std::string(t.status().message()));
  return CompareLists(IndexesCoveringColumns(*t, ListField(c, "columns")),
                      ListField(c, "indexes"));
}

SchemadiffVerdict RunIterationKeysCase(const JsonValue& c) {
  absl::StatusOr<CreateTable> t = FixtureTable(kIterationKeysTable);
  if (!t.ok()) return Fail(std::string(t.status().message()));
  return CompareLists(
      KeyNames(IterationKeysByColumns(*t, PrioritizedUniqueKeys(*t),
                                      ListField(c, "columns"))),
      ListField(c, "expect"));
}

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
  absl::StatusOr<CreateTable> before = ParseAs<CreateTable>(Field(c, "before"));
  if (!before.ok()) return Fail(std::string(before.status().message()));
  absl::StatusOr<CreateTable> after = ParseAs<CreateTable>(Field(c, "after"));
  if (!after.ok()) return Fail(std::string(after.status().message()));
  return CompareLists(RemovedForeignKeyNames(*before, *after),
                      ListField(c, "names"));
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
  const bool expands = BoolField(c, "expands");
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
