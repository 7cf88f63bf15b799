// Secondary indexes built after the copy: a shadow table's plain
// (non-unique) secondary indexes are dropped before its rows are copied and
// added back, built in one sorted pass, once the copy is done. Inserting
// rows in key order into a table without them, then building them, costs
// about half of maintaining them row by row (random B-tree inserts).
//
// Which indexes were deferred is kept in _vt.sidecut_deferred_indexes, so a
// restarted daemon still adds them; the migration is not ready to cut over
// until they are all there.
#ifndef SIDECUT_ONLINEDDL_DEFERRED_INDEXES_H_
#define SIDECUT_ONLINEDDL_DEFERRED_INDEXES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

// A deferrable index: its name and its definition as SHOW CREATE TABLE
// prints it ("KEY `k` (`a`,`b`) COMMENT 'x'").
struct DeferredIndex {
  std::string name;
  std::string definition;
};

// The plain secondary indexes of a table, from its SHOW CREATE TABLE text,
// in order. None when the table has FULLTEXT, SPATIAL or foreign keys (their
// order or their need of an index would change).
std::vector<DeferredIndex> DeferrableIndexes(absl::string_view create_table);

absl::Status EnsureDeferredIndexTable(mysql::Connection& conn);

// Records and drops the deferrable indexes of `db`.`shadow` for migration
// `uuid`. Returns how many were deferred: none when the server refuses to
// drop them (an AUTO_INCREMENT column needs one as its index, say).
absl::StatusOr<int> DeferIndexes(mysql::Connection& conn,
                                 absl::string_view uuid, absl::string_view db,
                                 absl::string_view shadow);

// Adds back (ALGORITHM=INPLACE, LOCK=NONE: writes to the shadow go on) the
// indexes deferred for `uuid` that `db`.`shadow` lacks, in their order, and
// forgets them. Blocks while the server builds them.
absl::Status RestoreDeferredIndexes(mysql::Connection& conn,
                                    absl::string_view uuid,
                                    absl::string_view db,
                                    absl::string_view shadow);

// The sessions (other than `conn`'s) running the ALTER that
// RestoreDeferredIndexes runs on `db`.`shadow` (one adding plain KEYs, in
// place, without lock): a daemon killed during the
// build leaves its ALTER running in the server, and a second one would wait
// behind it, then fail on the names it added (error 1061).
absl::StatusOr<std::vector<int64_t>> IndexBuildsRunning(
    mysql::Connection& conn, absl::string_view db, absl::string_view shadow);

// Forgets the indexes deferred for `uuid` (its shadow is going away).
absl::Status ForgetDeferredIndexes(mysql::Connection& conn,
                                   absl::string_view uuid);

// Whether indexes deferred for `uuid` still wait to be added.
absl::StatusOr<bool> HasDeferredIndexes(mysql::Connection& conn,
                                        absl::string_view uuid);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_DEFERRED_INDEXES_H_
