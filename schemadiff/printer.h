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

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_PRINTER_H_
