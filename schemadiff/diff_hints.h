// DiffHints: the knobs of a table diff, after Vitess's schemadiff.DiffHints.
// Each field documents its default. Plain value type; thread-compatible.
#ifndef SIDECUT_SCHEMADIFF_DIFF_HINTS_H_
#define SIDECUT_SCHEMADIFF_DIFF_HINTS_H_

namespace sidecut {
namespace schemadiff {

// How a dropped column plus an added column of the same definition are
// treated.
enum class ColumnRenameStrategy {
  kAssumeDifferent,     // default: DROP + ADD
  kHeuristicStatement,  // RENAME COLUMN when definition and neighbours match
};

// AUTO_INCREMENT table option changes.
enum class AutoIncrementStrategy {
  kIgnore,       // default: never emitted
  kApplyHigher,  // emitted when the target value is higher (or newly set)
  kApplyAlways,  // emitted whenever it differs (or is newly set)
};

// How CHECK / FOREIGN KEY constraint names are compared.
enum class ConstraintNamesStrategy {
  kIgnoreVitess,  // default: ignore Vitess's `_<25 chars>` suffixes and
                  // MySQL's `<table>_chk_N` / `<table>_ibfk_N` prefixes
  kIgnoreAll,     // match constraints by definition only
  kStrict,        // names must match exactly
};

// Adding several FULLTEXT keys in one ALTER is not supported by InnoDB.
enum class FullTextKeyStrategy {
  kDistinctStatements,  // default: second and later in subsequent ALTERs
  kUnifyStatements,     // all in one ALTER
};

// CHARSET / COLLATE table options.
enum class TableCharsetCollateStrategy {
  kStrict,        // default: every difference is a change
  kIgnoreEmpty,   // ignore when either side does not specify it
  kIgnoreAlways,  // never emitted
};

// ALGORITHM clause appended to each ALTER TABLE.
enum class AlterTableAlgorithmStrategy { kNone, kInstant, kInplace, kCopy };

enum class EnumReorderStrategy {
  kAllow,   // default
  kReject,  // changing the ordinal of an existing ENUM/SET member is an error
};

// RANGE partitioning where old partitions are dropped and new ones appended.
enum class RangeRotationStrategy {
  kFullSpec,            // default: a full PARTITION BY
  kDistinctStatements,  // DROP PARTITION / ADD PARTITION statements
  kIgnore,              // no diff for the rotation
};

enum class SubsequentDiffStrategy {
  kAllow,   // default: a diff may be a chain of ALTER TABLE statements
  kReject,  // a chain is an error
};

// Whether a dropped and a created table of identical definitions are a
// rename (schema diffs).
enum class TableRenameStrategy {
  kAssumeDifferent,     // default: DROP TABLE + CREATE TABLE
  kHeuristicStatement,  // RENAME TABLE
};

// How ordering a schema diff treats foreign keys to tables that do not
// exist (yet) in an intermediate schema (Vitess's ForeignKeyCheckStrategy).
// The final schema is always checked strictly.
enum class ForeignKeyCheckStrategy {
  kStrict,            // default: every step's foreign keys must resolve
  kCreateTableFirst,  // a class's first step, if a CREATE TABLE, may name
                      // a parent created later (e.g. a cycle of new tables)
  kIgnore,            // any step may name a missing parent table
};

// Which table name an ALTER TABLE uses.
enum class TableQualifierHint {
  kDefault,   // default: the `from` table's name, unqualified
  kDeclared,  // the `to` table's name as declared, with its qualifier
};

struct DiffHints {
  ColumnRenameStrategy column_rename = ColumnRenameStrategy::kAssumeDifferent;
  AutoIncrementStrategy auto_increment = AutoIncrementStrategy::kIgnore;
  ConstraintNamesStrategy constraint_names =
      ConstraintNamesStrategy::kIgnoreVitess;
  FullTextKeyStrategy fulltext = FullTextKeyStrategy::kDistinctStatements;
  TableCharsetCollateStrategy charset_collate =
      TableCharsetCollateStrategy::kStrict;
  AlterTableAlgorithmStrategy algorithm = AlterTableAlgorithmStrategy::kNone;
  EnumReorderStrategy enum_reorder = EnumReorderStrategy::kAllow;
  RangeRotationStrategy range_rotation = RangeRotationStrategy::kFullSpec;
  SubsequentDiffStrategy subsequent = SubsequentDiffStrategy::kAllow;
  TableQualifierHint table_qualifier = TableQualifierHint::kDefault;
  TableRenameStrategy table_rename = TableRenameStrategy::kAssumeDifferent;
  ForeignKeyCheckStrategy foreign_key_check = ForeignKeyCheckStrategy::kStrict;
};

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_DIFF_HINTS_H_
