// The sidecut CLI end to end: sidecutd's service over a real MariaDB on a
// loopback port, driven by RunCli as a user would.
#include "cli/cli.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/args.h"
#include "cli/live_schema_source.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "mysql/quoting.h"
#include "onlineddl/executor.h"
#include "tablet/online_ddl_service.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/shared_instance_test.h"
#include "util/clock.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ParseArgsTest, FlagsAndPositionals) {
  ASSERT_OK_AND_ASSIGN(
      Args a, ParseArgs({"ApplySchema", "--sql", "a", "--sql=b", "--wait",
                         "--ddl_strategy=vitess", "ks"},
                        {"wait"}, {"sql", "ddl-strategy"}));
  EXPECT_THAT(a.positional, ::testing::ElementsAre("ApplySchema", "ks"));
  EXPECT_THAT(a.GetAll("sql"), ::testing::ElementsAre("a", "b"));
  EXPECT_TRUE(a.Has("wait"));
  EXPECT_EQ(a.Get("ddl-strategy"), "vitess");
  EXPECT_THAT(ParseArgs({"--nope"}, {}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown flag --nope")));
  EXPECT_FALSE(ParseArgs({"--sql"}, {}, {"sql"}).ok());
  // "--" ends the flags (it threw out_of_range and aborted).
  ASSERT_OK_AND_ASSIGN(Args rest,
                       ParseArgs({"show", "--", "--x", "y"}, {}, {}));
  EXPECT_THAT(rest.positional, ::testing::ElementsAre("show", "--x", "y"));
}

// A server that is there but answers UNAVAILABLE (a controller between
// leaders).
class UnavailableService final : public sidecut::OnlineDDL::Service {
 public:
  grpc::Status GetSchemaMigrations(
      grpc::ServerContext*, const vtctldata::GetSchemaMigrationsRequest*,
      vtctldata::GetSchemaMigrationsResponse*) override {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "no leader yet; retry in a few seconds");
  }
};

// `wait` gives up soon on a server that never answered (a wrong
// --server), but waits its full patience for one that answers
// UNAVAILABLE.
TEST(CliWaitTest, AServerThatAnswersUnavailableIsWaitedFor) {
  UnavailableService service;
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  ASSERT_NE(port, 0);
  CliOptions o;
  o.poll = absl::Milliseconds(100);
  o.patience = absl::Seconds(3);
  o.first_contact_patience = absl::Milliseconds(500);
  const std::string uuid = "5e6f7081_92a3_11ee_8c99_0242ac120002";
  std::ostringstream out, err;
  absl::Time t0 = absl::Now();
  EXPECT_EQ(RunCli({absl::StrCat("--server=127.0.0.1:", port), "OnlineDDL",
                    "wait", "commerce", uuid},
                   out, err, o),
            3);
  EXPECT_GE(absl::Now() - t0, absl::Seconds(3));
  EXPECT_THAT(err.str(), HasSubstr("lost the server"));
  server->Shutdown();
  err.str("");
  t0 = absl::Now();
  EXPECT_EQ(RunCli({absl::StrCat("--server=127.0.0.1:", port), "OnlineDDL",
                    "wait", "commerce", uuid},
                   out, err, o),
            3);
  EXPECT_LT(absl::Now() - t0, absl::Seconds(3));
  EXPECT_THAT(err.str(), HasSubstr("is --server right?"));
  // A command the server did not answer may still apply: exit 3 (server
  // lost), not 1 (refused).
  err.str("");
  EXPECT_EQ(RunCli({absl::StrCat("--server=127.0.0.1:", port), "OnlineDDL",
                    "cancel", "commerce", uuid},
                   out, err, o),
            3);
  EXPECT_THAT(err.str(), HasSubstr("is not known"));
  // No command is bad usage; --help is not.
  EXPECT_EQ(RunCli({}, out, err, o), 2);
  EXPECT_EQ(RunCli({"--help"}, out, err, o), 0);
}

