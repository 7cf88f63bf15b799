#include "onlineddl/foreign_keys.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "schemadiff/lexer.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

absl::StatusOr<std::string> Action(absl::string_view rule) {
  const std::string r = absl::AsciiStrToUpper(rule);
  for (const char* known :
       {"RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT"}) {
    if (r == known) return r;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown foreign key action \"", rule, "\""));
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names)
    quoted.push_back(mysql::QuoteIdentifier(n));
  return absl::StrJoin(quoted, ", ");
}

}  // namespace

absl::StatusOr<std::vector<ForeignKey>> LoadForeignKeys(
    mysql::Connection& conn, absl::string_view db, absl::string_view table) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, "
          "k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, "
          "r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k JOIN "
          "information_schema.REFERENTIAL_CONSTRAINTS r ON "
          "r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = "
          "k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME WHERE "
          "k.TABLE_SCHEMA = ",
          mysql::QuoteString(db),
          " AND k.TABLE_NAME = ", mysql::QuoteString(table),
          " AND k.REFERENCED_TABLE_NAME IS NOT NULL ORDER BY "
          "k.CONSTRAINT_NAME, k.ORDINAL_POSITION")));
  std::vector<ForeignKey> out;
  for (const mysql::Row& row : r.rows) {
    if (out.empty() || out.back().name != row.Get(0)) {
      out.emplace_back();
      out.back().name = std::string(row.Get(0));
      out.back().referenced_schema = std::string(row.Get(2));
      out.back().referenced_table = std::string(row.Get(3));
      out.back().on_delete = std::string(row.Get(5));
      out.back().on_update = std::string(row.Get(6));
    }
    out.back().columns.emplace_back(row.Get(1));
    out.back().referenced_columns.emplace_back(row.Get(4));
  }
  return out;
}

absl::StatusOr<std::string> AddForeignKeyClause(const ForeignKey& fk,
                                                absl::string_view name) {
  SC_ASSIGN_OR_RETURN(std::string on_delete, Action(fk.on_delete));
  SC_ASSIGN_OR_RETURN(std::string on_update, Action(fk.on_update));
  return absl::StrCat(
      "ADD CONSTRAINT ", mysql::QuoteIdentifier(name), " FOREIGN KEY (",
      QuotedList(fk.columns), ") REFERENCES ",
      mysql::QuoteQualified(fk.referenced_schema, fk.referenced_table), " (",
      QuotedList(fk.referenced_columns), ") ON DELETE ", on_delete,
      " ON UPDATE ", on_update);
}

namespace {

// The foreign key named by the DROP FOREIGN KEY, DROP CONSTRAINT or ADD
// CONSTRAINT ... FOREIGN KEY clause starting at tokens[i]: the index of
// its name token, or 0 if none starts there. `*drop` says which.
size_t ForeignKeyNameAt(const std::vector<schemadiff::Token>& tokens, size_t i,
                        bool* drop) {
  if (i + 2 >= tokens.size()) return 0;
  *drop = tokens[i].IsWord("DROP");
  if (!*drop && !tokens[i].IsWord("ADD")) return 0;
  size_t j = i + 1;
  if (*drop && tokens[j].IsWord("FOREIGN") && tokens[j + 1].IsWord("KEY")) {
    j += 2;
  } else if (tokens[j].IsWord("CONSTRAINT")) {
    j += 1;
  } else {
    return 0;
  }
  // DROP ... IF EXISTS, ADD CONSTRAINT IF NOT EXISTS.
  if (j + 2 < tokens.size() && tokens[j].IsWord("IF")) {
    j += tokens[j + 1].IsWord("NOT") ? 3 : 2;
  }
  if (j >= tokens.size() || !tokens[j].IsIdentLike()) return 0;
  // ADD CONSTRAINT name FOREIGN KEY only (not CHECK, UNIQUE, ...).
  if (!*drop && !(j + 2 < tokens.size() && tokens[j + 1].IsWord("FOREIGN"))) {
    return 0;
  }
  return j;
}

// The names (lower case) of the foreign keys `tokens` drop (or add).
std::set<std::string> NamedKeys(const std::vector<schemadiff::Token>& tokens,
                                bool dropped) {
  std::set<std::string> out;
  bool drop = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t j = ForeignKeyNameAt(tokens, i, &drop);
    if (j > 0 && drop == dropped) {
      out.insert(absl::AsciiStrToLower(tokens[j].text));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> RenameForeignKeysInAlter(
    absl::string_view alter_clauses,
    const std::map<std::string, std::string>& dropped,
    const std::map<std::string, std::string>& added) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  // A key is added again under its name only if this ALTER drops it (as
  // written, adding a key the table holds fails, and still does).
  const std::set<std::string> dropped_here = NamedKeys(tokens, true);
  bool drop = false;
  std::string out;
  size_t copied = 0;  // alter_clauses[0, copied) is in `out`
  for (size_t i = 0; i < tokens.size(); ++i) {
    const size_t j = ForeignKeyNameAt(tokens, i, &drop);
    if (j == 0) continue;
    const std::string name = absl::AsciiStrToLower(tokens[j].text);
    const std::map<std::string, std::string>& renamed = drop ? dropped : added;
    auto it = renamed.find(name);
    if (it == renamed.end() || (!drop && dropped_here.count(name) == 0)) {
      continue;
    }
    absl::StrAppend(&out,
                    alter_clauses.substr(copied, tokens[j].offset - copied),
                    mysql::QuoteIdentifier(it->second));
    copied = tokens[j].end;
    i = j;
  }
  absl::StrAppend(&out, alter_clauses.substr(copied));
  return out;
}

absl::StatusOr<std::set<std::string>> AddedForeignKeyNames(
    absl::string_view alter_clauses) {
  SC_ASSIGN_OR_RETURN(std::vector<schemadiff::Token> tokens,
                      schemadiff::Tokenize(alter_clauses));
  return NamedKeys(tokens, false);
}

}  // namespace onlineddl
}  // namespace sidecut
