#include "schemadiff/parser.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/lexer.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// Reserved words that cannot be unquoted identifiers.
bool IsReserved(absl::string_view word) {
  static constexpr absl::string_view kReserved[] = {
      "add",       "alter",   "and",        "as",         "by",
      "check",     "column",  "constraint", "create",     "default",
      "drop",      "foreign", "from",       "fulltext",   "index",
      "key",       "like",    "not",        "null",       "on",
      "or",        "order",   "primary",    "references", "select",
      "spatial",   "table",   "to",         "unique",     "where",
      "partition", "values",  "with",       "rename",     "set",
      "generated", "using",   "collate",    "character",  "if",
  };
  for (absl::string_view r : kReserved) {
    if (absl::EqualsIgnoreCase(word, r)) return true;
  }
  return false;
}

}  // namespace

const Token& Parser::Peek(size_t ahead) const {
  size_t i = pos_ + ahead;
  return i < tokens_.size() ? tokens_[i] : tokens_.back();
}

const Token& Parser::Next() {
  const Token& t = Peek();
  if (pos_ < tokens_.size() - 1) ++pos_;
  return t;
}

bool Parser::AcceptWords(std::initializer_list<absl::string_view> words) {
  size_t i = 0;
  for (absl::string_view w : words) {
    if (!Peek(i++).IsWord(w)) return false;
  }
  pos_ += words.size();
  return true;
}

bool Parser::AcceptOp(absl::string_view op) {
  if (!Peek().IsOp(op)) return false;
  Next();
  return true;
}

absl::Status Parser::ExpectWords(
    std::initializer_list<absl::string_view> words) {
  if (AcceptWords(words)) return absl::OkStatus();
  std::string what;
  for (absl::string_view w : words) {
    absl::StrAppend(&what, what.empty() ? "" : " ", absl::AsciiStrToUpper(w));
  }
  return ErrorHere(absl::StrCat("expected ", what));
}

absl::Status Parser::ExpectOp(absl::string_view op) {
  if (AcceptOp(op)) return absl::OkStatus();
  return ErrorHere(absl::StrCat("expected '", op, "'"));
}

absl::Status Parser::ErrorHere(absl::string_view what) const {
  return ErrorAt(Peek(), what);
}

absl::Status Parser::ErrorAt(const Token& token, absl::string_view what) const {
  return SyntaxErrorAt(sql_, token, what);
}

absl::StatusOr<std::string> Parser::ParseIdent(absl::string_view what) {
  const Token& t = Peek();
  if (t.kind == TokenKind::kQuotedIdent ||
      (t.kind == TokenKind::kWord && !IsReserved(t.text))) {
    return Next().text;
  }
  return ErrorHere(absl::StrCat("expected ", what));
}

absl::StatusOr<TableName> Parser::ParseTableName() {
  TableName name;
  SC_ASSIGN_OR_RETURN(name.name, ParseIdent("table name"));
  if (AcceptOp(".")) {
    name.qualifier = std::move(name.name);
    SC_ASSIGN_OR_RETURN(name.name, ParseIdent("table name"));
  }
  return name;
}

absl::StatusOr<std::vector<std::string>> Parser::ParseIdentList() {
  SC_RETURN_IF_ERROR(ExpectOp("("));
  std::vector<std::string> names;
  do {
    SC_ASSIGN_OR_RETURN(std::string n, ParseIdent("column name"));
    names.push_back(std::move(n));
  } while (AcceptOp(","));
  SC_RETURN_IF_ERROR(ExpectOp(")"));
  return names;
}

absl::StatusOr<std::string> Parser::ParseString(absl::string_view what) {
  if (Peek().kind != TokenKind::kString) {
    return ErrorHere(absl::StrCat("expected ", what, " (a quoted string)"));
  }
  return Next().text;
}

absl::StatusOr<std::string> Parser::ParseNumber(absl::string_view what) {
  if (Peek().kind != TokenKind::kNumber) {
    return ErrorHere(absl::StrCat("expected ", what, " (a number)"));
  }
  return Next().text;
}

