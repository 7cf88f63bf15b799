// sidecut-ctld's controller against four real MariaDB shards, each with its
// own sidecutd service (in-process, on a loopback port): a gated two-table
// deployment under writes on every shard swaps every shard together
// (skew measured) and reverts as a unit; a shard that fails its prepare
// makes every shard abort and the gate retry; a controller that dies after
// deciding a swap is finished by its successor; a shard that is down fails
// requests clearly and leaves nothing behind on the others; of two
// controllers sharing an etcd one leads, the other forwards to it and
// finishes its deployment when it dies.
#include "controller/controller.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "cli/cli.h"
#include "controller/controller_service.h"
#include "controller/deployment_store.h"
#include "controller/etcd_client.h"
#include "controller/etcd_leadership.h"
#include "controller/etcd_store.h"
#include "controller/leader_election.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "onlineddl/migration_uuid.h"
#include "tablet/online_ddl_service.h"
#include "tests/harness/etcd_instance.h"
#include "tests/harness/free_port.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "util/clock.h"
#include "util/status_matchers.h"
#include "util/wait.h"
#include "vreplication/testing/vr_test_util.h"

namespace sidecut {
namespace controller {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using vreplication::testing::Checksum;
using vreplication::testing::Writer;

constexpr int kShards = 4;
const char* const kShardNames[kShards] = {"-40", "40-80", "80-c0", "c0-"};

// Rows per table per shard: 100k with SIDECUT_SCALE=full (the acceptance
// run, README); CI runs the same tests scaled down.
int Rows() {
  const char* env = std::getenv("SIDECUT_SCALE");
  return env != nullptr && std::string(env) == "full" ? 100000 : 3000;
}

struct Shard {
  std::unique_ptr<onlineddl::Executor> executor;
  std::unique_ptr<tablet::OnlineDdlService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// Sets `*flag` when it goes out of scope (a test's early return must not
// leave a controller blocked in a hook forever).
struct SetOnExit {
  std::atomic<bool>* flag;
  ~SetOnExit() { *flag = true; }
};

// A tablet that refuses to cancel while `refuse` is set.
class RefusingCancels final : public tablet::OnlineDdlService {
 public:
  using OnlineDdlService::OnlineDdlService;
  grpc::Status CancelSchemaMigration(
      grpc::ServerContext* ctx,
      const vtctldata::CancelSchemaMigrationRequest* req,
      vtctldata::CancelSchemaMigrationResponse* resp) override {
    if (refuse) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "simulated: the tablet settles an interrupted "
                          "operation first");
    }
    return OnlineDdlService::CancelSchemaMigration(ctx, req, resp);
  }
  std::atomic<bool> refuse{true};
};

// A tablet whose answers to ApplySchema and throttle come `delay` after it
// acted, as one running a direct DDL that outlasts the controller's
// deadline.
class SlowAnswers final : public tablet::OnlineDdlService {
 public:
  SlowAnswers(onlineddl::Executor* executor, absl::Duration delay)
      : OnlineDdlService(executor, "commerce", kShardNames[0]), delay_(delay) {}
  grpc::Status ApplySchema(grpc::ServerContext* ctx,
                           const vtctldata::ApplySchemaRequest* req,
                           vtctldata::ApplySchemaResponse* resp) override {
    const grpc::Status applied = OnlineDdlService::ApplySchema(ctx, req, resp);
    absl::SleepFor(delay_);
    return applied;
  }
  grpc::Status ThrottleSchemaMigration(grpc::ServerContext* ctx,
                                       const ThrottleRequest* req,
                                       ThrottleResponse* resp) override {
    const grpc::Status done =
        OnlineDdlService::ThrottleSchemaMigration(ctx, req, resp);
    absl::SleepFor(delay_);
    return done;
  }

 private:
  const absl::Duration delay_;
};

class ControllerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    for (int i = 0; i < kShards; ++i) {
      harness::InstanceOptions o;
      o.server_id = i + 1;
      o.gtid_domain_id = i;
      auto inst = harness::MariaDbInstance::Start(o);
      ASSERT_OK(inst.status());
      instances_[i] = inst->release();
    }
  }
  static void TearDownTestSuite() {
    for (auto*& i : instances_) {
      delete i;
      i = nullptr;
    }
  }

  void SetUp() override {
    for (auto* i : instances_) ASSERT_NE(i, nullptr) << "a shard did not start";
    db_ = absl::StrCat(
        "ks_", ::testing::UnitTest::GetInstance()->current_test_info()->name());
    state_dir_ = absl::StrCat(std::getenv("TEST_TMPDIR") != nullptr
                                  ? std::getenv("TEST_TMPDIR")
                                  : "/tmp",
                              "/", db_);
    std::filesystem::remove_all(state_dir_);
    TopologyKeyspace* ks = topology_.add_keyspaces();
    ks->set_name("commerce");
    for (int i = 0; i < kShards; ++i) {
      ASSERT_OK_AND_ASSIGN(conns_[i], harness::ConnectTo(*instances_[i]));
      const std::string q = mysql::QuoteIdentifier(db_);
      ASSERT_OK(conns_[i]
                    ->Execute(absl::StrCat("DROP DATABASE IF EXISTS ", q))
                    .status());
      // Earlier tests' workflows (the reverse streams their migrations
      // left, one per completed ALTER) would all start with this test's
      // executor: twenty streams per shard by the last test, reading every
      // binlog event under ASan, left this test's stream minutes behind.
      ASSERT_OK(conns_[i]->Execute("DROP DATABASE IF EXISTS _vt").status());
      ASSERT_OK(
          conns_[i]->Execute(absl::StrCat("CREATE DATABASE ", q)).status());
      ASSERT_OK(conns_[i]->Execute(absl::StrCat("USE ", q)).status());
      onlineddl::ExecutorOptions o;
      o.connect = harness::ConnectParamsFor(*instances_[i]);
      o.db = db_;
      o.keyspace = "commerce";
      o.shard = kShardNames[i];
      o.tick = absl::Milliseconds(50);
      o.ready_lag = absl::Seconds(2);
      o.cut_over_backoff = absl::Milliseconds(100);
      o.workflow.copy_batch_rows = 1000;
      o.workflow.copy_phase_duration = absl::Milliseconds(500);
      ASSERT_OK_AND_ASSIGN(shards_[i].executor,
                           onlineddl::Executor::Start(o, Clock::Real()));
      shards_[i].service = std::make_unique<tablet::OnlineDdlService>(
          shards_[i].executor.get(), "commerce", kShardNames[i]);
      grpc::ServerBuilder b;
      b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                         &shards_[i].port);
      b.RegisterService(shards_[i].service.get());
      shards_[i].server = b.BuildAndStart();
      ASSERT_NE(shards_[i].port, 0);
      TopologyShard* s = ks->add_shards();
      s->set_name(kShardNames[i]);
      s->set_tablet(absl::StrCat("127.0.0.1:", shards_[i].port));
    }
  }

  void TearDown() override {
    release_ = true;  // a controller standing still after a decision
    controller_.reset();
    for (Shard& s : shards_) {
      if (s.server) s.server->Shutdown();
      s.executor.reset();
    }
  }

  // Shard `i` served again at its address (stopped first if it runs), by
  // `service` if given.
  void Serve(int i, std::unique_ptr<tablet::OnlineDdlService> service) {
    Shard& shard = shards_[i];
    if (shard.server) shard.server->Shutdown();
    shard.server.reset();
    if (service) shard.service = std::move(service);
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort(absl::StrCat("127.0.0.1:", shard.port),
                       grpc::InsecureServerCredentials(), &port);
    b.RegisterService(shard.service.get());
    shard.server = b.BuildAndStart();
    ASSERT_EQ(port, shard.port);
  }

  ControllerOptions Options() {
    ControllerOptions o;
    o.topology = topology_;
    o.state_dir = state_dir_;
    o.tick = absl::Milliseconds(100);
    o.backoff = absl::Milliseconds(200);
    // Generous: under ASan with the whole suite running a tablet answers
    // slowly (a shard that is down is tested with its own short timeout).
    o.rpc_timeout = absl::Seconds(20);
    return o;
  }
  // Options() with a shard "d0-" added to the keyspace, where nobody
  // answers.
  ControllerOptions OptionsWithAShardAdded() {
    ControllerOptions o = Options();
    TopologyShard* added = o.topology.mutable_keyspaces(0)->add_shards();
    added->set_name("d0-");
    added->set_tablet("127.0.0.1:1");  // nobody there
    return o;
  }
  void StartController(ControllerOptions o) {
    ASSERT_OK_AND_ASSIGN(controller_, Controller::Start(o, Clock::Real()));
  }

  // On every shard: `table` (id, name, val, <extra_column>) with Rows() rows.
  void CreateTable(const std::string& table, const std::string& extra) {
    for (int i = 0; i < kShards; ++i) {
      ASSERT_OK(conns_[i]
                    ->Execute(absl::StrCat(
                        "CREATE TABLE ", table,
                        " (id INT PRIMARY KEY AUTO_INCREMENT, name "
                        "VARCHAR(64) NOT NULL, val INT, ",
                        extra, ")"))
                    .status());
      ASSERT_OK(conns_[i]
                    ->Execute(absl::StrCat(
                        "INSERT INTO ", table,
                        " (name, val) SELECT CONCAT('row', seq), seq FROM "
                        "seq_1_to_",
                        Rows()))
                    .status());
    }
  }

  std::string Value(int shard, const std::string& sql) {
    absl::StatusOr<std::string> v = mysql::QueryValue(*conns_[shard], sql);
    EXPECT_OK(v.status());
    return v.value_or("");
  }
  bool HasColumn(int shard, const std::string& table,
                 const std::string& column) {
    return Value(shard, absl::StrCat("SELECT COUNT(*) FROM "
                                     "information_schema.COLUMNS WHERE "
                                     "TABLE_SCHEMA = DATABASE() AND "
                                     "TABLE_NAME = '",
                                     table, "' AND COLUMN_NAME = '", column,
                                     "'")) == "1";
  }
  std::string Qualified(const std::string& t) {
    return mysql::QuoteQualified(db_, t);
  }

  // Waits until deployment `context` satisfies `done`; fails early when it
  // failed or was cancelled.
  ControllerDeployment WaitDeployment(
      const std::string& context,
      const std::function<bool(const ControllerDeployment&)>& done,
      absl::Duration timeout = absl::Seconds(180)) {
    ControllerDeployment last;
    absl::Status s = WaitFor(
        Clock::Real(), absl::StrCat("deployment ", context),
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(last, controller_->GetDeployment(context));
          if (done(last)) return true;
          if (last.state() == ControllerDeployment::FAILED ||
              last.state() == ControllerDeployment::CANCELLED) {
            return absl::AbortedError(last.message());
          }
          return false;
        },
        WaitOptions{.timeout = timeout,
                    .max_interval = absl::Milliseconds(50)});
    EXPECT_OK(s) << last.DebugString() << ShardStates(last);
    return last;
  }
  // Each shard's view of the deployment's unfinished members (for a
  // failure's message): the migration's stage and the stream's row.
  std::string ShardStates(const ControllerDeployment& d) {
    std::string out;
    for (const DeploymentMember& m : d.members()) {
      if (m.done()) continue;
      for (int i = 0; i < kShards; ++i) {
        absl::StatusOr<onlineddl::Migration> g =
            shards_[i].executor->Get(m.uuid());
        absl::StrAppend(&out, kShardNames[i], " ", m.table(), ": ");
        if (!g.ok()) {
          absl::StrAppend(&out, g.status().ToString(), "\n");
          continue;
        }
        absl::StrAppend(&out, g->status, ", ready ", g->ready_to_complete,
                        ", stage \"", g->stage, "\", message \"", g->message,
                        "\"\n");
        absl::StatusOr<mysql::Result> r = conns_[i]->Execute(absl::StrCat(
            "SELECT state, pos, message, time_updated, @@gtid_binlog_pos "
            "FROM _vt.vreplication WHERE workflow = ",
            mysql::QuoteString(m.uuid())));
        if (!r.ok()) continue;
        for (const mysql::Row& row : r->rows) {
          absl::StrAppend(&out, "  stream ", row.Get(0), " at ", row.Get(1),
                          " (binlog at ", row.Get(4), "), updated ", row.Get(3),
                          ": ", row.Get(2), "\n");
        }
      }
    }
    // The servers' binlog dump threads (the streams' sources).
    for (int i = 0; i < kShards; ++i) {
      absl::StatusOr<mysql::Result> r = conns_[i]->Execute(
          "SELECT ID, COMMAND, TIME, IFNULL(STATE, ''), IFNULL(INFO, '') "
          "FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog%' "
          "OR STATE LIKE '%lock%'");
      if (!r.ok()) continue;
      for (const mysql::Row& row : r->rows) {
        absl::StrAppend(&out, kShardNames[i], " thread ", row.Get(0), " ",
                        row.Get(1), " ", row.Get(2), "s: ", row.Get(3), " ",
                        row.Get(4).substr(0, 200), "\n");
      }
    }
    return out;
  }
  // Waits until deployment `context` has failed.
  ControllerDeployment WaitFailed(const std::string& context) {
    ControllerDeployment d;
    EXPECT_OK(WaitFor(
        Clock::Real(), absl::StrCat("deployment ", context, " to fail"),
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(d, controller_->GetDeployment(context));
          return d.state() == ControllerDeployment::FAILED;
        },
        WaitOptions{.timeout = absl::Seconds(120)}));
    return d;
  }
  ControllerDeployment WaitCancelled(const std::string& context) {
    return WaitDeployment(
        context,
        [](const ControllerDeployment& d) {
          return d.state() == ControllerDeployment::CANCELLED;
        },
        absl::Seconds(60));
  }
  ControllerDeployment WaitComplete(const std::string& context) {
    return WaitDeployment(context, [](const ControllerDeployment& d) {
      return d.state() == ControllerDeployment::COMPLETE;
    });
  }
  // Waits until, on shard `i`, the old table of completed migration `uuid`
  // (kept in sync by its reverse stream) equals the new one on the shared
  // columns: every row reached the new table.
  absl::Status WaitOldTableInSync(int i, const std::string& uuid) {
    SC_ASSIGN_OR_RETURN(onlineddl::Migration m, shards_[i].executor->Get(uuid));
    const std::string artifact = onlineddl::FirstArtifact(m);
    return WaitFor(
        Clock::Real(), "old table in sync",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(
              std::string a,
              Checksum(*conns_[i], Qualified(artifact), "id, name, val"));
          SC_ASSIGN_OR_RETURN(
              std::string b,
              Checksum(*conns_[i], Qualified(m.table), "id, name, val"));
          return a == b;
        },
        WaitOptions{.timeout = absl::Seconds(30)});
  }
  // The RENAMEs in shard `i`'s binlog of this test's database (the shards
  // serve every test of the suite).
  absl::StatusOr<std::vector<std::string>> Renames(int i) {
    SC_ASSIGN_OR_RETURN(std::vector<std::string> all,
                        vreplication::testing::BinlogRenames(*conns_[i]));
    std::vector<std::string> ours;
    const std::string prefix = absl::StrCat(mysql::QuoteIdentifier(db_), ".");
    for (std::string& r : all) {
      if (absl::StrContains(r, prefix)) ours.push_back(std::move(r));
    }
    return ours;
  }
  // ApplySchema of `sql` to keyspace commerce with `strategy`, as
  // deployment `context`.
  absl::StatusOr<vtctldata::ApplySchemaResponse> Apply(
      const std::string& sql, const std::string& strategy,
      const std::string& context) {
    vtctldata::ApplySchemaRequest req;
    req.set_keyspace("commerce");
    req.add_sql(sql);
    req.set_ddl_strategy(strategy);
    req.set_migration_context(context);
    return controller_->ApplySchema(req);
  }

  // Waits until migration `uuid` on shard `i` is ready to complete
  // (`status` empty), or has `status`; a failed one ends the wait.
  absl::Status WaitOn(int i, const std::string& uuid,
                      absl::string_view status = "") {
    return WaitFor(
        Clock::Real(), status.empty() ? "ready" : status,
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                              shards_[i].executor->Get(uuid));
          if (m.status == status) return true;
          if (m.status == onlineddl::kStatusFailed) {
            return absl::InternalError(m.message);
          }
          return status.empty() && m.status == onlineddl::kStatusRunning &&
                 m.ready_to_complete;
        },
        WaitOptions{.timeout = absl::Seconds(120)});
  }

  // Waits until migration `uuid` is ready to complete on every shard.
  void WaitReadyEverywhere(const std::string& uuid) {
    for (int i = 0; i < kShards; ++i) ASSERT_OK(WaitOn(i, uuid));
  }

  // Shard `i`'s binlog holds exactly one RENAME swapping both users and
  // orders (`more` is shown on failure).
  void ExpectOneRenameOfBoth(int i, const std::string& more = "") {
    ASSERT_OK_AND_ASSIGN(std::vector<std::string> renames, Renames(i));
    const int together =
        std::count_if(renames.begin(), renames.end(), [](const std::string& r) {
          return vreplication::testing::TablesRenamed(r, {"users", "orders"}) ==
                 2;
        });
    EXPECT_EQ(together, 1) << kShardNames[i] << ": "
                           << absl::StrJoin(renames, "\n") << "\n"
                           << more;
  }

  // A connection on shard `i` whose open transaction has read `table`: a
  // cut-over there cannot lock the table until it commits.
  absl::StatusOr<std::unique_ptr<mysql::MysqlConnection>> HoldTable(
      int i, const std::string& table) {
    SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> c,
                        harness::ConnectTo(*instances_[i]));
    SC_RETURN_IF_ERROR(c->Execute("BEGIN").status());
    SC_RETURN_IF_ERROR(
        c->Execute(absl::StrCat("SELECT COUNT(*) FROM ", Qualified(table)))
            .status());
    return c;
  }

  // Makes the controller of `o` stand still once it has decided a swap,
  // before telling any shard, until release_ (its next round would finish
  // the swap itself): a controller that died there. decided_ says it did,
  // decided_micros_ when. TearDown releases it.
  void StopAfterDecision(ControllerOptions& o) {
    o.after_decision = [this](const ControllerDeployment&) {
      decided_micros_ = absl::ToUnixMicros(absl::Now());
      decided_ = true;
      while (!release_) absl::SleepFor(absl::Milliseconds(5));
      return absl::AbortedError("simulated controller crash");
    };
  }
  // Waits until `c` (set up by StopAfterDecision) decided deployment
  // `context`'s swap; then no shard has swapped.
  void WaitDecided(Controller& c, const std::string& context) {
    absl::Status s = WaitFor(
        Clock::Real(), "decision",
        [&]() -> absl::StatusOr<bool> { return decided_.load(); },
        WaitOptions{.timeout = absl::Seconds(120)});
    if (!s.ok()) {
      absl::StatusOr<ControllerDeployment> d = c.GetDeployment(context);
      ASSERT_OK(s) << (d.ok() ? d->DebugString() + ShardStates(*d)
                              : d.status().ToString());
    }
    for (int i = 0; i < kShards; ++i) {
      EXPECT_FALSE(HasColumn(i, "users", "extra")) << "nobody was told to swap";
    }
  }
  // Submits `sql` (by default "ALTER TABLE users ADD COLUMN extra INT") as
  // deployment `context` through a controller (options `o`) that dies once
  // it decided the swap; the controller is gone afterwards. The
  // migrations' UUIDs (none after a failure).
  std::vector<std::string> SubmitAndDieAfterDecision(
      ControllerOptions o, const std::string& context,
      const std::string& sql = "ALTER TABLE users ADD COLUMN extra INT",
      const std::string& strategy = "vitess") {
    StopAfterDecision(o);
    StartController(o);
    vtctldata::ApplySchemaRequest req;
    req.set_keyspace("commerce");
    req.add_sql(sql);
    req.set_ddl_strategy(strategy);
    req.set_migration_context(context);
    absl::StatusOr<vtctldata::ApplySchemaResponse> resp =
        controller_->ApplySchema(req);
    EXPECT_OK(resp.status());
    if (resp.ok()) WaitDecided(*controller_, context);
    release_ = true;
    controller_.reset();
    if (!resp.ok() || HasFatalFailure()) return {};
    return {resp->uuid_list().begin(), resp->uuid_list().end()};
  }

  // Submits `sql` (two statements) as deployment `context` with the
  // members' UUIDs `uuids`, through a controller that "dies" once the first
  // member reached every shard; the controller is gone afterwards.
  void SubmitInterrupted(const std::string& sql, const std::string& strategy,
                         const std::string& context,
                         const std::vector<std::string>& uuids) {
    ControllerOptions o = Options();
    o.while_submitting = [](int submitted) {
      return submitted == 1 ? absl::AbortedError("simulated controller crash")
                            : absl::OkStatus();
    };
    StartController(o);
    vtctldata::ApplySchemaRequest req;
    req.set_keyspace("commerce");
    req.add_sql(sql);
    req.set_ddl_strategy(strategy);
    req.set_migration_context(context);
    for (const std::string& u : uuids) req.add_uuid_list(u);
    EXPECT_THAT(controller_->ApplySchema(req).status(),
                StatusIs(absl::StatusCode::kAborted));
    controller_.reset();
  }

  static inline harness::MariaDbInstance* instances_[kShards] = {};
  std::unique_ptr<mysql::MysqlConnection> conns_[kShards];
  Shard shards_[kShards];
  Topology topology_;
  std::string db_;
  std::string state_dir_;
  std::unique_ptr<Controller> controller_;
  std::atomic<bool> decided_{false};
  std::atomic<bool> release_{false};
  std::atomic<int64_t> decided_micros_{0};
};

