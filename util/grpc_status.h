// absl::Status <-> grpc::Status, the one place that maps between them. The
// canonical codes are the same numbers in both.
#ifndef SIDECUT_UTIL_GRPC_STATUS_H_
#define SIDECUT_UTIL_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"

namespace sidecut {

inline grpc::Status ToGrpc(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()),
                      std::string(s.message()));
}

inline absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

}  // namespace sidecut

#endif  // SIDECUT_UTIL_GRPC_STATUS_H_
