// TablePlan: how one filter rule moves rows from a source table to a target
// table on the same server: target columns and the source expressions that
// fill them, the optional WHERE, and the iteration key (source key columns
// and the target columns holding them).
#ifndef SIDECUT_VREPLICATION_TABLE_PLAN_H_
#define SIDECUT_VREPLICATION_TABLE_PLAN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"
#include "proto/binlogdata.pb.h"
#include "vreplication/filter.h"
#include "vreplication/sql_literal.h"
#include "vreplication/table_schema.h"

namespace sidecut {
namespace vreplication {

struct TablePlan {
  std::string db;
  TableSchema source;
  TableSchema target;
  std::vector<std::string> target_columns;  // inserted columns, in order
  std::vector<std::string> select_exprs;    // SQL over source columns
  std::vector<ExprTemplate> exprs;          // same, for binlog values
  std::string where;                        // "" = none
  absl::optional<ExprTemplate> where_expr;
  // Iteration key: source column indexes, and for each the index in
  // target_columns of the column that receives it.
  std::vector<int> source_key;
  std::vector<int> target_key;
  // Per target column: where it is of a number type (not BIT or YEAR) and
  // stored from a source column bare, that column, and the CAST type
  // giving what it stores from a value (SIGNED, DECIMAL(10,2), ...):
  // temporal, ENUM and SET values are replayed into it as the copy converts
  // them. -1 and "" otherwise.
  std::vector<int> number_from;
  std::vector<std::string> number_cast;
  // Per target column: where it is TEXT or BLOB and stored from a source
  // column bare whose value the copy stores there as the server shows it
  // (TextFormOf), or a binary string stored from a UUID, INET6 or INET4
  // column bare (BinaryFormOf), that column, and the SQL over "{v}" (the
  // value's literal) giving what the copy stores. -1 and "" otherwise.
  std::vector<int> text_from;
  std::vector<std::string> text_form;
  // Apply binlog changes so that applying one twice, or one the target
  // already reflects, leaves what applying it once does: inserts and
  // updates as upserts of the after image (an update changing the key
  // deletes the old key first). Only where ReplayIsIdempotent allows it.
  bool idempotent = false;
  // Its target is linked by a foreign key to another target of the
  // workflow (or to itself): its changes keep their place among the
  // others' (a child row inserted with its parent), never netted.
  bool keep_order = false;
  // Its target is a child or a parent in a foreign key / has CHECK
  // constraints: a change the source made without those checks replays
  // without them (row by row); elsewhere the flag changes nothing.
  bool foreign_keys = false;
  bool checks = false;
  // A target is its parent (or it is its own): its copy chunks insert
  // without foreign key checks (a parent row may come later in the copy:
  // itself, or a cycle), whatever the session's checks (kept on where a
  // key cascades, for the replay).
  bool copy_unchecked = false;
};

// Whether the iteration key is the target's only unique index, so that an
// upsert can only meet the row of the same key.
bool KeyIsOnlyUniqueIndex(const TablePlan& plan);

// Whether the target's unique index on the key (KeyIsOnlyUniqueIndex)
// lists its columns in the order the copy walks the key: an unlocked copy
// chunk finds its last row on the target in that order
// (RowApplier::TargetLastKeyQuery), which in another order ((a, b) made
// (b, a)) no index serves, a scan of the whole target at every chunk.
bool TargetIndexInKeyOrder(const TablePlan& plan);

// Whether changes to this plan's target can be replayed idempotently
// without hiding a conflict the plain apply would report: no filter, the
// key is the target's only unique index, and its columns are defined as in
// the source (the target can hold every key the source holds, and no two
// source keys become one).
bool ReplayIsIdempotent(const TablePlan& plan);

// Whether a DATE, DATETIME or TIMESTAMP target column is filled from
// anything but a source column of one of those types (a string turned
// into a date, say): there a day its month lacks must be refused, as a
// native ALTER in strict mode refuses it, not stored as
// ALLOW_INVALID_DATES stores a date the source already holds.
bool ConvertsIntoDates(const TablePlan& plan);

// Builds the plan for `rule` in database `db`. Errors: the source or target
// table is missing, has no usable key, a filter column does not exist, or
// the filter does not carry the source key into the target.
absl::StatusOr<TablePlan> BuildTablePlan(mysql::Connection& conn,
                                         absl::string_view db,
                                         const binlogdata::Rule& rule);

// The SQL, over "{v}" (a literal of the value), giving the text a value of
// column `source` has in a TEXT or BLOB column: there the copy's INSERT
// ... SELECT stores what the server shows for the column (its ZEROFILL
// padding, a FLOAT(M,D)'s D decimals, a FLOAT's 6 digits, a YEAR's four,
// a BIT's bytes), where a literal would store its own text ('7' for 007).
// "" where the two agree.
std::string TextFormOf(const ColumnInfo& source);
// The SQL over "{v}" (the literal of a value of column `source`) giving
// the bytes the server stores from it in binary string column `target`
// (BINARY, VARBINARY, BLOB) where they differ from the literal's: a UUID's,
// INET6's or INET4's binary form. "" otherwise.
std::string BinaryFormOf(const ColumnInfo& source, const ColumnInfo& target);

// The literal type of a value of `col` whose bytes (for character columns)
// are in `value_charset`.
LiteralType LiteralTypeForColumn(const ColumnInfo& col,
                                 absl::string_view value_charset);

// A literal of `col`'s type suitable for ordering comparisons with the
// server's rules for that column (collation for strings, temporal casts).
std::string KeyLiteral(const absl::optional<std::string>& value,
                       const LiteralType& type, const ColumnInfo& col);

// Whether a key position holds `col`'s values as their bytes in the
// column's own character set rather than as read through utf8mb4, which
// changes some characters (cp932 0xED40 comes back as 0xFA5C) and turns
// unmapped ones into '?'.
bool KeyKeptAsBytes(const ColumnInfo& col);

// `expr`, a value of key column `col` (or of a column it was copied to),
// as those bytes where KeyKeptAsBytes: CAST(CONVERT(expr USING cs) AS
// BINARY).
std::string KeyBytesExpr(const ColumnInfo& col, const std::string& expr);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_TABLE_PLAN_H_
