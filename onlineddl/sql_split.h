// Splits a multi-statement SQL text (a script, or ApplySchema's --sql) into
// statements, the way the mysql/mariadb command-line client does:
//   - statements end at the current delimiter (";" at first) outside string
//     literals ('...', "...", with backslash escapes and doubled quotes),
//     quoted identifiers (`...`) and comments (-- to end of line, # to end of
//     line, /* ... */);
//   - the client command `delimiter X` (any case, where a statement would
//     start; the rest of its line is ignored) changes the delimiter, as
//     scripts that create stored programs do:
//       delimiter ;;
//       create event ... do begin insert ...; update ...; end ;;
//   - a last statement without a delimiter is kept; segments holding only
//     blanks and comments are dropped.
// MySQL executable comments (/*! ... */, /*M! ... */) count as statement
// text; the delimiter is not recognized inside any comment.
//
// Thread-safe (pure function).
#ifndef SIDECUT_ONLINEDDL_SQL_SPLIT_H_
#define SIDECUT_ONLINEDDL_SQL_SPLIT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace onlineddl {

struct SqlStatement {
  // The statement without its delimiter, from its first non-comment
  // character, trailing blanks removed. Never empty.
  std::string text;
  size_t offset = 0;  // byte offset of `text` in the input
  int line = 1;       // 1-based line of `text`'s first character
};

struct SqlSplitOptions {
  // Backslash escapes in string literals (off under the server's
  // NO_BACKSLASH_ESCAPES sql_mode). Default on.
  bool backslash_escapes = true;
};

// Splits `sql` into statements. Errors (InvalidArgument, with the line) for
// an unterminated string, quoted identifier or comment, and for a
// `delimiter` command without an argument.
absl::StatusOr<std::vector<SqlStatement>> SplitSqlStatements(
    absl::string_view sql, const SqlSplitOptions& options = {});

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_SQL_SPLIT_H_
