#include "vreplication/filter.h"

#include <algorithm>
#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {
namespace {

using schemadiff::Token;
using schemadiff::TokenKind;

absl::Status FilterError(absl::string_view filter, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid filter \"", filter, "\": ", what));
}

std::string Text(absl::string_view sql, const Token& from, const Token& to) {
  return std::string(absl::StripAsciiWhitespace(
      sql.substr(from.offset, to.end - from.offset)));
}

}  // namespace

absl::StatusOr<FilterSpec> ParseFilter(absl::string_view match,
                                       absl::string_view filter) {
  FilterSpec spec;
  std::string sql(absl::StripAsciiWhitespace(filter));
  if (sql.empty()) sql = absl::StrCat("select * from `", match, "`");
  SC_ASSIGN_OR_RETURN(std::vector<Token> toks, schemadiff::Tokenize(sql));
  size_t i = 0;
  if (!toks[i].IsWord("select"))
    return FilterError(sql, "must start with SELECT");
  ++i;
  // Select items up to the top-level FROM.
  while (true) {
    size_t start = i;
    int depth = 0;
    while (toks[i].kind != TokenKind::kEnd) {
      if (toks[i].IsOp("(")) ++depth;
      if (toks[i].IsOp(")")) --depth;
      if (depth == 0 && (toks[i].IsOp(",") || toks[i].IsWord("from"))) break;
      ++i;
    }
    if (i == start) return FilterError(sql, "empty select item");
    if (toks[i].kind == TokenKind::kEnd)
      return FilterError(sql, "missing FROM");
    SelectItem item;
    size_t last = i - 1;
    if (start == last && toks[start].IsOp("*")) {
      item.star = true;
    } else {
      // Trailing "AS alias" or bare alias after an expression.
      if (last > start && toks[last].IsIdentLike() &&
          (toks[last - 1].IsWord("as") || !toks[last - 1].IsOp("."))) {
        bool has_as = toks[last - 1].IsWord("as");
        size_t expr_end = has_as ? last - 2 : last - 1;
        if (has_as || (expr_end >= start && !toks[expr_end].IsOp("."))) {
          if (expr_end >= start && (has_as || last - start >= 1)) {
            item.alias = toks[last].text;
            last = expr_end;
          }
        }
      }
      item.expr = Text(sql, toks[start], toks[last]);
      bool plain = start == last && toks[start].IsIdentLike();
      bool qualified = last == start + 2 && toks[start].IsIdentLike() &&
                       toks[start + 1].IsOp(".") && toks[last].IsIdentLike();
      if (plain || qualified) item.column = toks[last].text;
      if (item.alias.empty()) item.alias = item.column;
      if (item.alias.empty()) {
        return FilterError(sql, absl::StrCat("expression '", item.expr,
                                             "' needs an alias (AS name)"));
      }
    }
    spec.items.push_back(std::move(item));
    if (toks[i].IsWord("from")) break;
    ++i;  // comma
  }
  ++i;  // FROM
  if (!toks[i].IsIdentLike())
    return FilterError(sql, "missing table after FROM");
  spec.source_table = toks[i].text;
  ++i;
  if (toks[i].IsOp(".") && toks[i + 1].IsIdentLike()) {
    spec.source_table = toks[i + 1].text;  // db.table: the db is implied
    i += 2;
  }
  if (toks[i].IsWord("where")) {
    if (toks[i + 1].kind == TokenKind::kEnd) {
      return FilterError(sql, "empty WHERE");
    }
    size_t endi = toks.size() - 2;
    spec.where = Text(sql, toks[i + 1], toks[endi]);
  } else if (toks[i].kind != TokenKind::kEnd && !toks[i].IsOp(";")) {
    return FilterError(sql, absl::StrCat("unexpected '", toks[i].text,
                                         "' after the table name"));
  }
  return spec;
}