TEST_F(ControllerTest, GatedTwoTableDeploymentSwapsEveryShardAndReverts) {
  CreateTable("users", "title VARCHAR(32) DEFAULT 'mr'");
  CreateTable("orders", "info VARCHAR(32) DEFAULT 'x'");
  StartController(Options());
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < kShards; ++i) {
    for (const char* t : {"users", "orders"}) {
      writers.push_back(
          std::make_unique<Writer>(harness::ConnectParamsFor(*instances_[i]),
                                   Qualified(t), Rows() + 1000, 100));
      writers.back()->Start();
    }
  }
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql(
      "ALTER TABLE users ADD COLUMN extra INT NOT NULL DEFAULT 7; "
      "ALTER TABLE orders DROP COLUMN info");
  req.set_ddl_strategy("vitess");
  req.set_migration_context("deploy-two-tables");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  // One UUID per statement, the same on every shard.
  vtctldata::GetSchemaMigrationsRequest g;
  g.set_keyspace("commerce");
  g.set_uuid(resp.uuid_list(0));
  ASSERT_OK_AND_ASSIGN(vtctldata::GetSchemaMigrationsResponse all,
                       controller_->GetSchemaMigrations(g));
  EXPECT_EQ(all.migrations_size(), kShards);

  ControllerDeployment d = WaitComplete("deploy-two-tables");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_FALSE(HasColumn(i, "orders", "info")) << kShardNames[i];
  }
  ASSERT_EQ(d.members_size(), 2);
  for (const DeploymentMember& m : d.members()) {
    EXPECT_TRUE(m.done());
    EXPECT_GT(m.first_swap_micros(), 0);
    std::cerr << "cross-shard swap of " << m.table() << ": skew "
              << m.skew_micros() / 1000.0 << " ms, max write stall "
              << m.max_stall_micros() / 1000.0 << " ms, attempts "
              << m.attempts() << "\n";
    EXPECT_LT(m.skew_micros(), 2000000) << m.table();
  }
  std::cerr << "first to last change across tables and shards: "
            << (d.members(1).last_swap_micros() -
                d.members(0).first_swap_micros()) /
                   1000.0
            << " ms\n";
  for (auto& w : writers) ASSERT_OK(w->Stop());  // no write failed
  // Both ALTERs were ready together: on each shard one RENAME swapped both.
  for (int i = 0; i < kShards; ++i) {
    ExpectOneRenameOfBoth(i, d.DebugString());
  }

  // Every row reached the new tables (the old ones, kept in sync by the
  // reverse streams, are compared on the shared columns).
  for (int i = 0; i < kShards; ++i) {
    for (int k = 0; k < 2; ++k) {
      ASSERT_OK(WaitOldTableInSync(i, d.members(k).uuid()));
    }
  }
  // Rows written after the deployment survive its revert.
  std::vector<std::string> before;
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(conns_[i]
                  ->Execute("INSERT INTO users (name, val, extra) VALUES "
                            "('Savannah', 1, 9)")
                  .status());
    ASSERT_OK_AND_ASSIGN(std::string c, Checksum(*conns_[i], Qualified("users"),
                                                 "id, name, val"));
    before.push_back(c);
  }
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       controller_->RevertDeployment("deploy-two-tables"));
  ControllerDeployment r = WaitComplete(revert);
  EXPECT_EQ(r.reverts(), "deploy-two-tables");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "info")) << kShardNames[i];
    EXPECT_EQ(Value(i, "SELECT COUNT(*) FROM users WHERE name = 'Savannah'"),
              "1");
    ASSERT_OK_AND_ASSIGN(
        std::string after,
        Checksum(*conns_[i], Qualified("users"), "id, name, val"));
    EXPECT_EQ(after, before[i]) << kShardNames[i];
  }
}

TEST_F(ControllerTest, NothingIsAppliedUntilEveryAlterIsReadyEverywhere) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  StartController(Options());
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql(
      "CREATE TABLE coupons (id INT PRIMARY KEY); "
      "ALTER TABLE users ADD COLUMN extra INT; "
      "ALTER TABLE orders ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess");
  req.set_migration_context("gated");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  ASSERT_EQ(resp.uuid_list_size(), 3);
  // orders never gets ready on the last shard while throttled.
  ASSERT_OK(shards_[3].executor->Throttle(resp.uuid_list(2), 1.0).status());
  WaitReadyEverywhere(resp.uuid_list(1));
  ControllerDeployment d = WaitDeployment("gated", [](const auto& d) {
    return d.message().find("1 of 2") != std::string::npos;
  });
  absl::SleepFor(absl::Seconds(1));  // several gate rounds
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'coupons'"),
              "0")
        << kShardNames[i];
  }
  ASSERT_OK(shards_[3].executor->Throttle(resp.uuid_list(2), 0).status());
  d = WaitComplete("gated");
  EXPECT_TRUE(d.gate_open());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "coupons", "id")) << kShardNames[i];
  }
}

// --declarative through the controller: every shard plans the desired
// schema against its own; the plan they share is deployed as one gated
// deployment (an ALTER cut over everywhere together, a CREATE applied at
// the gate). Shards whose schemas differ are refused before anything runs,
// and a schema already as desired deploys nothing.
TEST_F(ControllerTest, DeclarativeDeploymentsArePlannedOnEveryShard) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  const std::string desired =
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name "
      "VARCHAR(64) NOT NULL, val INT, title VARCHAR(32), extra INT); "
      "CREATE TABLE coupons (id INT PRIMARY KEY)";
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql(desired);
  req.set_ddl_strategy("vitess --declarative");
  req.set_migration_context("declared");

  // One shard has the column already: it would change differently.
  ASSERT_OK(
      conns_[2]->Execute("ALTER TABLE users ADD COLUMN extra INT").status());
  EXPECT_THAT(
      controller_->ApplySchema(req).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("schemas differ"), HasSubstr(kShardNames[2]))));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_EQ(Value(i, "SELECT COUNT(*) FROM _vt.schema_migrations"), "0")
        << kShardNames[i];
  }
  EXPECT_FALSE(controller_->GetDeployment("declared").ok());
  ASSERT_OK(conns_[2]->Execute("ALTER TABLE users DROP COLUMN extra").status());

  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  ControllerDeployment d = WaitComplete("declared");
  ASSERT_EQ(d.members_size(), 2);
  // Dependency order from schemadiff; the ALTER went through a shadow and
  // the gate's cut-over, the CREATE was applied at the gate.
  int cut_over = 0;
  for (const DeploymentMember& m : d.members()) {
    cut_over += m.cut_over();
    EXPECT_EQ(m.cut_over(), m.table() == "users") << m.DebugString();
    EXPECT_THAT(m.sql(), Not(HasSubstr("declarative")));
  }
  EXPECT_EQ(cut_over, 1);
  EXPECT_THAT(d.strategy(), Not(HasSubstr("declarative")));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "coupons", "id")) << kShardNames[i];
    EXPECT_EQ(Value(i, "SELECT COUNT(*) FROM users"), std::to_string(Rows()))
        << kShardNames[i];
  }
  // Deployed: the same desired schema again changes nothing.
  req.set_migration_context("declared-again");
  ASSERT_OK_AND_ASSIGN(resp, controller_->ApplySchema(req));
  EXPECT_EQ(resp.uuid_list_size(), 0);
  EXPECT_FALSE(controller_->GetDeployment("declared-again").ok());

  // The whole schema: the table it leaves out is dropped on every shard.
  vtctldata::ApplySchemaRequest whole;
  whole.set_keyspace("commerce");
  whole.add_sql(
      "CREATE TABLE users (id INT PRIMARY KEY AUTO_INCREMENT, name "
      "VARCHAR(64) NOT NULL, val INT, title VARCHAR(32), extra INT)");
  whole.set_migration_context("whole");
  // Only through online DDL: the direct strategy would run the CREATE as
  // it is, the mysql one has no gate.
  for (const char* strategy : {"direct --declarative --whole-schema",
                               "mysql --declarative --whole-schema"}) {
    whole.set_ddl_strategy(strategy);
    EXPECT_THAT(controller_->ApplySchema(whole).status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("use 'vitess' strategy")))
        << strategy;
  }
  whole.set_ddl_strategy("vitess --declarative --whole-schema");
  ASSERT_OK_AND_ASSIGN(resp, controller_->ApplySchema(whole));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  d = WaitComplete("whole");
  ASSERT_EQ(d.members_size(), 1);
  EXPECT_EQ(d.members(0).table(), "coupons");
  EXPECT_THAT(d.members(0).sql(), HasSubstr("DROP TABLE"));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'coupons'"),
              "0")
        << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A deployment's members move only through its gate: COMPLETE CONTEXT is
