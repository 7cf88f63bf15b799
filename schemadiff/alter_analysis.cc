#include "schemadiff/alter_analysis.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_normalize.h"

namespace sidecut {
namespace schemadiff {

using Kind = AlterOption::Kind;

AlterTableAnalysis AnalyzeAlterTable(const AlterTable& alter) {
  AlterTableAnalysis a;
  for (const AlterOption& o : alter.options) {
    switch (o.kind) {
      case Kind::kChangeColumn:  // CHANGE old <new definition>
        if (!o.columns.empty()) a.column_renames[o.name] = o.columns[0].name;
        break;
      case Kind::kRenameColumn:
        a.column_renames[o.name] = o.new_name;
        break;
      case Kind::kDropColumn:
        a.dropped_columns.insert(o.name);
        break;
      case Kind::kRenameTable:
        a.is_rename = true;
        break;
      case Kind::kTableOptions:
        for (const TableOption& t : o.options) {
          if (absl::EqualsIgnoreCase(t.name, "auto_increment")) {
            a.sets_auto_increment = true;
          }
        }
        break;
      default:
        break;
    }
  }
  return a;
}

bool AlterTableRotatesRangePartition(const AlterTable& alter) {
  if (!alter.options.empty() || !alter.partition_spec) return false;
  const PartitionSpec& p = *alter.partition_spec;
  return (p.action == "add" || p.action == "drop") && !p.partition_by;
}

void AddInstantAlgorithm(AlterTable* alter) {
  for (AlterOption& o : alter->options) {
    if (o.kind == Kind::kAlgorithm) {
      o.value = "INSTANT";
      return;
    }
  }
  AlterOption o;
  o.kind = Kind::kAlgorithm;
  o.value = "INSTANT";
  alter->options.push_back(std::move(o));
}

std::vector<std::string> RemovedForeignKeyNames(const CreateTable& before,
                                                const CreateTable& after) {
  std::vector<std::string> out;
  if (!before.spec) return out;
  CreateTable b = before, a = after;
  NormalizeCreateTable(&b);
  if (a.spec) NormalizeCreateTable(&a);
  // A foreign key as compared: its canonical text without its name.
  auto unnamed = [](ConstraintDefinition c) {
    c.name.reset();
    return PrintConstraintDefinition(c, OutputMode::kCanonical);
  };
  for (const ConstraintDefinition& c : b.spec->constraints) {
    if (!std::holds_alternative<ForeignKeyDefinition>(c.details)) continue;
    bool kept = false;
    if (a.spec) {
      for (const ConstraintDefinition& d : a.spec->constraints) {
        if (std::holds_alternative<ForeignKeyDefinition>(d.details) &&
            unnamed(c) == unnamed(d)) {
          kept = true;
        }
      }
    }
    if (!kept) out.push_back(c.name.value_or(""));
  }
  return out;
}

}  // namespace schemadiff
}  // namespace sidecut
