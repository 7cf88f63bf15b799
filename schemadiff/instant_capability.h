// INSTANT capability: whether the server can run an ALTER TABLE as
// ALGORITHM=INSTANT (metadata only, no table rebuild), by the rules of
// MySQL 8.0 (8.0.29+, as Vitess's schemadiff and the corpus) or MariaDB
// 10.11.
//
// Both: never with ALGORITHM=COPY/INPLACE, ROW_FORMAT=COMPRESSED (for
// column changes) or a FULLTEXT key (for ADD/DROP COLUMN); ADD COLUMN not
// STORED generated, with a literal default (not an expression), and not a
// NOT NULL temporal column without a default; DROP COLUMN not in an index;
// MODIFY/CHANGE keeping the type except for ENUM/SET members appended at the
// end within the same storage size, and changing only the default,
// visibility or (MySQL: NULL to NULL only) nullability; SET/DROP DEFAULT,
// visibility, RENAME COLUMN.
// MySQL 8.0 only: MODIFY/CHANGE with FIRST/AFTER is not instant.
// MariaDB 10.11 only: column reordering and NOT NULL -> NULL are instant,
// and so is VARCHAR widening that keeps the length prefix size (both at most
// 255 bytes, or both above).
// Anything else (keys, constraints, table options, partitions) is not.
// Pure function; thread-safe.
#ifndef SIDECUT_SCHEMADIFF_INSTANT_CAPABILITY_H_
#define SIDECUT_SCHEMADIFF_INSTANT_CAPABILITY_H_

#include "schemadiff/ast.h"

namespace sidecut {
namespace schemadiff {

enum class ServerFlavor { kMySQL80, kMariaDB1011 };

// `table` is the table before `alter` (normalized or not).
bool CapableOfInstantDdl(const CreateTable& table, const AlterTable& alter,
                         ServerFlavor flavor);

}  // namespace schemadiff
}  // namespace sidecut

#endif  // SIDECUT_SCHEMADIFF_INSTANT_CAPABILITY_H_