// the deployment's complete; a complete of one shard, or a postpone,
// naming a member is refused (each tablet would otherwise cut over on its
// own, or one shard alone).
TEST_F(ControllerTest, StatementsNamingADeploymentGoThroughItsGate) {
  CreateTable("gated2", "note VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE gated2 ADD COLUMN extra INT",
                             "vitess --postpone-completion", "by-statement"));
  const std::string uuid = resp.uuid_list(0);
  WaitReadyEverywhere(uuid);
  auto run = [&](const std::string& sql) {
    MigrationCommandRequest c;
    c.set_keyspace("commerce");
    c.set_sql(sql);
    return controller_->ExecuteMigrationCommand(c).status();
  };
  // Tablets compare UUIDs and contexts ignoring case; so does the gate.
  const std::string upper = absl::AsciiStrToUpper(uuid);
  EXPECT_THAT(run("ALTER VITESS_MIGRATION '" + upper +
                  "' COMPLETE VITESS_SHARDS '-40'"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("deployment by-statement")));
  EXPECT_THAT(controller_->Command("launch", "commerce", upper).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("by-statement")));
  EXPECT_THAT(run("ALTER VITESS_MIGRATION '" + uuid + "' POSTPONE COMPLETE"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(run("ALTER VITESS_MIGRATION LAUNCH CONTEXT 'by-statement'"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::SleepFor(absl::Milliseconds(500));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "gated2", "extra")) << kShardNames[i];
  }
  // Named in a request for another keyspace: refused, nothing done.
  for (const std::string& sql :
       {std::string("CANCEL DEPLOYMENT 'by-statement'"),
        std::string("ALTER VITESS_MIGRATION CANCEL CONTEXT 'by-statement'"),
        "REVERT VITESS_MIGRATION '" + uuid + "'"}) {
    MigrationCommandRequest other;
    other.set_keyspace("customer");
    other.set_sql(sql);
    EXPECT_THAT(controller_->ExecuteMigrationCommand(other).status(),
                StatusIs(absl::StatusCode::kNotFound,
                         HasSubstr("is in keyspace commerce")))
        << sql;
  }
  ASSERT_OK_AND_ASSIGN(ControllerDeployment still,
                       controller_->GetDeployment("by-statement"));
  EXPECT_EQ(still.state(), ControllerDeployment::POSTPONED);
  ASSERT_OK(run("ALTER VITESS_MIGRATION COMPLETE CONTEXT 'BY-STATEMENT'"));
  ControllerDeployment d = WaitComplete("by-statement");
  EXPECT_TRUE(d.gate_open());
  ASSERT_EQ(d.members_size(), 1);
  EXPECT_TRUE(d.members(0).commit_decided());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "gated2", "extra")) << kShardNames[i];
  }
}

// A member failing on one shard fails the deployment; its migrations on
// the other shards wait, postponed, holding their table. Cancelling the
// failed deployment stops them, and the table takes new changes again.
TEST_F(ControllerTest, AFailedDeploymentCanBeCancelledEverywhere) {
  CreateTable("uniq", "note VARCHAR(32)");
  // Duplicates on the last shard only: a UNIQUE key fails there.
  ASSERT_OK(
      conns_[kShards - 1]->Execute("UPDATE uniq SET val = 1 WHERE id <= 2"));
  StartController(Options());
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE uniq ADD UNIQUE KEY (val)");
  req.set_ddl_strategy("vitess");
  req.set_migration_context("fails-on-one");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  const std::string uuid = resp.uuid_list(0);
  ControllerDeployment d;
  d = WaitFailed("fails-on-one");
  EXPECT_THAT(d.message(), HasSubstr("cancel the deployment"));
  // Its members left waiting on the other shards show postponed (a DBA
  // must act: --wait ends there), not as the gate's own members would.
  vtctldata::GetSchemaMigrationsRequest g;
  g.set_keyspace("commerce");
  g.set_uuid(uuid);
  ASSERT_OK_AND_ASSIGN(vtctldata::GetSchemaMigrationsResponse got,
                       controller_->GetSchemaMigrations(g));
  int waiting = 0;
  for (const vtctldata::SchemaMigration& m : got.migrations()) {
    if (m.status() == vtctldata::SchemaMigration::FAILED) continue;
    EXPECT_TRUE(m.postpone_completion()) << m.shard();
    ++waiting;
  }
  EXPECT_EQ(waiting, kShards - 1);
  ASSERT_OK(controller_->CancelDeployment("fails-on-one"));
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("fails-on-one"));
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED);
  for (int i = 0; i < kShards - 1; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  // The table takes the same change again, which fails the same way; once
  // the data is fixed, a retry of the failed member retries the deployment
  // (on the shards where it runs on, there is nothing to retry: no error).
  req.set_migration_context("fails-again");
  ASSERT_OK_AND_ASSIGN(resp, controller_->ApplySchema(req));
  const std::string again = resp.uuid_list(0);
  d = WaitFailed("fails-again");
  ASSERT_OK(
      conns_[kShards - 1]->Execute("UPDATE uniq SET val = id WHERE id <= 2"));
  ASSERT_OK(controller_->Command("retry", "commerce", again).status());
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("fails-again"));
  EXPECT_EQ(d.state(), ControllerDeployment::COMPLETING);
  WaitComplete("fails-again");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.STATISTICS "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
                    "'uniq' AND NON_UNIQUE = 0 AND COLUMN_NAME = 'val'"),
              "1")
        << kShardNames[i];
  }
}

// A failed deployment's cancel that a shard refuses (a tablet does while
// it settles a member's operation its restart interrupted, or a cut-over's
// outcome: the member may yet apply there) is not done: the deployment stays
// being cancelled, and the cancel is tried again until that shard takes it. The
// refusal was taken for "ended there already" and the deployment called
// cancelled.
TEST_F(ControllerTest, AFailedDeploymentsCancelAShardRefusesIsTriedAgain) {
  CreateTable("uniq", "note VARCHAR(32)");
  ASSERT_OK(
      conns_[kShards - 1]->Execute("UPDATE uniq SET val = 1 WHERE id <= 2"));
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE uniq ADD UNIQUE KEY (val); CREATE TABLE fresh (id "
            "INT PRIMARY KEY)",
            "vitess", "refused-cancel"));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  const std::string created = resp.uuid_list(1);
  WaitFailed("refused-cancel");
  // Shard 0's tablet refuses to cancel (as one does while it settles an
  // operation its restart interrupted).
  auto refusing = std::make_unique<RefusingCancels>(shards_[0].executor.get(),
                                                    "commerce", kShardNames[0]);
  RefusingCancels* refuser = refusing.get();
  Serve(0, std::move(refusing));
  EXPECT_THAT(controller_->CancelDeployment("refused-cancel"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("settles an interrupted operation")));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("refused-cancel"));
  EXPECT_EQ(d.state(), ControllerDeployment::FAILED);
  EXPECT_TRUE(d.cancel_requested());
  EXPECT_THAT(d.message(),
              HasSubstr(absl::StrCat("(the deployment failed: migration ",
                                     resp.uuid_list(0), " failed on shard ",
                                     kShardNames[kShards - 1])));
  refuser->refuse = false;
  // (Failed until the cancel is done: WaitCancelled would stop there.)
  ASSERT_OK(WaitFor(
      Clock::Real(), "the cancel to finish",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(d, controller_->GetDeployment("refused-cancel"));
        return d.state() == ControllerDeployment::CANCELLED;
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  EXPECT_FALSE(d.cancel_requested());
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(created));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
}

// A direct DDL runs on every shard at once: one shard failing leaves the
// others applied, and the error says where it took effect (the same
// request sent again fails there). It named the failing shard only.
TEST_F(ControllerTest, ADirectDdlFailingOnAShardSaysWhereItApplied) {
  ASSERT_OK(
      conns_[kShards - 1]->Execute("CREATE TABLE made (id INT PRIMARY KEY)"));
  StartController(Options());
  const absl::Status s =
      Apply("CREATE TABLE made (id INT PRIMARY KEY, v INT)", "direct", "")
          .status();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("already exists"));
  EXPECT_THAT(s.message(), HasSubstr("the DDL took effect on shard(s) -40, "
                                     "40-80, 80-c0"));
  for (int i = 0; i < kShards - 1; ++i) {
    EXPECT_TRUE(HasColumn(i, "made", "v")) << kShardNames[i];
  }
}

// A shard whose answer to a direct DDL does not come in time may have
// applied it (it did here): the error says so, not only where it took
// effect, or the shards may differ unknown to the caller.
TEST_F(ControllerTest, AShardWhoseAnswerCameTooLateMayHaveActed) {
  Serve(0, std::make_unique<SlowAnswers>(shards_[0].executor.get(),
                                         absl::Seconds(3)));
  ControllerOptions o = Options();
  o.rpc_timeout = absl::Seconds(1);
  StartController(o);
  const absl::Status s =
      Apply("CREATE TABLE slow (id INT PRIMARY KEY)", "direct", "").status();
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(s.message(), HasSubstr("the DDL took effect on shard(s) 40-80, "
                                     "80-c0, c0-"));
  EXPECT_THAT(s.message(),
              HasSubstr("shard(s) -40 did not answer in time: the DDL may "
                        "have taken effect there too"));
  EXPECT_TRUE(HasColumn(0, "slow", "id"));
  // So does any command the shards answer (here a throttle, which did take
  // effect there).
  ThrottleRequest t;
  t.set_keyspace("commerce");
  t.set_uuid("all");
  const absl::Status throttled = controller_->Throttle(t, false).status();
  EXPECT_THAT(throttled.message(),
              HasSubstr("the throttle took effect on shard(s) 40-80, 80-c0, "
                        "c0-; shard(s) -40 did not answer in time: the "
                        "throttle may have taken effect there too"));
}

// A retry a shard refuses (a newer --in-order-completion migration of the
// table runs there, and would wait for the retried one forever) fails
// with the shard's reason and leaves the deployment as it was, cancelled
// everywhere: the refusal was taken for "nothing to retry there", the
// other shards ran the change again and the deployment was "retried".
TEST_F(ControllerTest, ARetryAShardRefusesSaysWhyAndChangesNothing) {
  CreateTable("uniq", "note VARCHAR(32)");
  ASSERT_OK(
      conns_[kShards - 1]->Execute("UPDATE uniq SET val = 1 WHERE id <= 2"));
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE uniq ADD UNIQUE KEY (val)", "vitess",
                             "refused-retry"));
  const std::string uuid = resp.uuid_list(0);
  WaitFailed("refused-retry");
  ASSERT_OK(controller_->CancelDeployment("refused-retry"));
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> newer,
      shards_[kShards - 1].executor->Submit(
          "ALTER TABLE uniq ADD COLUMN z INT",
          "vitess --postpone-completion --in-order-completion", ""));
  ASSERT_OK(WaitOn(kShards - 1, newer[0]));
  EXPECT_THAT(controller_->Command("retry", "commerce", uuid).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--in-order-completion")));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("refused-retry"));
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_TRUE(m.status == onlineddl::kStatusCancelled ||
                m.status == onlineddl::kStatusFailed)
        << kShardNames[i] << ": " << m.status;
  }
  ASSERT_OK(shards_[kShards - 1].executor->Cancel(newer[0]).status());
}

// A migration the controller does not track (submitted to the tablets
// directly, one UUID on every shard): a retry some shards took and one
// refused says where it runs again.
TEST_F(ControllerTest, ARetryRefusedOnOneShardSaysWhereItRunsAgain) {
  CreateTable("uniq", "note VARCHAR(32)");
  const std::string uuid = onlineddl::CreateMigrationUuid();
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(conns_[i]->Execute("UPDATE uniq SET val = 1 WHERE id <= 2"));
    ASSERT_OK(shards_[i]
                  .executor
                  ->Submit("ALTER TABLE uniq ADD UNIQUE KEY (val)", "vitess",
                           "", uuid)
                  .status());
  }
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(WaitOn(i, uuid, onlineddl::kStatusFailed));
  }
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> newer,
      shards_[kShards - 1].executor->Submit(
          "ALTER TABLE uniq ADD COLUMN z INT",
          "vitess --postpone-completion --in-order-completion", ""));
  ASSERT_OK(WaitOn(kShards - 1, newer[0]));
  StartController(Options());
  std::vector<std::string> others;
  for (int i = 0; i + 1 < kShards; ++i) others.push_back(kShardNames[i]);
  EXPECT_THAT(
      controller_->Command("retry", "commerce", uuid).status(),
      StatusIs(
          absl::StatusCode::kFailedPrecondition,
          AllOf(HasSubstr("--in-order-completion"),
                HasSubstr(absl::StrCat("the retry took effect on shard(s) ",
                                       absl::StrJoin(others, ", "),
                                       ", where it runs again")))));
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    if (i + 1 < kShards) {
      EXPECT_GE(m.retries, 1) << kShardNames[i];
    } else {
      EXPECT_EQ(m.status, onlineddl::kStatusFailed);
      EXPECT_EQ(m.retries, 0);
    }
  }
  ASSERT_OK(shards_[kShards - 1].executor->Cancel(newer[0]).status());
}

