// What VReplication reads from information_schema about a table: its
// columns (with types, charsets and collations) and the key it iterates on
// (the primary key, else a unique key on NOT NULL columns), plus the
// server's collation id -> charset map.
#ifndef SIDECUT_VREPLICATION_TABLE_SCHEMA_H_
#define SIDECUT_VREPLICATION_TABLE_SCHEMA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "mysql/connection.h"

namespace sidecut {
namespace vreplication {

struct ColumnInfo {
  std::string name;
  std::string data_type;    // lower case: int, varchar, datetime, uuid, ...
  std::string column_type;  // full: int(10) unsigned, varchar(20), ...
  std::string charset;      // "" for non-character columns
  std::string collation;    // "" for non-character columns
  bool nullable = true;
  bool generated = false;  // virtual/stored generated column
};

// A unique key on NOT NULL columns without prefixes (can identify a row).
struct UniqueKey {
  std::string name;
  std::vector<int> columns;  // indexes into TableSchema::columns
};

struct TableSchema {
  std::string db;
  std::string table;
  std::vector<ColumnInfo> columns;
  std::string key_name;          // "PRIMARY" or the unique key's name
  std::vector<int> key_columns;  // indexes into columns, in key order
  // Every usable unique key: PRIMARY first, then by name.
  std::vector<UniqueKey> unique_keys;
  // Unique indexes of any kind (also over nullable columns or prefixes).
  int unique_index_count = 0;

  int ColumnIndex(absl::string_view name) const;  // -1 if absent
};

// Loads db.table (kNotFound if it does not exist; kUnavailable if the
// server skipped it as another DDL statement changed it, inside a
// transaction). key_columns is empty when the table has no primary key and
// no unique key on NOT NULL columns.
absl::StatusOr<TableSchema> LoadTableSchema(mysql::Connection& conn,
                                            absl::string_view db,
                                            absl::string_view table);

// The numbers in a column type's parentheses ("decimal(10,4) unsigned":
// {10, 4}; "datetime": {}).
std::vector<int> TypeArgs(absl::string_view column_type);

// kFailedPrecondition, saying what to do, if `s` has no usable key
// (VReplication cannot iterate on it or find its rows).
absl::Status RequireKey(const TableSchema& s);

struct CollationInfo {
  std::string name;
  std::string charset;
  bool is_default = false;  // its character set's default collation
};
using CollationMap = absl::flat_hash_map<uint32_t, CollationInfo>;

absl::StatusOr<CollationMap> LoadCollations(mysql::Connection& conn);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_TABLE_SCHEMA_H_
