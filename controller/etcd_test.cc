// The controller's etcd backend against a real etcd (Debian's etcd-server,
// started by the harness): the client's reads, writes and transactions;
// leader election with one leader at a time, fail-over when the leader
// dies (its lease expires) and at once when it resigns; fenced deployment
// writes that a deposed leader cannot make; the topology kept in etcd.
#include <memory>
#include <string>

#include "controller/etcd_client.h"
#include "controller/etcd_store.h"
#include "controller/leader_election.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/etcd_instance.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"

namespace sidecut {
namespace controller {
namespace {

using ::testing::HasSubstr;

class EtcdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto e = harness::EtcdInstance::Start();
    ASSERT_OK(e.status());
    etcd_ = e->release();
  }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(etcd_, nullptr) << "etcd did not start";
    ASSERT_OK_AND_ASSIGN(client_, EtcdClient::Connect(etcd_->endpoint()));
    prefix_ = absl::StrCat(
        "/", ::testing::UnitTest::GetInstance()->current_test_info()->name(),
        "/");
  }

  std::unique_ptr<LeaderElection> Candidate(const std::string& id) {
    ElectionOptions o;
    o.key = prefix_ + "leader";
    o.id = id;
    o.ttl = absl::Seconds(2);  // etcd's minimum lease TTL with its defaults
    auto e = LeaderElection::Start(client_.get(), o, Clock::Real());
    EXPECT_OK(e.status());
    return e.ok() ? std::move(*e) : nullptr;
  }

  static harness::EtcdInstance* etcd_;
  std::unique_ptr<EtcdClient> client_;
  std::string prefix_;
};

harness::EtcdInstance* EtcdTest::etcd_ = nullptr;

TEST_F(EtcdTest, ReadsWritesAndTransactions) {
  ASSERT_OK(client_->Put(prefix_ + "a", "1"));
  ASSERT_OK(client_->Put(prefix_ + "b", "2"));
  ASSERT_OK(client_->Put(prefix_ + "c/x", "3"));
  ASSERT_OK(
      client_->Put(absl::StrCat(prefix_.substr(0, prefix_.size() - 1), "0"),
                   "outside the prefix"));
  ASSERT_OK_AND_ASSIGN(auto a, client_->Get(prefix_ + "a"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->value(), "1");
  ASSERT_OK_AND_ASSIGN(auto missing, client_->Get(prefix_ + "nope"));
  EXPECT_FALSE(missing.has_value());
  ASSERT_OK_AND_ASSIGN(auto all, client_->List(prefix_));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].key(), prefix_ + "a");
  EXPECT_EQ(all[2].key(), prefix_ + "c/x");
  ASSERT_OK(client_->Delete(prefix_ + "b"));
  ASSERT_OK_AND_ASSIGN(all, client_->List(prefix_));
  EXPECT_EQ(all.size(), 2u);

  // A transaction runs its success branch only when the compare holds.
  etcdserverpb::TxnRequest txn;
  etcdserverpb::Compare* c = txn.add_compare();
  c->set_key(prefix_ + "a");
  c->set_target(etcdserverpb::Compare::VALUE);
  c->set_result(etcdserverpb::Compare::EQUAL);
  c->set_value("2");
  etcdserverpb::PutRequest* put = txn.add_success()->mutable_request_put();
  put->set_key(prefix_ + "a");
  put->set_value("changed");
  ASSERT_OK_AND_ASSIGN(etcdserverpb::TxnResponse r, client_->Txn(txn));
  EXPECT_FALSE(r.succeeded());
  ASSERT_OK_AND_ASSIGN(a, client_->Get(prefix_ + "a"));
  EXPECT_EQ(a->value(), "1");
  c->set_value("1");
  ASSERT_OK_AND_ASSIGN(r, client_->Txn(txn));
  EXPECT_TRUE(r.succeeded());
  ASSERT_OK_AND_ASSIGN(a, client_->Get(prefix_ + "a"));
  EXPECT_EQ(a->value(), "changed");

  EXPECT_EQ(EtcdClient::PrefixEnd("ab"), "ac");
  EXPECT_EQ(EtcdClient::PrefixEnd("a\xff"), "b");
}