class CliTest : public harness::SharedInstanceTest {
 protected:
  void SetUp() override {
    harness::SharedInstanceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS shop").status());
    ASSERT_OK(conn_->Execute("USE shop").status());
    onlineddl::ExecutorOptions o;
    o.connect = harness::ConnectParamsFor(*instance_);
    o.db = "shop";
    o.keyspace = "commerce";
    o.tick = absl::Milliseconds(50);
    o.ready_lag = absl::Seconds(2);
    ASSERT_OK_AND_ASSIGN(executor_,
                         onlineddl::Executor::Start(o, Clock::Real()));
    service_ = std::make_unique<tablet::OnlineDdlService>(executor_.get(),
                                                          "commerce", "0");
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                       &port_);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    executor_.reset();
  }
  int Run(std::vector<std::string> args, bool tty = false) {
    out_.str("");
    err_.str("");
    args.insert(args.begin(), absl::StrCat("--server=127.0.0.1:", port_));
    CliOptions o;
    o.poll = absl::Milliseconds(100);
    o.tty = tty;
    o.tty_err = tty;
    o.width = width_;
    o.patience = patience_;
    o.first_contact_patience = first_contact_patience_;
    return RunCli(args, out_, err_, o);
  }
  // A client of the test's sidecutd service, for RPCs the CLI does not make.
  std::unique_ptr<sidecut::OnlineDDL::Stub> NewStub() {
    return sidecut::OnlineDDL::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  // Serves again on the same port (after server_->Shutdown()).
  void Restart() {
    server_.reset();
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort(absl::StrCat("127.0.0.1:", port_),
                       grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_EQ(port, port_);
  }
  // A migration of `sql` (vitess strategy), complete.
  std::string Completed(const std::string& sql) {
    absl::StatusOr<std::vector<std::string>> u =
        executor_->Submit(sql, "vitess", "");
    EXPECT_TRUE(u.ok()) << u.status();
    if (!u.ok()) return "";
    for (int i = 0; i < 600; ++i) {
      absl::StatusOr<onlineddl::Migration> m = executor_->Get((*u)[0]);
      if (m.ok() && m->status == onlineddl::kStatusComplete) return (*u)[0];
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << sql << " did not complete";
    return "";
  }

  int width_ = 0;
  absl::Duration patience_ = absl::Minutes(5);
  absl::Duration first_contact_patience_ = absl::Seconds(10);

  std::unique_ptr<onlineddl::Executor> executor_;
  std::unique_ptr<tablet::OnlineDdlService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::stringstream out_;
  std::stringstream err_;
};

TEST(MysqlUrlTest, ParsesAndRefusesClearly) {
  ASSERT_OK_AND_ASSIGN(MysqlUrl u,
                       ParseMysqlUrl("mysql://app:s3cret@db.local:3307/shop"));
  EXPECT_EQ(u.params.user, "app");
  EXPECT_EQ(u.params.password, "s3cret");
  EXPECT_EQ(u.params.host, "db.local");
  EXPECT_EQ(u.params.port, 3307);
  EXPECT_EQ(u.db, "shop");
  ASSERT_OK_AND_ASSIGN(u, ParseMysqlUrl("mysql://127.0.0.1/x"));
  EXPECT_EQ(u.params.user, "root");
  EXPECT_EQ(u.params.port, 3306);
  EXPECT_THAT(
      ParseMysqlUrl("mysql://h:99999/x").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad port")));
  EXPECT_THAT(
      ParseMysqlUrl("mysql://root@h:1").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no database")));
}

// `sidecut schemadiff` with a live server as one side.
TEST_F(CliTest, SchemadiffAgainstALiveServer) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE IF NOT EXISTS live").status());
  ASSERT_OK(conn_->Execute("DROP TABLE IF EXISTS live.t").status());
  ASSERT_OK(conn_
                ->Execute("CREATE TABLE live.t (id INT PRIMARY KEY, name "
                          "VARCHAR(20))")
                .status());
  // The desired table: the server's own definition plus a column.
  ASSERT_OK_AND_ASSIGN(mysql::Result created,
                       conn_->Execute("SHOW CREATE TABLE live.t"));
  std::string desired(created.rows[0].Get(1));
  const size_t end = desired.rfind("\n) ENGINE");
  ASSERT_NE(end, std::string::npos) << desired;
  desired.insert(end, ",\n  `extra` int(11) DEFAULT NULL");
  const std::string file =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/desired.sql");
  std::ofstream(file) << desired << ";\n";
  const mysql::ConnectParams p = harness::ConnectParamsFor(*instance_);
  const std::string url =
      absl::StrCat("mysql://root:pw-not-shown@127.0.0.1:", p.port, "/live");
  // The test server has no password for root: a wrong one is refused, and
  // the error does not show it.
  EXPECT_EQ(Run({"schemadiff", "--from=" + url, "--to=" + file}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("mysql://root@127.0.0.1:"));
  EXPECT_THAT(err_.str(), ::testing::Not(HasSubstr("pw-not-shown")));
  const std::string ok_url =
      absl::StrCat("mysql://root@127.0.0.1:", p.port, "/live");
  ASSERT_EQ(Run({"schemadiff", "--from=" + ok_url, "--to=" + file}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "alter table t add column extra int;\n");
  // Both sides live: no difference.
  ASSERT_EQ(Run({"schemadiff", "--from=" + ok_url, "--to=" + ok_url}), 0)
      << err_.str();
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(
      Run({"schemadiff", "--from=" + ok_url + "_missing", "--to=" + file}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("no database"));
}

TEST_F(CliTest, ApplySchemaWaitShowAndRevert) {
  ASSERT_OK(conn_
                ->Execute("CREATE TABLE items (id INT PRIMARY KEY, sku "
                          "VARCHAR(20), price INT)")
                .status());
  ASSERT_OK(conn_
                ->Execute("INSERT INTO items SELECT seq, CONCAT('s', seq), "
                          "seq FROM seq_1_to_20000")
                .status());
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
                 "ALTER TABLE items ADD COLUMN qty INT NOT NULL DEFAULT 0",
                 "--wait", "commerce"}),
            0)
      << err_.str();
  const std::string waited = out_.str();
  EXPECT_THAT(waited, HasSubstr("%"));
  EXPECT_THAT(waited, HasSubstr("rows/s"));
  EXPECT_THAT(waited, HasSubstr(" complete"));
  const std::string uuid = waited.substr(0, waited.find(' '));

  EXPECT_EQ(Run({"OnlineDDL", "show", "commerce", "all"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr(uuid));
  EXPECT_THAT(out_.str(), HasSubstr("items"));
  EXPECT_EQ(Run({"OnlineDDL", "show", "commerce", uuid, "--json"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\"uuid\": \"" + uuid + "\""));
  EXPECT_THAT(out_.str(), HasSubstr("\"status\": \"COMPLETE\""));
  EXPECT_EQ(Run({"ApplySchema", "--sql",
                 "SHOW VITESS_MIGRATIONS LIKE '" + uuid + "'", "commerce"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("migration_uuid"));
  EXPECT_THAT(out_.str(), HasSubstr(uuid));
  // A WHERE filter is printed back from its tokens and ANDed with the
  // tablet's own condition; one that would break out of it is refused.
  EXPECT_EQ(Run({"ApplySchema", "--sql",
                 "SHOW VITESS_MIGRATIONS WHERE migration_uuid = \"" + uuid +
                     "\" AND `migration_status` = 'complete'",
                 "commerce"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr(uuid));
  EXPECT_EQ(Run({"ApplySchema", "--sql",
                 "SHOW VITESS_MIGRATIONS WHERE migration_uuid = 'none' "
                 "/*! ) OR (1 */",
                 "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("unbalanced ')'"));
  EXPECT_THAT(out_.str(), Not(HasSubstr(uuid)));

  EXPECT_EQ(Run({"OnlineDDL", "revert", "commerce", uuid,
                 "--ddl-strategy=vitess --retain-artifacts=2h"}),
            2);
  EXPECT_THAT(err_.str(), HasSubstr("takes no --ddl-strategy"));
  EXPECT_EQ(Run({"OnlineDDL", "revert", "commerce", uuid, "--wait"}), 0)
      << err_.str();
  ASSERT_OK_AND_ASSIGN(
      std::string qty,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "COLUMNS WHERE TABLE_SCHEMA = 'shop' AND "
                        "TABLE_NAME = 'items' AND COLUMN_NAME = 'qty'"));
  EXPECT_EQ(qty, "0");

  // A REVERT sent through ApplySchema keeps its artifacts as long as its
  // strategy asks (not the reverted migration's).
  const std::string of_revert =
      "SELECT migration_uuid, retain_artifacts_seconds FROM "
      "_vt.schema_migrations WHERE reverted_uuid = ";
  ASSERT_OK_AND_ASSIGN(
      std::string revert,
      mysql::QueryValue(*conn_, of_revert + mysql::QuoteString(uuid)));
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --retain-artifacts=2h",
                 "--sql", "REVERT VITESS_MIGRATION '" + revert + "'", "--wait",
                 "commerce"}),
            0)
      << err_.str();
  ASSERT_OK_AND_ASSIGN(mysql::Result again,
                       conn_->Execute(of_revert + mysql::QuoteString(revert)));
  ASSERT_EQ(again.rows.size(), 1u);
  EXPECT_EQ(again.rows[0].Get(1), "7200");
  // --json answers JSON for a revert too (it printed a bare UUID).
  const std::string last(again.rows[0].Get(0));
  EXPECT_EQ(Run({"OnlineDDL", "revert", "commerce", last, "--json"}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"uuids\": ["));
  ASSERT_OK_AND_ASSIGN(std::string third,
                       mysql::QueryValue(*conn_,
                                         "SELECT migration_uuid FROM "
                                         "_vt.schema_migrations WHERE "
                                         "reverted_uuid = " +
                                             mysql::QuoteString(last)));
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", third}), 0) << err_.str();
  // Reverted three times: qty is gone again.
  EXPECT_THAT(mysql::QueryValue(
                  *conn_, absl::StrCat("SELECT COUNT(*) FROM information_"
                                       "schema.COLUMNS WHERE TABLE_SCHEMA "
                                       "= 'shop' AND TABLE_NAME = 'items' "
                                       "AND COLUMN_NAME = 'qty'")),
              IsOkAndHolds("0"));
}

// A request whose later statement fails says what its earlier ones did
// without a UUID to show (a direct DDL): sent again, it would fail on them.
TEST_F(CliTest, AFailingRequestSaysWhatItAlreadyApplied) {
  ASSERT_OK(conn_->Execute("CREATE TABLE twice (id INT PRIMARY KEY)").status());
  EXPECT_EQ(
      Run({"ApplySchema", "--sql", "ALTER TABLE twice ADD COLUMN c INT",
           "--sql", "ALTER TABLE not_there ADD COLUMN c INT", "commerce"}),
      1);
  EXPECT_THAT(err_.str(),
              HasSubstr("already applied: statement 1 (ALTER TABLE twice ADD "
                        "COLUMN c INT)"));
}

// A request's migrations are submitted together or not at all: a later
// statement refused (its table has a pending migration) leaves the ones
// before it unsubmitted, and the error says which statement it was.
TEST_F(CliTest, ARefusedStatementLeavesTheRequestUnsubmitted) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE first_t (id INT PRIMARY KEY)").status());
  ASSERT_OK(
      conn_->Execute("CREATE TABLE busy_t (id INT PRIMARY KEY)").status());
  ASSERT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --postpone-launch",
                 "--sql", "ALTER TABLE busy_t ADD COLUMN c INT", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
                 "ALTER TABLE first_t ADD COLUMN c INT", "--sql",
                 "ALTER TABLE busy_t ADD COLUMN d INT", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("statement 2 of 2: table `busy_t` "
                                    "already has a pending migration"));
  EXPECT_THAT(err_.str(), HasSubstr("(nothing was submitted)"));
  ASSERT_OK_AND_ASSIGN(std::vector<onlineddl::Migration> ms,
                       executor_->List("mysql_table = 'first_t'"));
  EXPECT_THAT(ms, ::testing::IsEmpty());
  // Two statements on one table: the second finds the first pending.
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
                 "ALTER TABLE first_t ADD COLUMN c INT", "--sql",
                 "ALTER TABLE first_t ADD COLUMN d INT", "commerce"}),
            1);
  EXPECT_THAT(err_.str(),
              HasSubstr("statement 2 of 2: table `first_t` is also changed "
                        "by an earlier statement of this request"));
  ASSERT_OK_AND_ASSIGN(ms, executor_->List("mysql_table = 'first_t'"));
  EXPECT_THAT(ms, ::testing::IsEmpty());
  // With --allow-concurrent both are submitted, in one go.
  EXPECT_EQ(Run({"ApplySchema",
                 "--ddl-strategy=vitess --allow-concurrent --postpone-launch",
                 "--sql", "ALTER TABLE first_t ADD COLUMN c INT", "--sql",
                 "ALTER TABLE first_t ADD COLUMN d INT", "commerce"}),
            0)
      << err_.str();
  ASSERT_OK_AND_ASSIGN(ms, executor_->List("mysql_table = 'first_t'"));
  EXPECT_EQ(ms.size(), 2u);
  EXPECT_EQ(Run({"OnlineDDL", "cancel", "commerce", "all"}), 0) << err_.str();
}

// --uuid takes a list (comma-separated or repeated); --wait --json keeps
// stdout for the final state as JSON, the live progress going to stderr, one
// terminal line for all the migrations.
TEST_F(CliTest, GivenUuidsWaitedForAsJson) {
  const std::string u1 = "0a1b2c3d_0000_11ee_8000_000000000001";
  const std::string u2 = "0a1b2c3d_0000_11ee_8000_000000000002";
  const std::string u3 = "0a1b2c3d_0000_11ee_8000_000000000003";
  for (const char* t : {"j1", "j2", "j3"}) {
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat("CREATE TABLE ", t,
                                         " (id INT PRIMARY KEY, v INT)"))
                  .status());
    ASSERT_OK(conn_
                  ->Execute(absl::StrCat("INSERT INTO ", t,
                                         " SELECT seq, seq FROM seq_1_to_2000"))
                  .status());
  }
  ASSERT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --allow-concurrent",
                 "--sql", "ALTER TABLE j1 ADD COLUMN w INT", "--sql",
                 "ALTER TABLE j2 ADD COLUMN w INT", "--sql",
                 "ALTER TABLE j3 ADD COLUMN w INT", "--uuid=" + u1 + "," + u2,
                 "--uuid", u3, "--wait", "--json", "--poll-ms=20", "commerce"},
                /*tty=*/true),
            0)
      << err_.str();
  const std::string json = out_.str();
  for (const std::string& u : {u1, u2, u3}) {
    EXPECT_THAT(json, HasSubstr("\"uuid\": \"" + u + "\"")) << json;
  }
  EXPECT_THAT(json, HasSubstr("\"status\": \"COMPLETE\""));
  EXPECT_THAT(json, Not(HasSubstr("rows/s")));
  EXPECT_EQ(json.find('\r'), std::string::npos);
  // Each redraw shows all three migrations.
  const std::string progress = err_.str();
  size_t redraws = 0;
  for (absl::string_view line : absl::StrSplit(progress, '\r')) {
    if (line.empty()) continue;
    ++redraws;
    for (const std::string& u : {u1, u2, u3}) {
      EXPECT_THAT(std::string(line), HasSubstr(u)) << progress;
    }
  }
  EXPECT_GT(redraws, 0u) << progress;
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration m, executor_->Get(u3));
  EXPECT_EQ(m.table, "j3");
}

