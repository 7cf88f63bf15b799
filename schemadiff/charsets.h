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
// MySQL 8.0's, or the server's while a ScopedServerDialect is alive on this
// thread.
std::string DefaultCollation(absl::string_view charset);

// What a diff against a live server must read as that server does. By
// default schemadiff follows MySQL 8.0 and Vitess (the corpus conventions).
struct ServerDialect {
  // The server's default collation of each charset (normalized names);
  // charsets missing keep the built-in answer. MariaDB 10.11's utf8mb4
  // default is utf8mb4_general_ci, not utf8mb4_0900_ai_ci.
  absl::flat_hash_map<std::string, std::string> collations;
  // MariaDB: function names compare case-insensitively (the server prints
  // them lower-cased), unnamed CHECKs are named CONSTRAINT_<n>, and a CHECK
  // is dropped by DROP CONSTRAINT (MariaDB has no DROP CHECK).
  bool mariadb = false;
};

// The dialect in effect on this thread, or nullptr (MySQL 8.0 / Vitess).
const ServerDialect* CurrentServerDialect();

// Puts `dialect` in effect on this thread while alive. Nests; not copyable.
class ScopedServerDialect {
 public:
  explicit ScopedServerDialect(ServerDialect dialect);
  ~ScopedServerDialect();
  ScopedServerDialect(const ScopedServerDialect&) = delete;
  ScopedServerDialect& operator=(const ScopedServerDialect&) = delete;

 private:
  ServerDialect dialect_;
  const ServerDialect* previous_;
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
