// Printing of ALTER TABLE.
#include <string>

#include "absl/strings/ascii.h"
#include "schemadiff/charsets.h"
#include "schemadiff/printer_internal.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

using Kind = AlterOption::Kind;

const char* IfExists(const AlterOption& o) {
  return o.if_exists ? "if exists " : "";
}

void PrintPosition(SqlWriter& w, const AlterOption& o) {
  if (o.position == "first") w.Kw(" first");
  if (o.position == "after") w.Kw(" after ").Ident(o.after);
}

void PrintNameList(SqlWriter& w, const std::vector<std::string>& names) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) w.Raw(", ");
    w.Ident(names[i]);
  }
}

void PrintAddColumns(SqlWriter& w, const AlterOption& o) {
  w.Kw("add column ");
  if (o.if_exists) w.Kw("if not exists ");
  if (o.parenthesized_columns) w.Raw("(");
  for (size_t i = 0; i < o.columns.size(); ++i) {
    if (i > 0) w.Raw(", ");
    PrintColumn(w, o.columns[i]);
  }
  if (o.parenthesized_columns) w.Raw(")");
  PrintPosition(w, o);
}

// Clauses that add, drop or change columns, indexes and constraints.
bool PrintSchemaClause(SqlWriter& w, const AlterOption& o) {
  switch (o.kind) {
    case Kind::kAddColumns:
      PrintAddColumns(w, o);
      return true;
    case Kind::kAddIndex:
      w.Kw("add ");
      PrintIndex(w, *o.index);
      return true;
    case Kind::kAddConstraint:
      w.Kw("add ");
      PrintConstraint(w, *o.constraint);
      return true;
    case Kind::kDropColumn:
      w.Kw("drop column ").Kw(IfExists(o)).Ident(o.name);
      return true;
    case Kind::kDropIndex:
      w.Kw("drop key ").Kw(IfExists(o)).Ident(o.name);
      return true;
    case Kind::kDropPrimaryKey:
      w.Kw("drop primary key");
      return true;
    case Kind::kDropForeignKey:
      w.Kw("drop foreign key ").Kw(IfExists(o)).Ident(o.name);
      return true;
    case Kind::kDropCheck:
      w.Kw(CurrentServerDialect() != nullptr && CurrentServerDialect()->mariadb
               ? "drop constraint "
               : "drop check ")
          .Kw(IfExists(o))
          .Ident(o.name);
      return true;
    case Kind::kModifyColumn:
      w.Kw("modify column ").Kw(IfExists(o));
      PrintColumn(w, o.columns[0]);
      PrintPosition(w, o);
      return true;
    case Kind::kChangeColumn:
      w.Kw("change column ").Kw(IfExists(o)).Ident(o.name).Raw(" ");
      PrintColumn(w, o.columns[0]);
      PrintPosition(w, o);
      return true;
    default:
      return false;
  }
}

bool PrintRenameOrAlterClause(SqlWriter& w, const AlterOption& o) {
  switch (o.kind) {
    case Kind::kRenameColumn:
      w.Kw("rename column ").Ident(o.name).Kw(" to ").Ident(o.new_name);
      return true;
    case Kind::kRenameIndex:
      w.Kw("rename index ").Ident(o.name).Kw(" to ").Ident(o.new_name);
      return true;
    case Kind::kRenameTable:
      w.Kw("rename ").Table(o.table);
      return true;
    case Kind::kAlterColumnDefault:
      w.Kw("alter column ").Ident(o.name).Kw(" set default ");
      PrintDefault(w, *o.default_value);
      return true;
    case Kind::kAlterColumnDropDefault:
      w.Kw("alter column ").Ident(o.name).Kw(" drop default");
      return true;
    case Kind::kAlterColumnVisibility:
      w.Kw("alter column ").Ident(o.name);
      w.Kw(o.flag ? " set visible" : " set invisible");
      return true;
    case Kind::kAlterIndexVisibility:
      w.Kw("alter index ").Ident(o.name).Kw(o.flag ? " visible" : " invisible");
      return true;
    case Kind::kAlterCheckEnforced:
      w.Kw("alter check ").Ident(o.name);
      w.Kw(o.flag ? " enforced" : " not enforced");
      return true;
    default:
      return false;
  }
}

void PrintOtherClause(SqlWriter& w, const AlterOption& o) {
  switch (o.kind) {
    case Kind::kTableOptions:
      for (size_t i = 0; i < o.options.size(); ++i) {
        if (i > 0) w.Raw(" ");
        PrintTableOption(w, o.options[i]);
      }
      break;
    case Kind::kAlgorithm:
      w.Kw("algorithm = ").Raw(o.value);
      break;
    case Kind::kLock:
      w.Kw("lock ").Kw(absl::AsciiStrToLower(o.value));
      break;
    case Kind::kForce:
      w.Kw("force");
      break;
    case Kind::kOrderBy:
      w.Kw("order by ");
      PrintNameList(w, o.order_by);
      break;
    case Kind::kConvertCharset:
      w.Kw("convert to character set ").Raw(o.value);
      if (!o.collate.empty()) w.Kw(" collate ").Raw(o.collate);
      break;
    case Kind::kValidation:
      w.Kw(o.flag ? "with validation" : "without validation");
      break;
    case Kind::kKeys:
      w.Kw(o.flag ? "enable keys" : "disable keys");
      break;
    case Kind::kTablespace:
      w.Kw(o.value).Kw(" tablespace");
      break;
    default:
      break;
  }
}

void PrintPartitionSpec(SqlWriter& w, const PartitionSpec& s) {
  if (s.partition_by) {
    PrintPartitionOption(w, *s.partition_by);
    return;
  }
  w.Kw(s.action);
  if (s.action == "remove" || s.action == "upgrade") {
    w.Kw(" partitioning");
    return;
  }
  w.Kw(" partition ");
  if (s.action == "coalesce") {
    w.Raw(s.number);
  } else if (s.all) {
    w.Kw("all");
  } else {
    PrintNameList(w, s.names);
  }
  if (s.action == "reorganize") w.Kw(" into ");
  if (s.action == "add" || s.action == "reorganize") {
    PrintPartitionDefinitions(w, s.definitions);
  }
  if (s.action == "exchange") w.Kw(" with table ").Table(s.table);
  if (s.with_validation) {
    w.Kw(*s.with_validation ? " with validation" : " without validation");
  }
  if (s.action == "discard" || s.action == "import") w.Kw(" tablespace");
}

}  // namespace

void PrintAlterTable(SqlWriter& w, const AlterTable& alter) {
  w.Kw("alter table ").Table(alter.name);
  for (size_t i = 0; i < alter.options.size(); ++i) {
    w.Raw(i == 0 ? " " : ", ");
    const AlterOption& o = alter.options[i];
    if (!PrintSchemaClause(w, o) && !PrintRenameOrAlterClause(w, o)) {
      PrintOtherClause(w, o);
    }
  }
  if (alter.partition_spec) {
    w.Raw(alter.partition_spec->partition_by ? " \n" : " ");
    PrintPartitionSpec(w, *alter.partition_spec);
  }
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
