// Normalization of one column definition of a CREATE TABLE (see
// table_normalize.h for the whole list of conventions). Used by
// NormalizeCreateTable; exposed for the table diff and tests.
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_COLUMN_NORMALIZE_H_
#define SIDECUT_SCHEMADIFF_COLUMN_NORMALIZE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

// The table-level defaults a column inherits.
struct TableCharsetDefaults {
  std::string charset;    // normalized; DefaultCharset() if not given
  std::string collation;  // normalized; the charset's default if not given
};

// Normalizes the type, nullability, default and charset/collation of
// `column` in place.
void NormalizeColumn(const TableCharsetDefaults& table,
                     ColumnDefinition* column);

// Removes parentheses that wrap the whole expression: ((a > 1)) -> a > 1.
void StripOuterParens(Expr* expr);

// Removes parentheses around a whole function argument:
// if((a is null), 0, 1) -> if(a is null, 0, 1).
void StripArgumentParens(Expr* expr);

// True for types that take a character set (char, varchar, text, enum,
// set, ...).
bool IsTextualType(absl::string_view lower_type);

// True for the integer types (tinyint ... bigint), lower case, aliases
// resolved.
bool IsIntegralType(absl::string_view lower_type);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_COLUMN_NORMALIZE_H_
