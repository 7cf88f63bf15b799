// CREATE/ALTER/DROP VIEW. The SELECT is kept as a normalized token sequence
// plus the list of tables it reads.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "schemadiff/keywords.h"
#include "schemadiff/parser_internal.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace internal {
namespace {

// Words after a table reference that are not an alias.
bool EndsTableReference(const Token& t) {
  static constexpr absl::string_view kWords[] = {
      "where",  "join",   "on",     "using",         "group",     "order",
      "limit",  "left",   "right",  "inner",         "cross",     "natural",
      "union",  "having", "window", "straight_join", "for",       "lock",
      "outer",  "full",   "with",   "into",          "partition", "use",
      "ignore", "force",
  };
  if (t.kind != TokenKind::kWord) return !t.IsIdentLike();
  for (absl::string_view w : kWords) {
    if (t.IsWord(w)) return true;
  }
  return false;
}

// Reads one table reference at tokens[*i]; appends it to `tables`.
bool ReadTableReference(const std::vector<Token>& tokens, size_t* i,
                        std::vector<TableName>* tables) {
  if (*i >= tokens.size() || !tokens[*i].IsIdentLike() ||
      (tokens[*i].kind == TokenKind::kWord &&
       (tokens[*i].IsWord("select") || tokens[*i].IsWord("lateral")))) {
    return false;
  }
  TableName name;
  name.name = tokens[(*i)++].text;
  if (*i + 1 < tokens.size() && tokens[*i].IsOp(".") &&
      tokens[*i + 1].IsIdentLike()) {
    name.qualifier = std::move(name.name);
    name.name = tokens[*i + 1].text;
    *i += 2;
  }
  tables->push_back(std::move(name));
  if (*i < tokens.size() && tokens[*i].IsWord("as")) ++*i;
  if (*i < tokens.size() && !EndsTableReference(tokens[*i])) ++*i;  // alias
  return true;
}

bool EndsFromClause(const Token& t) {
  static constexpr absl::string_view kWords[] = {
      "where",  "group", "having", "order", "limit",  "union",
      "window", "into",  "for",    "lock",  "select",
  };
  for (absl::string_view w : kWords) {
    if (t.IsWord(w)) return true;
  }
  return false;
}

// A common table expression a WITH clause names (WITH [RECURSIVE] name
// [(columns)] AS (...), ...): its name, where its body's tokens are, and
// whether the WITH is RECURSIVE (its body may read itself).
struct CommonTable {
  std::string name;
  size_t body_begin = 0, body_end = 0;
  bool recursive = false;
};

// Every common table expression of `tokens`, at any nesting.
std::vector<CommonTable> CommonTables(const std::vector<Token>& tokens) {
  std::vector<CommonTable> ctes;
  auto skip_group = [&](size_t i) {  // tokens[i] is "(": past its ")"
    int depth = 0;
    for (; i < tokens.size(); ++i) {
      if (tokens[i].IsOp("(")) ++depth;
      if (tokens[i].IsOp(")") && --depth == 0) return i + 1;
    }
    return i;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!tokens[i].IsWord("with")) continue;
    size_t j = i + 1;
    const bool recursive = j < tokens.size() && tokens[j].IsWord("recursive");
    if (recursive) ++j;
    while (j < tokens.size() && tokens[j].IsIdentLike()) {
      CommonTable c;
      c.name = tokens[j++].text;
      c.recursive = recursive;
      if (j < tokens.size() && tokens[j].IsOp("(")) j = skip_group(j);
      if (j >= tokens.size() || !tokens[j].IsWord("as")) break;
      ++j;
      if (j >= tokens.size() || !tokens[j].IsOp("(")) break;
      c.body_begin = j;
      j = skip_group(j);
      c.body_end = j;
      ctes.push_back(std::move(c));
      if (j >= tokens.size() || !tokens[j].IsOp(",")) break;
      ++j;
    }
  }
  return ctes;
}

// Tables named after FROM, JOIN and commas of a FROM list, at any nesting,
// with the index of each one's first token in `at`.
std::vector<TableName> TablesNamed(const std::vector<Token>& tokens,
                                   std::vector<size_t>* at) {
  std::vector<TableName> tables;
  std::vector<bool> in_from = {false};  // per parenthesis depth
  for (size_t i = 0; i < tokens.size();) {
    const Token& t = tokens[i];
    if (t.IsOp("(")) {
      in_from.push_back(false);
    } else if (t.IsOp(")") && in_from.size() > 1) {
      in_from.pop_back();
    } else if (t.IsWord("from") || (t.IsOp(",") && in_from.back())) {
      if (t.IsWord("from")) in_from.back() = true;
      size_t j = i + 1;
      if (ReadTableReference(tokens, &j, &tables)) {
        at->push_back(i + 1);
        i = j;
        continue;
      }
    } else if (t.IsWord("join")) {
      size_t j = i + 1;
      if (ReadTableReference(tokens, &j, &tables)) {
        at->push_back(i + 1);
        i = j;
        continue;
      }
    } else if (EndsFromClause(t)) {
      in_from.back() = false;
    }
    ++i;
  }
  return tables;
}

