// Table cases of the schemadiff conformance runner: TestNormalize,
// TestCreateTableDiff and TestDiffTables.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/schemadiff_conformance_internal.h"
#include "schemadiff/table_apply.h"
#include "schemadiff/table_diff.h"
#include "schemadiff/table_normalize.h"
#include "schemadiff/view_diff.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

absl::StatusOr<std::optional<CreateTable>> ParseTable(const JsonValue& c,
                                                      absl::string_view key) {
  std::optional<std::string> sql = StringMember(c, key);
  if (!sql) return std::optional<CreateTable>();
  absl::StatusOr<Statement> stmt = ParseStatement(*sql);
  if (!stmt.ok()) return stmt.status();
  if (!std::holds_alternative<CreateTable>(*stmt)) {
    return absl::InvalidArgumentError(
        absl::StrCat("`", key, "` is not a CREATE TABLE statement"));
  }
  return std::optional<CreateTable>(std::get<CreateTable>(*stmt));
}

}  // namespace

SchemadiffVerdict RunNormalizeCase(const JsonValue& c) {
  std::optional<std::string> want;
  if (const JsonValue* expect = c.Find("expect")) {
    want = StringMember(*expect, "normalized");
  }
  if (!want) {
    if (const JsonValue* fields = c.Find("fields")) {
      want = StringMember(*fields, "to");
    }
  }
  if (!want) return Fail("case has no expected normalized form");
  absl::StatusOr<std::optional<CreateTable>> table = ParseTable(c, "from");
  if (!table.ok()) return CheckError(c, table.status());
  if (!*table) return Fail("case has no `from` statement");
  NormalizeCreateTable(&**table);
  std::string got = ToCanonicalString(**table);
  if (got != *want) return Fail(absl::StrCat("got ", got, " want ", *want));
  return Pass();
}

SchemadiffVerdict RunTableDiffCase(const JsonValue& c) {
  absl::StatusOr<std::optional<CreateTable>> from = ParseTable(c, "from");
  if (!from.ok()) return CheckError(c, from.status());
  absl::StatusOr<std::optional<CreateTable>> to = ParseTable(c, "to");
  if (!to.ok()) return CheckError(c, to.status());
  DiffHints hints = DiffHintsFromJson(c.Find("hints_resolved"));
  absl::StatusOr<std::vector<Statement>> diff = DiffTableEntities(
      *from ? &**from : nullptr, *to ? &**to : nullptr, hints);
  if (!diff.ok()) return CheckError(c, diff.status());
  std::vector<std::string> printed, canonical;
  for (const Statement& s : *diff) {
    printed.push_back(ToString(s));
    canonical.push_back(ToCanonicalString(s));
  }
  return CheckStatements(c, printed, canonical);
}

SchemadiffVerdict RunValidateCase(const JsonValue& c) {
  absl::StatusOr<std::optional<CreateTable>> from = ParseTable(c, "from");
  if (!from.ok()) return CheckError(c, from.status());
  std::optional<std::string> alter_sql = StringMember(c, "alter");
  if (!*from || !alter_sql) return Fail("case needs `from` and `alter`");
  absl::StatusOr<Statement> alter = ParseStatement(*alter_sql);
  if (!alter.ok()) return CheckError(c, alter.status());
  if (!std::holds_alternative<AlterTable>(*alter)) {
    return Fail("`alter` is not an ALTER TABLE statement");
  }
  absl::StatusOr<CreateTable> got =
      ApplyAlterTable(**from, std::get<AlterTable>(*alter));
  if (!got.ok()) return CheckError(c, got.status());
  if (std::optional<std::string> err = StringMember(c, "expected_error")) {
    return Fail(
        absl::StrCat("got ", ToString(*got), " want error \"", *err, "\""));
  }
  absl::StatusOr<std::optional<CreateTable>> to = ParseTable(c, "to");
  if (!to.ok()) return CheckError(c, to.status());
  if (!*to) return Fail("case has no `to` statement");
  NormalizeCreateTable(&**to);
  if (ToCanonicalString(*got) != ToCanonicalString(**to)) {
    return Fail(absl::StrCat("got ", ToCanonicalString(*got), " want ",
                             ToCanonicalString(**to)));
  }
  return Pass();
}

