// Keyword tables used by the parser and the printer.
//
// IsKeyword() is the set of words the printer backtick-quotes when they are
// used as identifiers (reserved MySQL words plus the non-reserved words the
// DDL grammar gives a meaning to), matching how Vitess's sqlparser prints
// identifiers. Immutable after static initialization; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_KEYWORDS_H_
#define SIDECUT_SCHEMADIFF_KEYWORDS_H_

#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

// True if `word` (any case) is a keyword that must be quoted as identifier.
bool IsKeyword(absl::string_view word);
// True if `word` (any case) is reserved by MariaDB but not by MySQL: quoted
// as an identifier too (the expression analysis keeps MySQL's reading).
bool IsMariadbReserved(absl::string_view word);

// True if `word` (any case) names a column data type the parser accepts.
bool IsTypeName(absl::string_view word);

// True if `word` (any case) is a function the printer writes in lower case
// (functions with dedicated grammar, e.g. NOW, CAST, JSON_EXTRACT, POINT);
// other function names keep the case they were written in.
bool IsLowercasedFunction(absl::string_view word);

// True if `word` is an expression keyword (AND, OR, NOT, NULL, IS, IN, ...)
// that the expression printer writes as a keyword rather than as an
// identifier.
bool IsExpressionKeyword(absl::string_view word);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_KEYWORDS_H_
