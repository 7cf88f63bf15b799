#include "schemadiff/table_diff.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "schemadiff/charsets.h"
#include "schemadiff/column_normalize.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_diff_internal.h"
#include "schemadiff/table_normalize.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

int ClauseRank(const AlterOption& o) {
  using Kind = AlterOption::Kind;
  switch (o.kind) {
    case Kind::kDropForeignKey:
      return 1;
    case Kind::kDropIndex:
    case Kind::kDropPrimaryKey:
    case Kind::kDropCheck:
      return 2;
    case Kind::kDropColumn:
      return 3;
    case Kind::kModifyColumn:
      return 4;
    case Kind::kRenameColumn:
    case Kind::kChangeColumn:
      return 5;
    case Kind::kAddColumns:
      return 6;
    case Kind::kRenameIndex:
    case Kind::kAlterIndexVisibility:
      return 7;
    case Kind::kAddIndex:
      return 8;
    case Kind::kAddConstraint:
    case Kind::kAlterCheckEnforced:
      return 9;
    case Kind::kTableOptions:
      return 10;
    default:
      return 11;
  }
}

}  // namespace internal

namespace {

absl::StatusOr<CreateTable> Normalized(const CreateTable& table) {
  if (!table.spec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "table `", table.name.name,
        "` has no column definitions (CREATE TABLE ... LIKE or a statement "
        "that was not fully parsed); it cannot be diffed"));
  }
  CreateTable copy = table;
  NormalizeCreateTable(&copy);
  return copy;
}

bool HasCharsetOption(const TableSpec& spec) {
  for (const TableOption& o : spec.options) {
    if (o.name == "charset" || o.name == "collate") return true;
  }
  return false;
}

// Whether table charset/collation differences are ignored, so that columns
// inheriting them compare as unchanged.
bool IgnoresTableCharset(const TableSpec& a, const TableSpec& b,
                         const DiffHints& hints) {
  switch (hints.charset_collate) {
    case TableCharsetCollateStrategy::kStrict:
      return false;
    case TableCharsetCollateStrategy::kIgnoreEmpty:
      return !HasCharsetOption(a) || !HasCharsetOption(b);
    case TableCharsetCollateStrategy::kIgnoreAlways:
      return true;
  }
  return false;
}

// Every textual column must resolve to a known charset and collation.
absl::Status CheckCharsets(const TableSpec& spec,
                           const TableCharsetDefaults& table) {
  for (const ColumnDefinition& c : spec.columns) {
    if (!IsTextualType(c.type.name)) continue;
    const std::string& collate = c.type.collate.text;
    if (!collate.empty() && !IsKnownCollation(collate)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to determine charset for column `", c.name,
                       "` with collation \"", collate, "\""));
    }
    std::string charset = !c.type.charset.empty() ? c.type.charset
                          : !collate.empty()      ? CharsetOfCollation(collate)
                                                  : table.charset;
    if (DefaultCollation(charset).empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unable to determine collation for column `", c.name,
                       "` with charset \"", charset, "\""));
    }
  }
  return absl::OkStatus();
}

void AddAlgorithm(const DiffHints& hints, AlterTable* alter) {
  const char* value = nullptr;
  switch (hints.algorithm) {
    case AlterTableAlgorithmStrategy::kNone:
      return;
    case AlterTableAlgorithmStrategy::kInstant:
      value = "INSTANT";
      break;
    case AlterTableAlgorithmStrategy::kInplace:
      value = "INPLACE";
      break;
    case AlterTableAlgorithmStrategy::kCopy:
      value = "COPY";
      break;
  }
  AlterOption o;
  o.kind = AlterOption::Kind::kAlgorithm;
  o.value = value;
  alter->options.push_back(std::move(o));
}

}  // namespace

absl::StatusOr<std::vector<AlterTable>> DiffCreateTables(
    const CreateTable& from, const CreateTable& to, const DiffHints& hints) {
  SC_ASSIGN_OR_RETURN(CreateTable t1, Normalized(from));
  SC_ASSIGN_OR_RETURN(CreateTable t2, Normalized(to));
  return DiffNormalizedTables(t1, t2, hints);
}