SchemadiffVerdict RunViewCase(const JsonValue& c) {
  std::vector<std::optional<CreateView>> views;
  for (absl::string_view key : {"from", "to"}) {
    std::optional<std::string> sql = StringMember(c, key);
    if (!sql) {
      views.emplace_back();
      continue;
    }
    absl::StatusOr<Statement> stmt = ParseStatement(*sql);
    if (!stmt.ok()) return CheckError(c, stmt.status());
    if (!std::holds_alternative<CreateView>(*stmt)) {
      return Fail(absl::StrCat("`", key, "` is not a CREATE VIEW"));
    }
    views.push_back(std::get<CreateView>(*stmt));
  }
  if (StringMember(c, "test_func") == "TestNormalizeView") {
    if (!views[0]) return Fail("case has no `from` view");
    std::optional<std::string> want;
    if (const JsonValue* expect = c.Find("expect")) {
      want = StringMember(*expect, "normalized");
    }
    NormalizeCreateView(&*views[0]);
    std::string got = ToCanonicalString(*views[0]);
    if (!want || got != *want) {
      return Fail(absl::StrCat("got ", got, " want ", want.value_or("?")));
    }
    return Pass();
  }
  std::vector<std::string> printed, canonical;
  for (const Statement& s : DiffViewEntities(views[0] ? &*views[0] : nullptr,
                                             views[1] ? &*views[1] : nullptr)) {
    printed.push_back(ToString(s));
    canonical.push_back(ToCanonicalString(s));
  }
  return CheckStatements(c, printed, canonical);
}

}  // namespace internal

DiffHints DiffHintsFromJson(const JsonValue* hints_resolved) {
  DiffHints h;
  if (hints_resolved == nullptr) return h;
  auto is = [hints_resolved](absl::string_view key, absl::string_view value) {
    std::optional<std::string> v = internal::StringMember(*hints_resolved, key);
    return v && *v == value;
  };
  if (is("ColumnRenameStrategy", "ColumnRenameHeuristicStatement")) {
    h.column_rename = ColumnRenameStrategy::kHeuristicStatement;
  }
  if (is("AutoIncrementStrategy", "AutoIncrementApplyHigher")) {
    h.auto_increment = AutoIncrementStrategy::kApplyHigher;
  }
  if (is("AutoIncrementStrategy", "AutoIncrementApplyAlways")) {
    h.auto_increment = AutoIncrementStrategy::kApplyAlways;
  }
  if (is("ConstraintNamesStrategy", "ConstraintNamesIgnoreAll")) {
    h.constraint_names = ConstraintNamesStrategy::kIgnoreAll;
  }
  if (is("ConstraintNamesStrategy", "ConstraintNamesStrict")) {
    h.constraint_names = ConstraintNamesStrategy::kStrict;
  }
  if (is("FullTextKeyStrategy", "FullTextKeyUnifyStatements")) {
    h.fulltext = FullTextKeyStrategy::kUnifyStatements;
  }
  if (is("TableCharsetCollateStrategy", "TableCharsetCollateIgnoreEmpty")) {
    h.charset_collate = TableCharsetCollateStrategy::kIgnoreEmpty;
  }
  if (is("TableCharsetCollateStrategy", "TableCharsetCollateIgnoreAlways")) {
    h.charset_collate = TableCharsetCollateStrategy::kIgnoreAlways;
  }
  if (is("AlterTableAlgorithmStrategy", "AlterTableAlgorithmStrategyInstant")) {
    h.algorithm = AlterTableAlgorithmStrategy::kInstant;
  }
  if (is("AlterTableAlgorithmStrategy", "AlterTableAlgorithmStrategyInplace")) {
    h.algorithm = AlterTableAlgorithmStrategy::kInplace;
  }
  if (is("AlterTableAlgorithmStrategy", "AlterTableAlgorithmStrategyCopy")) {
    h.algorithm = AlterTableAlgorithmStrategy::kCopy;
  }
  if (is("EnumReorderStrategy", "EnumReorderStrategyReject")) {
    h.enum_reorder = EnumReorderStrategy::kReject;
  }
  if (is("RangeRotationStrategy", "RangeRotationDistinctStatements")) {
    h.range_rotation = RangeRotationStrategy::kDistinctStatements;
  }
  if (is("RangeRotationStrategy", "RangeRotationIgnore")) {
    h.range_rotation = RangeRotationStrategy::kIgnore;
  }
  if (is("SubsequentDiffStrategy", "SubsequentDiffStrategyReject")) {
    h.subsequent = SubsequentDiffStrategy::kReject;
  }
  if (is("TableRenameStrategy", "TableRenameHeuristicStatement")) {
    h.table_rename = TableRenameStrategy::kHeuristicStatement;
  }
  if (is("ForeignKeyCheckStrategy",
         "ForeignKeyCheckStrategyCreateTableFirst")) {
    h.foreign_key_check = ForeignKeyCheckStrategy::kCreateTableFirst;
  }
  if (is("ForeignKeyCheckStrategy", "ForeignKeyCheckStrategyIgnore")) {
    h.foreign_key_check = ForeignKeyCheckStrategy::kIgnore;
  }
  if (is("TableQualifierHint", "TableQualifierDeclared")) {
    h.table_qualifier = TableQualifierHint::kDeclared;
  }
  return h;
}

}  // namespace schemadiff
}  // namespace sidecut