TEST_F(CliTest, PostponedCompletionViaStatementAndCommands) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE t2 (id INT PRIMARY KEY, v INT)").status());
  ASSERT_EQ(
      Run({"ApplySchema", "--ddl-strategy", "vitess --postpone-completion",
           "--sql", "ALTER TABLE t2 ADD KEY (v)", "commerce"}),
      0)
      << err_.str();
  const std::string uuid(absl::StripAsciiWhitespace(out_.str()));
  ASSERT_EQ(uuid.size(), 36u);
  // A command for another keyspace is refused before it runs: the
  // migration is not cancelled (it completes below).
  EXPECT_EQ(Run({"OnlineDDL", "cancel", "otherks", uuid}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("keyspace commerce"));
  EXPECT_EQ(Run({"ApplySchema", "--sql",
                 "ALTER VITESS_MIGRATION '" + uuid + "' COMPLETE", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", uuid}), 0) << out_.str();
  // Commands that do not apply fail clearly.
  EXPECT_EQ(Run({"OnlineDDL", "cancel", "commerce", uuid}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("is complete"));
  EXPECT_EQ(Run({"ApplySchema", "--sql", "ALTER TABLE t2 ADD", "--ddl-strategy",
                 "vitess", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("syntax error"));
  EXPECT_EQ(Run({"OnlineDDL", "show", "otherks", "all"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("keyspace commerce"));
  EXPECT_EQ(Run({"ApplySchema", "--bogus", "commerce"}), 2);
}

// ExecuteMigrationCommand's ddl_strategy (the @@ddl_strategy in effect)
// applies to a REVERT as ApplySchema's does: --postpone-completion holds
// its cut-over, --retain-artifacts its old table. It was ignored.
TEST_F(CliTest, ARevertCommandTakesTheStrategyInEffect) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE t5 (id INT PRIMARY KEY, v INT)").status());
  const std::string done = Completed("ALTER TABLE t5 ADD COLUMN w INT");
  ASSERT_FALSE(done.empty());
  auto stub = NewStub();
  sidecut::MigrationCommandRequest req;
  req.set_sql(absl::StrCat("REVERT VITESS_MIGRATION '", done, "'"));
  req.set_ddl_strategy("vitess --postpone-completion --retain-artifacts=90m");
  sidecut::MigrationCommandResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->ExecuteMigrationCommand(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.uuids_size(), 1);
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration r, executor_->Get(resp.uuids(0)));
  EXPECT_TRUE(r.postpone_completion);
  EXPECT_EQ(r.retain_artifacts_seconds, 90 * 60);
  ASSERT_OK(executor_->Cancel(r.uuid).status());
}

// GetSchemaMigrations picks one filter, as its message says: a UUID
// selects its migration whatever else the request holds (skip and limit
// too); they were all ANDed, and a skip hid it.
TEST_F(CliTest, AUuidSelectsItsMigrationWhateverElseIsAsked) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE t6 (id INT PRIMARY KEY, v INT)").status());
  const std::string done = Completed("ALTER TABLE t6 ADD COLUMN w INT");
  ASSERT_FALSE(done.empty());
  auto stub = NewStub();
  vtctldata::GetSchemaMigrationsRequest req;
  req.set_keyspace("commerce");
  req.set_uuid(done);
  req.set_status(vtctldata::SchemaMigration::FAILED);
  req.set_migration_context("another");
  req.set_skip(1);
  vtctldata::GetSchemaMigrationsResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub->GetSchemaMigrations(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.migrations_size(), 1);
  EXPECT_EQ(resp.migrations(0).uuid(), done);
}

// A request naming no context gets one, as Vitess gives it: its
// migrations share it, and --singleton-context holds another request off
// while they are pending (two requests without a context were both
// taken).
TEST_F(CliTest, ARequestWithoutAContextGetsOne) {
  ASSERT_OK(conn_->Execute("CREATE TABLE t7 (id INT PRIMARY KEY)").status());
  ASSERT_OK(conn_->Execute("CREATE TABLE t8 (id INT PRIMARY KEY)").status());
  ASSERT_EQ(Run({"ApplySchema", "--ddl-strategy",
                 "vitess --singleton-context --postpone-completion", "--sql",
                 "ALTER TABLE t7 ADD COLUMN a INT; ALTER TABLE t8 ADD COLUMN "
                 "a INT",
                 "commerce"}),
            0)
      << err_.str();
  const std::vector<std::string> uuids =
      absl::StrSplit(absl::StripAsciiWhitespace(out_.str()), '\n');
  ASSERT_EQ(uuids.size(), 2u) << out_.str();
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration a, executor_->Get(uuids[0]));
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration b, executor_->Get(uuids[1]));
  EXPECT_TRUE(absl::StartsWith(a.migration_context, "vtctl:"))
      << a.migration_context;
  EXPECT_EQ(a.migration_context, b.migration_context);
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy", "vitess --singleton-context",
                 "--sql", "CREATE TABLE t9 (id INT PRIMARY KEY)", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("singleton-context migration rejected"));
  for (const std::string& u : uuids) {
    ASSERT_OK(executor_->Cancel(u).status());
  }
}

// What a DBA mistypes: an error and exit 2 (no abort), nothing run; a
// batch with one bad statement submits none of them; retry takes a UUID;
// show takes a migration context as vtctldclient does.
TEST_F(CliTest, MistakesAreRefusedBeforeAnythingRuns) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE m1 (id INT PRIMARY KEY, v INT)").status());
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{
           {"OnlineDDL", "show", "commerce", "all", "--limit=ten"},
           {"OnlineDDL", "show", "commerce", "all", "--order=sideways"},
           {"OnlineDDL", "show", "commerce", "all", "--poll-ms=0"},
           {"OnlineDDL", "throttle", "commerce", "all", "--ratio=5"},
           {"OnlineDDL", "throttle", "commerce", "all", "--ratio=0"},
           {"OnlineDDL", "throttle", "commerce", "all", "--expire=soon"},
           {"OnlineDDL", "throttle", "commerce", "all", "--expire=0s"},
           {"OnlineDDL", "unthrottle", "commerce", "all", "--ratio=0.5"},
           {"OnlineDDL", "revert", "commerce", "x' OR '1"},
           {"Deployment", "show", "commerce", "it's"}}) {
    EXPECT_EQ(Run(bad), 2) << absl::StrJoin(bad, " ");
  }
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess", "--sql",
                 "ALTER TABLE m1 ADD COLUMN w INT", "--sql",
                 "ALTER TABLE m1 ADD", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("statement 2 of 2"));
  EXPECT_THAT(err_.str(), HasSubstr("nothing was submitted"));
  ASSERT_OK_AND_ASSIGN(std::vector<onlineddl::Migration> none,
                       executor_->List("mysql_table = 'm1'"));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(Run({"OnlineDDL", "retry", "commerce", "all"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("needs a migration UUID"));
  ASSERT_EQ(
      Run({"ApplySchema", "--ddl-strategy", "vitess --postpone-completion",
           "--migration-context", "ctx-show", "--sql",
           "ALTER TABLE m1 ADD COLUMN w INT", "commerce"}),
      0)
      << err_.str();
  const std::string uuid(absl::StripAsciiWhitespace(out_.str()));
  EXPECT_EQ(Run({"OnlineDDL", "show", "commerce", "ctx-show", "--json"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr(uuid));
  EXPECT_EQ(Run({"OnlineDDL", "show", "commerce", "other-ctx", "--json"}), 0);
  EXPECT_THAT(out_.str(), ::testing::Not(HasSubstr(uuid)));
  // Every command names its keyspace, and a tablet of another refuses it.
  EXPECT_EQ(Run({"OnlineDDL", "throttle", "otherks", uuid}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("keyspace commerce"));
  EXPECT_EQ(Run({"OnlineDDL", "revert", "otherks", uuid}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("keyspace commerce"));
  EXPECT_EQ(Run({"Deployment", "show", "otherks", "ctx-show"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("keyspace commerce"));
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration m, executor_->Get(uuid));
  EXPECT_EQ(m.user_throttle_ratio, 0);
  // throttle --ratio --expire reach the tablet's rule; unthrottle ends it.
  EXPECT_EQ(Run({"OnlineDDL", "throttle", "commerce", "all", "--ratio=0.5",
                 "--expire=1h"}),
            0)
      << err_.str();
  EXPECT_THAT(
      mysql::QueryValue(
          *conn_,
          "SELECT CONCAT(ratio, ' ', ROUND((expires_at - UNIX_TIMESTAMP() * "
          "1000000) / 60000000)) FROM _vt.sidecut_throttled_apps WHERE "
          "app_name = 'online-ddl'"),
      IsOkAndHolds("0.5 60"));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(uuid));
  EXPECT_FLOAT_EQ(m.user_throttle_ratio, 0.5);
  EXPECT_EQ(Run({"OnlineDDL", "unthrottle", "commerce", "all"}), 0);
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(uuid));
  EXPECT_EQ(m.user_throttle_ratio, 0);
  // A bad strategy or UUID list is found before anything runs: the
  // COMPLETE ahead of the bad part did run (the migration completed, the
  // error not saying so).
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --nope", "--sql",
                 "ALTER VITESS_MIGRATION '" + uuid + "' COMPLETE", "--sql",
                 "ALTER TABLE m1 ADD COLUMN z INT", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("nothing was submitted"));
  const std::string fresh = "5e6f7081_92a3_11ee_8c99_0242ac120002";
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess", "--uuid",
                 fresh + ",bogus", "--sql", "ALTER TABLE m1 ADD COLUMN z INT",
                 "--sql", "ALTER TABLE m1 ADD COLUMN y INT", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("'bogus' is not a valid migration UUID"));
  EXPECT_EQ(
      Run({"ApplySchema", "--ddl-strategy=vitess", "--uuid",
           fresh + "," + fresh, "--sql", "ALTER TABLE m1 ADD COLUMN z INT",
           "--sql", "ALTER TABLE m1 ADD COLUMN y INT", "commerce"}),
      1);
  EXPECT_THAT(err_.str(), HasSubstr("given twice"));
  EXPECT_THAT(executor_->Get(fresh), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(uuid));
  EXPECT_TRUE(m.postpone_completion);
  EXPECT_NE(m.status, onlineddl::kStatusComplete);
  EXPECT_EQ(Run({"OnlineDDL", "cancel", "commerce", uuid}), 0) << err_.str();
}

TEST_F(CliTest, DeclarativeDeploymentFromADirectory) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE d1 (id INT PRIMARY KEY, a INT)").status());
  ASSERT_OK(conn_->Execute("INSERT INTO d1 SELECT seq, seq FROM seq_1_to_5000")
                .status());
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/schema_", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/d1.sql")
      << "CREATE TABLE d1 (id INT PRIMARY KEY, a INT, b INT)";
  std::ofstream(dir + "/d2.sql") << "CREATE TABLE d2 (id INT PRIMARY KEY)";
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --declarative",
                 "--sql-file", dir, "--migration-context=dep1", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(Run({"Deployment", "show", "commerce", "dep1", "--wait"}), 0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("deployment\tdep1\t\t\tcomplete"));
  ASSERT_OK_AND_ASSIGN(
      std::string cols,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "COLUMNS WHERE TABLE_SCHEMA = 'shop' AND "
                        "TABLE_NAME = 'd1'"));
  EXPECT_EQ(cols, "3");
  EXPECT_EQ(Run({"Deployment", "revert", "commerce", "dep1", "--wait"}), 0)
      << err_.str() << out_.str();
  ASSERT_OK_AND_ASSIGN(
      cols, mysql::QueryValue(*conn_,
                              "SELECT COUNT(*) FROM information_schema."
                              "COLUMNS WHERE TABLE_SCHEMA = 'shop' AND "
                              "TABLE_NAME = 'd1'"));
  EXPECT_EQ(cols, "2");
  EXPECT_EQ(Run({"Deployment", "cancel", "commerce", "dep1"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("is complete"));
  // Waiting ends with the verb's own end, or exit 1: a deployment that was
  // cancelled did not complete.
  std::ofstream(dir + "/d1.sql")
      << "CREATE TABLE d1 (id INT PRIMARY KEY, a INT, c INT)";
  std::remove((dir + "/d2.sql").c_str());
  ASSERT_EQ(Run({"ApplySchema",
                 "--ddl-strategy=vitess --declarative --postpone-completion",
                 "--sql-file", dir, "--migration-context=dep2", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(Run({"Deployment", "cancel", "commerce", "dep2", "--wait"}), 0)
      << err_.str() << out_.str();
  EXPECT_EQ(Run({"Deployment", "show", "commerce", "dep2", "--wait"}), 1)
      << out_.str();
  // With --json, stdout is the final state as JSON alone; the progress
  // goes to stderr.
  ASSERT_EQ(Run({"ApplySchema",
                 "--ddl-strategy=vitess --declarative --postpone-completion",
                 "--sql-file", dir, "--migration-context=dep3", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(
      Run({"Deployment", "complete", "commerce", "dep3", "--wait", "--json"}),
      0)
      << err_.str() << out_.str();
  EXPECT_TRUE(absl::StartsWith(out_.str(), "{")) << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"complete\""));
  EXPECT_THAT(out_.str(), Not(HasSubstr("deployment dep3")));
  EXPECT_THAT(err_.str(), HasSubstr("deployment dep3 "));
}

// Several files (or --sql entries) of a declarative request are one
// desired schema: one deployment. Each was planned as the whole schema, a
// deployment of its own (the second refused for the context, after the
// first was submitted; with --whole-schema each dropped the other's
// tables).
TEST_F(CliTest, ADeclarativeRequestsFilesAreOneSchema) {
  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/parts_", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/m1.sql") << "CREATE TABLE m1 (id INT PRIMARY KEY)";
  std::ofstream(dir + "/m2.sql") << "CREATE TABLE m2 (id INT PRIMARY KEY)";
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --declarative",
                 "--sql-file", dir + "/m1.sql", "--sql-file", dir + "/m2.sql",
                 "--migration-context=parts", "commerce"}),
            0)
      << err_.str();
  EXPECT_EQ(Run({"Deployment", "show", "commerce", "parts", "--wait"}), 0)
      << err_.str() << out_.str();
  ASSERT_OK_AND_ASSIGN(
      std::string tables,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME IN "
                        "('m1', 'm2')"));
  EXPECT_EQ(tables, "2");
  // A migration command among them: refused, nothing submitted.
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --declarative", "--sql",
                 "CREATE TABLE m3 (id INT PRIMARY KEY)", "--sql",
                 "ALTER VITESS_MIGRATION CANCEL ALL", "commerce"}),
            1);
  EXPECT_THAT(err_.str(), HasSubstr("one desired schema"));
}

