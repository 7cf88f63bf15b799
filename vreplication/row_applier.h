// RowApplier: the SQL that applies row changes to a plan's target table.
//
// Binlog changes are rendered with the source values substituted into the
// plan's expressions, so the server evaluates the filter exactly as the
// copy phase did. During the copy phase a change applies only to rows whose
// key is <= the table's lastpk; that comparison is put into the statement
// itself so the server decides it with the key columns' own collations.
//
// Thread-compatible.
#ifndef SIDECUT_VREPLICATION_ROW_APPLIER_H_
#define SIDECUT_VREPLICATION_ROW_APPLIER_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "mysql/result.h"
#include "mysql/row_event.h"
#include "vreplication/table_plan.h"

namespace sidecut {
namespace vreplication {

// A key position: values of the source key columns, character columns'
// as their bytes in the column's own character set (KeyValueExpr), others
// as read through a utf8mb4 session. Through utf8mb4, characters of some
// sets are changed or lost (cp932 0xED40 comes back 0xFA5C, cp1250 0x81 as
// '?'), moving the copy's resume point.
struct LastPk {
  std::vector<absl::optional<std::string>> values;
  // Character values read through utf8mb4 (a lastpk saved before they
  // were kept as bytes).
  bool utf8mb4 = false;
};

// Whether a column of `data_type` (information_schema DATA_TYPE) is an
// integer: its literal is canonical and compares exactly.
bool IsIntegerType(absl::string_view data_type);

class RowApplier {
 public:
  RowApplier(const TablePlan* plan, const CollationMap* collations)
      : plan_(plan), collations_(collations) {}

  // Appends to `out` the statements applying `change` (decoded with `map`).
  // With `lastpk`, only rows with key <= *lastpk are affected.
  absl::Status Statements(const mysql::TableMap& map,
                          const mysql::RowChange& change, const LastPk* lastpk,
                          std::vector<std::string>* out) const;

  // An error if `map` (a binlog table map) does not have as many columns
  // as the plan's source: the table changed under the stream. Cheap: run
  // for every row change.
  absl::Status CheckColumnCount(const mysql::TableMap& map) const;
  // CheckColumnCount, and by name (binlog_row_metadata=FULL): a column
  // logged at another position than the table now has it. Once per rows
  // event.
  absl::Status CheckColumns(const mysql::TableMap& map) const;
  // The target row of an image: the plan's expressions over its values, as
  // SQL, in target_columns order.
  std::vector<std::string> TargetValues(const mysql::TableMap& map,
                                        const mysql::Row& row) const;
  // The image's key values as SQL literals, in target_key order.
  std::vector<std::string> KeyLiterals(const mysql::TableMap& map,
                                       const mysql::Row& row) const;

  // SELECT for the copy phase: plan expressions then the key columns, rows
  // after `lastpk` (all when null), in key order.
  std::string CopyQuery(const LastPk* lastpk) const;

  // Same-server copy of the next `limit` rows after `lastpk` in one
  // statement: INSERT INTO target (...) SELECT ... ORDER BY key LIMIT n.
  // With `locking` (LOCK IN SHARE MODE) the read sees every transaction
  // committed before it and holds the rows until the copying transaction
  // ends; without, under READ COMMITTED, it copies the rows as of its start
  // and blocks no writer.
  std::string ServerCopyInsert(const LastPk* lastpk, size_t limit,
                               bool locking) const;
  // The copy of the rows after `from` up to and including `to` (to the end
  // when null), read with LOCK IN SHARE MODE, in key order. No LIMIT: with
  // its bounds fixed by the keys the statement reads the same rows wherever
  // the same data is (a replica replaying it as a statement, too).
  std::string ServerCopyRangeInsert(const LastPk* from, const LastPk* to) const;
  // The key of the row `offset` rows after `lastpk` (a locking read, or
  // one of the transaction's snapshot).
  std::string ServerCopyKeyQuery(const LastPk* lastpk, size_t offset,
                                 bool locking = true) const;
  // The largest key after `lastpk` in the target (where the copy puts its
  // rows; the same key values, in the source key's order), read from the
  // target: the last row a chunk copied.
  std::string TargetLastKeyQuery(const LastPk* lastpk) const;
  // The LastPk of a row of ServerCopyKeyQuery.
  LastPk KeyOfKeyRow(const mysql::Row& row) const;

