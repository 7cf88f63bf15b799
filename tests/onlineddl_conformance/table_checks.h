// The checks a conformance case makes on tables: which columns to compare,
// fetching and comparing the rows of the old and new table, the table's
// structure and the database's tables. Server access goes through a
// caller-owned mysql::Connection; SQL is built with the quoting helpers only.
//
// Thread-compatible (functions over a caller-owned Connection), the pure
// functions thread-safe.
#ifndef SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_TABLE_CHECKS_H_
#define SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_TABLE_CHECKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl_conformance {

using RowValues = std::vector<absl::optional<std::string>>;

// The column names of db.table in ordinal order (kNotFound if none).
absl::StatusOr<std::vector<std::string>> ColumnNames(mysql::Connection& conn,
                                                     absl::string_view db,
                                                     absl::string_view table);

struct ColumnPair {
  std::vector<std::string> before;  // as spelled in the old table
  std::vector<std::string> after;   // the same columns in the new table
};

// The columns both tables have (names compare case-insensitively, as
// MariaDB's do), in the old table's order.
ColumnPair SharedColumns(const std::vector<std::string>& before,
                         const std::vector<std::string>& after);

// SELECT `columns` FROM db.table [ORDER BY `order_by`], as the text the
// client receives (the session's utf8mb4), NULL as nullopt.
absl::StatusOr<std::vector<RowValues>> FetchRows(
    mysql::Connection& conn, absl::string_view db, absl::string_view table,
    const std::vector<std::string>& columns,
    const std::vector<std::string>& order_by);

// OK when `before` and `after` hold the same rows: in the same order when
// `ordered`, else as multisets. Otherwise kFailedPrecondition describing the
// row counts and the first differing row.
absl::Status CompareRows(std::vector<RowValues> before,
                         std::vector<RowValues> after, bool ordered);

// The CREATE TABLE statement SHOW CREATE TABLE prints for db.table.
absl::StatusOr<std::string> ShowCreateTable(mysql::Connection& conn,
                                            absl::string_view db,
                                            absl::string_view table);

// `create` without its table option AUTO_INCREMENT=N (which live inserts
// move), for comparing structures.
std::string WithoutAutoIncrement(absl::string_view create);

// True when the regexp `pattern` (Vitess reads expect_table_structure as
// one) matches somewhere in `create`, or, failing that, when `pattern` as
// text appears in it ignoring case and runs of blanks.
bool MatchesTableStructure(absl::string_view create, absl::string_view pattern);

// The base tables of `db`, sorted.
absl::StatusOr<std::vector<std::string>> TableNames(mysql::Connection& conn,
                                                    absl::string_view db);

// The state of a table an expected failure must leave untouched.
struct TableSnapshot {
  std::string create;               // SHOW CREATE TABLE minus AUTO_INCREMENT=N
  std::vector<std::string> tables;  // every base table of the database
  // All columns of every row, when taken with rows.
  absl::optional<std::vector<RowValues>> rows;
};

// Snapshots db.table (and the database's table list); with its rows when
// `with_rows` (pointless while events write into it).
absl::StatusOr<TableSnapshot> TakeSnapshot(mysql::Connection& conn,
                                           absl::string_view db,
                                           absl::string_view table,
                                           bool with_rows);

// OK when db.table still matches `before` (its rows too if snapshotted), no
// table of the database disappeared, and every new one is in `artifacts`.
// Otherwise kFailedPrecondition saying what changed.
absl::Status CheckUnchanged(mysql::Connection& conn, absl::string_view db,
                            absl::string_view table,
                            const TableSnapshot& before,
                            const std::vector<std::string>& artifacts);

// Compares the rows of db.old_table and db.new_table after a migration:
// `before_columns` of the old against `after_columns` of the new (each
// defaulting to the columns both tables share), ordered by `order_by` in
// both when given, else as multisets. kFailedPrecondition (see CompareRows)
// when they differ; kInvalidArgument for a malformed column list.
absl::Status CompareMigratedRows(
    mysql::Connection& conn, absl::string_view db, absl::string_view old_table,
    absl::string_view new_table,
    const absl::optional<std::string>& before_columns,
    const absl::optional<std::string>& after_columns,
    const absl::optional<std::string>& order_by);

}  // namespace onlineddl_conformance
}  // namespace sidecut

#endif  // SIDECUT_TESTS_ONLINEDDL_CONFORMANCE_TABLE_CHECKS_H_