// --wait ends where a migration waits for a DBA (its completion or launch
// postponed: it waited forever), saying what to run; the verbs that move a
// migration on wait with --wait, the others refuse it; --json answers JSON.
TEST_F(CliTest, WaitEndsWhereADbaMustActAndVerbsFollowIt) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE p1 (id INT PRIMARY KEY, v INT)").status());
  ASSERT_EQ(
      Run({"ApplySchema", "--ddl-strategy=vitess --postpone-completion",
           "--sql", "ALTER TABLE p1 ADD COLUMN w INT", "--wait", "commerce"}),
      0)
      << err_.str() << out_.str();
  const std::string uuid = out_.str().substr(0, 36);
  EXPECT_THAT(out_.str(),
              HasSubstr("running: its completion is postponed; run: sidecut "
                        "OnlineDDL complete commerce " +
                        uuid));
  EXPECT_EQ(Run({"OnlineDDL", "cancel", "commerce", uuid, "--wait"}), 2);
  EXPECT_EQ(Run({"OnlineDDL", "complete", "commerce", "all", "--wait"}), 2);
  EXPECT_EQ(Run({"OnlineDDL", "complete", "commerce", uuid, "extra"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("extra argument(s): extra"));
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", "all"}), 2);
  ASSERT_OK_AND_ASSIGN(onlineddl::Migration m, executor_->Get(uuid));
  EXPECT_EQ(m.status, onlineddl::kStatusRunning);  // nothing ran
  EXPECT_EQ(Run({"OnlineDDL", "complete", "commerce", uuid, "--wait"}), 0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr(uuid + " complete"));
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(uuid));
  EXPECT_EQ(m.status, onlineddl::kStatusComplete);

  // A CREATE's postponed completion keeps it queued; a postponed launch.
  ASSERT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --postpone-completion",
                 "--sql", "CREATE TABLE p2 (id INT PRIMARY KEY)", "--wait",
                 "commerce"}),
            0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("its completion is postponed"));
  ASSERT_EQ(
      Run({"ApplySchema", "--ddl-strategy=vitess --postpone-launch", "--sql",
           "ALTER TABLE p1 ADD COLUMN x INT", "--wait", "commerce"}),
      0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), HasSubstr("its launch is postponed; run: sidecut "
                                    "OnlineDDL launch commerce"));
  const std::string held = out_.str().substr(0, 36);
  EXPECT_EQ(Run({"OnlineDDL", "launch", "commerce", held, "--json"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("\"rows_affected_by_shard\""));
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", held}), 0) << out_.str();
  ASSERT_OK_AND_ASSIGN(m, executor_->Get(held));
  EXPECT_EQ(m.status, onlineddl::kStatusComplete);
}

// A declarative deployment's members wait postponed only for its gate:
// --wait follows them to the end (it stopped at once, telling the user to
// complete them).
TEST_F(CliTest, WaitFollowsADeploymentsMembersToTheEnd) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE g1 (id INT PRIMARY KEY, a INT)").status());
  ASSERT_OK(conn_->Execute("INSERT INTO g1 SELECT seq, seq FROM seq_1_to_3000")
                .status());
  ASSERT_EQ(Run({"ApplySchema", "--ddl-strategy=vitess --declarative", "--sql",
                 "CREATE TABLE g1 (id INT PRIMARY KEY, a INT, b INT)",
                 "--migration-context=dep-wait", "--wait", "commerce"}),
            0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(), Not(HasSubstr("postponed")));
  ASSERT_OK_AND_ASSIGN(
      std::string cols,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema."
                        "COLUMNS WHERE TABLE_SCHEMA = 'shop' AND "
                        "TABLE_NAME = 'g1'"));
  EXPECT_EQ(cols, "3");
}