TEST_F(EtcdTest, AnUnreachableEtcdIsAClearErrorNotAHang) {
  auto c = EtcdClient::Connect("127.0.0.1:1", absl::Seconds(1));
  EXPECT_THAT(c.status(), StatusIs(absl::StatusCode::kUnavailable,
                                   HasSubstr("cannot reach etcd at")));
  EXPECT_THAT(EtcdClient::Connect("nonsense").status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EtcdTest, LeasesExpireUnlessKeptAlive) {
  ASSERT_OK_AND_ASSIGN(int64_t lease, client_->Grant(absl::Seconds(2)));
  ASSERT_OK(client_->Put(prefix_ + "leased", "v", lease));
  for (int i = 0; i < 6; ++i) {  // 3 s: outlives the TTL only if renewed
    absl::SleepFor(absl::Milliseconds(500));
    ASSERT_OK(client_->KeepAlive(lease));
  }
  ASSERT_OK_AND_ASSIGN(auto kv, client_->Get(prefix_ + "leased"));
  EXPECT_TRUE(kv.has_value());
  ASSERT_OK(client_->Revoke(lease));
  ASSERT_OK_AND_ASSIGN(kv, client_->Get(prefix_ + "leased"));
  EXPECT_FALSE(kv.has_value());
  EXPECT_THAT(client_->KeepAlive(lease), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(EtcdTest, OneLeaderFailsOverWhenItDiesAndAtOnceWhenItResigns) {
  std::unique_ptr<LeaderElection> a = Candidate("127.0.0.1:1001");
  ASSERT_TRUE(a->AwaitLeadership(absl::Seconds(10)));
  std::unique_ptr<LeaderElection> b = Candidate("127.0.0.1:1002");
  std::unique_ptr<LeaderElection> c = Candidate("127.0.0.1:1003");
  // Both campaign, lose and learn who leads.
  ASSERT_OK(WaitFor(Clock::Real(), "followers see the leader",
                    [&]() -> absl::StatusOr<bool> {
                      return b->Leader() == "127.0.0.1:1001" &&
                             c->Leader() == "127.0.0.1:1001";
                    }));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_FALSE(b->IsLeader());
  EXPECT_FALSE(c->IsLeader());
  EXPECT_EQ(b->Leader(), "127.0.0.1:1001");
  EXPECT_EQ(b->Term(), 0);
  const int64_t a_term = a->Term();
  EXPECT_NE(a_term, 0);

  // A deployment saved under A's fence; then A dies without resigning.
  absl::optional<etcdserverpb::Compare> a_fence = a->Fence();
  ASSERT_TRUE(a_fence.has_value());
  EtcdStateStore a_store(client_.get(), prefix_,
                         [&] { return a_fence; });  // A's last view
  ControllerDeployment d;
  d.set_context("by A");
  ASSERT_OK(a_store.Save(d));
  const absl::Time died = absl::Now();
  a->Abandon();
  EXPECT_FALSE(a->IsLeader());
  // B or C wins once A's lease expires (TTL 2 s), not before.
  LeaderElection* next = nullptr;
  while (next == nullptr && absl::Now() - died < absl::Seconds(15)) {
    if (b->IsLeader()) next = b.get();
    if (c->IsLeader()) next = c.get();
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_NE(next, nullptr) << "no new leader";
  const absl::Duration failover = absl::Now() - died;
  std::cout << "fail-over after the leader died: " << failover << std::endl;
  EXPECT_GE(failover, absl::Milliseconds(900));
  EXPECT_FALSE(b->IsLeader() && c->IsLeader());
  EXPECT_NE(next->Term(), a_term);

  // A's stale fence no longer holds: the deposed leader cannot write.
  d.set_message("written by a deposed leader");
  EXPECT_THAT(a_store.Save(d), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("lost its leadership")));
  ControllerDeployment late;
  late.set_context("created by a deposed leader");
  EXPECT_THAT(a_store.Create(late),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("lost its leadership")));
  EtcdStateStore next_store(client_.get(), prefix_,
                            [&] { return next->Fence(); });
  ASSERT_OK_AND_ASSIGN(std::vector<ControllerDeployment> saved,
                       next_store.LoadAll());
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].context(), "by A");
  EXPECT_EQ(saved[0].message(), "");
  EXPECT_OK(next_store.Save(d));
  // A store whose election is not leading refuses before asking etcd.
  LeaderElection* other = next == b.get() ? c.get() : b.get();
  EtcdStateStore other_store(client_.get(), prefix_,
                             [&] { return other->Fence(); });
  EXPECT_THAT(other_store.Save(d),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("not the leader")));

  // The new leader resigns: the last candidate wins well within the TTL.
  const absl::Time resigned = absl::Now();
  if (next == b.get()) {
    b.reset();
  } else {
    c.reset();
  }
  ASSERT_TRUE(other->AwaitLeadership(absl::Seconds(10)));
  std::cout << "fail-over after the leader resigned: " << absl::Now() - resigned
            << std::endl;
  EXPECT_LT(absl::Now() - resigned, absl::Milliseconds(1500));
}

