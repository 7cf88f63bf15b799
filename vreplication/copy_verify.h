// Verification of a copy: whether a target table holds exactly the rows
// its source projects to, compared inside one transaction whose snapshot
// sees both at the same moment (the caller takes it while the source
// takes no writes and the stream has applied all of them: the target is
// then exactly what copy and stream made of the source). Spirit checks
// its copies the same way before the cut-over; gh-ost and pt-osc do not.
//
// Every source row must have the target row of its key (the plan's
// iteration key, unique in the target), no target row may lack a source
// row, and each column the target keeps from the source must hold the
// same value: byte for byte for character columns, whatever their
// collation says. Also where the ALTER changed its type, if the copy
// converts every value exactly: integers of another size; text (or a CHAR,
// ENUM or SET into one alike) of another length, collation or character
// set, compared with the source converted to it; binary strings and text
// into binary strings; a DECIMAL of more digits on both sides of the
// point, a DATETIME, TIMESTAMP or TIME of more fractional digits, a DATE
// as a DATETIME (compared as text: the source's with the zeros appended);
// a FLOAT as a plain DOUBLE. Text into text that cannot hold every value
// is compared without trailing spaces (MariaDB cuts them to fit with a
// note, strict or not). Columns filled by expressions or converted
// otherwise (where a value may change: rounded, padded, reinterpreted, an
// ENUM or SET member renamed by case) are not compared (listed in the
// result).
#ifndef SIDECUT_VREPLICATION_COPY_VERIFY_H_
#define SIDECUT_VREPLICATION_COPY_VERIFY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"
#include "vreplication/row_applier.h"
#include "vreplication/table_plan.h"
#include "vreplication/table_schema.h"

namespace sidecut {
namespace vreplication {

struct CopyVerifyResult {
  int64_t source_rows = 0;  // rows the source projects to
  int64_t missing = 0;      // of those, without a target row of their key
  int64_t differing = 0;    // with one holding another value
  int64_t target_rows = 0;
  // Keys of some missing or differing rows, as "(1)" or "(1, 'a')".
  std::vector<std::string> examples;
  std::vector<std::string> compared;  // target columns compared
  std::vector<std::string> skipped;   // target columns not compared
  // Chunks compared row by row: their checksums differed (or the key
  // ranges do not match: every chunk).
  int64_t row_by_row_chunks = 0;

  // Target rows without a source row.
  int64_t extra() const { return target_rows - (source_rows - missing); }
  bool ok() const { return missing == 0 && differing == 0 && extra() == 0; }
  // "1000 rows, 4 of 5 columns compared (not `x`: its type changed)", or
  // what differs.
  std::string Summary() const;
};

// Whether the key columns hold the same values in the same order in
// source and target (the same type, integers of another size, or text of
// another length; the same character set and collation): key ranges then
// hold the same keys in both,
// and each chunk counts the target rows of its range, so a snapshot may be
// renewed between chunks (see VerifyCopy).
bool KeyRangesMatch(const TablePlan& plan);

// A condition true where target column `i` of `plan` (as `d`.col) holds
// another value than its source (`s`.`c<i>`) converted as the copy
// converts it, or "" if it is not compared (an expression, or a type
// storing values otherwise).
std::string ColumnDiffers(const TablePlan& plan, size_t i);

// Where a verification stands, so that another attempt (after a lost
// session, or a snapshot that could not be renewed) goes on from there:
// the counts and examples of the chunks compared, and the last key of the
// last one. Only where KeyRangesMatch (each chunk complete in itself);
// otherwise a verification starts over.
struct CopyVerifyCursor {
  CopyVerifyResult result;       // its counts and examples so far
  absl::optional<LastPk> after;  // the key the next chunk starts after
  std::vector<std::string> key;  // the target key columns `after` is of
  bool complete = false;         // the last chunk was compared
  // Set by VerifyCopy as it starts: the rows it took over from an earlier
  // attempt (0 when it started over).
  int64_t resumed_after = 0;
};

// Compares `plan`'s source and target on `conn` (inside the caller's
// snapshot transaction) in key order, `chunk_rows` source rows at a time;
// after each chunk calls `on_chunk` with the source rows compared so far
// and whether it was the last (an error from it ends the verification
// with that error). Where KeyRangesMatch, each chunk is complete in itself
// (its source rows and the target rows of its key range), compared by
// checksums of both sides first (row by row only where they differ), and
// `on_chunk` may take a new
// snapshot on `conn` (a long verification need not hold one read view
// throughout); otherwise the target rows are counted once at the end, in
// the snapshot the chunks used.
// FailedPrecondition if the target has no unique key over the iteration
// key's columns (rows could not be told apart).
// With `cursor`, starts where it stands (if it is of this plan's key and
// KeyRangesMatch; from the first row otherwise) and keeps it current after
// each chunk, before `on_chunk`.
// With `other`, a second session in a snapshot of the same moment (the
// caller takes both while the tables are still), the target's checksums
// run on it while the source's run on `conn`, where KeyRangesMatch: a
// spare CPU halves the time. `on_chunk` then renews both snapshots.
// Whether `status` is VerifyCopy's refusal of a target whose rows cannot
// be told apart (marked as such: another FailedPrecondition, a NULL read or
// a closed session, is an error, not a copy to pass unverified).
bool IsUnverifiableCopy(const absl::Status& status);

absl::StatusOr<CopyVerifyResult> VerifyCopy(
    mysql::Connection& conn, const TablePlan& plan,
    const CollationMap* collations, size_t chunk_rows,
    const std::function<absl::Status(int64_t rows, bool last)>& on_chunk =
        nullptr,
    CopyVerifyCursor* cursor = nullptr, mysql::Connection* other = nullptr);

}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_COPY_VERIFY_H_
