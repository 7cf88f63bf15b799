// ALTER TABLE clauses.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

using Kind = AlterOption::Kind;

bool AtPartitionOperation(const Parser& p) {
  static constexpr absl::string_view kPartitionVerbs[] = {
      "add",      "drop",     "reorganize", "discard", "import",
      "truncate", "coalesce", "exchange",   "analyze", "check",
      "optimize", "rebuild",  "repair",
  };
  for (absl::string_view verb : kPartitionVerbs) {
    if (p.Peek().IsWord(verb) && p.Peek(1).IsWord("partition")) return true;
  }
  if (p.Peek().IsWord("remove") || p.Peek().IsWord("upgrade")) {
    return p.Peek(1).IsWord("partitioning");
  }
  return p.Peek().IsWord("partition") && p.Peek(1).IsWord("by");
}

absl::Status ParseColumnPosition(Parser* p, AlterOption* opt) {
  if (p->AcceptWord("first")) {
    opt->position = "first";
  } else if (p->AcceptWord("after")) {
    opt->position = "after";
    SC_ASSIGN_OR_RETURN(opt->after, p->ParseIdent("column name"));
  }
  return absl::OkStatus();
}

// A column definition of ADD/MODIFY/CHANGE COLUMN; an unnamed column CHECK
// stays on the column (ColumnDefinition::check).
absl::StatusOr<ColumnDefinition> ParseAlterColumn(Parser* p) {
  SC_ASSIGN_OR_RETURN(ColumnDefinition col, p->ParseColumnDefinition());
  std::vector<ConstraintDefinition> checks;
  SC_RETURN_IF_ERROR(p->ParseColumnAttributes(&col, &checks));
  if (checks.size() == 1 && !checks[0].name) {
    col.check = std::get<CheckDefinition>(std::move(checks[0].details));
  } else if (!checks.empty()) {
    return p->ErrorHere(
        "only one unnamed CHECK on a column is supported in ALTER TABLE");
  }
  return col;
}

absl::Status ParseColumnSpec(Parser* p, AlterOption* opt) {
  SC_ASSIGN_OR_RETURN(ColumnDefinition col, ParseAlterColumn(p));
  opt->columns.push_back(std::move(col));
  return ParseColumnPosition(p, opt);
}

absl::Status ParseAdd(Parser* p, AlterOption* opt) {
  if (p->AtIndexOrConstraint()) {
    std::optional<IndexDefinition> index;
    std::optional<ConstraintDefinition> constraint;
    SC_RETURN_IF_ERROR(p->ParseIndexOrConstraint(&index, &constraint));
    opt->kind = index ? Kind::kAddIndex : Kind::kAddConstraint;
    opt->index = std::move(index);
    opt->constraint = std::move(constraint);
    return absl::OkStatus();
  }
  p->AcceptWord("column");
  opt->kind = Kind::kAddColumns;
  opt->if_exists = p->AcceptWords({"if", "not", "exists"});
  if (!p->AcceptOp("(")) return ParseColumnSpec(p, opt);
  opt->parenthesized_columns = true;
  do {
    SC_ASSIGN_OR_RETURN(ColumnDefinition col, ParseAlterColumn(p));
    opt->columns.push_back(std::move(col));
  } while (p->AcceptOp(","));
  return p->ExpectOp(")");
}

absl::Status ParseDrop(Parser* p, AlterOption* opt) {
  if (p->AcceptWords({"primary", "key"})) {
    opt->kind = Kind::kDropPrimaryKey;
    return absl::OkStatus();
  }
  if (p->AcceptWords({"foreign", "key"})) {
    opt->kind = Kind::kDropForeignKey;
  } else if (p->AcceptWord("index") || p->AcceptWord("key")) {
    opt->kind = Kind::kDropIndex;
  } else if (p->AcceptWord("check") || p->AcceptWord("constraint")) {
    opt->kind = Kind::kDropCheck;
  } else {
    p->AcceptWord("column");
    opt->kind = Kind::kDropColumn;
  }
  opt->if_exists = p->AcceptWords({"if", "exists"});
  SC_ASSIGN_OR_RETURN(opt->name, p->ParseIdent("name to drop"));
  return absl::OkStatus();
}

