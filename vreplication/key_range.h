// Key-order bounds of a copy: "rows after key v" and "rows up to key v" for
// a (possibly composite) key, written so that the server reads them as a
// range of the key's index. A row comparison `(k1, k2) > (v1, v2)` means
// the same, but MariaDB 10.11 does not turn it into a range (EXPLAIN shows
// a full index scan: 46,000 entries read to return 1,000 rows near the end
// of a 50,000-row table), so every chunk of a composite-key copy would scan
// from the table's start. The expanded form leads with the first column's
// own bound, which the optimizer does use:
//   k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND k2 > v2))
// Key columns are NOT NULL (usable unique keys), so the forms are equal.
#ifndef SIDECUT_VREPLICATION_KEY_RANGE_H_
#define SIDECUT_VREPLICATION_KEY_RANGE_H_

#include <string>
#include <vector>

namespace sidecut {
namespace vreplication {

// `keys` (quoted columns, in key order) after `lits` (SQL literals, one per
// key column), in parentheses.
std::string KeyAfterCondition(const std::vector<std::string>& keys,
                              const std::vector<std::string>& lits);
// `keys` at or before `lits`, in parentheses.
std::string KeyAtOrBeforeCondition(const std::vector<std::string>& keys,
                                   const std::vector<std::string>& lits);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_KEY_RANGE_H_
