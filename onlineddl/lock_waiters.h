// Statements waiting for a table's metadata lock, as a long-running read
// of Sidecut's (a copy's check) must give way to them.
#ifndef SIDECUT_ONLINEDDL_LOCK_WAITERS_H_
#define SIDECUT_ONLINEDDL_LOCK_WAITERS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sidecut {
namespace onlineddl {

// A query counting the sessions that wait for the metadata lock of one of
// `tables` to run a DDL or LOCK TABLES (not a write: writes wait for a
// moment while a check takes its snapshot under LOCK TABLES ... READ),
// other than the asking session and `own` (Sidecut's sessions). Found by
// the statement's text (the metadata_lock_info plugin is optional): it
// names a table as a word (`t` in "ALTER TABLE t ...", not in "ALTER TABLE
// `_vt_vrp_...`"), in any database; a name merely mentioned counts too.
std::string MetadataLockWaitersSql(const std::vector<std::string>& tables,
                                   const std::vector<uint64_t>& own);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_LOCK_WAITERS_H_
