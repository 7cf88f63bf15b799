// Whether an interrupted cut-over swapped the tables, told from their
// schemas when the binlog cannot tell (the stream that would read the
// RENAME failed: its binlog purged, say).
//
// Before every cut-over attempt the executor records the name-free CREATE
// TABLE of the table and of its shadow (_vt.sidecut_swap_schemas). The swap
// exchanges the two, so afterwards the table has the shadow's recorded
// schema and the shadow's name the table's: the swap happened. If each
// still has its own, it did not. If the two were recorded alike (an ALTER
// that changes nothing SHOW CREATE TABLE prints, such as ENGINE=InnoDB),
// or either changed since (another DDL), the schemas cannot tell; so too
// where SHOW CREATE TABLE prints them otherwise than when recorded (the
// server's sql_mode changed, say) or InnoDB renamed their generated
// foreign key names with the table.
#ifndef SIDECUT_ONLINEDDL_SWAP_CHECK_H_
#define SIDECUT_ONLINEDDL_SWAP_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

absl::Status EnsureSwapSchemaTable(mysql::Connection& conn);

// `create_table` (SHOW CREATE TABLE of `table`) without what renaming the
// table or writing rows changes: its name, and the table option
// AUTO_INCREMENT=n.
std::string NameFreeCreateTable(absl::string_view create_table,
                                absl::string_view table);

// Records the name-free schemas of `db`.`table` and `db`.`shadow` for
// migration `uuid`, replacing an earlier attempt's.
absl::Status RecordSchemasBeforeSwap(mysql::Connection& conn,
                                     absl::string_view uuid,
                                     absl::string_view db,
                                     absl::string_view table,
                                     absl::string_view shadow);

// Deletes what RecordSchemasBeforeSwap recorded for `uuid`.
absl::Status ForgetSchemasBeforeSwap(mysql::Connection& conn,
                                     absl::string_view uuid);

struct SwapFromSchemas {
  enum Outcome { kSwapped, kNotSwapped, kUnknown };
  Outcome outcome = kUnknown;
  // Why, for a message ("`t` has the schema its shadow had before the
  // cut-over, and the shadow `t`'s").
  std::string why;
};

// What the schemas recorded for `uuid` say now.
absl::StatusOr<SwapFromSchemas> CheckSwapFromSchemas(mysql::Connection& conn,
                                                     absl::string_view uuid,
                                                     absl::string_view db,
                                                     absl::string_view table,
                                                     absl::string_view shadow);

// The triggers of `db`.`table`, by name. A swap cannot carry them: RENAME
// TABLE keeps them with the old table (renamed away, where the reverse
// stream's writes would fire them), leaving the new one without.
absl::StatusOr<std::vector<std::string>> TriggersOn(mysql::Connection& conn,
                                                    absl::string_view db,
                                                    absl::string_view table);

// Why `table`, with `triggers`, cannot be swapped (by a migration, or by
// the `revert` of one).
std::string TriggersRefusal(absl::string_view table,
                            const std::vector<std::string>& triggers,
                            bool revert);

// OK if `db`.`table` has no triggers, else FailedPrecondition ("cut-over
// refused: " and TriggersRefusal's reason).
absl::Status CheckSwapKeepsTriggers(mysql::Connection& conn,
                                    absl::string_view db,
                                    absl::string_view table, bool revert);

// The foreign keys of schema `db` of which `db`.`table` is the child or
// the parent, as `child`.`name`, sorted; without `with_self`, not those by
// which it references itself.
absl::StatusOr<std::vector<std::string>> ForeignKeysOn(mysql::Connection& conn,
                                                       absl::string_view db,
                                                       absl::string_view table,
                                                       bool with_self = true);

// OK if a DROP may keep `db`.`table` as an artifact, else
// FailedPrecondition: it is a foreign key parent or child of another table
// (ForeignKeysOn without self-references), and on the artifact those keys
// would stay in force (other tables' rows checked against it, its own rows
// holding its parents' back).
absl::Status CheckDropAllowed(mysql::Connection& conn, absl::string_view db,
                              absl::string_view table);

// OK if `db`.`table` is no foreign key's parent or child, else
// FailedPrecondition ("cut-over refused: ..."). A migration refuses such a
// table when it starts (unless --unsafe-allow-foreign-keys); one created
// since (CREATE TABLE child ... REFERENCES table) would follow the old
// table in the swap: the child would reference the old table.
absl::Status CheckSwapKeepsForeignKeys(mysql::Connection& conn,
                                       absl::string_view db,
                                       absl::string_view table);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_SWAP_CHECK_H_