// A cancel is recorded before any shard hears of it. A controller that dies
// right after (as a leader deposed mid-cancel would: its fenced write
// fails, and it tells no shard) leaves the cancel to its successor, which
// cancels on every shard rather than go on with the deployment (it used to
// find it postponed, as if never cancelled, and could swap it).
TEST_F(ControllerTest, AnInterruptedCancelIsFinishedByTheSuccessor) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.while_cancelling = [](const ControllerDeployment&) {
    return absl::AbortedError("simulated controller crash");
  };
  StartController(o);
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "cancelled-late"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  const std::string uuid = resp.uuid_list(0);
  EXPECT_THAT(controller_->CancelDeployment("cancelled-late"),
              StatusIs(absl::StatusCode::kAborted));
  controller_.reset();
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_NE(m.status, onlineddl::kStatusCancelled)
        << kShardNames[i] << ": no shard was told";
  }
  StartController(Options());
  ControllerDeployment d = WaitCancelled("cancelled-late");
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED) << d.DebugString();
  EXPECT_FALSE(d.cancel_requested());
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A cancel that reached only some shards (one was down) finishes once that
// shard is back: the shards that had it answered "cancelled" to every
// later try, which counted as a failure, and the deployment stayed "being
// cancelled" for good.
TEST_F(ControllerTest, ACancelThatReachedSomeShardsFinishesOnceTheRestAreBack) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.rpc_timeout = absl::Seconds(3);
  StartController(o);
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "partly"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  const std::string uuid = resp.uuid_list(0);
  Shard& last = shards_[kShards - 1];
  last.server->Shutdown();
  last.server.reset();
  // Completed first (its gate cannot act while the shard is down).
  ASSERT_OK(controller_->CompleteDeployment("partly"));
  EXPECT_THAT(controller_->CancelDeployment("partly"),
              StatusIs(absl::StatusCode::kUnavailable));
  // Until every shard has the cancel, a retry is refused (the cancel's
  // next round would cancel what it requeued), changing nothing; so is a
  // complete (it answered OK, and the deployment then ended cancelled).
  EXPECT_THAT(controller_->Command("retry", "commerce", uuid).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is being cancelled")));
  EXPECT_THAT(controller_->CompleteDeployment("partly"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is being cancelled")));
  for (int i = 0; i < kShards - 1; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  Serve(kShards - 1, nullptr);
  ControllerDeployment d = WaitCancelled("partly");
  EXPECT_FALSE(d.cancel_requested());
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration m, last.executor->Get(uuid));
  EXPECT_EQ(m.status, onlineddl::kStatusCancelled);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A controller that lost its leadership and won it again while it worked
// saves nothing from the earlier term (its state is stale: another leader
// may have saved since; the store's fence holds for the new term): the
// round ends Aborted, and the next one, reloaded, finishes the cancel.
TEST_F(ControllerTest, StateFromAnEarlierTermIsNotSaved) {
  CreateTable("users", "title VARCHAR(32)");
  std::atomic<int64_t> term{1};
  ControllerOptions o = Options();
  o.leader_term = [&term]() -> int64_t { return term.load(); };
  o.while_cancelling = [&term](const ControllerDeployment&) {
    term = 2;  // lost and won again meanwhile
    return absl::OkStatus();
  };
  StartController(o);
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "two-terms"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  EXPECT_THAT(
      controller_->CancelDeployment("two-terms"),
      StatusIs(absl::StatusCode::kAborted, HasSubstr("leadership changed")));
  ControllerDeployment d = WaitCancelled("two-terms");
  EXPECT_FALSE(d.cancel_requested());
}

// The controller sends its leadership term with every prepare and commit:
// once it has cut over, a deposed controller (an older term) can no longer
// abort or commit cut-overs on those tablets.
TEST_F(ControllerTest, TabletsRefuseCutOverRequestsOfAnOlderTerm) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.leader_term = []() -> int64_t { return 9; };
  StartController(o);
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE users ADD COLUMN extra INT", "vitess", "fenced"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  WaitComplete("fenced");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_THAT(shards_[i].executor->AbortCutOver(resp.uuid_list(0), 8),
                StatusIs(absl::StatusCode::kAborted, HasSubstr("of term 9")))
        << kShardNames[i];
    EXPECT_OK(shards_[i].executor->AbortCutOver(resp.uuid_list(0), 9))
        << kShardNames[i];
  }
}

// A member completed on one shard directly (a command to its tablet) has
// swapped there: a cancel of its deployment is refused, naming it, and
// cancels nothing (it cancelled the other shards, which then differed);
// completing the deployment takes it forward everywhere.
TEST_F(ControllerTest, ADeploymentCompletedOnAShardDirectlyIsNotCancelled) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "direct"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  const std::string uuid = resp.uuid_list(0);
  WaitReadyEverywhere(uuid);
  ASSERT_OK(shards_[0].executor->Complete(uuid).status());
  ASSERT_OK(WaitFor(Clock::Real(), "complete on the first shard",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                                          shards_[0].executor->Get(uuid));
                      return m.status == onlineddl::kStatusComplete;
                    }));
  EXPECT_THAT(controller_->CancelDeployment("direct"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("member ", uuid,
                                              " (users) is complete on shard ",
                                              kShardNames[0]))));
  for (int i = 1; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusRunning) << kShardNames[i];
  }
  ASSERT_OK(controller_->CompleteDeployment("direct"));
  WaitComplete("direct");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// The same for a failed deployment: cancelling it stops what still runs,
// and one member completed on a shard directly leaves it failed, saying
// where (it was called cancelled "on every shard", that shard swapped).
TEST_F(ControllerTest, AFailedDeploymentCompletedOnAShardDirectlyStaysFailed) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "note VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE users ADD COLUMN extra INT; ALTER TABLE orders ADD "
            "COLUMN more INT",
            "vitess --postpone-completion", "direct-failed"));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  const std::string users = resp.uuid_list(0);
  const std::string orders = resp.uuid_list(1);
  WaitReadyEverywhere(users);
  ASSERT_OK(shards_[0].executor->Complete(users).status());
  ASSERT_OK(WaitFor(Clock::Real(), "complete on the first shard",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                                          shards_[0].executor->Get(users));
                      return m.status == onlineddl::kStatusComplete;
                    }));
  ASSERT_OK(shards_[1].executor->Cancel(orders).status());
  ASSERT_OK(controller_->CompleteDeployment("direct-failed"));
  WaitFailed("direct-failed");
  // The cancel takes two rounds (a shard refuses it at first): the
  // failure's reason is still said at the end.
  auto refusing = std::make_unique<RefusingCancels>(shards_[2].executor.get(),
                                                    "commerce", kShardNames[2]);
  RefusingCancels* refuser = refusing.get();
  Serve(2, std::move(refusing));
  const std::string failure = absl::StrCat(
      "migration ", orders, " was cancelled on shard ", kShardNames[1]);
  EXPECT_THAT(controller_->CancelDeployment("direct-failed"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("direct-failed"));
  EXPECT_THAT(d.message(), HasSubstr("cancel incomplete: "));
  EXPECT_THAT(d.message(),
              HasSubstr(absl::StrCat("(the deployment failed: ", failure)));
  refuser->refuse = false;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the cancel to finish",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(d, controller_->GetDeployment("direct-failed"));
        return !d.cancel_requested();
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  EXPECT_EQ(d.state(), ControllerDeployment::FAILED) << d.DebugString();
  EXPECT_THAT(d.message(), ::testing::StartsWith(failure));
  EXPECT_THAT(
      d.message(),
      HasSubstr(absl::StrCat("completed directly, so the shards "
                             "differ: ",
                             users, " (users) on shard(s) ", kShardNames[0])));
  for (int i = 1; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(users));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  // Retried, as its message says, it goes forward at once (the retry put
  // it back to postponed, the shards differing until another complete).
  ASSERT_OK(controller_->Command("retry", "commerce", users).status());
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("direct-failed"));
  ASSERT_EQ(d.state(), ControllerDeployment::COMPLETING) << d.DebugString();
  d = WaitComplete("direct-failed");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "more")) << kShardNames[i];
  }
}

// A revert of a deployment whose cancel has not reached every shard yet
// is refused and applies nothing: its gate stays shut until the cancel is
// done. It used to open the gate and launch the deployment's CREATE on
// every shard, after which the cancel could never finish.
// A revert asked for again with the UUID of one that failed (a shard
// refused it) is refused, saying so: it answered "done" and ran nothing.
TEST_F(ControllerTest, ARevertAskedAgainAfterItFailedIsNotTakenForDone) {
  CreateTable("rv", "title VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE rv ADD COLUMN extra INT", "vitess", "to-revert"));
  const std::string uuid = resp.uuid_list(0);
  WaitComplete("to-revert");
  // A later change of the table on one shard: its revert is refused there.
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> later,
      shards_[0].executor->Submit("ALTER TABLE rv ADD COLUMN later INT",
                                  "vitess", ""));
  ASSERT_OK(WaitFor(Clock::Real(), "the later change on shard 0",
                    [&]() -> absl::StatusOr<bool> {
                      SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                                          shards_[0].executor->Get(later[0]));
                      return m.status == onlineddl::kStatusComplete;
                    }));
  const std::string revert_uuid = onlineddl::CreateMigrationUuid();
  MigrationCommandRequest c;
  c.set_keyspace("commerce");
  c.set_sql("REVERT VITESS_MIGRATION '" + uuid + "'");
  c.set_uuid(revert_uuid);
  EXPECT_FALSE(controller_->ExecuteMigrationCommand(c).ok());
  EXPECT_THAT(
      controller_->ExecuteMigrationCommand(c).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("failed")));
  for (int i = 1; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "rv", "extra")) << kShardNames[i];
  }
}

TEST_F(ControllerTest, ARevertWhileACancelIsPendingAppliesNothing) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.while_cancelling = [](const ControllerDeployment&) {
    return absl::UnavailableError("simulated: no shard answers");
  };
  StartController(o);
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("CREATE TABLE coupons (id INT PRIMARY KEY); "
            "ALTER TABLE users ADD COLUMN extra INT",
            "vitess --postpone-completion", "cancel-then-revert"));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  const std::string uuid = resp.uuid_list(1);  // the ALTER
  WaitReadyEverywhere(uuid);
  // Completing, but held back by one shard (throttled there) ...
  ASSERT_OK(shards_[3].executor->Throttle(uuid, 1.0).status());
  ASSERT_OK(WaitFor(
      Clock::Real(), "not ready on the throttled shard",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                            shards_[3].executor->Get(uuid));
        return !m.ready_to_complete;
      },
      WaitOptions{.timeout = absl::Seconds(30)}));
  ASSERT_OK(controller_->CompleteDeployment("cancel-then-revert"));
  // ... when its cancel is asked for and reaches no shard.
  EXPECT_THAT(controller_->CancelDeployment("cancel-then-revert"),
              StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_OK(shards_[3].executor->Throttle(uuid, 0).status());
  WaitReadyEverywhere(uuid);
  EXPECT_THAT(controller_->RevertDeployment("cancel-then-revert"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is being cancelled")));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("cancel-then-revert"));
  EXPECT_TRUE(d.cancel_requested());
  for (const DeploymentMember& m : d.members()) {
    EXPECT_FALSE(m.commit_decided()) << d.DebugString();
  }
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'coupons'"),
              "0")
        << kShardNames[i];
  }
}

// A batch mixing migration commands and DDL is checked whole before any of
// it runs, and with one UUID per SQL entry each entry keeps its own.
TEST_F(ControllerTest, MixedBatchesAreCheckedWholeFirst) {
  CreateTable("mixed1", "note VARCHAR(32)");
  CreateTable("mixed2", "note VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse r1,
                       Apply("ALTER TABLE mixed1 ADD COLUMN extra INT",
                             "vitess --postpone-completion", "mixed-first"));
  WaitReadyEverywhere(r1.uuid_list(0));
  vtctldata::ApplySchemaRequest bad;
  bad.set_keyspace("commerce");
  bad.add_sql("ALTER VITESS_MIGRATION COMPLETE CONTEXT 'mixed-first'");
  bad.add_sql("ALTER TABLE mixed2 ADD");
  bad.set_ddl_strategy("vitess");
  EXPECT_THAT(
      controller_->ApplySchema(bad).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("syntax error")));
  absl::SleepFor(absl::Milliseconds(500));
  // A context already taken is found before the batch's commands run.
  bad.clear_sql();
  bad.add_sql("ALTER VITESS_MIGRATION COMPLETE CONTEXT 'mixed-first'");
  bad.add_sql("ALTER TABLE mixed2 ADD COLUMN other INT");
  bad.set_migration_context("mixed-first");
  EXPECT_THAT(controller_->ApplySchema(bad).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
  absl::SleepFor(absl::Milliseconds(500));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("mixed-first"));
  EXPECT_EQ(d.state(), ControllerDeployment::POSTPONED) << d.message();
  const std::string u = "1a2b3c4d_5e6f_11ee_8c99_0242ac120031";
  vtctldata::ApplySchemaRequest mixed;
  mixed.set_keyspace("commerce");
  mixed.add_sql("ALTER VITESS_MIGRATION COMPLETE CONTEXT 'mixed-first'");
  mixed.add_sql("ALTER TABLE mixed2 ADD COLUMN extra INT");
  mixed.add_uuid_list("");
  mixed.add_uuid_list(u);
  mixed.set_ddl_strategy("vitess");
  mixed.set_migration_context("mixed-second");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse r2,
                       controller_->ApplySchema(mixed));
  ASSERT_EQ(r2.uuid_list_size(), 1);
  EXPECT_EQ(r2.uuid_list(0), u);
  WaitComplete("mixed-first");
  WaitComplete("mixed-second");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "mixed1", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "mixed2", "extra")) << kShardNames[i];
  }
}

// Deployments saved in memory, the next save failing on request (an etcd
// blip, a full disk), or saved with its answer lost (a timeout).
class FlakyStore final : public StateStore {
 public:
  absl::Status Save(const ControllerDeployment& d) override {
    if (fail_next_.exchange(false)) {
      return absl::InternalError("test: the store could not write it");
    }
    absl::MutexLock lock(&mu_);
    saved_[d.context()] = d;
    if (land_next_.exchange(false)) {
      return absl::DeadlineExceededError("test: the store's answer was lost");
    }
    return absl::OkStatus();
  }
  absl::Status Create(const ControllerDeployment& d) override {
    {
      absl::MutexLock lock(&mu_);
      if (saved_.count(d.context()) > 0) {
        return absl::AlreadyExistsError("test: already saved");
      }
    }
    return Save(d);
  }
  absl::StatusOr<std::vector<ControllerDeployment>> LoadAll() override {
    absl::MutexLock lock(&mu_);
    std::vector<ControllerDeployment> all;
    for (const auto& [context, d] : saved_) all.push_back(d);
    SortDeployments(all);
    return all;
  }
  std::atomic<bool> fail_next_{false};
  std::atomic<bool> land_next_{false};

 private:
  absl::Mutex mu_;
  std::map<std::string, ControllerDeployment> saved_;
};

// ALTER TABLE saved ADD COLUMN extra INT, as deployment `context`.
vtctldata::ApplySchemaRequest AlterSaved(const std::string& context) {
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE saved ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess");
  req.set_migration_context(context);
  return req;
}

// An ApplySchema whose deployment could not be saved fails, and nothing of
// it runs later (it stayed in memory, and the next round submitted it).
TEST_F(ControllerTest, ADeploymentThatCannotBeSavedIsNotSubmittedLater) {
  CreateTable("saved", "note VARCHAR(32)");
  auto store = std::make_shared<FlakyStore>();
  ControllerOptions o = Options();
  o.store = store;
  StartController(o);
  const vtctldata::ApplySchemaRequest req = AlterSaved("unsaved");
  store->fail_next_ = true;
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("the store could not write it")));
  absl::SleepFor(absl::Seconds(1));  // several controller rounds
  EXPECT_THAT(controller_->GetDeployment("unsaved").status(),
              StatusIs(absl::StatusCode::kNotFound));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "saved", "extra")) << kShardNames[i];
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM _vt.schema_migrations WHERE "
                    "migration_context = 'unsaved'"),
              "0")
        << kShardNames[i];
  }
  // The same request goes through once the store answers.
  ASSERT_OK(controller_->ApplySchema(req).status());
  WaitComplete("unsaved");
}