absl::StatusOr<OptionValue> Parser::ParseOptionValue() {
  const Token& t = Peek();
  OptionValue v;
  v.text = t.text;
  switch (t.kind) {
    case TokenKind::kString:
      v.kind = OptionValue::Kind::kString;
      break;
    case TokenKind::kNumber:
      v.kind = OptionValue::Kind::kNumber;
      break;
    case TokenKind::kWord:
    case TokenKind::kQuotedIdent:
      v.kind = OptionValue::Kind::kRaw;
      break;
    default:
      return ErrorHere("expected an option value");
  }
  Next();
  return v;
}

bool Parser::AcceptSemicolons() {
  bool any = false;
  while (AcceptOp(";")) any = true;
  return any;
}

absl::Status Parser::SkipToStatementEnd() {
  while (!AtEnd() && !Peek().IsOp(";")) Next();
  AcceptSemicolons();
  if (!AtEnd()) {
    return ErrorHere("extra characters after the end of the DDL statement");
  }
  return absl::OkStatus();
}

absl::StatusOr<Statement> Parser::ParseOne(bool strict) {
  if (AcceptWord("create")) return ParseCreate(strict);
  if (AcceptWord("alter")) return ParseAlter(strict);
  if (AcceptWord("drop")) return ParseDrop();
  if (AcceptWord("rename")) return ParseRename();
  return ErrorHere(
      "expected CREATE, ALTER, DROP or RENAME (only DDL is supported)");
}

absl::StatusOr<Statement> Parser::ParseCreate(bool strict) {
  bool or_replace = AcceptWords({"or", "replace"});
  bool temporary = AcceptWord("temporary");
  if (!temporary && !Peek().IsWord("table")) {
    return ParseCreateView(/*is_alter=*/false, or_replace);
  }
  SC_RETURN_IF_ERROR(ExpectWord("table"));
  SC_ASSIGN_OR_RETURN(Statement stmt, ParseCreateTable(strict));
  std::get<CreateTable>(stmt).temporary = temporary;
  std::get<CreateTable>(stmt).or_replace = or_replace;
  return stmt;
}

absl::StatusOr<Statement> Parser::ParseCreateTable(bool strict) {
  CreateTable ct;
  ct.if_not_exists = AcceptWords({"if", "not", "exists"});
  SC_ASSIGN_OR_RETURN(ct.name, ParseTableName());
  size_t body_start = pos_;
  if (AcceptWord("like") || (Peek().IsOp("(") && Peek(1).IsWord("like") &&
                             AcceptOp("(") && AcceptWord("like"))) {
    SC_ASSIGN_OR_RETURN(ct.like, ParseTableName());
    if (tokens_[body_start].IsOp("(")) SC_RETURN_IF_ERROR(ExpectOp(")"));
    return Statement(std::move(ct));
  }
  if (AtEnd() || Peek().IsOp(";")) return Statement(std::move(ct));
  absl::StatusOr<TableSpec> spec = ParseTableSpec();
  if (!spec.ok()) {
    if (strict) return spec.status();
    SC_RETURN_IF_ERROR(SkipToStatementEnd());
    return Statement(std::move(ct));
  }
  ct.spec = *std::move(spec);
  return Statement(std::move(ct));
}

absl::StatusOr<TableSpec> Parser::ParseTableSpec() {
  TableSpec spec;
  // A ColumnDefinition is large: growing the vector one doubling at a time
  // moves every column several times.
  spec.columns.reserve(16);
  SC_RETURN_IF_ERROR(ExpectOp("("));
  do {
    if (AtIndexOrConstraint()) {
      std::optional<IndexDefinition> index;
      std::optional<ConstraintDefinition> constraint;
      SC_RETURN_IF_ERROR(ParseIndexOrConstraint(&index, &constraint));
      if (index) spec.indexes.push_back(*std::move(index));
      if (constraint) spec.constraints.push_back(*std::move(constraint));
      continue;
    }
    SC_ASSIGN_OR_RETURN(ColumnDefinition col, ParseColumnDefinition());
    spec.columns.push_back(std::move(col));
    SC_RETURN_IF_ERROR(
        ParseColumnAttributes(&spec.columns.back(), &spec.constraints));
  } while (AcceptOp(","));
  SC_RETURN_IF_ERROR(ExpectOp(")"));
  SC_ASSIGN_OR_RETURN(spec.options, ParseTableOptions(/*allow_commas=*/true));
  if (Peek().IsWord("partition")) {
    SC_ASSIGN_OR_RETURN(spec.partition, ParsePartitionBy());
  }
  if (!AtEnd() && !Peek().IsOp(";")) {
    return ErrorHere("expected a table option, PARTITION BY or end of input");
  }
  return spec;
}