absl::StatusOr<std::vector<AlterTable>> DiffNormalizedTables(
    const CreateTable& from, const CreateTable& to, const DiffHints& hints) {
  if (!from.spec || !to.spec) return Normalized(from.spec ? to : from).status();
  internal::TablePair pair{from.name.name, &*from.spec, &*to.spec,
                           CharsetDefaultsOf(from.spec->options),
                           CharsetDefaultsOf(to.spec->options)};
  if (IgnoresTableCharset(*from.spec, *to.spec, hints)) {
    pair.to_defaults = pair.from_defaults;
  }
  SC_RETURN_IF_ERROR(CheckCharsets(*from.spec, pair.from_defaults));
  SC_RETURN_IF_ERROR(CheckCharsets(*to.spec, pair.to_defaults));
  // Most tables of a schema diff are unchanged: the same canonical text
  // (same charset defaults) leaves nothing for the clause diffs to find.
  if (pair.from_defaults.charset == pair.to_defaults.charset &&
      pair.from_defaults.collation == pair.to_defaults.collation &&
      PrintCreateTable(from, OutputMode::kCanonical) ==
          PrintCreateTable(to, OutputMode::kCanonical)) {
    return std::vector<AlterTable>();
  }
  TableName alter_name = from.name;
  alter_name.qualifier.clear();
  if (hints.table_qualifier == TableQualifierHint::kDeclared) {
    alter_name = to.name;
  }

  std::vector<AlterOption> clauses;
  std::vector<AlterOption> fulltext_statements;
  SC_RETURN_IF_ERROR(internal::DiffColumns(pair, hints, &clauses));
  internal::DiffKeys(pair, hints, &clauses, &fulltext_statements);
  internal::DiffConstraints(pair, hints, &clauses);
  SC_RETURN_IF_ERROR(internal::DiffTableOptions(pair, hints, &clauses));
  std::stable_sort(clauses.begin(), clauses.end(),
                   [](const AlterOption& a, const AlterOption& b) {
                     return internal::ClauseRank(a) < internal::ClauseRank(b);
                   });

  AlterTable main;
  main.name = alter_name;
  main.options = std::move(clauses);
  std::vector<PartitionSpec> partition_statements;
  internal::DiffPartitions(pair, hints, &main, &partition_statements);

  std::vector<AlterTable> result;
  if (!main.options.empty() || main.partition_spec) {
    result.push_back(std::move(main));
  }
  for (AlterOption& o : fulltext_statements) {
    AlterTable alter;
    alter.name = alter_name;
    alter.options.push_back(std::move(o));
    result.push_back(std::move(alter));
  }
  for (PartitionSpec& spec : partition_statements) {
    AlterTable alter;
    alter.name = alter_name;
    alter.partition_spec = std::move(spec);
    result.push_back(std::move(alter));
  }
  if (result.size() > 1 &&
      hints.subsequent == SubsequentDiffStrategy::kReject) {
    return absl::InvalidArgumentError(
        absl::StrCat("multiple changes not allowed on table `", from.name.name,
                     "`. Found: ", result.size(),
                     " ALTER TABLE statements; allow subsequent diffs or "
                     "apply the change in steps"));
  }
  for (AlterTable& alter : result) AddAlgorithm(hints, &alter);
  return result;
}

absl::StatusOr<std::vector<Statement>> DiffTableEntities(
    const CreateTable* from, const CreateTable* to, const DiffHints& hints) {
  std::vector<Statement> result;
  if (from == nullptr && to == nullptr) return result;
  if (from == nullptr) {
    SC_ASSIGN_OR_RETURN(CreateTable created, Normalized(*to));
    result.push_back(std::move(created));
    return result;
  }
  if (to == nullptr) {
    DropTable drop;
    drop.tables.push_back(from->name);
    result.push_back(std::move(drop));
    return result;
  }
  SC_ASSIGN_OR_RETURN(std::vector<AlterTable> alters,
                      DiffCreateTables(*from, *to, hints));
  for (AlterTable& a : alters) result.push_back(std::move(a));
  return result;
}

}  // namespace schemadiff
}  // namespace sidecut