// A deployment whose save got no answer may have been saved all the same
// (etcd applies a write whose answer timed out): it is recorded cancelled,
// so that no leader submits what the caller was told failed. A successor
// loading it submitted it.
TEST_F(ControllerTest, ADeploymentWhoseSaveGotNoAnswerIsRecordedCancelled) {
  CreateTable("saved", "note VARCHAR(32)");
  auto store = std::make_shared<FlakyStore>();
  ControllerOptions o = Options();
  o.store = store;
  o.tick = absl::Hours(1);  // rounds run below, by hand
  StartController(o);
  const vtctldata::ApplySchemaRequest req = AlterSaved("unanswered");
  store->land_next_ = true;
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("it is recorded as cancelled")));
  // A successor takes over from the store.
  controller_.reset();
  StartController(o);
  for (int round = 0; round < 3; ++round) EXPECT_OK(controller_->Tick());
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("unanswered"));
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED);
  EXPECT_FALSE(d.submission_pending());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM _vt.schema_migrations WHERE "
                    "migration_context = 'unanswered'"),
              "0")
        << kShardNames[i];
  }
  // Its context is taken.
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
}

// A complete whose record cannot be saved fails and is not acted on: the
// gate cut the deployment over though the DBA was told the complete
// failed.
TEST_F(ControllerTest, ACompleteThatCannotBeSavedIsNotActedOn) {
  CreateTable("saved", "note VARCHAR(32)");
  auto store = std::make_shared<FlakyStore>();
  ControllerOptions o = Options();
  o.store = store;
  o.tick = absl::Hours(1);  // rounds run below, by hand
  StartController(o);
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE saved ADD COLUMN extra INT",
            "vitess --postpone-completion", "unsaved-complete"));
  WaitReadyEverywhere(resp.uuid_list(0));
  store->fail_next_ = true;
  EXPECT_THAT(controller_->CompleteDeployment("unsaved-complete"),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("the store could not write it")));
  // Gate rounds (one that takes the deployment up cuts it over within).
  for (int round = 0; round < 3; ++round) EXPECT_OK(controller_->Tick());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "saved", "extra")) << kShardNames[i];
  }
  ASSERT_OK(controller_->CompleteDeployment("unsaved-complete"));
  ASSERT_OK(WaitFor(
      Clock::Real(), "the deployment to complete, round by round",
      [&]() -> absl::StatusOr<bool> {
        controller_->Tick().IgnoreError();  // a shard may be busy a round
        SC_ASSIGN_OR_RETURN(ControllerDeployment d,
                            controller_->GetDeployment("unsaved-complete"));
        return d.state() == ControllerDeployment::COMPLETE;
      },
      WaitOptions{.timeout = absl::Seconds(120)}));
}

// The strategy is read as the tablets read it: "Vitess" is vitess (its
// CREATE waited for nothing before). A `mysql` deployment's ALTERs are
// launched by the gate, in order, on every shard.
TEST_F(ControllerTest, DeploymentStrategiesAreReadAsTheTabletsReadThem) {
  CreateTable("items", "note VARCHAR(32)");
  CreateTable("items2", "note VARCHAR(32)");
  StartController(Options());
  struct Case {
    const char* context;
    const char* strategy;
    const char* sql;
  };
  const Case cases[] = {
      {"capital", "Vitess --postpone-completion",
       "CREATE TABLE vouchers (id INT PRIMARY KEY); ALTER TABLE items ADD "
       "COLUMN extra INT"},
      {"mysql-gated", "mysql", "ALTER TABLE items2 ADD COLUMN extra INT"},
  };
  for (const Case& c : cases) {
    vtctldata::ApplySchemaRequest req;
    req.set_keyspace("commerce");
    req.add_sql(c.sql);
    req.set_ddl_strategy(c.strategy);
    req.set_migration_context(c.context);
    ASSERT_OK(controller_->ApplySchema(req).status()) << c.strategy;
  }
  absl::SleepFor(absl::Seconds(1));  // an ungated member would run now
  for (int i = 0; i < kShards; ++i) {
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                    "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'vouchers'"),
              "0")
        << kShardNames[i];
  }
  ASSERT_OK(controller_->CompleteDeployment("capital"));
  // An instant ALTER would be applied by each tablet at launch, outside the
  // gate: refused.
  vtctldata::ApplySchemaRequest instant;
  instant.set_keyspace("commerce");
  instant.add_sql("ALTER TABLE items2 ADD COLUMN other INT");
  instant.set_ddl_strategy("vitess --prefer-instant-ddl");
  EXPECT_THAT(controller_->ApplySchema(instant).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--prefer-instant-ddl")));
  for (const Case& c : cases) WaitComplete(c.context);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "vouchers", "id")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "items", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "items2", "extra")) << kShardNames[i];
  }
}

TEST_F(ControllerTest, AFailedPrepareAbortsEveryShardAndTheGateRetries) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  StartController(o);
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE users ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess --postpone-completion --cut-over-threshold=5s");
  req.set_migration_context("blocked");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  WaitReadyEverywhere(resp.uuid_list(0));
  // A long transaction on shard 3 holds the table: its prepare cannot lock.
  ASSERT_OK_AND_ASSIGN(auto blocker, HoldTable(2, "users"));
  ASSERT_OK(controller_->CompleteDeployment("blocked"));
  ControllerDeployment d =
      WaitDeployment("blocked", [](const ControllerDeployment& d) {
        return d.members(0).attempts() >= 1;
      });
  // The reason stays with the member (and in the message) while the gate
  // waits for the shards to be ready again.
  EXPECT_THAT(d.members(0).last_failure(), HasSubstr("aborted on every shard"));
  EXPECT_THAT(d.members(0).last_failure(), HasSubstr("shard 80-c0"));
  EXPECT_THAT(d.message(), HasSubstr("aborted on every shard"));
  EXPECT_FALSE(d.members(0).commit_decided());
  // No shard swapped, every shard serves writes, every migration still runs.
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
    if (i != 2) {
      EXPECT_OK(conns_[i]
                    ->Execute("INSERT INTO users (name, val) VALUES ('w', 1)")
                    .status());
    }
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(resp.uuid_list(0)));
    EXPECT_EQ(m.status, onlineddl::kStatusRunning) << kShardNames[i];
  }
  ASSERT_OK(blocker->Execute("COMMIT").status());
  d = WaitComplete("blocked");
  EXPECT_GE(d.members(0).attempts(), 1);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// THROTTLE ALL through the controller reaches every shard and holds the
// migrations submitted there later (the controller refused throttles
// before: not implemented); UNTHROTTLE ALL lets them complete; a UUID no
// shard has is NotFound.
TEST_F(ControllerTest, ThrottleAllReachesEveryShard) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ThrottleRequest t;
  t.set_keyspace("commerce");
  t.set_uuid("all");
  ASSERT_OK(controller_->Throttle(t, /*unthrottle=*/false).status());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT", "vitess",
                             "held-everywhere"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  const std::string uuid = resp.uuid_list(0);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(WaitFor(
        Clock::Real(), "throttled by user",
        [&]() -> absl::StatusOr<bool> {
          SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                              shards_[i].executor->Get(uuid));
          return m.stage == "throttled by user";
        },
        WaitOptions{.timeout = absl::Seconds(60)}))
        << kShardNames[i];
  }
  absl::SleepFor(absl::Seconds(1));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
  ASSERT_OK(controller_->Throttle(t, /*unthrottle=*/true).status());
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(WaitOn(i, uuid, onlineddl::kStatusComplete)) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
  t.set_uuid("5e6f7081_92a3_11ee_8c99_0242ac120002");
  EXPECT_THAT(controller_->Throttle(t, false).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

// After an aborted attempt the first ALTER is ready again everywhere but
// the next one is not on one shard (throttled there): the gate waits for it
// rather than swapping the first alone, and then swaps both in one RENAME
// on every shard.
TEST_F(ControllerTest, ALaterAlterNotReadyIsWaitedForToSwapTogether) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  StartController(o);
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql(
      "ALTER TABLE users ADD COLUMN extra INT; "
      "ALTER TABLE orders ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess --postpone-completion --cut-over-threshold=5s");
  req.set_migration_context("lagging");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  ASSERT_EQ(resp.uuid_list_size(), 2);
  WaitReadyEverywhere(resp.uuid_list(0));
  WaitReadyEverywhere(resp.uuid_list(1));
  // A transaction on shard 80-c0 holds users: the first attempt aborts.
  ASSERT_OK_AND_ASSIGN(auto blocker, HoldTable(2, "users"));
  ASSERT_OK(controller_->CompleteDeployment("lagging"));
  WaitDeployment("lagging", [](const ControllerDeployment& d) {
    return d.members(0).attempts() >= 1;
  });
  // (Refused while a retry holds orders prepared there: tried again.)
  ASSERT_OK(WaitFor(Clock::Real(), "throttle", [&]() -> absl::StatusOr<bool> {
    return shards_[0].executor->Throttle(resp.uuid_list(1), 1).ok();
  }));
  ASSERT_OK(blocker->Execute("COMMIT").status());
  ControllerDeployment d =
      WaitDeployment("lagging", [](const ControllerDeployment& d) {
        // (The other shards' streams restart after the abort: they may
        // show not ready for a moment too.)
        return absl::StrContains(d.message(), "to swap together") &&
               absl::StrContains(d.message(), "ready on 3 of 4 shards");
      });
  absl::SleepFor(absl::Seconds(2));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
  ASSERT_OK(shards_[0].executor->Throttle(resp.uuid_list(1), 0).status());
  d = WaitComplete("lagging");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "extra")) << kShardNames[i];
    ExpectOneRenameOfBoth(i);
  }
}

// Transactions on one shard write orders, then users, the reverse of the
// group's order: that tablet gives up its lock on orders, whose holder
// waits for users (locked just before: a deadlock the server cannot see),
// the attempt aborts everywhere, and the retry locks orders first, which
// such transactions cannot block. Every attempt locked users first before
// (each waiting out the threshold), and the group never swapped.
TEST_F(ControllerTest, AGroupUnderTransactionsWritingItsTablesInReverseSwaps) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  StartController(Options());
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0};
  std::atomic<int64_t> committed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&] {
      auto c = mysql::MysqlConnection::Connect(
          harness::ConnectParamsFor(*instances_[0]));
      if (!c.ok()) return;
      const std::vector<std::string> txn = {
          "START TRANSACTION",
          absl::StrCat("INSERT INTO ", Qualified("orders"),
                       " (name, val) VALUES ('app', 1)"),
          "DO SLEEP(0.002)",
          absl::StrCat("INSERT INTO ", Qualified("users"),
                       " (name, val) VALUES ('app', 1)"),
          "COMMIT"};
      while (!stop) {
        bool ok = true;
        for (const std::string& sql : txn) {
          if (ok) ok = (*c)->Execute(sql).ok();
        }
        if (ok) {
          ++committed;
        } else {
          ++failed;
          (*c)->Execute("ROLLBACK").IgnoreError();
        }
      }
    });
  }
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql(
      "ALTER TABLE users ADD COLUMN extra INT; "
      "ALTER TABLE orders ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess --cut-over-threshold=5s");
  req.set_migration_context("reverse-writers");
  absl::StatusOr<vtctldata::ApplySchemaResponse> resp =
      controller_->ApplySchema(req);
  ControllerDeployment d;
  if (resp.ok()) {
    d = WaitDeployment(
        "reverse-writers",
        [](const ControllerDeployment& d) {
          return d.state() == ControllerDeployment::COMPLETE;
        },
        absl::Seconds(90));
  }
  stop = true;
  for (std::thread& t : writers) t.join();
  ASSERT_OK(resp.status());
  ASSERT_EQ(d.state(), ControllerDeployment::COMPLETE) << d.DebugString();
  EXPECT_GE(d.members(0).attempts(), 1) << "the first attempt did not abort";
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(committed.load(), 0);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "extra")) << kShardNames[i];
    ExpectOneRenameOfBoth(i);
  }
}

// A shard slow to prepare (a transaction holds its table for longer than
// the hold) while the others prepared at once: deciding then would swap it
// alone, the others' holds having expired. Every shard aborts instead and
// the gate retries once the table is free.
TEST_F(ControllerTest, AShardTooSlowToPrepareBeforeTheHoldsEndAbortsAll) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(2);
  StartController(o);
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE users ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess --postpone-completion --cut-over-threshold=30s");
  req.set_migration_context("slow");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       controller_->ApplySchema(req));
  WaitReadyEverywhere(resp.uuid_list(0));
  ASSERT_OK_AND_ASSIGN(auto blocker, HoldTable(2, "users"));
  ASSERT_OK(controller_->CompleteDeployment("slow"));
  // Shard 80-c0's lock waits for the blocker, well past the others' holds.
  absl::SleepFor(absl::Seconds(5));
  ASSERT_OK(blocker->Execute("COMMIT").status());
  ControllerDeployment d = WaitComplete("slow");
  EXPECT_GE(d.members(0).attempts(), 1);
  EXPECT_THAT(d.members(0).last_failure(), HasSubstr("to prepare"));
  EXPECT_THAT(d.members(0).last_failure(), HasSubstr("--prepare_hold_ms"));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

TEST_F(ControllerTest, ARestartedControllerFinishesADecidedSwap) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  // Long enough that the successor finds every shard still prepared.
  o.prepare_hold = absl::Seconds(8);
  // "Dies" with every shard prepared, none told.
  ASSERT_EQ(SubmitAndDieAfterDecision(o, "restarted").size(), 1u);
  ASSERT_OK_AND_ASSIGN(DeploymentStore store,
                       DeploymentStore::Open(state_dir_));
  ASSERT_OK_AND_ASSIGN(std::vector<ControllerDeployment> saved,
                       store.LoadAll());
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_TRUE(saved[0].members(0).commit_decided());
  EXPECT_EQ(saved[0].state(), ControllerDeployment::COMPLETING);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra"));
  }
  // The successor finishes the decided swap on every shard: the shards
  // still prepared (locked, caught up) swap at once, without waiting out
  // their holds with writes stalled (they did, refusing a new prepare).
  StartController(Options());
  ControllerDeployment d = WaitComplete("restarted");
  EXPECT_TRUE(d.members(0).done());
  EXPECT_LT(d.members(0).last_swap_micros() - decided_micros_.load(),
            absl::ToInt64Microseconds(absl::Seconds(8)))
      << d.DebugString();
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// Two ALTERs decided to swap together, whose shards need a new prepare (a
// controller that died once it had decided; the holds ended meanwhile):
// its successor still swaps them in one RENAME per shard. It used to
// finish them member by member, one RENAME each, the tables on a shard
// briefly from different deployments' schemas.
TEST_F(ControllerTest, ADecidedGroupIsFinishedInOneRenamePerShard) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  const std::vector<std::string> uuids =
      SubmitAndDieAfterDecision(o, "group",
                                "ALTER TABLE users ADD COLUMN extra INT; "
                                "ALTER TABLE orders ADD COLUMN extra INT");
  ASSERT_EQ(uuids.size(), 2u);
  for (int i = 0; i < kShards; ++i) {
    for (const std::string& uuid : uuids) {
      ASSERT_OK(shards_[i].executor->AbortCutOver(uuid));
    }
  }
  StartController(Options());
  ControllerDeployment d = WaitComplete("group");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "extra")) << kShardNames[i];
    ExpectOneRenameOfBoth(i, d.DebugString());
  }
}

