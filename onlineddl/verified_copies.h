// Verifications that passed, kept across restarts: a daemon restarted
// before a cut-over (or a revert) does not compare the tables again, which
// for a large table takes as long as a copy's first pass. A pass is of one
// stream (its _vt.vreplication id, with the verification's key: the
// migration's UUID, or its old table's): a retried migration's new stream,
// or a revert's new reverse stream, is compared anew. Passes are deleted
// with their stream (Executor::DeleteWorkflowRows).
#ifndef SIDECUT_ONLINEDDL_VERIFIED_COPIES_H_
#define SIDECUT_ONLINEDDL_VERIFIED_COPIES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "mysql/connection.h"

namespace sidecut {
namespace onlineddl {

absl::Status EnsureVerifiedCopiesTable(mysql::Connection& conn);

// Records that the verification `key` of stream `workflow_id` passed,
// summed up as `summary`.
absl::Status RecordVerified(mysql::Connection& conn, absl::string_view key,
                            int64_t workflow_id, absl::string_view summary);

// The summary of a recorded pass of `key` over stream `workflow_id`, if
// any.
absl::StatusOr<absl::optional<std::string>> FindVerified(
    mysql::Connection& conn, absl::string_view key, int64_t workflow_id);

// Deletes the recorded pass of `key` over stream `workflow_id` (the table
// changed since, behind the stream's back).
absl::Status ForgetVerified(mysql::Connection& conn, absl::string_view key,
                            int64_t workflow_id);

}  // namespace onlineddl
}  // namespace sidecut

#endif  // SIDECUT_ONLINEDDL_VERIFIED_COPIES_H_
