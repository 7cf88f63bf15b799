// Expressions are captured as balanced token sequences and normalized the
// way Vitess prints them: <> becomes !=, bare CURRENT_TIMESTAMP gets (), the
// JSON operators -> and ->> become json_extract/json_unquote calls, and
// ? placeholders become :v1, :v2, ...
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

Token MakeToken(TokenKind kind, absl::string_view text, size_t offset) {
  Token t;
  t.kind = kind;
  t.text = std::string(text);
  t.offset = t.end = offset;
  return t;
}

// Functions that may be written without parentheses.
bool IsNiladicTimeFunction(const Token& t) {
  static constexpr absl::string_view kNames[] = {
      "current_timestamp", "localtime",    "localtimestamp", "utc_timestamp",
      "current_date",      "current_time", "utc_date",       "utc_time",
  };
  if (t.kind != TokenKind::kWord) return false;
  for (absl::string_view n : kNames) {
    if (absl::EqualsIgnoreCase(t.text, n)) return true;
  }
  return false;
}

// Start index of the column reference (a, t.a, `d`.`t`.`a`) ending at `end`.
size_t ColumnRefStart(const std::vector<Token>& out, size_t end) {
  size_t start = end;
  while (start >= 2 && out[start - 1].IsOp(".") &&
         out[start - 2].IsIdentLike()) {
    start -= 2;
  }
  return start;
}

// Rewrites `col -> 'path'` as json_extract(col, 'path') and `col ->> 'path'`
// as json_unquote(json_extract(col, 'path')).
void RewriteJsonOperator(std::vector<Token>* out, bool unquote,
                         const Token& path) {
  size_t end = out->size() - 1;
  size_t start = ColumnRefStart(*out, end);
  std::vector<Token> col(out->begin() + start, out->end());
  out->resize(start);
  size_t at = path.offset;
  if (unquote) {
    out->push_back(MakeToken(TokenKind::kWord, "json_unquote", at));
    out->push_back(MakeToken(TokenKind::kOperator, "(", at));
  }
  out->push_back(MakeToken(TokenKind::kWord, "json_extract", at));
  out->push_back(MakeToken(TokenKind::kOperator, "(", at));
  for (Token& t : col) out->push_back(std::move(t));
  out->push_back(MakeToken(TokenKind::kOperator, ",", at));
  out->push_back(path);
  out->push_back(MakeToken(TokenKind::kOperator, ")", at));
  if (unquote) out->push_back(MakeToken(TokenKind::kOperator, ")", at));
}

}  // namespace

Expr Parser::Normalize(std::vector<Token> tokens) {
  std::vector<Token> out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    Token& t = tokens[i];
    if (t.IsOp("<>")) t.text = "!=";
    if (t.IsOp("&&")) t = MakeToken(TokenKind::kWord, "and", t.offset);
    if (t.kind == TokenKind::kBindVar && t.text == "?") {
      t.text = absl::StrCat(":v", ++bind_vars_);
    }
    if ((t.IsOp("->") || t.IsOp("->>")) && !out.empty() &&
        out.back().IsIdentLike() && i + 1 < tokens.size() &&
        tokens[i + 1].kind == TokenKind::kString) {
      RewriteJsonOperator(&out, t.text == "->>", tokens[i + 1]);
      ++i;
      continue;
    }
    bool niladic = IsNiladicTimeFunction(t) &&
                   (i + 1 >= tokens.size() || !tokens[i + 1].IsOp("(")) &&
                   (out.empty() || !out.back().IsOp("."));
    size_t at = t.end;
    out.push_back(std::move(t));
    if (niladic) {
      out.push_back(MakeToken(TokenKind::kOperator, "(", at));
      out.push_back(MakeToken(TokenKind::kOperator, ")", at));
    }
  }
  Expr e;
  e.tokens = std::move(out);
  return e;
}

absl::StatusOr<Expr> Parser::ParseParenBody() {
  std::vector<Token> tokens;
  int depth = 0;
  while (true) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd) return ErrorHere("expected ')'");
    if (t.IsOp(")") && depth == 0) break;
    if (t.IsOp("(")) ++depth;
    if (t.IsOp(")")) --depth;
    tokens.push_back(Next());
  }
  Next();  // ')'
  if (tokens.empty()) return ErrorHere("expected an expression");
  return Normalize(std::move(tokens));
}

absl::StatusOr<Expr> Parser::ParseExprUntil(
    const std::function<bool(const Token&)>& stop) {
  std::vector<Token> tokens;
  int depth = 0;
  while (true) {
    const Token& t = Peek();
    if (t.kind == TokenKind::kEnd || t.IsOp(";")) break;
    if (depth == 0 && (t.IsOp(",") || t.IsOp(")") || stop(t))) break;
    if (t.IsOp("(")) ++depth;
    if (t.IsOp(")")) --depth;
    tokens.push_back(Next());
  }
  if (depth != 0) return ErrorHere("expected ')'");
  if (tokens.empty()) return ErrorHere("expected an expression");
  return Normalize(std::move(tokens));
}

absl::StatusOr<std::vector<Expr>> Parser::ParseParenExprList() {
  SC_RETURN_IF_ERROR(ExpectOp("("));
  std::vector<Expr> list;
  do {
    SC_ASSIGN_OR_RETURN(Expr e,
                        ParseExprUntil([](const Token&) { return false; }));
    list.push_back(std::move(e));
  } while (AcceptOp(","));
  SC_RETURN_IF_ERROR(ExpectOp(")"));
  return list;
}

absl::StatusOr<DefaultValue> Parser::ParseDefaultValue() {
  DefaultValue v;
  if (AcceptOp("(")) {
    SC_ASSIGN_OR_RETURN(v.expr, ParseParenBody());
    v.parenthesized = true;
    return v;
  }
  std::vector<Token> tokens;
  if (Peek().IsOp("-") || Peek().IsOp("+")) tokens.push_back(Next());
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kNumber:
    case TokenKind::kString:
    case TokenKind::kHexString:
    case TokenKind::kBitString:
    case TokenKind::kHexNumber:
    case TokenKind::kBitNumber:
    case TokenKind::kBindVar:
      tokens.push_back(Next());
      break;
    case TokenKind::kWord:
      tokens.push_back(Next());
      if (absl::StartsWith(tokens.back().text, "_") &&
          Peek().kind == TokenKind::kString) {
        tokens.push_back(Next());  // charset introducer: _utf8mb4'x'
      } else if (Peek().IsOp("(")) {
        int depth = 0;
        do {
          if (Peek().IsOp("(")) ++depth;
          if (Peek().IsOp(")")) --depth;
          if (AtEnd()) return ErrorHere("expected ')'");
          tokens.push_back(Next());
        } while (depth > 0);
      } else if (tokens.back().IsWord("now")) {
        tokens.push_back(MakeToken(TokenKind::kOperator, "(", t.end));
        tokens.push_back(MakeToken(TokenKind::kOperator, ")", t.end));
      }
      break;
    default:
      return ErrorHere("expected a default value");
  }
  v.expr = Normalize(std::move(tokens));
  return v;
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