// A decided swap failing on one shard (its table held there past the
// cut-over threshold) goes on on the other shards: they swap at once,
// while that shard still waits, rather than wait on the old schema until
// it can. The gate used to stop at the first failing shard, every round,
// then to swap the shards one after the other (those after the held one
// waited out its threshold); and reading the deployment waited for the
// round.
TEST_F(ControllerTest, ADecidedSwapFailingOnOneShardGoesOnOnTheOthers) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  const std::vector<std::string> uuids = SubmitAndDieAfterDecision(
      o, "onefails", "ALTER TABLE users ADD COLUMN extra INT",
      "vitess --cut-over-threshold=15s");
  ASSERT_EQ(uuids.size(), 1u);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(shards_[i].executor->AbortCutOver(uuids[0]));
  }
  // Every shard ready again before the successor's first round (on a
  // loaded machine one still catching up was left to the next round,
  // which began only once the held shard's prepare had failed).
  WaitReadyEverywhere(uuids[0]);
  ASSERT_OK_AND_ASSIGN(auto blocker, HoldTable(1, "users"));
  const absl::Time started = absl::Now();
  StartController(Options());
  // Shard 1's prepare waits out its threshold and fails, each attempt,
  // while the blocker holds.
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  bool others = false;
  while (!others && absl::Now() < deadline) {
    others = HasColumn(0, "users", "extra") && HasColumn(2, "users", "extra") &&
             HasColumn(3, "users", "extra");
    if (!others) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(others) << "the other shards did not swap";
  EXPECT_LT(absl::Now() - started, absl::Seconds(11))
      << "the other shards waited for the held one's threshold";
  EXPECT_FALSE(HasColumn(1, "users", "extra"));
  // Shard 1 still prepares (its threshold is 15 s): the round goes on,
  // and the deployment reads without waiting for it.
  const absl::Time asked = absl::Now();
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("onefails"));
  EXPECT_LT(absl::Now() - asked, absl::Seconds(2));
  EXPECT_EQ(d.context(), "onefails");
  ASSERT_OK(WaitFor(
      Clock::Real(), "the held shard's attempt to fail",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(d, controller_->GetDeployment("onefails"));
        return absl::StrContains(d.members(0).last_failure(), kShardNames[1]);
      },
      WaitOptions{.timeout = absl::Seconds(40)}));
  ASSERT_OK(blocker->Execute("COMMIT").status());
  d = WaitComplete("onefails");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A decided swap goes on on the shards that answer while one is down
// (its tablet stopped): they swap at once, and the one down swaps once it
// is back. The gate used to read the members on every shard first, and
// stopped at the one that did not answer, every round, the others left on
// the old schema.
TEST_F(ControllerTest, ADecidedSwapGoesOnWhileAShardIsDown) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  const std::vector<std::string> uuids =
      SubmitAndDieAfterDecision(o, "onedown");
  ASSERT_EQ(uuids.size(), 1u);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(shards_[i].executor->AbortCutOver(uuids[0]));
  }
  WaitReadyEverywhere(uuids[0]);
  Shard& down = shards_[1];
  down.server->Shutdown();
  down.server.reset();
  ControllerOptions successor = Options();
  successor.rpc_timeout = absl::Seconds(3);
  StartController(successor);
  ControllerDeployment d;
  ASSERT_OK(WaitFor(
      Clock::Real(), "the other shards to swap",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(d, controller_->GetDeployment("onedown"));
        return HasColumn(0, "users", "extra") &&
               HasColumn(2, "users", "extra") &&
               HasColumn(3, "users", "extra") &&
               absl::StrContains(d.message(), "not answering");
      },
      WaitOptions{.timeout = absl::Seconds(60)}))
      << d.DebugString();
  EXPECT_THAT(d.message(), HasSubstr(kShardNames[1]));
  EXPECT_EQ(d.state(), ControllerDeployment::COMPLETING);
  EXPECT_FALSE(HasColumn(1, "users", "extra"));
  Serve(1, nullptr);
  d = WaitComplete("onedown");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A decided swap that the shards refuse fast (here: a successor whose hold
// the tablets do not accept) is retried with the backoff, 200 ms doubling,
// at most 2 s once decided: a handful of attempts in 3 s, not one every
// round (100 ms); the reason stays with the member.
TEST_F(ControllerTest, ARefusedDecidedSwapIsRetriedWithBackoff) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  const std::vector<std::string> uuids =
      SubmitAndDieAfterDecision(o, "refused");
  ASSERT_EQ(uuids.size(), 1u);
  const std::string& uuid = uuids[0];
  // The holds end early: every shard needs a new prepare.
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(shards_[i].executor->AbortCutOver(uuid));
  }
  ControllerOptions refused = Options();
  refused.prepare_hold = absl::Minutes(10);  // tablets take at most 5 min
  StartController(refused);
  absl::SleepFor(absl::Seconds(3));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("refused"));
  EXPECT_GE(d.members(0).attempts(), 2) << d.DebugString();
  EXPECT_LE(d.members(0).attempts(), 7) << d.DebugString();
  EXPECT_THAT(d.members(0).last_failure(), HasSubstr("at most 5m"));
  EXPECT_THAT(d.message(), HasSubstr("retrying in"));
  // CANCEL ALL leaves the decided deployment (it cannot be cancelled) and
  // still cancels the next one; it used to stop at the first.
  CreateTable("orders", "info VARCHAR(32)");
  ASSERT_OK(Apply("ALTER TABLE orders ADD COLUMN extra INT",
                  "vitess --postpone-completion", "other")
                .status());
  MigrationCommandRequest cancel_all;
  cancel_all.set_keyspace("commerce");
  cancel_all.set_sql("ALTER VITESS_MIGRATION CANCEL ALL");
  ASSERT_OK_AND_ASSIGN(MigrationCommandResponse cancelled,
                       controller_->ExecuteMigrationCommand(cancel_all));
  EXPECT_EQ(cancelled.result().rows_affected(), kShards);  // one per shard
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("other"));
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED) << d.DebugString();
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("refused"));
  EXPECT_EQ(d.state(), ControllerDeployment::COMPLETING) << d.DebugString();
  controller_.reset();
  StartController(Options());
  d = WaitComplete("refused");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A declarative deployment's plan is the difference from the schema as it
// was. Through the controller, while one runs a plain change of a table
// it depends on without changing it (one a view it creates reads) is
// refused, also by a controller restarted meanwhile; other tables are not
// held, and once it ended the change is taken. A deployment planned while
// a migration is still changing a table it reads is refused before
// anything runs. Before, the controller recorded no such tables and the
// shards planned without looking at pending migrations.
TEST_F(ControllerTest,
       APlainChangeOfATableADeclarativeDeploymentReadsIsRefused) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "note VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse pending,
                       Apply("ALTER TABLE orders ADD COLUMN extra INT",
                             "vitess --postpone-completion", "pending-orders"));
  EXPECT_THAT(Apply("CREATE VIEW ov AS SELECT id, note FROM orders",
                    "vitess --declarative", "reads-busy")
                  .status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("is still changing `orders`")));
  EXPECT_FALSE(controller_->GetDeployment("reads-busy").ok());
  ASSERT_OK(controller_->CancelDeployment("pending-orders"));
  WaitCancelled("pending-orders");

  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("CREATE VIEW uv AS SELECT id, title FROM users",
            "vitess --declarative --postpone-completion", "reads"));
  ASSERT_EQ(resp.uuid_list_size(), 1);
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("reads"));
  EXPECT_THAT(d.related_tables(), ::testing::ElementsAre("users"));
  for (int restart = 0; restart < 2; ++restart) {
    SCOPED_TRACE(restart);
    for (const char* strategy : {"vitess", "vitess --postpone-completion"}) {
      EXPECT_THAT(
          Apply("ALTER TABLE users DROP COLUMN title", strategy, "").status(),
          StatusIs(absl::StatusCode::kFailedPrecondition,
                   HasSubstr("deployment 'reads'")))
          << strategy;
    }
    controller_.reset();
    StartController(Options());
  }
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "title")) << kShardNames[i];
  }
  ASSERT_OK(Apply("ALTER TABLE orders ADD COLUMN more INT", "vitess", "other")
                .status());
  WaitComplete("other");
  ASSERT_OK(controller_->CancelDeployment("reads"));
  WaitCancelled("reads");
  ASSERT_OK(
      Apply("ALTER TABLE users DROP COLUMN title", "vitess", "after").status());
  WaitComplete("after");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "title")) << kShardNames[i];
  }
}

// A cancel while a retry requeues a deployment's members on the shards is
// refused until the retry returns; it used to succeed ("cancelled" already)
// and the retry then made the deployment active again, its members
// running. Once the retry returned, the cancel is taken.
TEST_F(ControllerTest, ACancelDuringARetryIsRefused) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  absl::Status during = absl::UnknownError("the hook never ran");
  o.while_retrying = [&](const std::string& context) {
    during = controller_->CancelDeployment(context);
  };
  StartController(o);
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "raced"));
  ASSERT_OK(controller_->CancelDeployment("raced"));
  WaitCancelled("raced");
  ASSERT_OK(
      controller_->Command("retry", "commerce", resp.uuid_list(0)).status());
  EXPECT_THAT(during, StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("being retried")));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("raced"));
  EXPECT_EQ(d.state(), ControllerDeployment::POSTPONED) << d.DebugString();
  ASSERT_OK(controller_->CancelDeployment("raced"));
  WaitCancelled("raced");
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(resp.uuid_list(0)));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
}

// A deployment that decided its swap and then failed on one shard,
// retried as its message says, finishes on every shard. One submitted
// with --postpone-completion was postponed again by the retry, the shards
// differing until another complete.
TEST_F(ControllerTest,
       ARetriedDecidedDeploymentFinishesWithoutAnotherComplete) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  StopAfterDecision(o);
  StartController(o);
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "decided-retry"));
  ASSERT_OK(controller_->CompleteDeployment("decided-retry"));
  WaitDecided(*controller_, "decided-retry");
  release_ = true;
  controller_.reset();
  const std::string uuid = resp.uuid_list(0);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(shards_[i].executor->AbortCutOver(uuid));
  }
  // The migration ends on one shard (cancelled there, on its tablet).
  ASSERT_OK(shards_[1].executor->Cancel(uuid).status());
  StartController(Options());
  ControllerDeployment d = WaitFailed("decided-retry");
  EXPECT_THAT(d.message(), HasSubstr("the swap was decided"));
  ASSERT_OK(controller_->Command("retry", "commerce", uuid).status());
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("decided-retry"));
  ASSERT_EQ(d.state(), ControllerDeployment::COMPLETING) << d.DebugString();
  d = WaitComplete("decided-retry");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A deployment cancelled after its gate opened (every ALTER was ready, a
// cut-over kept failing) and retried waits again until every ALTER is
// ready on every shard, its members copying anew. The gate stayed open,
// and each member was applied as soon as it alone was ready.
TEST_F(ControllerTest, ARetriedDeploymentWaitsAgainForEveryAlter) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  o.prepare_hold = absl::Seconds(20);
  StartController(o);
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse resp,
      Apply("ALTER TABLE users ADD COLUMN extra INT",
            "vitess --postpone-completion --cut-over-threshold=5s",
            "reopened"));
  WaitReadyEverywhere(resp.uuid_list(0));
  ASSERT_OK_AND_ASSIGN(auto blocker, HoldTable(2, "users"));
  ASSERT_OK(controller_->CompleteDeployment("reopened"));
  ControllerDeployment d =
      WaitDeployment("reopened", [](const ControllerDeployment& d) {
        return d.members(0).attempts() >= 1;
      });
  EXPECT_TRUE(d.gate_open());
  EXPECT_FALSE(d.members(0).commit_decided());
  ASSERT_OK(controller_->CancelDeployment("reopened"));
  WaitCancelled("reopened");
  ASSERT_OK(blocker->Execute("COMMIT").status());
  ASSERT_OK(
      controller_->Command("retry", "commerce", resp.uuid_list(0)).status());
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("reopened"));
  EXPECT_FALSE(d.gate_open()) << d.DebugString();
  EXPECT_EQ(d.state(), ControllerDeployment::POSTPONED);
  ASSERT_OK(controller_->CompleteDeployment("reopened"));
  d = WaitComplete("reopened");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// The hold of a declarative deployment's tables works for every way a
// change comes and both ways round: while it runs, the revert of a
// completed deployment changing a table it reads is refused, as is the
// retry of a cancelled change of that table; and the deployment is not
// retried while another changes a table it reads. Before, reverts and
// retries were not checked.
TEST_F(ControllerTest, RevertsAndRetriesKeepADeclarativeDeploymentsTables) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ASSERT_OK(Apply("ALTER TABLE users ADD COLUMN extra INT", "vitess", "added")
                .status());
  WaitComplete("added");
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse dropped,
                       Apply("ALTER TABLE users DROP COLUMN title",
                             "vitess --postpone-completion", "dropped"));
  ASSERT_OK(controller_->CancelDeployment("dropped"));
  WaitCancelled("dropped");
  ASSERT_OK_AND_ASSIGN(
      vtctldata::ApplySchemaResponse reads,
      Apply("CREATE VIEW uv AS SELECT id, title, extra FROM users",
            "vitess --declarative --postpone-completion", "reads"));
  EXPECT_THAT(controller_->RevertDeployment("added").status(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("deployment 'reads'")));
  EXPECT_THAT(
      controller_->Command("retry", "commerce", dropped.uuid_list(0)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr("deployment 'reads'")));
  ASSERT_OK(controller_->CancelDeployment("reads"));
  WaitCancelled("reads");
  // The other way round: users being changed, the view reading it is not
  // retried.
  ASSERT_OK(
      controller_->Command("retry", "commerce", dropped.uuid_list(0)).status());
  EXPECT_THAT(
      controller_->Command("retry", "commerce", reads.uuid_list(0)).status(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("deployment 'reads' depends on table `users`"),
                     HasSubstr("deployment 'dropped' (postponed) is still "
                               "changing"))));
  ASSERT_OK(controller_->CancelDeployment("dropped"));
  WaitCancelled("dropped");
  ASSERT_OK_AND_ASSIGN(std::string revert,
                       controller_->RevertDeployment("added"));
  WaitComplete(revert);
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "users", "title")) << kShardNames[i];
  }
}