namespace {

// The statement's tokens, a "double-quoted" string taken for a quoted
// identifier: under ANSI_QUOTES (the session's sql_mode, which the
// statement alone does not tell) it is one, as the server then also
// quotes the names of a DROP TABLE it logs. Taken so, a string can only
// make a name match where none is (a stop or a record for nothing), never
// hide one.
absl::StatusOr<std::vector<Token>> TokenizeNames(absl::string_view statement) {
  SC_ASSIGN_OR_RETURN(std::vector<Token> toks, schemadiff::Tokenize(statement));
  for (Token& t : toks) {
    if (t.kind == TokenKind::kString && t.offset < statement.size() &&
        statement[t.offset] == '"') {
      t.kind = TokenKind::kQuotedIdent;
    }
  }
  return toks;
}

}  // namespace

bool TableNameLess::operator()(absl::string_view a, absl::string_view b) const {
  if (!fold) return a < b;
  return std::lexicographical_compare(
      a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return absl::ascii_tolower(static_cast<unsigned char>(x)) <
               absl::ascii_tolower(static_cast<unsigned char>(y));
      });
}

bool StatementTouchesDatabase(absl::string_view statement,
                              absl::string_view session_db,
                              absl::string_view db) {
  // Without case (the server may fold it: lower_case_table_names=1); a
  // database only its case tells apart counts too, which can only stop a
  // workflow for nothing.
  if (absl::EqualsIgnoreCase(session_db, db)) return true;
  absl::StatusOr<std::vector<Token>> toks = TokenizeNames(statement);
  if (!toks.ok()) return true;
  for (size_t i = 0; i + 1 < toks->size(); ++i) {
    if ((*toks)[i].IsIdentLike() && (*toks)[i + 1].IsOp(".") &&
        absl::EqualsIgnoreCase((*toks)[i].text, db)) {
      return true;
    }
  }
  return false;
}

namespace {

// Whether identifier `t[i]` names something of database `db`: qualified
// with it, or unqualified in a statement run with default database
// `session_db` (or none). An empty `db` means any database.
bool InDatabase(const std::vector<Token>& t, size_t i,
                absl::string_view session_db, absl::string_view db) {
  if (db.empty()) return true;
  if (i >= 1 && t[i - 1].IsOp(".")) {
    // `.t` is a table of the default database (a form the grammar keeps
    // "for Delphi"): the word before the dot is then a keyword, which no
    // unquoted database name can be.
    static const char* const kBeforeATable[] = {
        "table", "tables", "to",         "on",       "exists",
        "like",  "with",   "references", "from",     "join",
        "into",  "as",     "index",      "truncate", "update"};
    // So is a comma before the dot (DROP TABLE a, .t).
    bool keyword = i < 2 || t[i - 2].IsOp(",");
    for (const char* k : kBeforeATable) keyword |= i >= 2 && t[i - 2].IsWord(k);
    if (!keyword) {
      // A qualifier that is no identifier (`"app".t` under ANSI_QUOTES,
      // lexed as a string) may be the database: assumed to be.
      if (!t[i - 2].IsIdentLike()) return true;
      return absl::EqualsIgnoreCase(t[i - 2].text, db);
    }
  }
  return session_db.empty() || absl::EqualsIgnoreCase(session_db, db);
}

// With `quoted_names`, "x" counts as a name (DDL, which ANSI_QUOTES
// sessions log so); in DML it is far more often a string.
bool MentionsTableIn(absl::string_view statement, absl::string_view session_db,
                     absl::string_view db, absl::string_view table,
                     bool quoted_names = true) {
  absl::StatusOr<std::vector<Token>> toks =
      quoted_names ? TokenizeNames(statement) : schemadiff::Tokenize(statement);
  if (!toks.ok()) return true;
  for (size_t i = 0; i < toks->size(); ++i) {
    const Token& t = (*toks)[i];
    if (!t.IsIdentLike() || !absl::EqualsIgnoreCase(t.text, table)) continue;
    // The first part of a dotted name (`x`.t, `x`.c) is a database, or a
    // table qualifying a column of a table the statement names elsewhere:
    // a database named like the table is not the table.
    const bool first_of_dotted = i + 1 < toks->size() &&
                                 (*toks)[i + 1].IsOp(".") &&
                                 !(i > 0 && (*toks)[i - 1].IsOp("."));
    if (!first_of_dotted && InDatabase(*toks, i, session_db, db)) return true;
  }
  return false;
}

}  // namespace

