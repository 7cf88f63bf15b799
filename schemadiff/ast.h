// The DDL syntax tree produced by the parser and consumed by the printer.
//
// Plain value types with public fields. Names are stored as written (case
// preserved, unquoted); string literals are stored unescaped. Expressions are
// kept as normalized token sequences (Expr) rather than as a full expression
// tree: enough to print, compare and find referenced names. Not thread-safe
// for concurrent mutation; copies are independent.
#ifndef SIDECUT_SCHEMADIFF_AST_H_
#define SIDECUT_SCHEMADIFF_AST_H_

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "schemadiff/lexer.h"

namespace sidecut {
namespace schemadiff {

// An expression as a normalized token sequence (see parser_expr.cc).
struct Expr {
  std::vector<Token> tokens;
  bool empty() const { return tokens.empty(); }
};

// [qualifier.]name
struct TableName {
  std::string qualifier;
  std::string name;
};

// A value printed after an option keyword.
struct OptionValue {
  enum class Kind { kNone, kString, kRaw, kNumber };
  Kind kind = Kind::kNone;
  std::string text;  // unescaped for kString, as written otherwise
};

struct ColumnType {
  std::string name;                 // as written: "INT", "varchar"
  std::string length;               // "10" or "7,2"; empty if none
  std::vector<std::string> values;  // ENUM/SET members, unescaped
  bool is_unsigned = false;
  bool zerofill = false;
  std::string charset;  // CHARACTER SET name; empty if none
  bool binary = false;  // the BINARY attribute (binary collation)
  OptionValue collate;  // kNone, kString or kRaw
};

enum class ColumnKeyOption { kNone, kPrimary, kUnique, kUniqueKey, kKey };

struct ReferenceDefinition {
  TableName table;
  std::vector<std::string> columns;
  std::string match;      // "full", "partial", "simple" or empty
  std::string on_delete;  // "restrict", "cascade", "set null", ... or empty
  std::string on_update;
};

// A literal or expression value of DEFAULT / ON UPDATE.
struct DefaultValue {
  Expr expr;
  bool parenthesized = false;  // DEFAULT (expr)
};

struct CheckDefinition {
  Expr expr;
  std::optional<bool> enforced;
};

struct ColumnDefinition {
  std::string name;
  ColumnType type;
  std::optional<bool> nullable;  // true: NULL, false: NOT NULL
  std::optional<DefaultValue> default_value;
  std::optional<DefaultValue> on_update;
  bool auto_increment = false;
  std::optional<std::string> comment;
  std::optional<Expr> generated;  // AS (expr)
  bool stored = false;            // STORED/PERSISTENT, else VIRTUAL
  std::optional<bool> visible;    // VISIBLE / INVISIBLE
  std::string column_format;      // as written
  std::string storage;            // STORAGE DISK|MEMORY
  std::string srid;
  std::optional<std::string> engine_attribute;
  std::optional<std::string> secondary_engine_attribute;
  ColumnKeyOption key_option = ColumnKeyOption::kNone;
  std::optional<ReferenceDefinition> reference;
  // An unnamed column-level CHECK kept on the column (MariaDB prints it so):
  // set by NormalizeCreateTable and by ALTER TABLE ADD/MODIFY/CHANGE
  // COLUMN; CREATE TABLE parsing puts column CHECKs in `constraints`.
  std::optional<CheckDefinition> check;
};

enum class IndexKind { kPrimary, kUnique, kKey, kFulltext, kSpatial };

struct IndexPart {
  std::string column;        // empty for a functional part
  std::string length;        // prefix length; empty if none
  std::optional<Expr> expr;  // ((expr)) functional key part
  bool desc = false;
};

// One index option, in source order: USING, COMMENT, KEY_BLOCK_SIZE,
// VISIBLE, INVISIBLE, WITH PARSER, ENGINE_ATTRIBUTE, ...
struct IndexOption {
  std::string name;  // lower case: "using", "comment", "with parser", ...
  OptionValue value;
};

struct IndexDefinition {
  IndexKind kind = IndexKind::kKey;
  std::string name;
  std::optional<std::string> constraint_name;  // CONSTRAINT [name] UNIQUE
  std::vector<IndexPart> parts;
  std::vector<IndexOption> options;
};

struct ForeignKeyDefinition {
  std::string index_name;
  std::vector<std::string> columns;
  ReferenceDefinition reference;
};

struct ConstraintDefinition {
  std::optional<std::string> name;  // CONSTRAINT [name]
  // The column a CHECK was declared on (column-level); empty otherwise.
  std::string column;
  std::variant<ForeignKeyDefinition, CheckDefinition> details;
};

// Whether `lower_name` is one of MariaDB's engine-defined table options
// (PAGE_COMPRESSED, ENCRYPTED, ...): printed quoted, reset by DEFAULT,
// always with '='.
inline bool IsEngineDefinedOption(absl::string_view lower_name) {
  return lower_name == "page_compressed" ||
         lower_name == "page_compression_level" || lower_name == "encrypted" ||
         lower_name == "encryption_key_id" || lower_name == "ietf_quotes";
}

struct TableOption {
  std::string name;  // normalized spelling, case as written: ENGINE, charset
  OptionValue value;
  std::vector<std::string> tables;  // UNION (a, b)
  std::string storage;              // TABLESPACE x STORAGE disk
};

// Options of a partition or subpartition definition, printed in this order.
struct PartitionDefinitionOptions {
  std::string engine_keyword;  // "engine" or "storage engine"; empty if none
  std::string engine;
  std::optional<std::string> comment;
  std::optional<std::string> data_directory;
  std::optional<std::string> index_directory;
  std::string max_rows;
  std::string min_rows;
  std::string tablespace;
};

struct SubPartitionDefinition {
  std::string name;
  PartitionDefinitionOptions options;
};

struct PartitionDefinition {
  std::string name;
  enum class Values { kNone, kLessThan, kIn } values_kind = Values::kNone;
  bool maxvalue = false;     // VALUES LESS THAN MAXVALUE
  std::vector<Expr> values;  // VALUES LESS THAN (...) / VALUES IN (...)
  PartitionDefinitionOptions options;
  std::vector<SubPartitionDefinition> subpartitions;
};

// PARTITION BY / SUBPARTITION BY method.
struct PartitionMethod {
  bool linear = false;
  std::string type;                      // "hash", "key", "range", "list"
  bool columns = false;                  // RANGE COLUMNS / LIST COLUMNS
  std::string key_algorithm;             // KEY ALGORITHM = n
  std::optional<Expr> expr;              // HASH/RANGE/LIST (expr)
  std::vector<std::string> column_list;  // KEY (a, b) / COLUMNS (a, b)
  std::string count;                     // PARTITIONS n / SUBPARTITIONS n
};

struct PartitionOption {
  PartitionMethod method;
  std::optional<PartitionMethod> sub;
  std::vector<PartitionDefinition> definitions;
};

struct TableSpec {
  std::vector<ColumnDefinition> columns;
  std::vector<IndexDefinition> indexes;
  std::vector<ConstraintDefinition> constraints;
  std::vector<TableOption> options;
  std::optional<PartitionOption> partition;
};

struct CreateTable {
  bool temporary = false;
  // MariaDB's CREATE OR REPLACE TABLE (not printed: schemas hold tables).
  bool or_replace = false;
  bool if_not_exists = false;
  TableName name;
  std::optional<TableName> like;
  std::optional<TableSpec> spec;  // absent for "create table a" (partial)
};

// ALTER TABLE partition operations (at most one per statement, last).
struct PartitionSpec {
  std::string action;  // "add", "drop", "reorganize", "truncate", ...
  bool all = false;    // ANALYZE PARTITION ALL
  std::vector<std::string> names;
  std::string number;  // COALESCE PARTITION n
  std::vector<PartitionDefinition> definitions;
  TableName table;  // EXCHANGE ... WITH TABLE t
  std::optional<bool> with_validation;
  std::optional<PartitionOption> partition_by;  // PARTITION BY ...
};

struct AlterOption {
  enum class Kind {
    kAddColumns,
    kAddIndex,
    kAddConstraint,
    kDropColumn,
    kDropIndex,
    kDropPrimaryKey,
    kDropForeignKey,
    kDropCheck,
    kModifyColumn,
    kChangeColumn,
    kRenameColumn,
    kRenameIndex,
    kRenameTable,
    kAlterColumnDefault,
    kAlterColumnDropDefault,
    kAlterColumnVisibility,
    kAlterIndexVisibility,
    kAlterCheckEnforced,
    kTableOptions,
    kAlgorithm,
    kLock,
    kForce,
    kOrderBy,
    kConvertCharset,
    kValidation,
    kKeys,
    kTablespace,
  };
  Kind kind = Kind::kForce;
  std::vector<ColumnDefinition> columns;  // ADD/MODIFY/CHANGE COLUMN
  bool parenthesized_columns = false;     // ADD COLUMN (a int, b int)
  // MariaDB: ADD COLUMN IF NOT EXISTS, DROP ... IF EXISTS, MODIFY/CHANGE
  // COLUMN IF EXISTS.
  bool if_exists = false;
  std::optional<IndexDefinition> index;
  std::optional<ConstraintDefinition> constraint;
  std::string name;      // column/index/constraint to drop, old name
  std::string new_name;  // RENAME ... TO, CHANGE old new
  TableName table;       // RENAME [TO] t
  std::string position;  // "first" or "after"; empty if none
  std::string after;     // AFTER column
  std::optional<DefaultValue> default_value;
  bool flag = false;    // VISIBLE / ENFORCED / WITH VALIDATION / ENABLE
  std::string value;    // ALGORITHM / LOCK value, charset, tablespace op
  std::string collate;  // CONVERT TO CHARACTER SET x COLLATE y
  std::vector<TableOption> options;
  std::vector<std::string> order_by;
};

struct AlterTable {
  TableName name;
  std::vector<AlterOption> options;
  std::optional<PartitionSpec> partition_spec;
};

struct DropTable {
  bool temporary = false;
  bool if_exists = false;
  std::vector<TableName> tables;
};

struct RenameTable {
  std::vector<std::pair<TableName, TableName>> pairs;
};

// DEFINER = user@host. Each part is an identifier or a string.
struct Definer {
  std::string user;
  bool user_is_string = false;
  bool user_quoted = false;
  std::string host;
  bool host_is_string = false;
  bool has_host = false;
};

struct SelectStatement {
  Expr tokens;                    // the whole SELECT, normalized
  std::vector<TableName> tables;  // tables it reads (FROM/JOIN), in order
};

struct CreateView {
  bool is_alter = false;  // ALTER VIEW
  bool or_replace = false;
  std::string algorithm;  // as written
  std::optional<Definer> definer;
  std::string security;  // "definer" / "invoker"
  TableName name;
  std::vector<std::string> columns;
  SelectStatement select;
  std::string check_option;  // "cascaded" / "local"
};

struct DropView {
  bool if_exists = false;
  std::vector<TableName> views;
};

using Statement = std::variant<CreateTable, AlterTable, DropTable, RenameTable,
                               CreateView, DropView>;

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_AST_H_
