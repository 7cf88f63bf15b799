// EtcdClient: the few etcd v3 calls sidecut-ctld needs (key-value reads and
// writes, transactions, leases), over etcd's own gRPC API
// (proto/etcd_rpc.proto). Every call has a deadline; an unreachable etcd is
// an UNAVAILABLE / DEADLINE_EXCEEDED error, never a hang.
//
// Thread-safe.
#ifndef SIDECUT_CONTROLLER_ETCD_CLIENT_H_
#define SIDECUT_CONTROLLER_ETCD_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "proto/etcd_rpc.grpc.pb.h"

namespace sidecut {
namespace controller {

class EtcdClient {
 public:
  // `endpoint` is host:port of an etcd client URL (plain HTTP/2).
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(
      const std::string& endpoint, absl::Duration timeout = absl::Seconds(5));

  // The key, or nullopt when absent.
  absl::StatusOr<absl::optional<etcdserverpb::KeyValue>> Get(
      absl::string_view key);
  // Every key starting with `prefix`, in key order.
  absl::StatusOr<std::vector<etcdserverpb::KeyValue>> List(
      absl::string_view prefix);
  absl::Status Put(absl::string_view key, absl::string_view value,
                   int64_t lease = 0);
  absl::Status Delete(absl::string_view key);
  absl::StatusOr<etcdserverpb::TxnResponse> Txn(
      const etcdserverpb::TxnRequest& txn);

  // A new lease of `ttl` (whole seconds, at least 1); returns its ID.
  absl::StatusOr<int64_t> Grant(absl::Duration ttl);
  // Renews the lease; NOT_FOUND when it has expired or was revoked.
  absl::Status KeepAlive(int64_t lease);
  absl::Status Revoke(int64_t lease);

  // The end of the key range holding every key with `prefix`.
  static std::string PrefixEnd(absl::string_view prefix);

  const std::string& endpoint() const { return endpoint_; }

 private:
  EtcdClient(std::string endpoint, absl::Duration timeout);
  void SetDeadline(grpc::ClientContext& ctx) const;

  std::string endpoint_;
  absl::Duration timeout_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
};

}  // namespace controller
}  // namespace sidecut

#endif  // SIDECUT_CONTROLLER_ETCD_CLIENT_H_
