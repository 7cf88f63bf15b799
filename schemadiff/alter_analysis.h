// Facts about an ALTER TABLE statement and about a table change that online
// DDL needs, after Vitess's schemadiff/onlineddl.go:
//
//   AlterTableAnalysis a = AnalyzeAlterTable(alter);
//   if (a.is_rename) ...  // ALTER TABLE ... RENAME: not an online ALTER
//
// - AnalyzeAlterTable: columns renamed (CHANGE old new, RENAME COLUMN; a
//   CHANGE keeping the name maps it to itself), columns dropped, whether an
//   AUTO_INCREMENT table option is set, whether the table is renamed.
// - AlterTableRotatesRangePartition: the ALTER only adds or drops RANGE
//   partitions (a rotation, which online DDL runs directly).
// - AddInstantAlgorithm: sets ALGORITHM = INSTANT (replacing an ALGORITHM
//   clause in place, else appended).
// - RemovedForeignKeyNames: foreign keys of `before` that `after` has no
//   equal of (compared without their names), by name.
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_ALTER_ANALYSIS_H_
#define SIDECUT_SCHEMADIFF_ALTER_ANALYSIS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

struct AlterTableAnalysis {
  std::map<std::string, std::string> column_renames;  // old → new
  std::set<std::string> dropped_columns;
  bool sets_auto_increment = false;
  bool is_rename = false;
};

AlterTableAnalysis AnalyzeAlterTable(const AlterTable& alter);

bool AlterTableRotatesRangePartition(const AlterTable& alter);

void AddInstantAlgorithm(AlterTable* alter);

std::vector<std::string> RemovedForeignKeyNames(const CreateTable& before,
                                                const CreateTable& after);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_ALTER_ANALYSIS_H_
