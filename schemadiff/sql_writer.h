// SqlWriter builds SQL text in one of the two output modes of Vitess's
// sqlparser: kString (lower-case keywords, identifiers backtick-quoted only
// when needed) and kCanonical (upper-case keywords, every identifier
// quoted). It also prints normalized expression token sequences.
//
// Not thread-safe; one writer per output string.
#ifndef SIDECUT_SCHEMADIFF_SQL_WRITER_H_
#define SIDECUT_SCHEMADIFF_SQL_WRITER_H_

#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

enum class OutputMode { kString, kCanonical };

// Returns `name` backtick-quoted (with ` doubled) if it is a keyword, is
// empty, starts with a digit or contains characters other than letters,
// digits, '_' and '$'; or always when `always_quote`.
std::string FormatIdent(absl::string_view name, bool always_quote = false);

// Returns `value` as a single-quoted SQL string literal with backslash
// escapes for quotes, backslashes and control characters.
std::string EncodeString(absl::string_view value);

class SqlWriter {
 public:
  explicit SqlWriter(OutputMode mode) : mode_(mode) {}

  bool canonical() const { return mode_ == OutputMode::kCanonical; }

  // Appends text as is.
  SqlWriter& Raw(absl::string_view text);
  // Appends a keyword or keyword phrase given in lower case; upper-cased in
  // canonical mode.
  SqlWriter& Kw(absl::string_view keyword);
  SqlWriter& Ident(absl::string_view name);
  SqlWriter& Table(const TableName& name);
  SqlWriter& String(absl::string_view value);
  SqlWriter& Value(const OptionValue& value);
  SqlWriter& Expression(const Expr& expr);
  // "(a, b, c)" with identifiers.
  SqlWriter& IdentList(const std::vector<std::string>& names);

  std::string Release() { return std::move(out_); }

 private:
  void Token(const schemadiff::Token& prev, const schemadiff::Token& t,
             const schemadiff::Token* next, bool first);

  OutputMode mode_;
  std::string out_;
};

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SQL_WRITER_H_
