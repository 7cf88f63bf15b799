// A child table's foreign keys on its shadow. CREATE TABLE ... LIKE copies
// no foreign keys, so a migration run with --unsafe-allow-foreign-keys
// would swap in a table without them. The shadow gets them before the
// ALTER, under new names (a foreign key's name is unique in its schema) as
// Vitess makes them (schemadiff::NewConstraintName). The ALTER's DROP
// FOREIGN KEY clauses are pointed at the new names.
//
// Thread-safe except LoadForeignKeys, which uses the connection.
#ifndef SIDECUT_ONLINEDDL_FOREIGN_KEYS_H_
#define SIDECUT_ONLINEDDL_FOREIGN_KEYS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string referenced_schema;
  std::string referenced_table;
  std::vector<std::string> referenced_columns;
  std::string on_delete;  // RESTRICT, CASCADE, SET NULL, NO ACTION, ...
  std::string on_update;
};

// The foreign keys of `db`.`table` (as a child), by name.
absl::StatusOr<std::vector<ForeignKey>> LoadForeignKeys(
    mysql::Connection& conn, absl::string_view db, absl::string_view table);

// "ADD CONSTRAINT `name` FOREIGN KEY (...) REFERENCES `s`.`t` (...) ON
// DELETE ... ON UPDATE ...". InvalidArgument for a referential action
// this does not know.
absl::StatusOr<std::string> AddForeignKeyClause(const ForeignKey& fk,
                                                absl::string_view name);

// `alter_clauses` with each DROP FOREIGN KEY or DROP CONSTRAINT naming a
// key of `dropped` (lower-case old name -> new name) pointed at the new
// name, and each ADD CONSTRAINT ... FOREIGN KEY naming a key of `added`
// that the clauses also drop given its new name (a key dropped and added
// again under its name: the live table still holds that name). InvalidArgument
// if the clauses do not tokenize.
absl::StatusOr<std::string> RenameForeignKeysInAlter(
    absl::string_view alter_clauses,
    const std::map<std::string, std::string>& dropped,
    const std::map<std::string, std::string>& added);

// The names (lower case) of the foreign keys `alter_clauses` adds with ADD
// CONSTRAINT name FOREIGN KEY. InvalidArgument if the clauses do not
// tokenize.
absl::StatusOr<std::set<std::string>> AddedForeignKeyNames(
    absl::string_view alter_clauses);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_FOREIGN_KEYS_H_
