#include "tests/onlineddl_conformance/table_checks.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "mysql/quoting.h"
#include "re2/re2.h"
#include "tests/onlineddl_conformance/conformance_case.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl_conformance {
namespace {

// The first column of every row of `sql`.
absl::StatusOr<std::vector<std::string>> FirstColumn(mysql::Connection& conn,
                                                     absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn.Execute(sql));
  std::vector<std::string> values;
  for (const mysql::Row& row : r.rows) values.emplace_back(row.Get(0));
  return values;
}

// FirstColumn, sorted by bytes (the server's collation may order names
// differently, and callers binary-search the result).
absl::StatusOr<std::vector<std::string>> SortedFirstColumn(
    mysql::Connection& conn, absl::string_view sql) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> values, FirstColumn(conn, sql));
  std::sort(values.begin(), values.end());
  return values;
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::vector<std::string> quoted;
  for (const std::string& n : names)
    quoted.push_back(mysql::QuoteIdentifier(n));
  return absl::StrJoin(quoted, ", ");
}

std::string FormatRow(const RowValues& row) {
  std::vector<std::string> parts;
  for (const auto& v : row) {
    parts.push_back(v.has_value() ? mysql::QuoteString(*v) : "NULL");
  }
  return absl::StrCat("(", absl::StrJoin(parts, ", "), ")");
}

// Lowercase with every run of blanks made one space.
std::string Normalize(absl::string_view text) {
  std::string out;
  bool blank = false;
  for (char ch : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(ch))) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ColumnNames(mysql::Connection& conn,
                                                     absl::string_view db,
                                                     absl::string_view table) {
  SC_ASSIGN_OR_RETURN(
      std::vector<std::string> names,
      FirstColumn(conn,
                  absl::StrCat("SELECT COLUMN_NAME FROM "
                               "information_schema.COLUMNS WHERE "
                               "TABLE_SCHEMA = ",
                               mysql::QuoteString(db),
                               " AND TABLE_NAME = ", mysql::QuoteString(table),
                               " ORDER BY ORDINAL_POSITION")));
  if (names.empty()) {
    return absl::NotFoundError(
        absl::StrCat("table ", db, ".", table, " does not exist"));
  }
  return names;
}

ColumnPair SharedColumns(const std::vector<std::string>& before,
                         const std::vector<std::string>& after) {
  ColumnPair pair;
  for (const std::string& b : before) {
    for (const std::string& a : after) {
      if (absl::EqualsIgnoreCase(a, b)) {
        pair.before.push_back(b);
        pair.after.push_back(a);
        break;
      }
    }
  }
  return pair;
}

absl::StatusOr<std::vector<RowValues>> FetchRows(
    mysql::Connection& conn, absl::string_view db, absl::string_view table,
    const std::vector<std::string>& columns,
    const std::vector<std::string>& order_by) {
  std::string sql = absl::StrCat("SELECT ", QuotedList(columns), " FROM ",
                                 mysql::QuoteQualified(db, table));
  if (!order_by.empty())
    absl::StrAppend(&sql, " ORDER BY ", QuotedList(order_by));
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn.Execute(sql));
  std::vector<RowValues> rows;
  rows.reserve(r.rows.size());
  for (const mysql::Row& row : r.rows) rows.push_back(row.values());
  return rows;
}

absl::Status CompareRows(std::vector<RowValues> before,
                         std::vector<RowValues> after, bool ordered) {
  if (!ordered) {
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
  }
  if (before == after) return absl::OkStatus();
  size_t i = 0;
  while (i < before.size() && i < after.size() && before[i] == after[i]) ++i;
  std::string detail;
  if (i < before.size() && i < after.size()) {
    detail = absl::StrCat(
        "first difference at ", ordered ? "row " : "sorted row ", i + 1,
        ": old ", FormatRow(before[i]), " vs new ", FormatRow(after[i]));
  } else if (i < before.size()) {
    detail = absl::StrCat("the new table lacks old row ", FormatRow(before[i]));
  } else {
    detail = absl::StrCat("the new table has extra row ", FormatRow(after[i]));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("rows differ (old table ", before.size(),
                   " rows, new table ", after.size(), " rows); ", detail));
}

absl::StatusOr<std::string> ShowCreateTable(mysql::Connection& conn,
                                            absl::string_view db,
                                            absl::string_view table) {
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn.Execute(absl::StrCat(
                                           "SHOW CREATE TABLE ",
                                           mysql::QuoteQualified(db, table))));
  if (r.rows.empty() || r.rows[0].size() < 2) {
    return absl::InternalError(
        absl::StrCat("SHOW CREATE TABLE ", table, " returned no statement"));
  }
  return std::string(r.rows[0].Get(1));
}