// A deployment runs on the shards its keyspace had when it was created. A
// controller restarted without one of them says which and applies nothing
// (it used to cut the others over alone); one restarted with a shard added
// finishes it on its own shards (it used to look for the members on the
// new shard, in vain, every round).
TEST_F(ControllerTest, ADeploymentRunsOnTheShardsItWasCreatedWith) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ASSERT_OK(Apply("ALTER TABLE users ADD COLUMN extra INT",
                  "vitess --postpone-completion", "pinned")
                .status());
  controller_.reset();
  ControllerOptions fewer = Options();
  fewer.topology.mutable_keyspaces(0)->mutable_shards()->RemoveLast();
  StartController(fewer);
  ASSERT_OK(controller_->CompleteDeployment("pinned"));
  EXPECT_THAT(controller_->Tick(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("shard ", kShardNames[3]))));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("pinned"));
  EXPECT_EQ(d.state(), ControllerDeployment::COMPLETING);
  controller_.reset();
  StartController(OptionsWithAShardAdded());
  d = WaitComplete("pinned");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A deployment's retry runs on the shards it was created with: a
// controller restarted with a shard added (nobody there) retries the
// cancelled deployment on its own shards, and it finishes there. With the
// whole topology the retry met the new shard, which does not answer.
TEST_F(ControllerTest, ADeploymentsRetryRunsOnItsRecordedShards) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ASSERT_OK_AND_ASSIGN(vtctldata::ApplySchemaResponse resp,
                       Apply("ALTER TABLE users ADD COLUMN extra INT",
                             "vitess --postpone-completion", "pinned-retry"));
  ASSERT_OK(controller_->CancelDeployment("pinned-retry"));
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("pinned-retry"));
  ASSERT_EQ(d.state(), ControllerDeployment::CANCELLED);
  controller_.reset();
  StartController(OptionsWithAShardAdded());
  ASSERT_OK(
      controller_->Command("retry", "commerce", resp.uuid_list(0)).status());
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("pinned-retry"));
  EXPECT_EQ(d.state(), ControllerDeployment::POSTPONED);
  ASSERT_OK(controller_->CompleteDeployment("pinned-retry"));
  WaitComplete("pinned-retry");
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

// A controller that dies while submitting leaves a deployment whose later
// members never reached the shards. Its successor submits it again (the
// tablets take the same UUID and statement again as a no-op) and finishes
// it; before, the gate failed on the missing member every round.
TEST_F(ControllerTest, AnInterruptedSubmissionIsSubmittedAgain) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "note VARCHAR(32)");
  const std::string first = "1a2b3c4d_5e6f_11ee_8c99_0242ac120011";
  const std::string second = "1a2b3c4d_5e6f_11ee_8c99_0242ac120012";
  SubmitInterrupted(
      "ALTER TABLE users ADD COLUMN extra INT; ALTER TABLE orders ADD COLUMN "
      "more INT",
      "vitess", "interrupted", {first, second});
  for (int i = 0; i < kShards; ++i) {
    EXPECT_OK(shards_[i].executor->Get(first).status());
    EXPECT_THAT(shards_[i].executor->Get(second).status(),
                StatusIs(absl::StatusCode::kNotFound));
  }
  StartController(Options());
  ControllerDeployment d = WaitComplete("interrupted");
  EXPECT_FALSE(d.submission_pending());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    EXPECT_TRUE(HasColumn(i, "orders", "more")) << kShardNames[i];
  }
}

// The same interrupted deployment can be cancelled (a member missing on
// the shards counts as cancelled there), and a deployment's member is not
// launched behind its gate's back.
TEST_F(ControllerTest, AnInterruptedSubmissionCanBeCancelled) {
  CreateTable("users", "title VARCHAR(32)");
  const std::string first = "1a2b3c4d_5e6f_11ee_8c99_0242ac120021";
  SubmitInterrupted(
      "CREATE TABLE later (id INT PRIMARY KEY); ALTER TABLE users ADD COLUMN "
      "extra INT",
      "vitess --postpone-completion", "interrupted-cancel",
      {first, "1a2b3c4d_5e6f_11ee_8c99_0242ac120022"});
  // A successor that has not resubmitted yet (its gate never runs here).
  ControllerOptions idle = Options();
  idle.tick = absl::Hours(1);
  StartController(idle);
  // The member that reached the shards waits for its gate (postponed
  // launch): neither "launch all" nor a launch naming it starts it.
  EXPECT_THAT(controller_->Command("launch", "commerce", first),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("interrupted-cancel")));
  ASSERT_OK_AND_ASSIGN(auto launched,
                       controller_->Command("launch", "commerce", "all"));
  for (const auto& [shard, n] : launched) EXPECT_EQ(n, 0u) << shard;
  absl::SleepFor(absl::Milliseconds(300));  // a launched one would run now
  ASSERT_OK(controller_->Command("cancel", "commerce", first).status());
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("interrupted-cancel"));
  EXPECT_EQ(d.state(), ControllerDeployment::CANCELLED) << d.message();
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(first));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
    EXPECT_EQ(Value(i,
                    "SELECT COUNT(*) FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
                    "'later'"),
              "0");
  }
  // Retry takes one UUID (as in Vitess): "all" would rerun every failed
  // and cancelled migration ever recorded.
  EXPECT_THAT(controller_->Command("retry", "commerce", "all"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs a migration UUID")));
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(first));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
}

// Nothing of a deployment whose submission was interrupted applies until
// every member is on every shard: a revert asked meanwhile (which runs the
// gate, in case the shards completed) is refused. It swapped the ALTER
// that had reached the shards, the CREATE after it never sent.
TEST_F(ControllerTest, NothingOfAnInterruptedSubmissionAppliesBeforeItIsWhole) {
  CreateTable("users", "title VARCHAR(32)");
  const std::string first = "1a2b3c4d_5e6f_11ee_8c99_0242ac120041";
  SubmitInterrupted(
      "ALTER TABLE users ADD COLUMN extra INT; CREATE TABLE later (id INT "
      "PRIMARY KEY)",
      "vitess", "interrupted-revert",
      {first, "1a2b3c4d_5e6f_11ee_8c99_0242ac120042"});
  ControllerOptions idle = Options();
  idle.tick = absl::Hours(1);  // no resubmission here
  StartController(idle);
  WaitReadyEverywhere(first);
  EXPECT_THAT(controller_->RevertDeployment("interrupted-revert"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("still being submitted")));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("interrupted-revert"));
  EXPECT_TRUE(d.submission_pending());
  EXPECT_EQ(d.state(), ControllerDeployment::COMPLETING);
}

// A resubmission the shards refuse for good as InvalidArgument (here a
// versioned comment their server skips, in a member the interrupted
// submission never sent) fails the deployment, and what the shards took is
// cancelled. It used to be submitted again every round, until cancelled.
TEST_F(ControllerTest, AResubmissionRefusedAsInvalidFailsTheDeployment) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "note VARCHAR(32)");
  const std::string first = "1a2b3c4d_5e6f_11ee_8c99_0242ac120031";
  const std::string second = "1a2b3c4d_5e6f_11ee_8c99_0242ac120032";
  SubmitInterrupted(
      "ALTER TABLE users ADD COLUMN extra INT; ALTER TABLE orders ADD COLUMN "
      "more INT /*!110500 , ADD COLUMN most INT */",
      "vitess --postpone-completion", "refused-later", {first, second});
  StartController(Options());
  ControllerDeployment d = WaitFailed("refused-later");
  EXPECT_THAT(d.message(), HasSubstr("versioned comment")) << d.message();
  // Recorded failed first, then cancelled where the shards took it.
  ASSERT_OK(WaitFor(
      Clock::Real(), "the first member cancelled on every shard",
      [&]() -> absl::StatusOr<bool> {
        for (int i = 0; i < kShards; ++i) {
          SC_ASSIGN_OR_RETURN(onlineddl::Migration m,
                              shards_[i].executor->Get(first));
          if (m.status != onlineddl::kStatusCancelled) return false;
        }
        return true;
      },
      WaitOptions{.timeout = absl::Seconds(60)}));
  for (int i = 0; i < kShards; ++i) {
    EXPECT_THAT(shards_[i].executor->Get(second).status(),
                StatusIs(absl::StatusCode::kNotFound));
    EXPECT_FALSE(HasColumn(i, "users", "extra")) << kShardNames[i];
  }
}

TEST_F(ControllerTest, AShardThatIsDownFailsClearlyAndLeavesNothingBehind) {
  CreateTable("users", "title VARCHAR(32)");
  ControllerOptions o = Options();
  TopologyShard* dead = o.topology.mutable_keyspaces(0)->add_shards();
  dead->set_name("dead");
  // A reserved port nothing listens on: connections are refused.
  ASSERT_OK_AND_ASSIGN(harness::ReservedPort nobody,
                       harness::ReservedPort::Reserve());
  dead->set_tablet(absl::StrCat("127.0.0.1:", nobody.port()));
  o.rpc_timeout = absl::Seconds(2);
  StartController(o);
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE users ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess");
  const std::string uuid = "1a2b3c4d_5e6f_11ee_8c99_0242ac120002";
  req.add_uuid_list(uuid);
  const absl::Time start = absl::Now();
  absl::StatusOr<vtctldata::ApplySchemaResponse> r =
      controller_->ApplySchema(req);
  EXPECT_LT(absl::Now() - start, absl::Seconds(15));
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kUnavailable,
                                   HasSubstr("shard dead")));
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  vtctldata::GetSchemaMigrationsRequest g;
  g.set_keyspace("commerce");
  EXPECT_THAT(
      controller_->GetSchemaMigrations(g).status(),
      StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shard dead")));
  // Bad requests change nothing.
  req.clear_uuid_list();
  req.set_keyspace("nope");
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  req.set_keyspace("commerce");
  req.set_sql(0,
              "ALTER TABLE users ADD COLUMN a INT; ALTER TABLE users "
              "ADD COLUMN b INT");
  EXPECT_THAT(
      controller_->ApplySchema(req).status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("combine them")));
  req.set_sql(0, "ALTER TABLE users ADD COLUMN");
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A command names its keyspace: an unknown one is refused, not taken as
  // the only one there is.
  MigrationCommandRequest cancel_all;
  cancel_all.set_keyspace("nope");
  cancel_all.set_sql("ALTER VITESS_MIGRATION CANCEL ALL");
  EXPECT_THAT(controller_->ExecuteMigrationCommand(cancel_all).status(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("nope")));
  // The gate launches changes itself: a postponed launch would never come.
  req.set_sql(0, "ALTER TABLE users ADD COLUMN c INT");
  req.set_ddl_strategy("vitess --postpone-launch");
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--postpone-launch")));
}

// A submission that fails after the controller lost its leadership (and
// won it again: its state is from the earlier term) cancels nothing: what
// the shards took is the deployment its successor resubmits. It used to
// cancel on every shard first, then fail to record the failure, and the
// successor resubmitted a deployment its caller was told was not. The
// resubmission, refused for good as the first submission was (a shard
// runs another migration under a member's UUID), fails the deployment and
// cancels what the shards took; it used to be retried every round, for
// ever.
TEST_F(ControllerTest, ASubmissionFailingAfterLeadershipChangedCancelsNothing) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  CreateTable("items", "sku VARCHAR(32)");
  std::atomic<int64_t> term{1};
  ControllerOptions o = Options();
  o.tick = absl::Hours(1);  // rounds run when the test says
  o.leader_term = [&term]() -> int64_t { return term.load(); };
  o.while_submitting = [&term](int submitted) {
    if (submitted == 1) term = 2;  // lost and won again meanwhile
    return absl::OkStatus();
  };
  StartController(o);
  const std::string taken = "4d5e6f70_8192_11ee_8c99_0242ac120002";
  ASSERT_OK(shards_[1]
                .executor
                ->Submit("ALTER TABLE users ADD COLUMN mine INT",
                         "vitess --postpone-completion", "", taken)
                .status());
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE orders ADD COLUMN first INT");
  req.add_sql("ALTER TABLE users ADD COLUMN theirs INT");
  req.add_sql("ALTER TABLE items ADD COLUMN never_sent INT");
  req.set_ddl_strategy("vitess --postpone-completion");
  req.set_migration_context("two-terms-submit");
  const std::string first = "5e6f7081_92a3_11ee_8c99_0242ac120002";
  req.add_uuid_list(first);
  req.add_uuid_list(taken);
  req.add_uuid_list("6f708192_a3b4_11ee_8c99_0242ac120002");
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr("not recorded as failed")));
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(first));
    EXPECT_NE(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("two-terms-submit"));
  EXPECT_TRUE(d.submission_pending());
  EXPECT_NE(d.state(), ControllerDeployment::FAILED);
  EXPECT_THAT(controller_->Tick(), StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_OK_AND_ASSIGN(d, controller_->GetDeployment("two-terms-submit"));
  EXPECT_EQ(d.state(), ControllerDeployment::FAILED) << d.DebugString();
  EXPECT_THAT(d.message(), HasSubstr(taken));
  // The member no shard got is nothing to cancel.
  EXPECT_THAT(d.message(), Not(HasSubstr("cancelling")));
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(first));
    EXPECT_EQ(m.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration mine,
                       shards_[1].executor->Get(taken));
  EXPECT_THAT(mine.statement, HasSubstr("mine"));
  EXPECT_NE(mine.status, onlineddl::kStatusCancelled);
  // The other shards took the deployment's member under that UUID.
  for (int i : {0, 2, 3}) {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration theirs,
                         shards_[i].executor->Get(taken));
    EXPECT_THAT(theirs.statement, HasSubstr("theirs")) << kShardNames[i];
    EXPECT_EQ(theirs.status, onlineddl::kStatusCancelled) << kShardNames[i];
  }
}

