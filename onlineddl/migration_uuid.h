// Migration UUIDs in Vitess's Online DDL format: a time-based (version 1,
// RFC 4122) UUID with '_' instead of '-', e.g.
// "a0638f6b_ec7b_11ea_9bf8_000d3a9b8a9a" (Vitess's CreateOnlineDDLUUID,
// i.e. CreateUUIDWithDelimiter("_")). Being time-based, UUIDs created later
// carry a later timestamp.
//
// Thread-safe (pure functions; the convenience overload uses a local
// random generator).
#ifndef SIDECUT_ONLINEDDL_MIGRATION_UUID_H_
#define SIDECUT_ONLINEDDL_MIGRATION_UUID_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace sidecut {
namespace onlineddl {

// Returns the version-1 UUID for time `now` (100 ns resolution; times
// before 1582-10-15 are clamped to it), taking the 14-bit clock sequence
// and the 48-bit node from `random` (the node gets the multicast bit, as
// RFC 4122 prescribes for random node IDs). Deterministic: tests pass
// fixed values.
std::string CreateMigrationUuid(absl::Time now, uint64_t random);

// CreateMigrationUuid(absl::Now(), <64 random bits>).
std::string CreateMigrationUuid();

// True for "xxxxxxxx_xxxx_xxxx_xxxx_xxxxxxxxxxxx" with hex digits (either
// case), the form Vitess accepts as a migration UUID.
bool IsValidMigrationUuid(absl::string_view uuid);

// The 32 hex digits of a UUID written with '_', '-' or no delimiters (the
// form used in artifact table names). Returns the input with '_' and '-'
// removed; callers validate.
std::string CondenseUuid(absl::string_view uuid);

// The creation time of a version-1 migration UUID; nullopt if `uuid` is not
// a valid migration UUID or not version 1.
absl::optional<absl::Time> MigrationUuidTime(absl::string_view uuid);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_MIGRATION_UUID_H_
