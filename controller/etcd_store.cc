#include "controller/etcd_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "controller/topology.h"
#include "google/protobuf/text_format.h"

namespace sidecut {
namespace controller {

namespace {

std::string DeploymentsPrefix(const std::string& prefix) {
  return absl::StrCat(prefix, "deployments/");
}

}  // namespace

absl::Status EtcdStateStore::Save(const ControllerDeployment& d) {
  etcdserverpb::TxnRequest txn;
  if (fence_) {
    absl::optional<etcdserverpb::Compare> fence = fence_();
    if (!fence.has_value()) {
      return absl::FailedPreconditionError(
          "this sidecut-ctld is not the leader: it may not change deployments");
    }
    *txn.add_compare() = *fence;
  }
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(absl::StrCat(DeploymentsPrefix(prefix_),
                            absl::BytesToHexString(d.context())));
  put->set_value(d.SerializeAsString());
  absl::StatusOr<etcdserverpb::TxnResponse> r = etcd_->Txn(txn);
  if (!r.ok()) return r.status();
  if (!r->succeeded()) {
    return absl::FailedPreconditionError(
        "this sidecut-ctld lost its leadership: deployment not saved");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ControllerDeployment>> EtcdStateStore::LoadAll() {
  absl::StatusOr<std::vector<etcdserverpb::KeyValue>> kvs =
      etcd_->List(DeploymentsPrefix(prefix_));
  if (!kvs.ok()) return kvs.status();
  std::vector<ControllerDeployment> all;
  for (const etcdserverpb::KeyValue& kv : *kvs) {
    ControllerDeployment d;
    if (!d.ParseFromString(kv.value())) {
      return absl::DataLossError(
          absl::StrCat("cannot parse the deployment at etcd key ", kv.key()));
    }
    all.push_back(std::move(d));
  }
  SortDeployments(all);
  return all;
}

absl::Status PutTopology(EtcdClient& etcd, const std::string& prefix,
                         const Topology& topology) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(topology, &text)) {
    return absl::InternalError("cannot print the topology");
  }
  // Validated before anyone else can read it.
  absl::StatusOr<Topology> valid = ParseTopology(text);
  if (!valid.ok()) return valid.status();
  return etcd.Put(absl::StrCat(prefix, "topology"), text);
}

absl::StatusOr<Topology> GetTopology(EtcdClient& etcd,
                                     const std::string& prefix) {
  const std::string key = absl::StrCat(prefix, "topology");
  absl::StatusOr<absl::optional<etcdserverpb::KeyValue>> kv = etcd.Get(key);
  if (!kv.ok()) return kv.status();
  if (!kv->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "no topology in etcd at ", key,
        " (start one sidecut-ctld with --topology=<file> to publish it)"));
  }
  absl::StatusOr<Topology> t = ParseTopology((*kv)->value());
  if (!t.ok()) {
    return absl::Status(t.status().code(),
                        absl::StrCat("the topology at etcd key ", key, ": ",
                                     t.status().message()));
  }
  return t;
}

}  // namespace controller
}  // namespace sidecut