bool StatementMentionsTable(absl::string_view statement,
                            absl::string_view table) {
  return MentionsTableIn(statement, "", "", table, /*quoted_names=*/false);
}

absl::optional<WrittenTable> SingleTableWritten(absl::string_view statement,
                                                absl::string_view session_db) {
  absl::StatusOr<std::vector<Token>> toks = schemadiff::Tokenize(statement);
  if (!toks.ok()) return absl::nullopt;
  const std::vector<Token>& t = *toks;  // ends with one kEnd token
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    if (t[i].IsOp(";") && t[i + 1].kind != TokenKind::kEnd) {
      return absl::nullopt;  // more than one statement
    }
  }
  auto any_of = [](const Token& tok, std::initializer_list<const char*> words) {
    for (const char* w : words) {
      if (tok.IsWord(w)) return true;
    }
    return false;
  };
  const bool update = t[0].IsWord("update");
  const bool remove = t[0].IsWord("delete");
  if (!update && !remove && !any_of(t[0], {"insert", "replace"})) {
    return absl::nullopt;
  }
  size_t i = 1;  // past the modifiers
  while (i < t.size() && any_of(t[i], {"low_priority", "delayed",
                                       "high_priority", "quick", "ignore"})) {
    ++i;
  }
  if (remove) {
    if (i >= t.size() || !t[i].IsWord("from")) return absl::nullopt;
    ++i;
  } else if (!update && i < t.size() && t[i].IsWord("into")) {
    ++i;
  }
  if (i >= t.size() || !t[i].IsIdentLike()) return absl::nullopt;
  WrittenTable w{std::string(session_db), t[i].text};
  ++i;
  if (i + 1 < t.size() && t[i].IsOp(".")) {
    if (!t[i + 1].IsIdentLike()) return absl::nullopt;
    w.database = w.table;
    w.table = t[i + 1].text;
    i += 2;
  }
  // What follows the table rules out a second table (UPDATE a, b / a JOIN
  // b; DELETE ... USING; a PARTITION clause) and an alias.
  const Token& next = t[i];
  bool single = false;
  if (update) {
    single = next.IsWord("set");
  } else if (remove) {
    single = next.kind == TokenKind::kEnd || next.IsOp(";") ||
             any_of(next, {"where", "order", "limit", "returning"});
  } else {
    single =
        next.IsOp("(") || any_of(next, {"values", "value", "set", "select"});
  }
  if (!single) return absl::nullopt;
  return w;
}

bool DdlChangesTable(absl::string_view statement, absl::string_view table) {
  return DdlChangesTable(statement, "", "", table);
}