// A submission the shards refuse because its UUID names a migration they
// already run (submitted to a tablet directly) leaves that migration alone:
// it used to be cancelled on every shard as "the rest of the request".
TEST_F(ControllerTest, ARefusedSubmissionLeavesOtherMigrationsAlone) {
  CreateTable("users", "title VARCHAR(32)");
  CreateTable("orders", "info VARCHAR(32)");
  StartController(Options());
  const std::string uuid = "2b3c4d5e_6f70_11ee_8c99_0242ac120002";
  ASSERT_OK(shards_[1]
                .executor
                ->Submit("ALTER TABLE users ADD COLUMN mine INT",
                         "vitess --postpone-completion", "", uuid)
                .status());
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE users ADD COLUMN theirs INT");
  req.add_sql("ALTER TABLE orders ADD COLUMN never_sent INT");
  req.set_ddl_strategy("vitess");
  req.set_migration_context("refused");
  req.add_uuid_list(uuid);
  req.add_uuid_list("3c4d5e6f_7081_11ee_8c99_0242ac120002");
  EXPECT_THAT(controller_->ApplySchema(req).status(),
              StatusIs(absl::StatusCode::kAlreadyExists));
  auto check = [&] {
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[1].executor->Get(uuid));
    EXPECT_NE(m.status, onlineddl::kStatusCancelled);
    EXPECT_THAT(m.statement, HasSubstr("mine"));
    for (int i : {0, 2, 3}) {
      ASSERT_OK_AND_ASSIGN(onlineddl::Migration other,
                           shards_[i].executor->Get(uuid));
      EXPECT_EQ(other.status, onlineddl::kStatusCancelled) << kShardNames[i];
    }
  };
  check();
  // Cancelling the failed deployment afterwards leaves it alone too, and
  // is not refused for the member that never reached any shard.
  ASSERT_OK_AND_ASSIGN(ControllerDeployment d,
                       controller_->GetDeployment("refused"));
  EXPECT_EQ(d.state(), ControllerDeployment::FAILED);
  EXPECT_OK(controller_->CancelDeployment("refused"));
  check();
}

// VITESS_SHARDS acts on the shards it lists only (it completed the
// migration everywhere); a shard the keyspace lacks is an error, and
// nothing acts. COMPLETE ALL then completes the rest.
TEST_F(ControllerTest, AStatementNamingShardsActsOnThoseOnly) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  const std::string uuid = "4d5e6f70_8192_11ee_8c99_0242ac120002";
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(shards_[i]
                  .executor
                  ->Submit("ALTER TABLE users ADD COLUMN x INT",
                           "vitess --postpone-completion", "", uuid)
                  .status());
  }
  WaitReadyEverywhere(uuid);
  auto run = [&](const std::string& sql) {
    MigrationCommandRequest c;
    c.set_keyspace("commerce");
    c.set_sql(sql);
    return controller_->ExecuteMigrationCommand(c);
  };
  EXPECT_THAT(
      run("ALTER VITESS_MIGRATION '" + uuid +
          "' COMPLETE VITESS_SHARDS '40-80,no-such'")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'no-such'")));
  ASSERT_OK_AND_ASSIGN(MigrationCommandResponse one,
                       run("ALTER VITESS_MIGRATION '" + uuid +
                           "' COMPLETE VITESS_SHARDS '40-80'"));
  EXPECT_EQ(one.result().rows_affected(), 1u);
  ASSERT_OK(WaitOn(1, uuid, onlineddl::kStatusComplete));
  for (int i : {0, 2, 3}) {
    for (int tick = 0; tick < 3; ++tick) {
      ASSERT_OK(shards_[i].executor->Tick());
    }
    ASSERT_OK_AND_ASSIGN(onlineddl::Migration m,
                         shards_[i].executor->Get(uuid));
    EXPECT_EQ(m.status, onlineddl::kStatusRunning) << kShardNames[i];
    EXPECT_FALSE(HasColumn(i, "users", "x")) << kShardNames[i];
  }
  EXPECT_TRUE(HasColumn(1, "users", "x"));
  // COMPLETE ALL takes the migrations outside deployments too (it
  // completed only deployments').
  ASSERT_OK_AND_ASSIGN(MigrationCommandResponse all,
                       run("ALTER VITESS_MIGRATION COMPLETE ALL"));
  EXPECT_EQ(all.result().rows_affected(), 3u);
  for (int i = 0; i < kShards; ++i) {
    ASSERT_OK(WaitOn(i, uuid, onlineddl::kStatusComplete));
    EXPECT_TRUE(HasColumn(i, "users", "x")) << kShardNames[i];
  }
}

// A migration submitted to some tablets only: a verb acts where it is and
// reports so (the shards without it made the whole command NotFound after
// the others acted); one that no shard has is NotFound.
TEST_F(ControllerTest, AVerbOnAMigrationSomeShardsLackActsWhereItIs) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  const std::string uuid = "6f708192_a3b4_11ee_8c99_0242ac120002";
  ASSERT_OK(shards_[2]
                .executor
                ->Submit("ALTER TABLE users ADD COLUMN x INT",
                         "vitess --postpone-completion", "", uuid)
                .status());
  ASSERT_OK(WaitOn(2, uuid));
  ASSERT_OK_AND_ASSIGN(auto counts,
                       controller_->Command("complete", "commerce", uuid));
  EXPECT_EQ(counts[kShardNames[2]], 1u);
  ASSERT_OK(WaitOn(2, uuid, onlineddl::kStatusComplete));
  EXPECT_THAT(controller_
                  ->Command("complete", "commerce",
                            "708192a3_b4c5_11ee_8c99_0242ac120002")
                  .status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(ControllerTest, TheCliDrivesTheControllerWithPerShardProgress) {
  CreateTable("users", "title VARCHAR(32)");
  StartController(Options());
  ControllerService service(controller_.get());
  int port = 0;
  grpc::ServerBuilder b;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  ASSERT_NE(port, 0);
  auto run = [&](std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), absl::StrCat("--server=127.0.0.1:", port));
    std::stringstream o, e;
    cli::CliOptions opts;
    opts.poll = absl::Milliseconds(100);
    int rc = cli::RunCli(args, o, e, opts);
    *out = o.str() + e.str();
    return rc;
  };
  std::string out;
  ASSERT_EQ(run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
                 "ALTER TABLE users ADD COLUMN qty INT NOT NULL DEFAULT 0",
                 "--wait", "commerce"},
                &out),
            0)
      << out;
  for (const char* shard : kShardNames) {
    EXPECT_THAT(out, HasSubstr(absl::StrCat("[", shard, "]")));
    EXPECT_THAT(out, HasSubstr(absl::StrCat("shard ", shard, " complete")));
  }
  const std::string uuid = out.substr(out.rfind('\n', out.size() - 2) + 1, 36);
  ASSERT_EQ(run({"OnlineDDL", "show", "commerce", "all"}, &out), 0) << out;
  for (const char* shard : kShardNames) EXPECT_THAT(out, HasSubstr(shard));
  ASSERT_EQ(
      run({"ApplySchema", "--sql", "SHOW VITESS_MIGRATIONS", "commerce"}, &out),
      0)
      << out;
  EXPECT_THAT(out, HasSubstr("users"));
  // A revert through the controller is gated across shards as well.
  ASSERT_EQ(run({"OnlineDDL", "revert", "commerce", uuid, "--wait"}, &out), 0)
      << out;
  for (int i = 0; i < kShards; ++i) {
    EXPECT_FALSE(HasColumn(i, "users", "qty")) << kShardNames[i];
  }
  // A change that fails on one shard (its rows break the new unique key):
  // --wait ends with that failure, though the other shards wait postponed.
  ASSERT_OK(conns_[2]->Execute(
      "INSERT INTO users (name, val, title) VALUES ('d1', 1, 'dup'), ('d2', "
      "2, 'dup')"));
  EXPECT_EQ(
      run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
           "ALTER TABLE users ADD UNIQUE KEY ut (title)", "--wait", "commerce"},
          &out),
      1)
      << out;
  EXPECT_THAT(out, HasSubstr("shard 80-c0 failed"));
  server->Shutdown();
}

// One sidecut-ctld of several sharing an etcd (topology, deployments,
// leader election), as sidecut_ctld_main.cc wires it.
struct EtcdCandidate {
  std::unique_ptr<EtcdClient> etcd;
  std::unique_ptr<EtcdLeadership> leadership;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<ControllerService> service;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  absl::Duration max_forward_wait = absl::Minutes(10);

  std::shared_ptr<LeaderElection> Election() { return leadership->election(); }
  absl::Status Start(const std::string& endpoint, const std::string& prefix,
                     ControllerOptions o) {
    SC_ASSIGN_OR_RETURN(etcd, EtcdClient::Connect(endpoint));
    SC_ASSIGN_OR_RETURN(o.topology, GetTopology(*etcd, prefix));
    o.state_dir.clear();
    leadership = std::make_unique<EtcdLeadership>(etcd.get(), prefix);
    leadership->Configure(o);
    SC_ASSIGN_OR_RETURN(controller, Controller::Start(o, Clock::Real()));
    service =
        std::make_unique<ControllerService>(controller.get(), max_forward_wait);
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service.get());
    server = b.BuildAndStart();
    if (port == 0) return absl::InternalError("no port");
    return leadership->Campaign(absl::StrCat("127.0.0.1:", port),
                                absl::Seconds(2), Clock::Real());
  }
  // As if the process were SIGKILLed: no resignation, the lease expires.
  void Die() {
    if (leadership) leadership->Abandon();
    if (server) server->Shutdown();
    controller.reset();
  }
  ~EtcdCandidate() { Die(); }
};

// A leader that takes a call and never answers it.
class HangingLeader final : public OnlineDDL::Service {
 public:
  grpc::Status GetSchemaMigrations(
      grpc::ServerContext* ctx, const vtctldata::GetSchemaMigrationsRequest*,
      vtctldata::GetSchemaMigrationsResponse*) override {
    const absl::Time end = absl::Now() + absl::Seconds(60);
    while (!ctx->IsCancelled() && absl::Now() < end) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return grpc::Status::OK;
  }
};

TEST_F(ControllerTest, AForwardedCallWithoutDeadlineDoesNotWaitForever) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<harness::EtcdInstance> etcd,
                       harness::EtcdInstance::Start());
  const std::string prefix = absl::StrCat("/", db_, "/");
  HangingLeader hanging;
  grpc::ServerBuilder hb;
  int hanging_port = 0;
  hb.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                      &hanging_port);
  hb.RegisterService(&hanging);
  std::unique_ptr<grpc::Server> hanging_server = hb.BuildAndStart();
  ASSERT_NE(hanging_port, 0);
  const std::string leader = absl::StrCat("127.0.0.1:", hanging_port);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EtcdClient> c,
                         EtcdClient::Connect(etcd->endpoint()));
    ASSERT_OK(PutTopology(*c, prefix, topology_));
    // The leader's key, held by no lease: it stays the leader.
    ASSERT_OK(c->Put(absl::StrCat(prefix, "leader"), leader));
  }
  EtcdCandidate b;
  b.max_forward_wait = absl::Seconds(2);
  ASSERT_OK(b.Start(etcd->endpoint(), prefix, Options()));
  ASSERT_OK(WaitFor(Clock::Real(), "B sees the leader",
                    [&]() -> absl::StatusOr<bool> {
                      return b.Election()->Leader() == leader;
                    }));
  std::unique_ptr<OnlineDDL::Stub> to_b = OnlineDDL::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", b.port),
                          grpc::InsecureChannelCredentials()));
  vtctldata::GetSchemaMigrationsRequest req;
  req.set_keyspace("commerce");
  vtctldata::GetSchemaMigrationsResponse resp;
  grpc::ClientContext ctx;  // no deadline
  const absl::Time start = absl::Now();
  grpc::Status s = to_b->GetSchemaMigrations(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << s.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(20));
  b.Die();
  hanging_server->Shutdown(std::chrono::system_clock::now());
}

TEST_F(ControllerTest, ControllersSharingEtcdElectOneLeaderAndFailOver) {
  CreateTable("users", "title VARCHAR(32)");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<harness::EtcdInstance> etcd,
                       harness::EtcdInstance::Start());
  const std::string prefix = absl::StrCat("/", db_, "/");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<EtcdClient> c,
                         EtcdClient::Connect(etcd->endpoint()));
    ASSERT_OK(PutTopology(*c, prefix, topology_));
  }
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < kShards; ++i) {
    writers.push_back(
        std::make_unique<Writer>(harness::ConnectParamsFor(*instances_[i]),
                                 Qualified("users"), Rows() + 1000, 100));
    writers.back()->Start();
  }
  // A decides the swap and "dies" before telling any shard; B, which
  // received the request and forwarded it to A, takes over and finishes.
  ControllerOptions oa = Options();
  // Four shards under writes prepare in a few seconds under ASan on two
  // cores: a 3 s hold (decisions need 2.25 s) aborted every attempt. B
  // retries, with the backoff, until the holds expire.
  oa.prepare_hold = absl::Seconds(8);
  // A stands still after its decision until it has lost the leadership.
  StopAfterDecision(oa);
  EtcdCandidate a, b;
  SetOnExit released{&release_};  // before a is destroyed
  ASSERT_OK(a.Start(etcd->endpoint(), prefix, oa));
  ASSERT_TRUE(a.Election()->AwaitLeadership(absl::Seconds(10)));
  ASSERT_OK(b.Start(etcd->endpoint(), prefix, Options()));
  // B campaigns, loses and learns who leads.
  const std::string a_id = absl::StrCat("127.0.0.1:", a.port);
  ASSERT_OK(WaitFor(Clock::Real(), "B sees the leader",
                    [&]() -> absl::StatusOr<bool> {
                      return b.Election()->Leader() == a_id;
                    }));
  ASSERT_FALSE(b.Election()->IsLeader());
  EXPECT_THAT(b.controller->GetDeployment("x").status(),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr(absl::StrCat("the leader is ", a_id))));

  std::unique_ptr<OnlineDDL::Stub> to_b = OnlineDDL::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", b.port),
                          grpc::InsecureChannelCredentials()));
  vtctldata::ApplySchemaRequest req;
  req.set_keyspace("commerce");
  req.add_sql("ALTER TABLE users ADD COLUMN extra INT");
  req.set_ddl_strategy("vitess");
  req.set_migration_context("failover");
  vtctldata::ApplySchemaResponse resp;
  grpc::ClientContext ctx;
  grpc::Status applied = to_b->ApplySchema(&ctx, req, &resp);
  ASSERT_TRUE(applied.ok())
      << applied.error_code() << ": " << applied.error_message();
  ASSERT_EQ(resp.uuid_list_size(), 1);
  // It reached the leader: A holds the deployment.
  ASSERT_OK(a.controller->GetDeployment("failover").status());

  WaitDecided(*a.controller, "failover");
  if (HasFatalFailure()) return;
  const absl::Time died = absl::Now();
  a.leadership->Abandon();
  release_ = true;
  a.Die();
  ASSERT_TRUE(b.Election()->AwaitLeadership(absl::Seconds(30)));
  std::cerr << "new leader after " << absl::Now() - died << "\n";
  controller_ = std::move(b.controller);  // WaitComplete polls controller_
  ControllerDeployment d = WaitComplete("failover");
  b.controller = std::move(controller_);
  EXPECT_TRUE(d.members(0).done());
  for (auto& w : writers) ASSERT_OK(w->Stop());
  for (int i = 0; i < kShards; ++i) {
    EXPECT_TRUE(HasColumn(i, "users", "extra")) << kShardNames[i];
    ASSERT_OK(WaitOldTableInSync(i, resp.uuid_list(0)));
  }
}

}  // namespace
}  // namespace controller
}  // namespace sidecut
