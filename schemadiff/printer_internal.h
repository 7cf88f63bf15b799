// Internal: printing of statement parts, shared by printer*.cc. Use
// printer.h instead.
#ifndef SIDECUT_SCHEMADIFF_PRINTER_INTERNAL_H_
#define SIDECUT_SCHEMADIFF_PRINTER_INTERNAL_H_

#include <vector>

#include "schemadiff/ast.h"
#include "schemadiff/sql_writer.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

// printer_table.cc
void PrintColumn(SqlWriter& w, const ColumnDefinition& column);
void PrintIndex(SqlWriter& w, const IndexDefinition& index);
void PrintConstraint(SqlWriter& w, const ConstraintDefinition& constraint);
void PrintDefault(SqlWriter& w, const DefaultValue& value);
void PrintTableOption(SqlWriter& w, const TableOption& option);
void PrintTableSpec(SqlWriter& w, const TableSpec& spec);

// printer_partition.cc
void PrintPartitionOption(SqlWriter& w, const PartitionOption& partition);
// "(partition ..., partition ...)", on one line.
void PrintPartitionDefinitions(SqlWriter& w,
                               const std::vector<PartitionDefinition>& defs);

// printer_alter.cc
void PrintAlterTable(SqlWriter& w, const AlterTable& alter);

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_PRINTER_INTERNAL_H_