namespace {

// The table name starting at t[*n] (db.name, name or .name): the index of
// the name, with *n moved past it; 0 (the verb's index) if none starts
// there.
size_t TableNameAt(const std::vector<Token>& t, size_t* n) {
  size_t i = *n;
  if (i + 1 < t.size() && t[i].IsOp(".")) ++i;  // .name
  if (i >= t.size() || !t[i].IsIdentLike()) return 0;
  if (i == *n && i + 2 < t.size() && t[i + 1].IsOp(".")) {
    if (!t[i + 2].IsIdentLike()) return 0;
    i += 2;
  }
  *n = i + 1;
  return i;
}

// Moves *n past IF [NOT] EXISTS.
void SkipIfExists(const std::vector<Token>& t, size_t* n) {
  size_t k = *n;
  if (k >= t.size() || !t[k].IsWord("if")) return;
  ++k;
  if (k < t.size() && t[k].IsWord("not")) ++k;
  if (k < t.size() && t[k].IsWord("exists")) *n = k + 1;
}

// Moves *n past WAIT n or NOWAIT.
void SkipWait(const std::vector<Token>& t, size_t* n) {
  if (*n < t.size() && t[*n].IsWord("nowait")) {
    ++*n;
  } else if (*n + 1 < t.size() && t[*n].IsWord("wait")) {
    *n += 2;
  }
}

bool EndsAt(const std::vector<Token>& t, size_t n) {
  return n >= t.size() || t[n].kind == TokenKind::kEnd || t[n].IsOp(";");
}

// The names of the tables DDL `t` creates, drops, renames or indexes, its
// object word (TABLE or INDEX) being t[object], for the forms where each
// sits at a known place: CREATE TABLE, DROP TABLE, RENAME TABLE, CREATE
// INDEX, DROP INDEX. A name elsewhere (a column, LIKE x, AS SELECT ...
// FROM x, REFERENCES x: a parent's rows and structure stay as they were;
// online DDL refuses to swap a table that became one) is no table it
// changes. nullopt for any other form.
absl::optional<std::vector<size_t>> ChangedTables(const std::vector<Token>& t,
                                                  size_t object) {
  std::vector<size_t> names;
  size_t n = object + 1;
  SkipIfExists(t, &n);
  if (t[object].IsWord("index")) {
    // [CREATE ...|DROP] INDEX [IF [NOT] EXISTS] i [USING type] ON name ...
    if (n >= t.size() || !t[n].IsIdentLike()) return absl::nullopt;
    ++n;
    if (n + 1 < t.size() && t[n].IsWord("using")) n += 2;
    if (n >= t.size() || !t[n].IsWord("on")) return absl::nullopt;
    ++n;
    const size_t name = TableNameAt(t, &n);
    if (name == 0) return absl::nullopt;
    return std::vector<size_t>{name};
  }
  if (t[0].IsWord("create")) {
    const size_t name = TableNameAt(t, &n);
    if (name == 0) return absl::nullopt;
    // Its definition, LIKE, [AS] SELECT, or table options follow.
    if (!EndsAt(t, n) && !t[n].IsOp("(") && t[n].kind != TokenKind::kWord) {
      return absl::nullopt;
    }
    names.push_back(name);
    return names;
  }
  const bool rename = t[0].IsWord("rename");
  if (!rename && !t[0].IsWord("drop")) return absl::nullopt;
  // DROP TABLE [IF EXISTS] a [, b ...] [WAIT n | NOWAIT] [RESTRICT | CASCADE]
  // RENAME TABLE a [WAIT n | NOWAIT] TO b [, c TO d ...]
  while (true) {
    const size_t name = TableNameAt(t, &n);
    if (name == 0) return absl::nullopt;
    names.push_back(name);
    if (rename) {
      SkipWait(t, &n);
      if (n >= t.size() || !t[n].IsWord("to")) return absl::nullopt;
      ++n;
      const size_t to = TableNameAt(t, &n);
      if (to == 0) return absl::nullopt;
      names.push_back(to);
    }
    if (n < t.size() && t[n].IsOp(",")) {
      ++n;
      continue;
    }
    break;
  }
  if (!rename) {
    SkipWait(t, &n);
    if (n < t.size() && (t[n].IsWord("restrict") || t[n].IsWord("cascade"))) {
      ++n;
    }
  }
  if (!EndsAt(t, n)) return absl::nullopt;
  return names;
}

}  // namespace

