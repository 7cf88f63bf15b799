#include "onlineddl/ddl_statement.h"

#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "schemadiff/parser.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

using schemadiff::Token;

// Rewrites the parser's "… (offset N) near 'x': …" into Vitess's wording,
// with N relative to the whole submitted text.
absl::Status SyntaxError(const absl::Status& s, size_t base) {
  std::string msg(s.message());
  size_t at = msg.find("(offset ");
  size_t offset = 0;
  if (at != std::string::npos) {
    size_t end = msg.find(')', at);
    absl::SimpleAtoi(msg.substr(at + 8, end - at - 8), &offset);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("syntax error at position ", base + offset + 1, ": ", msg));
}

absl::Status CheckDb(const schemadiff::TableName& name, absl::string_view db) {
  if (name.qualifier.empty() || name.qualifier == db) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "table ", mysql::QuoteQualified(name.qualifier, name.name),
      " is not in this tablet's database ", mysql::QuoteIdentifier(db)));
}

// The byte offset just past the table name of an ALTER TABLE.
absl::StatusOr<size_t> AlterClausesStart(absl::string_view stmt) {
  SC_ASSIGN_OR_RETURN(std::vector<Token> toks, schemadiff::Tokenize(stmt));
  size_t i = 0;
  while (i < toks.size() && !toks[i].IsWord("table")) ++i;
  ++i;  // the name
  if (i >= toks.size()) return absl::InvalidArgumentError("no table name");
  size_t end = toks[i].end;
  if (i + 2 < toks.size() && toks[i + 1].IsOp(".")) end = toks[i + 2].end;
  return end;
}

absl::Status Classify(absl::string_view text, absl::string_view db,
                      schemadiff::Statement parsed,
                      std::vector<DdlStatement>* out) {
  using A = DdlStatement::Action;
  DdlStatement d;
  d.sql = std::string(text);
  if (auto* c = std::get_if<schemadiff::CreateTable>(&parsed)) {
    SC_RETURN_IF_ERROR(CheckDb(c->name, db));
    d.action = A::kCreate;
    d.table = c->name.name;
    d.if_not_exists = c->if_not_exists;
    d.or_replace = c->or_replace;
  } else if (auto* a = std::get_if<schemadiff::AlterTable>(&parsed)) {
    SC_RETURN_IF_ERROR(CheckDb(a->name, db));
    for (const schemadiff::AlterOption& o : a->options) {
      if (o.kind == schemadiff::AlterOption::Kind::kRenameTable) {
        return absl::InvalidArgumentError(
            "RENAME is not supported in online DDL: rename the table in a "
            "statement of its own");
      }
    }
    d.action = A::kAlter;
    d.table = a->name.name;
    SC_ASSIGN_OR_RETURN(size_t start, AlterClausesStart(text));
    d.alter_clauses = std::string(absl::StripAsciiWhitespace(absl::StripSuffix(
        absl::StripAsciiWhitespace(text.substr(start)), ";")));
  } else if (auto* v = std::get_if<schemadiff::CreateView>(&parsed)) {
    SC_RETURN_IF_ERROR(CheckDb(v->name, db));
    d.action = v->is_alter ? A::kAlter : A::kCreate;
    d.is_view = true;
    d.or_replace = v->or_replace;
    d.table = v->name.name;
  } else if (auto* dt = std::get_if<schemadiff::DropTable>(&parsed)) {
    for (const schemadiff::TableName& n : dt->tables) {
      SC_RETURN_IF_ERROR(CheckDb(n, db));
      DdlStatement one;
      one.action = A::kDrop;
      one.if_exists = dt->if_exists;
      one.table = n.name;
      one.sql = absl::StrCat("DROP TABLE ", dt->if_exists ? "IF EXISTS " : "",
                             mysql::QuoteIdentifier(n.name));
      SC_ASSIGN_OR_RETURN(one.parsed, schemadiff::ParseStatement(one.sql));
      out->push_back(std::move(one));
    }
    return absl::OkStatus();
  } else if (auto* dv = std::get_if<schemadiff::DropView>(&parsed)) {
    for (const schemadiff::TableName& n : dv->views) {
      SC_RETURN_IF_ERROR(CheckDb(n, db));
      DdlStatement one;
      one.action = A::kDrop;
      one.is_view = true;
      one.if_exists = dv->if_exists;
      one.table = n.name;
      one.sql = absl::StrCat("DROP VIEW ", dv->if_exists ? "IF EXISTS " : "",
                             mysql::QuoteIdentifier(n.name));
      SC_ASSIGN_OR_RETURN(one.parsed, schemadiff::ParseStatement(one.sql));
      out->push_back(std::move(one));
    }
    return absl::OkStatus();
  } else {
    return absl::InvalidArgumentError(
        "RENAME is not supported in online DDL: rename the table in a "
        "statement of its own, with the direct strategy");
  }
  d.parsed = std::move(parsed);
  out->push_back(std::move(d));
  return absl::OkStatus();
}

}  // namespace

absl::string_view ActionName(DdlStatement::Action action) {
  switch (action) {
    case DdlStatement::Action::kCreate:
      return "create";
    case DdlStatement::Action::kAlter:
      return "alter";
    case DdlStatement::Action::kDrop:
      return "drop";
  }
  return "";
}

absl::StatusOr<std::vector<DdlStatement>> ParseDdl(absl::string_view sql,
                                                   absl::string_view db) {
  absl::StatusOr<std::vector<Token>> toks = schemadiff::Tokenize(sql);
  if (!toks.ok()) return SyntaxError(toks.status(), 0);
  std::vector<DdlStatement> out;
  size_t start = 0;
  for (const Token& t : *toks) {
    bool end = t.kind == schemadiff::TokenKind::kEnd;
    if (!end && !t.IsOp(";")) continue;
    absl::string_view text = sql.substr(start, t.offset - start);
    size_t base = start;
    start = end ? sql.size() : t.end;
    if (absl::StripAsciiWhitespace(text).empty()) {
      if (end) break;
      continue;
    }
    absl::StatusOr<schemadiff::Statement> parsed =
        schemadiff::ParseStatement(text);
    if (!parsed.ok()) return SyntaxError(parsed.status(), base);
    SC_RETURN_IF_ERROR(Classify(absl::StripAsciiWhitespace(text), db,
                                std::move(*parsed), &out));
    if (end) break;
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("no statement given");
  }
  return out;
}

}  // namespace onlineddl
}  // namespace sidecut
