// SQL quoting and escaping: the only way Sidecut builds SQL from names and
// values it did not write itself.
//
// Thread-safe (pure functions).
#ifndef SIDECUT_MYSQL_QUOTING_H_
#define SIDECUT_MYSQL_QUOTING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {

// Returns `name` as a backtick-quoted identifier; embedded backticks are
// doubled. Works for any bytes, including quotes and multi-byte UTF-8.
//   QuoteIdentifier("we`ird") == "`we``ird`"
std::string QuoteIdentifier(absl::string_view name);

// Returns `db`.`table`, each part quoted.
std::string QuoteQualified(absl::string_view db, absl::string_view table);

// Returns `value` as a single-quoted SQL string literal with \0, \n, \r, \\,
// ', " and \x1a escaped as MySQL's escape sequences. Safe for any charset
// whose multi-byte sequences never contain ASCII bytes (utf8mb3/utf8mb4,
// latin1, binary), which are the ones Sidecut connections use. Not valid when
// the server runs with NO_BACKSLASH_ESCAPES (MysqlConnection::Connect drops
// it from every session's sql_mode).
std::string QuoteString(absl::string_view value);

// Returns `value` as a hex literal X'..' (exact for binary data).
std::string QuoteHex(absl::string_view value);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_QUOTING_H_