absl::Status ParseRename(Parser* p, AlterOption* opt) {
  if (p->AcceptWord("column")) {
    opt->kind = Kind::kRenameColumn;
  } else if (p->AcceptWord("index") || p->AcceptWord("key")) {
    opt->kind = Kind::kRenameIndex;
  } else {
    opt->kind = Kind::kRenameTable;
    if (!p->AcceptWord("to")) p->AcceptWord("as");
    SC_ASSIGN_OR_RETURN(opt->table, p->ParseTableName());
    return absl::OkStatus();
  }
  SC_ASSIGN_OR_RETURN(opt->name, p->ParseIdent("name to rename"));
  SC_RETURN_IF_ERROR(p->ExpectWord("to"));
  SC_ASSIGN_OR_RETURN(opt->new_name, p->ParseIdent("new name"));
  return absl::OkStatus();
}

absl::Status ParseAlterSubclause(Parser* p, AlterOption* opt) {
  if (p->AcceptWord("index")) {
    opt->kind = Kind::kAlterIndexVisibility;
    SC_ASSIGN_OR_RETURN(opt->name, p->ParseIdent("index name"));
    opt->flag = p->AcceptWord("visible");
    if (!opt->flag) return p->ExpectWord("invisible");
    return absl::OkStatus();
  }
  if (p->AcceptWord("check") || p->AcceptWord("constraint")) {
    opt->kind = Kind::kAlterCheckEnforced;
    SC_ASSIGN_OR_RETURN(opt->name, p->ParseIdent("check name"));
    opt->flag = !p->AcceptWord("not");
    return p->ExpectWord("enforced");
  }
  p->AcceptWord("column");
  SC_ASSIGN_OR_RETURN(opt->name, p->ParseIdent("column name"));
  if (p->AcceptWords({"drop", "default"})) {
    opt->kind = Kind::kAlterColumnDropDefault;
  } else if (p->AcceptWords({"set", "default"})) {
    opt->kind = Kind::kAlterColumnDefault;
    SC_ASSIGN_OR_RETURN(opt->default_value, p->ParseDefaultValue());
  } else if (p->AcceptWords({"set", "visible"})) {
    opt->kind = Kind::kAlterColumnVisibility;
    opt->flag = true;
  } else if (p->AcceptWords({"set", "invisible"})) {
    opt->kind = Kind::kAlterColumnVisibility;
  } else {
    return p->ErrorHere("expected SET DEFAULT, DROP DEFAULT or SET VISIBLE");
  }
  return absl::OkStatus();
}

absl::Status ParseAlgorithmOrLock(Parser* p, AlterOption* opt, Kind kind) {
  opt->kind = kind;
  p->AcceptOp("=");
  if (p->Peek().kind != TokenKind::kWord) {
    return p->ErrorHere("expected an ALGORITHM or LOCK value");
  }
  opt->value = p->Next().text;
  return absl::OkStatus();
}

