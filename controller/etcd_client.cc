#include "controller/etcd_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "util/grpc_status.h"

namespace sidecut {
namespace controller {

namespace {

absl::Status Annotate(const grpc::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  absl::Status st = FromGrpc(s);
  return absl::Status(st.code(),
                      absl::StrCat("etcd ", what, ": ", st.message()));
}

}  // namespace

EtcdClient::EtcdClient(std::string endpoint, absl::Duration timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout) {
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(endpoint_, grpc::InsecureChannelCredentials());
  kv_ = etcdserverpb::KV::NewStub(channel);
  lease_ = etcdserverpb::Lease::NewStub(channel);
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(
    const std::string& endpoint, absl::Duration timeout) {
  if (endpoint.empty() || endpoint.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd endpoint must be host:port, got '", endpoint, "'"));
  }
  std::unique_ptr<EtcdClient> c(new EtcdClient(endpoint, timeout));
  // One read proves the server answers (and is a v3 etcd).
  absl::StatusOr<absl::optional<etcdserverpb::KeyValue>> probe = c->Get("/");
  if (!probe.ok()) {
    return absl::Status(probe.status().code(),
                        absl::StrCat("cannot reach etcd at ", endpoint, ": ",
                                     probe.status().message()));
  }
  return c;
}

void EtcdClient::SetDeadline(grpc::ClientContext& ctx) const {
  ctx.set_deadline(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(timeout_));
}

std::string EtcdClient::PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    unsigned char c = static_cast<unsigned char>(end.back());
    if (c < 0xff) {
      end.back() = static_cast<char>(c + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

absl::StatusOr<absl::optional<etcdserverpb::KeyValue>> EtcdClient::Get(
    absl::string_view key) {
  etcdserverpb::RangeRequest req;
  req.set_key(std::string(key));
  etcdserverpb::RangeResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  absl::Status s = Annotate(kv_->Range(&ctx, req, &resp), "range");
  if (!s.ok()) return s;
  if (resp.kvs_size() == 0) return absl::optional<etcdserverpb::KeyValue>();
  return absl::optional<etcdserverpb::KeyValue>(resp.kvs(0));
}

absl::StatusOr<std::vector<etcdserverpb::KeyValue>> EtcdClient::List(
    absl::string_view prefix) {
  etcdserverpb::RangeRequest req;
  req.set_key(std::string(prefix));
  req.set_range_end(PrefixEnd(prefix));
  etcdserverpb::RangeResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  absl::Status s = Annotate(kv_->Range(&ctx, req, &resp), "range");
  if (!s.ok()) return s;
  return std::vector<etcdserverpb::KeyValue>(resp.kvs().begin(),
                                             resp.kvs().end());
}

absl::Status EtcdClient::Put(absl::string_view key, absl::string_view value,
                             int64_t lease) {
  etcdserverpb::PutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  req.set_lease(lease);
  etcdserverpb::PutResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  return Annotate(kv_->Put(&ctx, req, &resp), "put");
}

absl::Status EtcdClient::Delete(absl::string_view key) {
  etcdserverpb::DeleteRangeRequest req;
  req.set_key(std::string(key));
  etcdserverpb::DeleteRangeResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  return Annotate(kv_->DeleteRange(&ctx, req, &resp), "delete");
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(
    const etcdserverpb::TxnRequest& txn) {
  etcdserverpb::TxnResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  absl::Status s = Annotate(kv_->Txn(&ctx, txn, &resp), "txn");
  if (!s.ok()) return s;
  return resp;
}

absl::StatusOr<int64_t> EtcdClient::Grant(absl::Duration ttl) {
  etcdserverpb::LeaseGrantRequest req;
  req.set_ttl(std::max<int64_t>(1, absl::ToInt64Seconds(ttl)));
  etcdserverpb::LeaseGrantResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  absl::Status s =
      Annotate(lease_->LeaseGrant(&ctx, req, &resp), "lease grant");
  if (!s.ok()) return s;
  if (!resp.error().empty()) {
    return absl::UnavailableError(
        absl::StrCat("etcd lease grant: ", resp.error()));
  }
  return resp.id();
}

absl::Status EtcdClient::KeepAlive(int64_t lease) {
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  std::unique_ptr<
      grpc::ClientReaderWriter<etcdserverpb::LeaseKeepAliveRequest,
                               etcdserverpb::LeaseKeepAliveResponse>>
      stream = lease_->LeaseKeepAlive(&ctx);
  etcdserverpb::LeaseKeepAliveRequest req;
  req.set_id(lease);
  etcdserverpb::LeaseKeepAliveResponse resp;
  bool got = stream->Write(req) && stream->Read(&resp);
  stream->WritesDone();
  if (got) ctx.TryCancel();  // one renewal is all we wanted
  grpc::Status finished = stream->Finish();
  if (!got) return Annotate(finished, "lease keep-alive");
  // etcd answers an expired or unknown lease with TTL <= 0.
  if (resp.ttl() <= 0) {
    return absl::NotFoundError(
        absl::StrCat("etcd lease ", lease, " has expired"));
  }
  return absl::OkStatus();
}

absl::Status EtcdClient::Revoke(int64_t lease) {
  etcdserverpb::LeaseRevokeRequest req;
  req.set_id(lease);
  etcdserverpb::LeaseRevokeResponse resp;
  grpc::ClientContext ctx;
  SetDeadline(ctx);
  return Annotate(lease_->LeaseRevoke(&ctx, req, &resp), "lease revoke");
}

}  // namespace controller
}  // namespace sidecut
