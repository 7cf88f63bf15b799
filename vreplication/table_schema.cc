#include "vreplication/table_schema.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace vreplication {

using mysql::QuoteString;

namespace {

// Whether the information_schema query just run on `conn` left db.table
// out because a DDL statement was changing it (a trigger created, say):
// the server skips such a table rather than wait for it when the session
// holds metadata locks (inside a transaction), warning 1684. Unavailable
// then (retried: the table is there), OK otherwise.
absl::Status SkippedByConcurrentDdl(mysql::Connection& conn,
                                    absl::string_view db,
                                    absl::string_view table) {
  SC_ASSIGN_OR_RETURN(mysql::Result w, conn.Execute("SHOW WARNINGS"));
  for (const mysql::Row& r : w.rows) {
    if (r.size() > 1 && r.Get(1) == absl::StrCat(mysql::kWarnISSkippedTable)) {
      return absl::UnavailableError(absl::StrCat(
          "table ", mysql::QuoteQualified(db, table),
          " was being changed by another DDL statement as its definition "
          "was read: ",
          r.size() > 2 ? r.Get(2) : absl::string_view()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int TableSchema::ColumnIndex(absl::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (absl::EqualsIgnoreCase(columns[i].name, name))
      return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<TableSchema> LoadTableSchema(mysql::Connection& conn,
                                            absl::string_view db,
                                            absl::string_view table) {
  TableSchema s;
  s.db = std::string(db);
  s.table = std::string(table);
  SC_ASSIGN_OR_RETURN(
      mysql::Result cols,
      conn.Execute(absl::StrCat(
          "SELECT COLUMN_NAME, LOWER(DATA_TYPE), COLUMN_TYPE, "
          "IFNULL(CHARACTER_SET_NAME, ''), IFNULL(COLLATION_NAME, ''), "
          "IS_NULLABLE, EXTRA FROM information_schema.COLUMNS "
          "WHERE TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(table),
          " ORDER BY ORDINAL_POSITION")));
  if (cols.rows.empty()) {
    SC_RETURN_IF_ERROR(SkippedByConcurrentDdl(conn, db, table));
    return absl::NotFoundError(
        absl::StrCat("table ", mysql::QuoteQualified(db, table), " not found"));
  }
  for (const mysql::Row& r : cols.rows) {
    ColumnInfo c;
    c.name = std::string(r.Get(0));
    c.data_type = std::string(r.Get(1));
    c.column_type = std::string(r.Get(2));
    c.charset = std::string(r.Get(3));
    c.collation = std::string(r.Get(4));
    c.nullable = r.Get(5) == "YES";
    c.generated =
        absl::StrContains(absl::AsciiStrToUpper(r.Get(6)), "GENERATED");
    s.columns.push_back(std::move(c));
  }
  SC_ASSIGN_OR_RETURN(
      mysql::Result keys,
      conn.Execute(absl::StrCat(
          "SELECT INDEX_NAME, COLUMN_NAME, SUB_PART, INDEX_TYPE, "
          "IFNULL(COLLATION, 'A') FROM "
          "information_schema.STATISTICS WHERE TABLE_SCHEMA = ",
          QuoteString(db), " AND TABLE_NAME = ", QuoteString(table),
          " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, "
          "INDEX_NAME, SEQ_IN_INDEX")));
  if (keys.rows.empty()) {
    SC_RETURN_IF_ERROR(SkippedByConcurrentDdl(conn, db, table));
  }
  // Candidate keys in order: PRIMARY first, then unique keys by name.
  std::vector<std::string> order;
  std::map<std::string, std::vector<int>> key_cols;
  std::map<std::string, bool> usable;
  // The directions of each key's parts ('A', 'D'): a key mixing them
  // (MariaDB 10.8+, MySQL 8) has no index order the copy's ORDER BY can
  // follow: every chunk would sort the rest of the table.
  std::map<std::string, std::set<std::string>> directions;
  for (const mysql::Row& r : keys.rows) {
    std::string name(r.Get(0));
    if (!key_cols.count(name)) {
      order.push_back(name);
      usable[name] = true;
    }
    directions[name].insert(std::string(r.Get(4)));
    if (directions[name].size() > 1) usable[name] = false;
    int idx = s.ColumnIndex(r.Get(1));
    // Prefix parts and nullable columns cannot identify a row. Nor can
    // the copy resume after a row by a comparison with its key's text:
    // ENUM and SET sort by their index, not their text; FLOAT and DOUBLE
    // values do not survive the round trip through text exactly; a
    // YEAR(2) reads as two digits where the binlog gives four. A long
    // UNIQUE key MariaDB keeps as a hash (INDEX_TYPE HASH: a BLOB, or
    // longer than an index allows) has no order: every chunk would sort
    // the rest of the table, by at most max_sort_length bytes, and could
    // skip a row. A CHAR column in a NO PAD collation (MariaDB names them
    // *_nopad_*) is ordered in its index as stored, padded with spaces, but
    // compared without them: on 10.11, with 'a\t' sorted before 'a', a
    // chunk's `k > 'a\t'` skips the row 'a'.
    static const char* const kUnordered[] = {"enum", "set", "float", "double"};
    bool unordered = r.Get(3) == "HASH";
    if (idx >= 0) {
      const ColumnInfo& col = s.columns[idx];
      for (const char* t : kUnordered) unordered |= col.data_type == t;
      unordered |= col.column_type == "year(2)";
      unordered |= col.data_type == "char" &&
                   absl::StrContains(col.collation, "_nopad_");
    }
    if (idx < 0 || !r.IsNull(2) || s.columns[idx].nullable || unordered) {
      usable[name] = false;
    }
    key_cols[name].push_back(idx);
  }
  s.unique_index_count = static_cast<int>(order.size());
  for (const std::string& name : order) {
    if (!usable[name]) continue;
    s.unique_keys.push_back(UniqueKey{name, key_cols[name]});
  }
  if (!s.unique_keys.empty()) {
    s.key_name = s.unique_keys[0].name;
    s.key_columns = s.unique_keys[0].columns;
  }
  return s;
}

// The numbers in a column type's parentheses ("decimal(10,4) unsigned":
// {10, 4}; "datetime": {}).
std::vector<int> TypeArgs(absl::string_view column_type) {
  std::vector<int> args;
  const size_t open = column_type.find('(');
  const size_t close = column_type.find(')');
  if (open == absl::string_view::npos || close == absl::string_view::npos ||
      close < open) {
    return args;
  }
  for (absl::string_view part :
       absl::StrSplit(column_type.substr(open + 1, close - open - 1), ',')) {
    int n = 0;
    if (!absl::SimpleAtoi(part, &n)) return {};
    args.push_back(n);
  }
  return args;
}

absl::Status RequireKey(const TableSchema& s) {
  if (!s.key_columns.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "table ", mysql::QuoteQualified(s.db, s.table),
      " has no primary key and no unique key on NOT NULL columns without "
      "prefixes (nor ENUM, SET, FLOAT, DOUBLE or YEAR(2) columns, nor CHAR "
      "columns in a NO PAD collation, nor a long unique key kept as a hash, "
      "nor a key mixing ascending and descending parts); "
      "VReplication "
      "needs one to copy rows in order and to find them again. Add a "
      "PRIMARY KEY first."));
}

absl::StatusOr<CollationMap> LoadCollations(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute("SELECT ID, COLLATION_NAME, CHARACTER_SET_NAME, "
                   "IS_DEFAULT FROM information_schema.COLLATIONS WHERE ID IS "
                   "NOT NULL"));
  CollationMap m;
  for (const mysql::Row& row : r.rows) {
    SC_ASSIGN_OR_RETURN(uint64_t id, row.GetUint64(0));
    m[static_cast<uint32_t>(id)] = {
        std::string(row.Get(1)), std::string(row.Get(2)), row.Get(3) == "Yes"};
  }
  // MariaDB 10.10+ lists each UCA 14.0 collation once in COLLATIONS,
  // without an ID; its IDs per character set (utf8mb4_uca1400_ai_ci is
  // 2304, ucs2_uca1400_ai_ci 2560, ...) are only here. Older servers and
  // MySQL have no such columns.
  absl::StatusOr<mysql::Result> full = conn.Execute(
      "SELECT ID, FULL_COLLATION_NAME, CHARACTER_SET_NAME FROM "
      "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY WHERE ID IS "
      "NOT NULL");
  if (full.ok()) {
    for (const mysql::Row& row : full->rows) {
      SC_ASSIGN_OR_RETURN(uint64_t id, row.GetUint64(0));
      m.emplace(
          static_cast<uint32_t>(id),
          CollationInfo{std::string(row.Get(1)), std::string(row.Get(2))});
    }
  }
  m[63] = {"binary", "binary"};
  return m;
}

}  // namespace vreplication
}  // namespace sidecut
