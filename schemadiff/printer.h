// Printer: turns a parsed statement back into SQL in the formats of Vitess's
// sqlparser, which the conformance corpora use:
//
//   ToString()          lower-case keywords, identifiers quoted only when
//                       needed, CREATE TABLE laid out one element per line.
//   ToCanonicalString() upper-case keywords, every identifier quoted.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_PRINTER_H_
#define SIDECUT_SCHEMADIFF_PRINTER_H_

#include <string>

#include "schemadiff/ast.h"
#include "schemadiff/sql_writer.h"

namespace sidecut {
namespace schemadiff {

std::string Print(const Statement& stmt, OutputMode mode);

inline std::string ToString(const Statement& stmt) {
  return Print(stmt, OutputMode::kString);
}
inline std::string ToCanonicalString(const Statement& stmt) {
  return Print(stmt, OutputMode::kCanonical);
}

// Print of a CreateTable without wrapping it in a Statement (a copy).
std::string PrintCreateTable(const CreateTable& table, OutputMode mode);

// Parts of a CREATE TABLE, printed as inside the statement. Used to compare
// elements (in kCanonical mode) when diffing.
std::string PrintColumnDefinition(const ColumnDefinition& column,
                                  OutputMode mode);
std::string PrintIndexDefinition(const IndexDefinition& index, OutputMode mode);
std::string PrintConstraintDefinition(const ConstraintDefinition& constraint,
                                      OutputMode mode);
std::string PrintTableOptionDefinition(const TableOption& option,
                                       OutputMode mode);
std::string PrintPartitionOptionDefinition(const PartitionOption& partition,
                                           OutputMode mode);
// One partition definition: "partition p1 values less than (10)".
std::string PrintPartitionDefinition(const PartitionDefinition& definition,
                                     OutputMode mode);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_PRINTER_H_