// A postponed deployment's members: --wait ends saying to complete the
// deployment (a member's own complete is refused); it said to complete
// the member.
TEST_F(CliTest, WaitOnAPostponedDeploymentSaysToCompleteIt) {
  ASSERT_OK(
      conn_->Execute("CREATE TABLE g2 (id INT PRIMARY KEY, a INT)").status());
  ASSERT_EQ(Run({"ApplySchema",
                 "--ddl-strategy=vitess --declarative --postpone-completion",
                 "--sql", "CREATE TABLE g2 (id INT PRIMARY KEY, a INT, b INT)",
                 "--migration-context=dep-held", "--wait", "commerce"}),
            0)
      << err_.str() << out_.str();
  EXPECT_THAT(out_.str(),
              HasSubstr("run: sidecut Deployment complete commerce dep-held"));
  EXPECT_THAT(out_.str(), Not(HasSubstr("sidecut OnlineDDL complete")));
  EXPECT_EQ(Run({"Deployment", "complete", "commerce", "dep-held", "--wait"}),
            0)
      << err_.str() << out_.str();
}

// A server lost while waiting (a tablet restarting) is polled on; one gone
// for good ends the wait with 3, not 1 (the migration may still run).
TEST_F(CliTest, WaitRidesOutAServerRestart) {
  const std::string uuid = Completed("CREATE TABLE r1 (id INT PRIMARY KEY)");
  ASSERT_FALSE(uuid.empty());
  server_->Shutdown();
  std::thread back([this] {
    absl::SleepFor(absl::Seconds(2));
    Restart();
  });
  const int rc = Run({"OnlineDDL", "wait", "commerce", uuid});
  back.join();
  EXPECT_EQ(rc, 0) << err_.str() << out_.str();
  EXPECT_THAT(err_.str(), HasSubstr("still watching"));
  EXPECT_THAT(out_.str(), HasSubstr(uuid + " complete"));

  // Lost on the way: a throttled migration does not end; its server goes
  // away while it is waited on.
  ASSERT_OK_AND_ASSIGN(
      std::vector<std::string> held,
      executor_->Submit("ALTER TABLE r1 ADD COLUMN w INT", "vitess", ""));
  ASSERT_OK(executor_->Throttle(held[0], 1).status());
  patience_ = absl::Seconds(1);
  std::thread gone([this] {
    absl::SleepFor(absl::Seconds(1));
    server_->Shutdown();
  });
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", held[0]}), 3) << out_.str();
  gone.join();
  EXPECT_THAT(err_.str(), HasSubstr("lost the server"));

  // A server that never answered this run (a wrong --server) is given up
  // on sooner than one lost on the way.
  patience_ = absl::Minutes(5);
  first_contact_patience_ = absl::Seconds(1);
  const absl::Time t0 = absl::Now();
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", uuid}), 3) << out_.str();
  EXPECT_LT(absl::Now() - t0, absl::Seconds(30));
  EXPECT_THAT(err_.str(), HasSubstr("is --server right?"));
  Restart();
  ASSERT_OK(executor_->Throttle(held[0], 0).status());
}