  // Whether the row's key is <= lastpk, decided locally when every key
  // column is an integer (exact); nullopt = let the server decide.
  absl::optional<bool> KeyAtOrBelow(const mysql::Row& row,
                                    const LastPk& lastpk) const;

  // INSERT of copied rows (each row: target values then key values, as
  // CopyQuery returns them).
  std::string CopyInsert(const std::vector<mysql::Field>& fields,
                         const std::vector<mysql::Row>& rows) const;

  // Extracts the LastPk of a copied row.
  LastPk KeyOfCopiedRow(const mysql::Row& row) const;

  // " FROM src WHERE ... ORDER BY key" of the copy after `lastpk` (and up
  // to `to`, inclusive, when given); without the ORDER BY unless `ordered`
  // (an aggregate over the range: ONLY_FULL_GROUP_BY refuses it ordered).
  std::string CopyFromClause(const LastPk* lastpk, const LastPk* to = nullptr,
                             bool ordered = true) const;
  // The source key columns, quoted, in key order.
  std::vector<std::string> QuotedSourceKey() const;
  // `expr` (a value of source key column `i`, or of the target column it
  // is copied to) as LastPk holds it: a character value as its bytes in
  // the source column's character set.
  std::string KeyValueExpr(size_t i, const std::string& expr) const;
  // The target's key columns after `from` and up to `to` (either may be
  // null: unbounded), "TRUE" for all; meaningful where the key columns are
  // defined alike in both tables.
  std::string TargetKeyRange(const LastPk* from, const LastPk* to) const;

  // Serialization for _vt.copy_state.lastpk (query.QueryResult prototext).
  std::string EncodeLastPk(const LastPk& pk) const;
  absl::StatusOr<LastPk> DecodeLastPk(absl::string_view text) const;

 private:
  std::string BinlogLiteral(const mysql::TableMap& map, const mysql::Row& row,
                            int col) const;
  // BinlogLiteral for use inside an expression (a WHERE filter, a computed
  // column): a string compares in its column's collation, as the copy's
  // read of the column does (a bare literal takes the connection's).
  std::string ExprLiteral(const mysql::TableMap& map, const mysql::Row& row,
                          int col) const;
  std::string KeyCondition(const mysql::TableMap& map, const mysql::Row& row,
                           const LastPk& lastpk) const;
  std::string Condition(const mysql::TableMap& map, const mysql::Row& row,
                        const LastPk* lastpk) const;
  std::string LastPkLiteral(const LastPk& pk, size_t i) const;
  // The literals of every key column of `pk`.
  std::vector<std::string> LastPkLiterals(const LastPk& pk) const;
  // The quoted key columns `keys` past `lastpk` (key_range.h).
  std::string KeyAfter(const std::vector<std::string>& keys,
                       const LastPk& lastpk) const;
  // "SELECT exprs" into "INSERT INTO target (cols)".
  std::string ServerCopyInsertHead() const;

  // A value of source column `col` as a target column of number type
  // (CAST type `cast`, TablePlan::number_cast) stored from it gets it from
  // the copy's INSERT ... SELECT: a temporal value as its number
  // (20200102030405.57, cut for an integer), an ENUM's index, a SET's bits.
  // Empty where the plain literal does.
  std::string NumericContextLiteral(const mysql::TableMap& map,
                                    const mysql::Row& row, int col,
                                    absl::string_view cast) const;

  const TablePlan* plan_;
  const CollationMap* collations_;
  // Whether source column i's collation is its character set's default
  // (ExprLiteral), as found.
  mutable absl::flat_hash_map<int, bool> default_collation_;
};

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_ROW_APPLIER_H_