absl::Status ParseMisc(Parser* p, AlterOption* opt) {
  if (p->AcceptWord("force")) {
    opt->kind = Kind::kForce;
  } else if (p->AcceptWords({"order", "by"})) {
    opt->kind = Kind::kOrderBy;
    do {
      SC_ASSIGN_OR_RETURN(std::string c, p->ParseIdent("column name"));
      opt->order_by.push_back(std::move(c));
    } while (p->AcceptOp(","));
  } else if (p->AcceptWords({"convert", "to"})) {
    opt->kind = Kind::kConvertCharset;
    if (!p->AcceptWords({"character", "set"})) {
      SC_RETURN_IF_ERROR(p->ExpectWord("charset"));
    }
    SC_ASSIGN_OR_RETURN(OptionValue cs, p->ParseOptionValue());
    opt->value = cs.text;
    if (p->AcceptWord("collate")) {
      SC_ASSIGN_OR_RETURN(OptionValue co, p->ParseOptionValue());
      opt->collate = co.text;
    }
  } else if (p->AcceptWords({"with", "validation"})) {
    opt->kind = Kind::kValidation;
    opt->flag = true;
  } else if (p->AcceptWords({"without", "validation"})) {
    opt->kind = Kind::kValidation;
  } else if (p->Peek().IsWord("enable") || p->Peek().IsWord("disable")) {
    opt->kind = Kind::kKeys;
    opt->flag = p->Next().IsWord("enable");
    return p->ExpectWord("keys");
  } else if (p->Peek().IsWord("discard") || p->Peek().IsWord("import")) {
    opt->kind = Kind::kTablespace;
    opt->value = absl::AsciiStrToLower(p->Next().text);
    return p->ExpectWord("tablespace");
  } else if (p->AtTableOption()) {
    opt->kind = Kind::kTableOptions;
    SC_ASSIGN_OR_RETURN(opt->options,
                        p->ParseTableOptions(/*allow_commas=*/false));
  } else {
    return p->ErrorHere("expected an ALTER TABLE clause");
  }
  return absl::OkStatus();
}

absl::StatusOr<AlterOption> ParseAlterOption(Parser* p) {
  AlterOption opt;
  if (p->AcceptWord("add")) {
    SC_RETURN_IF_ERROR(ParseAdd(p, &opt));
  } else if (p->AcceptWord("drop")) {
    SC_RETURN_IF_ERROR(ParseDrop(p, &opt));
  } else if (p->AcceptWord("modify")) {
    p->AcceptWord("column");
    opt.kind = Kind::kModifyColumn;
    opt.if_exists = p->AcceptWords({"if", "exists"});
    SC_RETURN_IF_ERROR(ParseColumnSpec(p, &opt));
  } else if (p->AcceptWord("change")) {
    p->AcceptWord("column");
    opt.kind = Kind::kChangeColumn;
    opt.if_exists = p->AcceptWords({"if", "exists"});
    SC_ASSIGN_OR_RETURN(opt.name, p->ParseIdent("column name"));
    SC_RETURN_IF_ERROR(ParseColumnSpec(p, &opt));
  } else if (p->AcceptWord("rename")) {
    SC_RETURN_IF_ERROR(ParseRename(p, &opt));
  } else if (p->AcceptWord("alter")) {
    SC_RETURN_IF_ERROR(ParseAlterSubclause(p, &opt));
  } else if (p->AcceptWord("algorithm")) {
    SC_RETURN_IF_ERROR(ParseAlgorithmOrLock(p, &opt, Kind::kAlgorithm));
  } else if (p->AcceptWord("lock")) {
    SC_RETURN_IF_ERROR(ParseAlgorithmOrLock(p, &opt, Kind::kLock));
  } else {
    SC_RETURN_IF_ERROR(ParseMisc(p, &opt));
  }
  return opt;
}

}  // namespace

absl::StatusOr<AlterTable> Parser::ParseAlterTableBody(TableName name) {
  AlterTable alter;
  alter.name = std::move(name);
  bool after_comma = false;
  while (!AtEnd() && !Peek().IsOp(";")) {
    if (AtPartitionOperation(*this)) {
      if (after_comma) {
        return ErrorHere(
            "partition operations cannot be combined with other ALTER "
            "TABLE clauses");
      }
      SC_ASSIGN_OR_RETURN(alter.partition_spec, ParsePartitionSpec());
      break;
    }
    SC_ASSIGN_OR_RETURN(AlterOption opt, ParseAlterOption(this));
    alter.options.push_back(std::move(opt));
    after_comma = AcceptOp(",");
    if (!after_comma && !AtPartitionOperation(*this)) break;
  }
  if (!AtEnd() && !Peek().IsOp(";")) {
    return ErrorHere("expected ',' or the end of the ALTER TABLE statement");
  }
  return alter;
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