// The live line fits the terminal; SHOW's --json names the columns; files
// of --sql-file ending in a comment stay apart; `--server h:p` before
// schemadiff is the flag's value, not the command.
TEST_F(CliTest, OutputFitsAndArgumentsAreReadAsMeant) {
  const std::string uuid = Completed("CREATE TABLE o1 (id INT PRIMARY KEY)");
  ASSERT_FALSE(uuid.empty());
  width_ = 30;
  EXPECT_EQ(Run({"OnlineDDL", "wait", "commerce", uuid}, /*tty=*/true), 0);
  const std::string drawn = out_.str();
  const size_t at = drawn.find('\r');
  ASSERT_NE(at, std::string::npos) << drawn;
  const size_t end = drawn.find("\033[K", at);
  ASSERT_NE(end, std::string::npos) << drawn;
  EXPECT_LT(end - at - 1, 30u) << drawn;
  EXPECT_THAT(drawn, HasSubstr(" complete\n"));  // the final state, whole
  width_ = 0;

  EXPECT_EQ(Run({"ApplySchema", "--sql",
                 "SHOW VITESS_MIGRATIONS IN commerce LIKE '" + uuid + "'",
                 "--json", "commerce"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\"migration_uuid\": \"" + uuid + "\""));

  const std::string dir =
      absl::StrCat(::testing::TempDir(), "/files_", ::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/a.sql")
      << "CREATE TABLE f1 (id INT PRIMARY KEY) -- one";
  std::ofstream(dir + "/b.sql") << "CREATE TABLE f2 (id INT PRIMARY KEY)";
  EXPECT_EQ(Run({"ApplySchema", "--ddl-strategy=direct", "--sql-file", dir,
                 "commerce"}),
            0)
      << err_.str();
  ASSERT_OK_AND_ASSIGN(
      std::string made,
      mysql::QueryValue(*conn_,
                        "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                        "TABLE_SCHEMA = 'shop' AND TABLE_NAME IN ('f1', "
                        "'f2')"));
  EXPECT_EQ(made, "2");

  std::ofstream(dir + "/from.sql") << "CREATE TABLE t (id INT PRIMARY KEY);";
  std::ofstream(dir + "/to.sql")
      << "CREATE TABLE t (id INT PRIMARY KEY, v INT);";
  std::stringstream out, err;
  EXPECT_EQ(RunCli({"--server", "127.0.0.1:1", "schemadiff",
                    "--from=" + dir + "/from.sql", "--to=" + dir + "/to.sql"},
                   out, err),
            0)
      << err.str();
  EXPECT_THAT(out.str(), HasSubstr("alter table t add column v int"));
}

}  // namespace
}  // namespace cli
}  // namespace sidecut