std::string WithoutAutoIncrement(absl::string_view create) {
  std::string out(create);
  RE2::GlobalReplace(&out, R"( AUTO_INCREMENT=\d+)", "");
  return out;
}

bool MatchesTableStructure(absl::string_view create,
                           absl::string_view pattern) {
  RE2 re(std::string(pattern), RE2::Quiet);
  if (re.ok() && RE2::PartialMatch(std::string(create), re)) return true;
  return absl::StrContains(Normalize(create), Normalize(pattern));
}

absl::StatusOr<std::vector<std::string>> TableNames(mysql::Connection& conn,
                                                    absl::string_view db) {
  return SortedFirstColumn(
      conn,
      absl::StrCat("SELECT TABLE_NAME FROM information_schema.TABLES "
                   "WHERE TABLE_SCHEMA = ",
                   mysql::QuoteString(db), " AND TABLE_TYPE = 'BASE TABLE'"));
}

absl::StatusOr<TableSnapshot> TakeSnapshot(mysql::Connection& conn,
                                           absl::string_view db,
                                           absl::string_view table,
                                           bool with_rows) {
  TableSnapshot snap;
  SC_ASSIGN_OR_RETURN(std::string create, ShowCreateTable(conn, db, table));
  snap.create = WithoutAutoIncrement(create);
  SC_ASSIGN_OR_RETURN(snap.tables, TableNames(conn, db));
  if (with_rows) {
    SC_ASSIGN_OR_RETURN(std::vector<std::string> columns,
                        ColumnNames(conn, db, table));
    SC_ASSIGN_OR_RETURN(snap.rows, FetchRows(conn, db, table, columns, {}));
  }
  return snap;
}

absl::Status CheckUnchanged(mysql::Connection& conn, absl::string_view db,
                            absl::string_view table,
                            const TableSnapshot& before,
                            const std::vector<std::string>& artifacts) {
  SC_ASSIGN_OR_RETURN(TableSnapshot now,
                      TakeSnapshot(conn, db, table, before.rows.has_value()));
  if (now.create != before.create) {
    return absl::FailedPreconditionError(
        absl::StrCat("the original table changed structure: was\n",
                     before.create, "\nnow\n", now.create));
  }
  for (const std::string& t : before.tables) {
    if (!std::binary_search(now.tables.begin(), now.tables.end(), t)) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", t, " disappeared"));
    }
  }
  for (const std::string& t : now.tables) {
    if (!std::binary_search(before.tables.begin(), before.tables.end(), t) &&
        std::find(artifacts.begin(), artifacts.end(), t) == artifacts.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("table ", t,
                       " was left behind but is not among the "
                       "migration's artifacts (",
                       absl::StrJoin(artifacts, ","), ")"));
    }
  }
  if (before.rows.has_value()) {
    absl::Status s = CompareRows(*before.rows, *now.rows, /*ordered=*/false);
    if (!s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the original table's rows changed: ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CompareMigratedRows(
    mysql::Connection& conn, absl::string_view db, absl::string_view old_table,
    absl::string_view new_table,
    const absl::optional<std::string>& before_columns,
    const absl::optional<std::string>& after_columns,
    const absl::optional<std::string>& order_by) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> old_columns,
                      ColumnNames(conn, db, old_table));
  SC_ASSIGN_OR_RETURN(std::vector<std::string> new_columns,
                      ColumnNames(conn, db, new_table));
  ColumnPair columns = SharedColumns(old_columns, new_columns);
  if (before_columns.has_value()) {
    SC_ASSIGN_OR_RETURN(columns.before, ParseColumnList(*before_columns));
  }
  if (after_columns.has_value()) {
    SC_ASSIGN_OR_RETURN(columns.after, ParseColumnList(*after_columns));
  }
  std::vector<std::string> order;
  if (order_by.has_value()) {
    SC_ASSIGN_OR_RETURN(order, ParseColumnList(*order_by));
  }
  SC_ASSIGN_OR_RETURN(std::vector<RowValues> before,
                      FetchRows(conn, db, old_table, columns.before, order));
  SC_ASSIGN_OR_RETURN(std::vector<RowValues> after,
                      FetchRows(conn, db, new_table, columns.after, order));
  absl::Status s =
      CompareRows(std::move(before), std::move(after), order_by.has_value());
  if (s.ok()) return s;
  return absl::FailedPreconditionError(
      absl::StrCat("SELECT ", absl::StrJoin(columns.before, ", "), " FROM ",
                   old_table, " vs SELECT ", absl::StrJoin(columns.after, ", "),
                   " FROM ", new_table, order.empty() ? "" : " ORDER BY ",
                   absl::StrJoin(order, ", "), ": ", s.message()));
}

}  // namespace onlineddl_conformance
}  // namespace sidecut
