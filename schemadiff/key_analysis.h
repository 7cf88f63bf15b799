// Facts about a table's keys that online DDL uses to choose the key a copy
// iterates on and to judge unique constraints, after Vitess's schemadiff
// (key.go, onlineddl.go):
//
//   std::map<std::string, KeyFacts> keys = KeyFactsByName(table);
//   for (const IndexDefinition* k : PrioritizedUniqueKeys(table)) ...
//
// Columns are compared case-insensitively. Pure functions; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_KEY_ANALYSIS_H_
#define SIDECUT_SCHEMADIFF_KEY_ANALYSIS_H_

#include <map>
#include <string>
#include <vector>

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

struct KeyFacts {
  bool unique = false;               // PRIMARY or UNIQUE
  std::vector<std::string> columns;  // as the key names them
  bool has_nullable = false;         // a column that is neither NOT NULL nor in
                                     // the primary key
  bool has_float = false;            // a FLOAT / DOUBLE column
  bool has_prefix = false;           // a column prefix, e.g. v(10)
};

// Every key of `table` by lower-case name ("primary" for the primary key).
std::map<std::string, KeyFacts> KeyFactsByName(const CreateTable& table);

// Whether unique key `a` constrains rows at least as much as `b`: `b` is not
// unique, or every column of `a` (renamed through `renames`, old → new) is
// a column of `b` with a prefix no longer than `b`'s. A non-unique `a`
// constrains nothing.
bool KeyAtLeastConstrainedAs(
    const IndexDefinition& a, const IndexDefinition& b,
    const std::map<std::string, std::string>& renames = {});

// The keys whose leading columns are `columns`, in order (as a foreign key
// on `columns` could use), in declaration order. None for no columns.
std::vector<std::string> IndexesCoveringColumns(
    const CreateTable& table, const std::vector<std::string>& columns);

// The unique keys in the order a copy prefers to iterate on them: the
// primary key; keys without NULL-able columns before those with; without
// column prefixes before those with; starting with an integer column
// before the others; fewer columns first; then declaration order.
std::vector<const IndexDefinition*> PrioritizedUniqueKeys(
    const CreateTable& table);

// Of `keys`, those a copy can iterate on using only `columns`: every key
// column among them, and no NULL-able, FLOAT or prefixed column.
std::vector<const IndexDefinition*> IterationKeysByColumns(
    const CreateTable& table, const std::vector<const IndexDefinition*>& keys,
    const std::vector<std::string>& columns);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_KEY_ANALYSIS_H_