bool DdlChangesTable(absl::string_view statement, absl::string_view session_db,
                     absl::string_view db, absl::string_view table) {
  absl::StatusOr<std::vector<Token>> toks = TokenizeNames(statement);
  if (!toks.ok() || toks->empty()) return true;
  // More than one statement (the binlog logs one per event): any mention.
  for (size_t i = 0; i + 1 < toks->size(); ++i) {
    if ((*toks)[i].IsOp(";") && (*toks)[i + 1].kind != TokenKind::kEnd) {
      return MentionsTableIn(statement, session_db, db, table);
    }
  }
  // The body of an executable comment (/*!NNNNN ... */) is tokenized, but
  // whether the server ran it depends on its version: with one, names are
  // not judged by their place either.
  const bool executable_comment = absl::StrContains(statement, "/*!") ||
                                  absl::StrContains(statement, "/*M!");
  const Token& verb = (*toks)[0];
  if (verb.IsWord("truncate")) {
    return MentionsTableIn(statement, session_db, db, table);
  }
  if (!verb.IsWord("create") && !verb.IsWord("alter") && !verb.IsWord("drop") &&
      !verb.IsWord("rename")) {
    return false;  // GRANT, SET, ANALYZE, FLUSH, ...
  }
  // The object type is the first of these words (after OR REPLACE,
  // DEFINER = ..., ONLINE, TEMPORARY, ...).
  // TABLES as in RENAME TABLES, DROP TABLES (MariaDB's synonyms).
  static const char* const kObjects[] = {
      "table",     "tables",   "index",    "event",     "trigger", "view",
      "procedure", "function", "database", "schema",    "user",    "role",
      "server",    "sequence", "package",  "tablespace"};
  for (size_t i = 1; i < toks->size() && i < 24; ++i) {
    for (const char* o : kObjects) {
      if (!(*toks)[i].IsWord(o)) continue;
      absl::string_view object = o;
      if (object == "tables") object = "table";
      if (object != "table" && object != "index") return false;
      if (executable_comment) {
        return MentionsTableIn(statement, session_db, db, table);
      }
      const std::vector<Token>& t = *toks;
      // Whether the name at t[name] (0: none) is the table.
      auto is_table = [&](size_t name) {
        return name != 0 && absl::EqualsIgnoreCase(t[name].text, table) &&
               InDatabase(t, name, session_db, db);
      };
      if (verb.IsWord("alter") && object == "table") {
        // ALTER [ONLINE] TABLE [IF EXISTS] [db.]name ...: only that table
        // changes (its columns or keys may share the name with another).
        size_t n = i + 1;
        SkipIfExists(t, &n);
        const size_t altered = TableNameAt(t, &n);
        if (altered != 0) {
          if (is_table(altered)) return true;
          // Or one it exchanges a partition with (WITH TABLE x), converts
          // into one of its partitions (CONVERT TABLE x), or is renamed to
          // (RENAME [TO | AS] x; not RENAME COLUMN, INDEX or KEY).
          for (size_t k = altered + 1; k + 1 < t.size(); ++k) {
            size_t name = 0;
            if ((t[k].IsWord("with") || t[k].IsWord("convert")) &&
                t[k + 1].IsWord("table")) {
              name = k + 2;
            } else if (t[k].IsWord("rename") && !t[k + 1].IsWord("column") &&
                       !t[k + 1].IsWord("index") && !t[k + 1].IsWord("key")) {
              name = t[k + 1].IsWord("to") || t[k + 1].IsWord("as") ? k + 2
                                                                    : k + 1;
            }
            if (name != 0 && is_table(TableNameAt(t, &name))) return true;
          }
          return false;
        }
      }
      const absl::optional<std::vector<size_t>> names = ChangedTables(t, i);
      if (!names.has_value()) {
        return MentionsTableIn(statement, session_db, db, table);
      }
      for (size_t name : *names) {
        if (is_table(name)) return true;
      }
      return false;
    }
  }
  return MentionsTableIn(statement, session_db, db, table);
}

bool DdlDropsDatabase(absl::string_view statement, absl::string_view db) {
  absl::StatusOr<std::vector<Token>> toks = TokenizeNames(statement);
  if (!toks.ok()) return true;
  const std::vector<Token>& t = *toks;  // ends with one kEnd token
  size_t i = 1;
  if (t[0].IsWord("create")) {
    if (t.size() < 4 || !t[1].IsWord("or") || !t[2].IsWord("replace")) {
      return false;
    }
    i = 3;
  } else if (!t[0].IsWord("drop")) {
    return false;
  }
  if (i >= t.size() || !(t[i].IsWord("database") || t[i].IsWord("schema"))) {
    return false;
  }
  ++i;
  if (i + 1 < t.size() && t[i].IsWord("if") && t[i + 1].IsWord("exists")) {
    i += 2;
  }
  if (i >= t.size() || !t[i].IsIdentLike()) return true;
  return absl::EqualsIgnoreCase(t[i].text, db);
}

