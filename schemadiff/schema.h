// Schema: a validated set of tables and views built from CREATE TABLE and
// CREATE VIEW statements (schemadiff's model of one database).
//
//   SC_ASSIGN_OR_RETURN(Schema s, Schema::FromSql("create table t (...); "
//                                                  "create view v as ..."));
//
// Tables are normalized (table_normalize.h). Construction validates
// (schema_validation.h) and fails with a typed error (schema_errors.h) on
// duplicate names, duplicate columns, keys on missing columns, foreign keys
// to missing tables/columns, to views, without a parent index or between
// mismatching column types, duplicate CHECK names, views reading missing
// entities or depending on each other in a loop, and views reading missing
// or ambiguous columns (view_columns.h).
//
// Entity order: tables by foreign-key dependency (parents first; rounds
// sorted by name; cycles broken by name), then views by dependency (rounds
// sorted by name). Table and view names are case-sensitive (MySQL on Linux);
// column names are not.
// Immutable after construction; thread-safe for concurrent reads.
#ifndef SIDECUT_SCHEMADIFF_SCHEMA_H_
#define SIDECUT_SCHEMADIFF_SCHEMA_H_

#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

class Schema {
 public:
  // Builds from statements; anything but CREATE TABLE / CREATE VIEW is an
  // error (kUnsupportedStatement: "unsupported statement: <statement>").
  static absl::StatusOr<Schema> FromStatements(
      std::vector<Statement> statements);
  // The same, but a foreign key whose parent table does not exist is
  // accepted (and its columns unchecked): an intermediate schema while
  // ordering under a relaxed ForeignKeyCheckStrategy (diff_hints.h).
  static absl::StatusOr<Schema> FromStatementsAllowingMissingParents(
      std::vector<Statement> statements);
  // Parses `sql` (';'-separated statements) and builds.
  static absl::StatusOr<Schema> FromSql(absl::string_view sql);

  // In entity order (see above).
  const std::vector<CreateTable>& tables() const { return tables_; }
  const std::vector<CreateView>& views() const { return views_; }

  // Returns the entity named `name`, or nullptr.
  const CreateTable* FindTable(absl::string_view name) const;
  const CreateView* FindView(absl::string_view name) const;

  std::vector<std::string> TableNames() const;
  std::vector<std::string> ViewNames() const;
  // Tables, then views.
  std::vector<std::string> EntityNames() const;

  // The column names of table or view `name` (empty if unknown).
  std::vector<std::string> ColumnNames(absl::string_view name) const;

  // Every entity's canonical CREATE statement, each followed by ";\n".
  std::string ToSql() const;

 private:
  Schema() = default;
  static absl::StatusOr<Schema> Build(std::vector<Statement> statements,
                                      bool allow_missing_parents);
  // Computes columns_ and validates the views' column references.
  absl::Status ResolveColumns();

  std::vector<CreateTable> tables_;
  std::vector<CreateView> views_;
  absl::flat_hash_map<std::string, size_t> table_index_;     // into tables_
  absl::flat_hash_map<std::string, size_t> view_index_;      // into views_
  std::map<std::string, std::vector<std::string>> columns_;  // by entity
};

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_SCHEMA_H_
