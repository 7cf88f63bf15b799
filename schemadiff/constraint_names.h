// Constraint names across migrations. A CHECK or FOREIGN KEY constraint's
// name is unique in its schema, so a copy of a table (a migration's shadow)
// needs new names for its constraints. As Vitess names them: the original
// name, then "_" and 25 base-36 characters derived from the migration
// (e.g. fk_parent_2dbf8418af7250d783beb2083); a name already of that form,
// or MySQL's generated `<table>_ibfk_N` / `<table>_chk_N`, is first reduced
// to what it was derived from, so names do not grow from one migration to
// the next. schemadiff compares constraints by that reduced name.
//
// Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_CONSTRAINT_NAMES_H_
#define SIDECUT_SCHEMADIFF_CONSTRAINT_NAMES_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sidecut {
namespace schemadiff {

// `name` without a trailing "_<25 of [0-9a-z]>", or, for MySQL's generated
// `<table>_chk_N` / `<table>_ibfk_N`, without the "<table>_" (ASCII case
// ignored in the prefix); the case of what remains is kept.
std::string ConstraintBaseName(absl::string_view table, absl::string_view name);

// The name of constraint `name` of `table` in a copy made by migration
// `uuid`: ConstraintBaseName cut to 38 characters, "_", then 25 base-36
// characters of a hash of (uuid, table, that base name) — the same on
// every shard. A name it returns is its own result again: see
// IsNewConstraintName.
std::string NewConstraintName(absl::string_view table, absl::string_view name,
                              absl::string_view uuid);

// Whether `name` is a name NewConstraintName gave for `table` and `uuid`.
bool IsNewConstraintName(absl::string_view table, absl::string_view name,
                         absl::string_view uuid);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_CONSTRAINT_NAMES_H_
