// Character set and collation facts needed to normalize and compare DDL,
// following MySQL 8.0 (the conventions of the schemadiff corpus): utf8 is
// an alias of utf8mb3, the server default charset is utf8mb4 with
// utf8mb4_0900_ai_ci. Names are compared case-insensitively and returned in
// lower case. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_CHARSETS_H_
#define SIDECUT_SCHEMADIFF_CHARSETS_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

// The server's default character set: "utf8mb4".
absl::string_view DefaultCharset();

// Returns `name` lower-cased with aliases resolved: "UTF8" -> "utf8mb3".
std::string NormalizeCharsetName(absl::string_view name);

// Returns `name` lower-cased with the utf8_ prefix resolved to utf8mb3_.
std::string NormalizeCollationName(absl::string_view name);

// Returns the default collation of a (normalized) charset, or "" if unknown.
std::string DefaultCollation(absl::string_view charset);

// Returns the charset a (normalized) collation belongs to: "latin1" for
// "latin1_swedish_ci", "binary" for "binary".
std::string CharsetOfCollation(absl::string_view collation);

// True if `collation` (normalized) names a collation of a known charset:
// "binary", or <charset>_..._{ci,cs,bin} ("latin1_swedish_ci",
// "utf8mb4_0900_as_cs"). Collation variants are not enumerated.
bool IsKnownCollation(absl::string_view collation);

// Returns the maximum bytes per character of a (normalized) charset; 1 when
// unknown.
int MaxBytesPerChar(absl::string_view charset);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_CHARSETS_H_