TEST_F(EtcdTest, DeploymentsAndTopologyRoundTrip) {
  EtcdStateStore store(client_.get(), prefix_, nullptr);
  ControllerDeployment a;
  a.set_context("ctx with 'quotes', /slashes/ and ünicode");
  a.set_created_micros(2);
  a.add_members()->set_uuid("u1");
  ControllerDeployment b;
  b.set_context("b");
  b.set_created_micros(1);
  ASSERT_OK(store.Save(a));
  ASSERT_OK(store.Save(b));
  a.set_state(ControllerDeployment::COMPLETE);
  ASSERT_OK(store.Save(a));
  // A create is for a new deployment only: a late one (its answer lost,
  // then overtaken by a save) changes nothing.
  ControllerDeployment late = b;
  late.set_message("a late create");
  EXPECT_THAT(store.Create(late), StatusIs(absl::StatusCode::kAlreadyExists,
                                           HasSubstr("already saved")));
  ControllerDeployment c;
  c.set_context("c");
  c.set_created_micros(3);
  ASSERT_OK(store.Create(c));
  ASSERT_OK_AND_ASSIGN(std::vector<ControllerDeployment> all, store.LoadAll());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].message(), "");
  EXPECT_EQ(all[2].context(), "c");
  EXPECT_EQ(all[0].context(), "b");
  EXPECT_EQ(all[1].context(), a.context());
  EXPECT_EQ(all[1].state(), ControllerDeployment::COMPLETE);
  EXPECT_EQ(all[1].members(0).uuid(), "u1");

  EXPECT_THAT(GetTopology(*client_, prefix_).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--topology")));
  Topology t;
  TopologyKeyspace* ks = t.add_keyspaces();
  ks->set_name("commerce");
  TopologyShard* s = ks->add_shards();
  s->set_name("-80");
  s->set_tablet("127.0.0.1:15991");
  ASSERT_OK(PutTopology(*client_, prefix_, t));
  ASSERT_OK_AND_ASSIGN(Topology got, GetTopology(*client_, prefix_));
  EXPECT_EQ(got.keyspaces(0).shards(0).tablet(), "127.0.0.1:15991");
  // An invalid topology is refused and the stored one stays.
  s->clear_tablet();
  EXPECT_FALSE(PutTopology(*client_, prefix_, t).ok());
  ASSERT_OK_AND_ASSIGN(got, GetTopology(*client_, prefix_));
  EXPECT_EQ(got.keyspaces(0).shards(0).tablet(), "127.0.0.1:15991");
}

}  // namespace
}  // namespace controller
}  // namespace sidecut
