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
  return Put(d, /*create=*/false);
}

absl::Status EtcdStateStore::Create(const ControllerDeployment& d) {
  return Put(d, /*create=*/true);
}

absl::Status EtcdStateStore::Put(const ControllerDeployment& d, bool create) {
  etcdserverpb::TxnRequest txn;
  if (fence_) {
    absl::optional<etcdserverpb::Compare> fence = fence_();
    if (!fence.has_value()) {
      return absl::FailedPreconditionError(
          "this sidecut-ctld is not the leader: it may not change deployments");
    }
    *txn.add_compare() = *fence;
  }
  const std::string key = absl::StrCat(DeploymentsPrefix(prefix_),
                                       absl::BytesToHexString(d.context()));
  if (create) {
    // Only while the key was never written (or was deleted).
    etcdserverpb::Compare* absent = txn.add_compare();
    absent->set_key(key);
    absent->set_target(etcdserverpb::Compare::CREATE);
    absent->set_result(etcdserverpb::Compare::EQUAL);
    absent->set_create_revision(0);
    // Read back on failure: which comparison failed.
    txn.add_failure()->mutable_request_range()->set_key(key);
  }
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(d.SerializeAsString());
  absl::StatusOr<etcdserverpb::TxnResponse> r = etcd_->Txn(txn);
  if (!r.ok()) return r.status();
  if (!r->succeeded()) {
    if (create && r->responses_size() > 0 &&
        r->responses(0).response_range().kvs_size() > 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("deployment ", d.context(),
                       " is already saved in etcd: not saved again"));
    }
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
