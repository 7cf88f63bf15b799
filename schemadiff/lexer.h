// SQL lexer for MySQL/MariaDB DDL.
//
// Tokenize() turns a statement (or several, separated by ';') into tokens:
// words (identifiers and keywords, case preserved), backtick-quoted
// identifiers (unescaped), string literals (unescaped, with the quote used),
// numbers, hex/bit literals, bind variables and operators. Comments are
// skipped, except MySQL versioned comments (/*! ... */, /*!50700 ... */ and
// MariaDB's /*M! ... */) whose content is lexed as ordinary SQL.
//
// Errors are absl::InvalidArgumentError with the line, column and byte offset
// of the offending text. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_LEXER_H_
#define SIDECUT_SCHEMADIFF_LEXER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

enum class TokenKind {
  kEnd,          // end of input
  kWord,         // unquoted identifier or keyword, as written
  kQuotedIdent,  // `ident`, text unescaped
  kString,       // 'x' or "x", text unescaped
  kNumber,       // 12, 1.5, .5, 1e10, as written
  kHexString,    // X'4d', text is the hex digits
  kBitString,    // B'01', text is the bits
  kHexNumber,    // 0x4d, as written
  kBitNumber,    // 0b01, as written
  kBindVar,      // ? or :name, as written
  kOperator,     // punctuation and operators: ( ) , ; . = <> != -> ...
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t offset = 0;  // byte offset of the token's first character
  size_t end = 0;     // byte offset just past the token

  // True for a word equal to `keyword` ignoring ASCII case.
  bool IsWord(absl::string_view keyword) const;
  // True for an operator token equal to `op`.
  bool IsOp(absl::string_view op) const;
  // True for a word or a quoted identifier.
  bool IsIdentLike() const {
    return kind == TokenKind::kWord || kind == TokenKind::kQuotedIdent;
  }
};

// A position in the source text, 1-based line and column (in bytes).
struct SourcePosition {
  int line = 1;
  int column = 1;
};
SourcePosition PositionOf(absl::string_view sql, size_t offset);

// Returns "line L, column C (offset O)" for `offset` in `sql`.
std::string DescribePosition(absl::string_view sql, size_t offset);

// Builds the InvalidArgument error for a syntax error at `token`:
// "syntax error at line L, column C (offset O) near 'tok': what".
absl::Status SyntaxErrorAt(absl::string_view sql, const Token& token,
                           absl::string_view what);

// Tokenizes `sql`. The result always ends with one kEnd token.
absl::StatusOr<std::vector<Token>> Tokenize(absl::string_view sql);

// A versioned comment: /*!50700 ...*/, or MariaDB's /*M!100100 ...*/.
struct VersionedComment {
  int64_t version = 0;
  bool mariadb_only = false;  // /*M!
};

// `sql`'s versioned comments, in order; one without a version is not
// listed. The tokenizer reads every such comment's text, where a server
// skips some (MariaDBIgnores).
absl::StatusOr<std::vector<VersionedComment>> VersionedComments(
    absl::string_view sql);

// Whether MariaDB of version `server` (10.11.19: 101119) skips the text of
// `c`: above its version, or (measured on 10.11) a /*! comment for MySQL
// 5.7 or 8 (50700 to 99999).
bool MariaDBIgnores(const VersionedComment& c, int64_t server);

class Lexer;

// Tokenizes `sql` one statement at a time, so that a long script is lexed
// through one small, reused vector:
//
//   StatementTokenizer tokenizer(sql);
//   std::vector<Token> tokens;
//   while (true) {
//     SC_ASSIGN_OR_RETURN(bool more, tokenizer.Next(&tokens));
//     if (!more) break;
//     ...  // tokens: one statement, through its ';', then one kEnd token
//   }
//
// Token offsets are into the whole `sql`, which must outlive the tokenizer.
class StatementTokenizer {
 public:
  explicit StatementTokenizer(absl::string_view sql);
  ~StatementTokenizer();
  StatementTokenizer(const StatementTokenizer&) = delete;
  StatementTokenizer& operator=(const StatementTokenizer&) = delete;

  // Replaces `tokens` with the next statement's tokens (through the first
  // ';' operator, or to the end of the input) and a kEnd token. Returns
  // false, leaving `tokens` empty, when only spaces and comments are left.
  absl::StatusOr<bool> Next(std::vector<Token>* tokens);

 private:
  std::unique_ptr<Lexer> lexer_;
};

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_LEXER_H_
