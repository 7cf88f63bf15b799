// Character set and collation facts needed to normalize and compare DDL,
// following MySQL 8.0 (the conventions of the schemadiff corpus): utf8 is
// an alias of utf8mb3, the server default charset is utf8mb4 with
// utf8mb4_0900_ai_ci. Names are compared case-insensitively and returned in
// lower case. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_CHARSETS_H_
#define SIDECUT_SCHEMADIFF_CHARSETS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

// The server's default character set: "utf8mb4".
absl::string_view DefaultCharset();

// Returns `name` lower-cased with aliases resolved: "UTF8" -> "utf8mb3".
std::string NormalizeCharsetName(absl::string_view name);

// Returns `name` lower-cased with the utf8_ prefix resolved to utf8mb3_.
std::string NormalizeCollationName(absl::string_view name);

// Returns the default collation of a (normalized) charset, or "" if unknown:
// MySQL 8.0's, or the server's while a ScopedServerCollations is alive on
// this thread.
std::string DefaultCollation(absl::string_view charset);

// Makes DefaultCollation answer with a server's own defaults (charset ->
// collation, normalized names) on this thread while alive: a diff against
// a live MariaDB (utf8mb4_general_ci, not utf8mb4_0900_ai_ci) must read a
// desired `CHARSET=utf8mb4` as the server will. Charsets missing from
// `defaults` keep the built-in answer. Nests; not copyable.
class ScopedServerCollations {
 public:
  explicit ScopedServerCollations(
      absl::flat_hash_map<std::string, std::string> defaults);
  ~ScopedServerCollations();
  ScopedServerCollations(const ScopedServerCollations&) = delete;
  ScopedServerCollations& operator=(const ScopedServerCollations&) = delete;

 private:
  absl::flat_hash_map<std::string, std::string> defaults_;
  const absl::flat_hash_map<std::string, std::string>* previous_;
};

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