// Tables named after FROM, JOIN and commas of a FROM list, at any nesting,
// but not the common table expressions WITH names (told by name, without
// scope; inside its own body, unless RECURSIVE, a name is the table's).
std::vector<TableName> TablesRead(const std::vector<Token>& tokens) {
  std::vector<size_t> at;
  std::vector<TableName> named = TablesNamed(tokens, &at);
  const std::vector<CommonTable> ctes = CommonTables(tokens);
  std::vector<TableName> tables;
  for (size_t k = 0; k < named.size(); ++k) {
    bool cte = false;
    for (const CommonTable& c : ctes) {
      cte |= named[k].qualifier.empty() &&
             absl::EqualsIgnoreCase(c.name, named[k].name) &&
             (c.recursive || at[k] < c.body_begin || at[k] >= c.body_end);
    }
    if (!cte) tables.push_back(std::move(named[k]));
  }
  return tables;
}

bool Adjacent(const Token& a, const Token& b) { return a.end == b.offset; }

absl::StatusOr<Definer> ParseDefiner(Parser* p) {
  Definer d;
  const Token& user = p->Peek();
  if (user.kind != TokenKind::kString && !user.IsIdentLike()) {
    return p->ErrorHere("expected a user name");
  }
  d.user = user.text;
  d.user_is_string = user.kind == TokenKind::kString;
  d.user_quoted = user.kind == TokenKind::kQuotedIdent;
  p->Next();
  if (d.user == "current_user" && p->AcceptOp("(")) {
    SC_RETURN_IF_ERROR(p->ExpectOp(")"));
  }
  if (!p->AcceptOp("@")) return d;
  d.has_host = true;
  const Token& host = p->Next();
  d.host = host.text;
  d.host_is_string = host.kind == TokenKind::kString;
  if (host.kind == TokenKind::kString || host.kind == TokenKind::kQuotedIdent) {
    return d;
  }
  const Token* prev = &host;
  while (!p->AtEnd() && Adjacent(*prev, p->Peek()) &&
         (p->Peek().kind == TokenKind::kWord ||
          p->Peek().kind == TokenKind::kNumber || p->Peek().IsOp(".") ||
          p->Peek().IsOp("-") || p->Peek().IsOp("%"))) {
    prev = &p->Next();
    absl::StrAppend(&d.host, prev->text);
  }
  return d;
}

bool AtCheckOption(const Parser& p) {
  if (!p.Peek().IsWord("with")) return false;
  const Token& next = p.Peek(1);
  return next.IsWord("check") || next.IsWord("cascaded") ||
         next.IsWord("local");
}

}  // namespace

absl::StatusOr<CreateView> Parser::ParseCreateView(bool is_alter,
                                                   bool or_replace) {
  CreateView view;
  view.is_alter = is_alter;
  view.or_replace = or_replace;
  if (AcceptWord("algorithm")) {
    SC_RETURN_IF_ERROR(ExpectOp("="));
    if (Peek().kind != TokenKind::kWord) return ErrorHere("expected algorithm");
    view.algorithm = Next().text;
  }
  if (AcceptWord("definer")) {
    SC_RETURN_IF_ERROR(ExpectOp("="));
    SC_ASSIGN_OR_RETURN(view.definer, ParseDefiner(this));
  }
  if (AcceptWords({"sql", "security"})) {
    if (!Peek().IsWord("definer") && !Peek().IsWord("invoker")) {
      return ErrorHere("expected DEFINER or INVOKER");
    }
    view.security = absl::AsciiStrToLower(Next().text);
  }
  SC_RETURN_IF_ERROR(ExpectWord("view"));
  SC_ASSIGN_OR_RETURN(view.name, ParseTableName());
  if (Peek().IsOp("(")) {
    SC_ASSIGN_OR_RETURN(view.columns, ParseIdentList());
  }
  SC_RETURN_IF_ERROR(ExpectWord("as"));
  if (!Peek().IsWord("select") && !Peek().IsOp("(") && !Peek().IsWord("with")) {
    return ErrorHere("expected SELECT");
  }
  std::vector<Token> select;
  int depth = 0;
  while (!AtEnd() && !Peek().IsOp(";") &&
         !(depth == 0 && AtCheckOption(*this))) {
    if (Peek().IsOp("(")) ++depth;
    if (Peek().IsOp(")") && --depth < 0) return ErrorHere("unbalanced ')'");
    select.push_back(Next());
  }
  if (depth != 0) return ErrorHere("expected ')'");
  view.select.tokens = Normalize(std::move(select));
  view.select.tables = TablesRead(view.select.tokens.tokens);
  if (AcceptWord("with")) {
    if (Peek().IsWord("cascaded") || Peek().IsWord("local")) {
      view.check_option = absl::AsciiStrToLower(Next().text);
    } else {
      view.check_option = "cascaded";
    }
    SC_RETURN_IF_ERROR(ExpectWords({"check", "option"}));
  }
  return view;
}

absl::StatusOr<DropView> Parser::ParseDropView() {
  DropView drop;
  drop.if_exists = AcceptWords({"if", "exists"});
  do {
    SC_ASSIGN_OR_RETURN(TableName t, ParseTableName());
    drop.views.push_back(std::move(t));
  } while (AcceptOp(","));
  if (!AcceptWord("restrict")) AcceptWord("cascade");
  return drop;
}

}  // namespace internal
}  // namespace schemadiff
}  // namespace sidecut