absl::optional<std::string> RenamedTo(absl::string_view statement,
                                      absl::string_view session_db,
                                      absl::string_view db,
                                      absl::string_view table) {
  absl::StatusOr<std::vector<Token>> toks = TokenizeNames(statement);
  if (!toks.ok() || toks->size() < 3 || !(*toks)[0].IsWord("rename") ||
      !((*toks)[1].IsWord("table") || (*toks)[1].IsWord("tables"))) {
    return absl::nullopt;
  }
  const std::vector<Token>& t = *toks;
  size_t i = 2;
  if (i + 1 < t.size() && t[i].IsWord("if") && t[i + 1].IsWord("exists")) {
    i += 2;
  }
  // [db.]name, as (db, name); false if none at t[i].
  auto name = [&](std::string* d, std::string* n) {
    if (i >= t.size() || !t[i].IsIdentLike()) return false;
    *d = std::string(session_db);
    *n = t[i].text;
    ++i;
    if (i + 1 < t.size() && t[i].IsOp(".") && t[i + 1].IsIdentLike()) {
      *d = *n;
      *n = t[i + 1].text;
      i += 2;
    }
    return true;
  };
  while (i < t.size()) {
    std::string from_db, from, to_db, to;
    if (!name(&from_db, &from)) return absl::nullopt;
    if (i < t.size() && t[i].IsWord("nowait")) ++i;
    if (i + 1 < t.size() && t[i].IsWord("wait")) i += 2;
    if (i >= t.size() || !t[i].IsWord("to")) return absl::nullopt;
    ++i;
    if (!name(&to_db, &to)) return absl::nullopt;
    if (from_db == db && absl::EqualsIgnoreCase(from, table)) {
      return mysql::QuoteQualified(to_db, to);
    }
    if (i >= t.size() || !t[i].IsOp(",")) return absl::nullopt;
    ++i;
  }
  return absl::nullopt;
}

absl::StatusOr<ExprTemplate> ExprTemplate::Parse(
    absl::string_view expr, const std::vector<std::string>& columns) {
  SC_ASSIGN_OR_RETURN(std::vector<Token> toks, schemadiff::Tokenize(expr));
  ExprTemplate t;
  size_t copied = 0;  // bytes of `expr` already in segments
  auto column_of = [&](const Token& tok) -> int {
    if (!tok.IsIdentLike()) return -1;
    for (size_t c = 0; c < columns.size(); ++c) {
      if (absl::EqualsIgnoreCase(columns[c], tok.text))
        return static_cast<int>(c);
    }
    return -1;
  };
  for (size_t i = 0; i + 1 < toks.size(); ++i) {
    size_t first = i;
    // table.column: replace all three tokens.
    if (i + 2 < toks.size() && toks[i].IsIdentLike() && toks[i + 1].IsOp(".") &&
        toks[i + 2].IsIdentLike()) {
      i += 2;
    }
    int col = column_of(toks[i]);
    bool is_call = toks[i + 1].IsOp("(");
    bool after_dot = first == i && i > 0 && toks[i - 1].IsOp(".");
    if (col < 0 || is_call || after_dot) {
      i = first;
      continue;
    }
    t.segments_.push_back(
        {std::string(expr.substr(copied, toks[first].offset - copied)), -1});
    t.segments_.push_back({"", col});
    copied = toks[i].end;
  }
  t.segments_.push_back({std::string(expr.substr(copied)), -1});
  return t;
}

int ExprTemplate::BareColumn() const {
  int column = -1;
  for (const Segment& s : segments_) {
    if (s.column >= 0) {
      if (column >= 0) return -1;
      column = s.column;
    } else if (!absl::StripAsciiWhitespace(s.text).empty()) {
      return -1;
    }
  }
  return column;
}

std::string ExprTemplate::Render(
    const std::function<std::string(int)>& literal) const {
  std::string out;
  for (const Segment& s : segments_) {
    if (s.column >= 0) {
      absl::StrAppend(&out, "(", literal(s.column), ")");
    } else {
      out += s.text;
    }
  }
  return out;
}

std::vector<int> ExprTemplate::Columns() const {
  std::vector<int> cols;
  for (const Segment& s : segments_) {
    if (s.column >= 0) cols.push_back(s.column);
  }
  return cols;
}

}  // namespace vreplication
}  // namespace sidecut