absl::StatusOr<Statement> Parser::ParseAlter(bool strict) {
  if (!Peek().IsWord("table")) {
    return ParseCreateView(/*is_alter=*/true, /*or_replace=*/false);
  }
  Next();
  SC_ASSIGN_OR_RETURN(TableName name, ParseTableName());
  absl::StatusOr<AlterTable> alter = ParseAlterTableBody(name);
  if (!alter.ok()) {
    if (strict) return alter.status();
    SC_RETURN_IF_ERROR(SkipToStatementEnd());
    AlterTable partial;
    partial.name = std::move(name);
    return Statement(std::move(partial));
  }
  return Statement(*std::move(alter));
}

absl::StatusOr<Statement> Parser::ParseDrop() {
  bool temporary = AcceptWord("temporary");
  if (!temporary && AcceptWord("view")) {
    SC_ASSIGN_OR_RETURN(DropView dv, ParseDropView());
    return Statement(std::move(dv));
  }
  SC_RETURN_IF_ERROR(ExpectWord("table"));
  DropTable drop;
  drop.temporary = temporary;
  drop.if_exists = AcceptWords({"if", "exists"});
  do {
    SC_ASSIGN_OR_RETURN(TableName t, ParseTableName());
    drop.tables.push_back(std::move(t));
  } while (AcceptOp(","));
  if (!AcceptWord("restrict")) AcceptWord("cascade");
  return Statement(std::move(drop));
}

absl::StatusOr<Statement> Parser::ParseRename() {
  SC_RETURN_IF_ERROR(ExpectWord("table"));
  RenameTable rename;
  do {
    SC_ASSIGN_OR_RETURN(TableName from, ParseTableName());
    SC_RETURN_IF_ERROR(ExpectWord("to"));
    SC_ASSIGN_OR_RETURN(TableName to, ParseTableName());
    rename.pairs.emplace_back(std::move(from), std::move(to));
  } while (AcceptOp(","));
  return Statement(std::move(rename));
}

}  // namespace internal

absl::StatusOr<std::vector<Statement>> ParseStatements(
    absl::string_view sql, const ParseOptions& options) {
  // One statement at a time: the tokens of a 1,000-table script would take
  // megabytes, one statement's stay in cache.
  StatementTokenizer tokenizer(sql);
  std::vector<Token> tokens;
  std::vector<Statement> out;
  while (true) {
    SC_ASSIGN_OR_RETURN(bool more, tokenizer.Next(&tokens));
    if (!more) break;
    internal::Parser parser(sql, std::move(tokens));
    parser.AcceptSemicolons();
    if (!parser.AtEnd()) {
      SC_ASSIGN_OR_RETURN(Statement stmt, parser.ParseOne(options.strict));
      out.push_back(std::move(stmt));
      if (!parser.AcceptSemicolons() && !parser.AtEnd()) {
        return parser.ErrorHere("expected ';' or end of input");
      }
    }
    tokens = parser.TakeTokens();
  }
  return out;
}

absl::StatusOr<Statement> ParseStatement(absl::string_view sql,
                                         const ParseOptions& options) {
  SC_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(sql));
  internal::Parser parser(sql, std::move(tokens));
  if (parser.AtEnd()) return parser.ErrorHere("empty statement");
  SC_ASSIGN_OR_RETURN(Statement stmt, parser.ParseOne(options.strict));
  parser.AcceptSemicolons();
  if (!parser.AtEnd()) {
    return parser.ErrorHere("extra characters after the end of the statement");
  }
  return stmt;
}

}  // namespace schemadiff
}  // namespace sidecut
