// Typed schema validation errors. Each is an absl::Status (code
// InvalidArgument) carrying its SchemaErrorKind as a payload, so callers can
// branch on the kind without parsing messages:
//
//   if (GetSchemaErrorKind(status) == SchemaErrorKind::kDuplicateEntity) ...
//
// Messages name the entity, column or constraint involved, in the wording
// of Vitess's schemadiff errors. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_ERRORS_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_ERRORS_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

enum class SchemaErrorKind {
  kUnsupportedStatement,          // not CREATE TABLE / CREATE VIEW
  kDuplicateEntity,               // two tables/views of one name
  kDuplicateColumn,               // a column twice in a table
  kInvalidKeyColumn,              // a key on a column the table lacks
  kDuplicateKey,                  // two keys of one name, two primary keys
  kInvalidColumnReference,        // generated column, CHECK or partitioning
                                  // refers to a column the table lacks
  kDuplicatePartition,            // two partitions of one name
  kCharsetCollationMismatch,      // column collation of another charset
  kInvalidAlter,                  // ALTER refers to missing entities
  kDuplicateConstraintName,       // CHECK / FOREIGN KEY names clash
  kInvalidForeignKeyColumn,       // FK on a column the table lacks
  kForeignKeyColumnCount,         // FK column counts differ
  kForeignKeyReferencesView,      // FK parent is a view
  kForeignKeyNonexistentTable,    // FK parent does not exist
  kInvalidReferencedColumn,       // FK parent lacks the column
  kMissingForeignKeyIndex,        // FK parent has no index on the columns
  kForeignKeyColumnTypeMismatch,  // FK child/parent column types differ
  kViewDependencyUnresolved,      // view reads missing entities, or loops
  kViewColumnReference,           // view reads a missing/ambiguous column
  kImpossibleDiffOrder,           // no order applies a schema diff validly
};

// Returns the error `message` of `kind`.
absl::Status SchemaError(SchemaErrorKind kind, absl::string_view message);

// Returns the kind of a status built by SchemaError, or nullopt.
std::optional<SchemaErrorKind> GetSchemaErrorKind(const absl::Status& status);

// `name` in backticks, for messages.
std::string Quoted(absl::string_view name);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_ERRORS_H_
