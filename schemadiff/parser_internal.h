// Internal: the recursive-descent parser shared by parser_*.cc. Not part of
// the public API (use parser.h). One Parser per statement list; not
// thread-safe.
#ifndef SIDECUT_SCHEMADIFF_PARSER_INTERNAL_H_
#define SIDECUT_SCHEMADIFF_PARSER_INTERNAL_H_

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"
#include "schemadiff/lexer.h"

namespace sidecut {
namespace schemadiff {
namespace internal {

class Parser {
 public:
  Parser(absl::string_view sql, std::vector<Token> tokens)
      : sql_(sql), tokens_(std::move(tokens)) {}

  // parser.cc: statements.
  absl::StatusOr<Statement> ParseOne(bool strict);
  bool AtEnd() const { return Peek().kind == TokenKind::kEnd; }
  bool AcceptSemicolons();
  // Returns the token vector (for reuse); the parser is then spent.
  std::vector<Token> TakeTokens() { return std::move(tokens_); }

  // Token cursor.
  const Token& Peek(size_t ahead = 0) const;
  const Token& Next();
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  // Consumes the words `words` in sequence if they all match.
  bool AcceptWords(std::initializer_list<absl::string_view> words);
  bool AcceptWord(absl::string_view word) { return AcceptWords({word}); }
  bool AcceptOp(absl::string_view op);
  absl::Status ExpectWords(std::initializer_list<absl::string_view> words);
  absl::Status ExpectWord(absl::string_view word) {
    return ExpectWords({word});
  }
  absl::Status ExpectOp(absl::string_view op);
  // Error at the current token: "... near 'tok': expected <what>".
  absl::Status ErrorHere(absl::string_view what) const;
  absl::Status ErrorAt(const Token& token, absl::string_view what) const;

  // Names and lists.
  absl::StatusOr<std::string> ParseIdent(absl::string_view what);
  absl::StatusOr<TableName> ParseTableName();
  absl::StatusOr<std::vector<std::string>> ParseIdentList();  // ( a, b )
  absl::StatusOr<OptionValue> ParseOptionValue();  // string, number or word
  absl::StatusOr<std::string> ParseString(absl::string_view what);
  absl::StatusOr<std::string> ParseNumber(absl::string_view what);

  // parser_expr.cc: expressions as token sequences.
  // After '(' was consumed: reads up to the matching ')' and consumes it.
  absl::StatusOr<Expr> ParseParenBody();
  // Reads one expression up to ',' or ')' or `stop` at nesting depth 0.
  absl::StatusOr<Expr> ParseExprUntil(
      const std::function<bool(const Token&)>& stop);
  // ( expr, expr, ... )
  absl::StatusOr<std::vector<Expr>> ParseParenExprList();
  // DEFAULT / ON UPDATE / SET DEFAULT value.
  absl::StatusOr<DefaultValue> ParseDefaultValue();
  Expr Normalize(std::vector<Token> tokens);

  // parser_column.cc
  absl::StatusOr<ColumnDefinition> ParseColumnDefinition();
  absl::StatusOr<ColumnType> ParseColumnType();
  absl::Status ParseColumnAttributes(ColumnDefinition* col,
                                     std::vector<ConstraintDefinition>* checks);

  // parser_index.cc
  // True if the current token starts an index or constraint definition.
  bool AtIndexOrConstraint() const;
  // Parses an index or constraint; exactly one of the outputs is set.
  absl::Status ParseIndexOrConstraint(std::optional<IndexDefinition>* index,
                                      std::optional<ConstraintDefinition>* c);
  absl::StatusOr<ReferenceDefinition> ParseReference();

  // parser_options.cc
  // Parses table options (possibly none) separated by spaces or, if
  // `allow_commas`, by commas (consumed only when an option follows).
  absl::StatusOr<std::vector<TableOption>> ParseTableOptions(bool allow_commas);
  bool AtTableOption() const;
  absl::StatusOr<PartitionOption> ParsePartitionBy();
  absl::StatusOr<PartitionDefinition> ParsePartitionDefinition();
  absl::StatusOr<std::vector<PartitionDefinition>> ParsePartitionDefinitions();

  // parser_alter.cc
  absl::StatusOr<AlterTable> ParseAlterTableBody(TableName name);
  // parser_partition_ops.cc: ALTER TABLE ... ADD/DROP/... PARTITION.
  absl::StatusOr<PartitionSpec> ParsePartitionSpec();

  // parser_view.cc
  absl::StatusOr<CreateView> ParseCreateView(bool is_alter, bool or_replace);
  absl::StatusOr<DropView> ParseDropView();

 private:
  absl::StatusOr<Statement> ParseCreate(bool strict);
  absl::StatusOr<Statement> ParseCreateTable(bool strict);
  absl::StatusOr<TableSpec> ParseTableSpec();
  absl::StatusOr<Statement> ParseAlter(bool strict);
  absl::StatusOr<Statement> ParseDrop();
  absl::StatusOr<Statement> ParseRename();
  // Lenient mode: skips to the end of the statement; error if more follows.
  absl::Status SkipToStatementEnd();

  absl::string_view sql_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int bind_vars_ = 0;
};

// CHECK's body after the CHECK keyword: (expr) [[NOT] ENFORCED].
absl::StatusOr<CheckDefinition> ParseCheckAfterKeyword(Parser* p);

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_PARSER_INTERNAL_H_
