// Status propagation macros (Abseil 20220623 has none of its own).
//
//   SC_RETURN_IF_ERROR(DoThing());
//   SC_ASSIGN_OR_RETURN(Row row, cursor.Next());
//
// Both evaluate their argument exactly once. Thread-safe as the expressions
// are.
#ifndef SIDECUT_UTIL_STATUS_MACROS_H_
#define SIDECUT_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SC_STATUS_CONCAT_INNER_(a, b) a##b
#define SC_STATUS_CONCAT_(a, b) SC_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define SC_RETURN_IF_ERROR(expr)                                 \
  do {                                                           \
    ::absl::Status sc_status_ = (expr);                          \
    if (ABSL_PREDICT_FALSE(!sc_status_.ok())) return sc_status_; \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define SC_ASSIGN_OR_RETURN(lhs, rexpr)                                     \
  SC_ASSIGN_OR_RETURN_IMPL_(SC_STATUS_CONCAT_(sc_statusor_, __LINE__), lhs, \
                            rexpr)

#define SC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)             \
  auto statusor = (rexpr);                                          \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) return statusor.status(); \
  lhs = std::move(statusor).value()

#endif  // SIDECUT_UTIL_STATUS_MACROS_H_
