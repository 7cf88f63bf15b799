#include "vreplication/check_failure.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "mysql/result.h"

namespace sidecut {
namespace vreplication {
namespace {

constexpr int kErConstraintFailed = 4025;

// Reads a backtick-quoted name at the front of `*in` ("``" is a backtick)
// and consumes it; false if there is none.
bool ConsumeQuoted(absl::string_view* in, std::string* out) {
  if (in->empty() || in->front() != '`') return false;
  out->clear();
  for (size_t i = 1; i < in->size(); ++i) {
    if ((*in)[i] != '`') {
      out->push_back((*in)[i]);
    } else if (i + 1 < in->size() && (*in)[i + 1] == '`') {
      out->push_back('`');
      ++i;
    } else {
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

}  // namespace

absl::optional<FailedCheck> ParseFailedCheck(absl::string_view message) {
  // The server's text comes last (after the statement, whose values may
  // hold anything): the last occurrence that parses.
  for (size_t at = message.rfind("CONSTRAINT `"); at != absl::string_view::npos;
       at = at == 0 ? absl::string_view::npos
                    : message.rfind("CONSTRAINT `", at - 1)) {
    absl::string_view in = message.substr(at + sizeof("CONSTRAINT ") - 1);
    FailedCheck f;
    if (ConsumeQuoted(&in, &f.name) &&
        absl::ConsumePrefix(&in, " failed for ") && ConsumeQuoted(&in, &f.db) &&
        absl::ConsumePrefix(&in, ".") && ConsumeQuoted(&in, &f.table)) {
      return f;
    }
  }
  return absl::nullopt;
}

absl::Status ExplainCheckFailure(mysql::Connection& conn, absl::Status s) {
  if (mysql::MysqlErrno(s) != kErConstraintFailed) return s;
  absl::optional<FailedCheck> f = ParseFailedCheck(s.message());
  if (!f.has_value()) return s;
  absl::StatusOr<mysql::Result> r = conn.Execute(absl::StrCat(
      "SELECT LEVEL, CONSTRAINT_NAME, CHECK_CLAUSE FROM "
      "information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ",
      mysql::QuoteString(f->db),
      " AND TABLE_NAME = ", mysql::QuoteString(f->table)));
  if (!r.ok()) return s;
  const std::string table = mysql::QuoteQualified(f->db, f->table);
  for (const mysql::Row& row : r->rows) {
    const std::string level(row.Get(0));
    const std::string name(row.Get(1));
    const std::string clause(row.Get(2));
    // A column-level constraint is named after its column; the error
    // names it "table.column".
    const bool column = level == "Column";
    if (name != f->name &&
        !(column && absl::StrCat(f->table, ".", name) == f->name)) {
      continue;
    }
    std::string why;
    if (column && clause == absl::StrCat("json_valid(",
                                         mysql::QuoteIdentifier(name), ")")) {
      why = absl::StrCat("Invalid JSON text: column ",
                         mysql::QuoteIdentifier(name), " of ", table,
                         " is JSON, and a value for it is not valid JSON");
    } else {
      why = absl::StrCat("a row fails CHECK constraint ",
                         mysql::QuoteIdentifier(name), " of ", table, " (",
                         clause, ")");
    }
    absl::Status out(s.code(), absl::StrCat(why, ": ", s.message()));
    s.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
      out.SetPayload(url, payload);
    });
    return out;
  }
  return s;
}

}  // namespace vreplication
}  // namespace sidecut
