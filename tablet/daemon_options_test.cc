#include "tablet/daemon_options.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "mysql/testing/scripted_connection.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace tablet {
namespace {

using ::testing::HasSubstr;

DaemonFlags Flags() {
  DaemonFlags f;
  f.db = "shop";
  return f;
}

std::string TempFile(const std::string& content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/password." +
                     std::to_string(getpid());
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(DaemonOptionsTest, CarriesTheFlags) {
  DaemonFlags f = Flags();
  f.mysql_port = 3307;
  f.tick_ms = 100;
  f.concurrent_copies = 2;
  f.copy_niceness = 5;
  f.copy_chunk_ms = 40;
  f.copy_catchup_ms = 3000;
  f.retain_artifacts_seconds = 60;
  f.statement_copy = true;
  f.defer_secondary_indexes = false;
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions defaults,
                       MakeExecutorOptions(f, nullptr));
  EXPECT_TRUE(defaults.verify_copy);
  EXPECT_TRUE(defaults.verify_old_tables_ahead);
  EXPECT_TRUE(defaults.verify_beside_index_build);
  EXPECT_FALSE(defaults.verify_before_index_build);
  EXPECT_TRUE(defaults.hold_stream_during_index_build);
  f.verify_copy = false;
  f.verify_old_tables_ahead = false;
  f.verify_beside_index_build = false;
  f.verify_before_index_build = true;
  f.hold_stream_during_index_build = false;
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions o,
                       MakeExecutorOptions(f, nullptr));
  EXPECT_FALSE(o.verify_copy);
  EXPECT_FALSE(o.verify_old_tables_ahead);
  EXPECT_FALSE(o.verify_beside_index_build);
  EXPECT_TRUE(o.verify_before_index_build);
  EXPECT_FALSE(o.hold_stream_during_index_build);
  EXPECT_EQ(o.db, "shop");
  EXPECT_EQ(o.connect.port, 3307);
  EXPECT_EQ(o.tick, absl::Milliseconds(100));
  EXPECT_EQ(o.concurrent_copies, 2);
  EXPECT_EQ(o.workflow.copy_niceness, 5);
  EXPECT_EQ(o.workflow.copy_batch_target, absl::Milliseconds(40));
  EXPECT_EQ(o.workflow.copy_catchup_interval, absl::Seconds(3));
  EXPECT_EQ(o.retain_artifacts, absl::Seconds(60));
  EXPECT_TRUE(o.workflow.statement_copy);
  EXPECT_FALSE(o.defer_secondary_indexes);
  // A unix socket names the server: the port is not looked at.
  f.mysql_socket = "/run/mysqld/mysqld.sock";
  f.mysql_port = 0;
  EXPECT_OK(MakeExecutorOptions(f, nullptr).status());
}

TEST(DaemonOptionsTest, RefusesValuesThatCannotWork) {
  struct Case {
    void (*mutate)(DaemonFlags*);
    const char* error;
  };
  const Case cases[] = {
      {[](DaemonFlags* f) { f->db = ""; }, "--db is required"},
      // A tick of 0 made the scheduler spin on a core.
      {[](DaemonFlags* f) { f->tick_ms = 0; }, "--tick_ms must be within"},
      {[](DaemonFlags* f) { f->tick_ms = -5; }, "--tick_ms must be within"},
      {[](DaemonFlags* f) { f->concurrent_copies = 0; },
       "--concurrent_copies must be within"},
      {[](DaemonFlags* f) { f->copy_niceness = 20; },
       "--copy_niceness must be within -20..19"},
      {[](DaemonFlags* f) { f->copy_chunk_ms = 0; },
       "--copy_chunk_ms must be within"},
      {[](DaemonFlags* f) { f->copy_catchup_ms = -1; },
       "--copy_catchup_ms must be within"},
      {[](DaemonFlags* f) { f->retain_artifacts_seconds = -1; },
       "--retain_artifacts_seconds must be within"},
      {[](DaemonFlags* f) { f->live_reverse_streams = -2; },
       "--live_reverse_streams must be within"},
      {[](DaemonFlags* f) { f->mysql_port = 0; },
       "--mysql_port must be within"},
      {[](DaemonFlags* f) {
         f->mysql_password = "a";
         f->mysql_password_file = "/nonexistent";
       },
       "not both"},
      {[](DaemonFlags* f) { f->mysql_password_file = "/nonexistent/pw"; },
       "cannot read /nonexistent/pw"},
      {[](DaemonFlags* f) { f->throttle_replicas = "replica1"; },
       "--throttle_replicas: 'replica1' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = "a:3306, b:0"; },
       "'b:0' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = ":3306"; },
       "':3306' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = "::1"; },
       "'::1' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = "[::1"; },
       "'[::1' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = "[db1:3306"; },
       "'[db1:3306' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_replicas = "db1]:3306"; },
       "'db1]:3306' is not host:port"},
      {[](DaemonFlags* f) { f->throttle_threads_running = 2; },
       "--throttle_threads_running must be within 8.."},
      {[](DaemonFlags* f) { f->throttle_max_lag_ms = 10; },
       "--throttle_max_lag_ms must be within"},
      {[](DaemonFlags* f) { f->throttle_threads_running = 0; },
       "--throttle_threads_running must be within"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.error);
    DaemonFlags f = Flags();
    c.mutate(&f);
    EXPECT_THAT(
        MakeExecutorOptions(f, nullptr),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)));
  }
}

// The copies ask the listed replicas: one that cannot be reached holds
// them, and without replicas only the server load does.
TEST(DaemonOptionsTest, CopiesAskTheListedReplicas) {
  mysql::testing::ScriptedConnection primary;  // answers the load check
  primary.script().answers["Threads_running"] = mysql::testing::OneRow(
      {{"Variable_name", "Threads_running"}, {"Value", "2"}});
  primary.script().answers["SHOW SLAVE HOSTS"] = mysql::Result();
  DaemonFlags f = Flags();
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions alone,
                       MakeExecutorOptions(f, nullptr));
  ASSERT_TRUE(alone.workflow.throttle);
  EXPECT_THAT(alone.workflow.throttle(primary), IsOkAndHolds(""));
  f.throttle_replicas = "127.0.0.1:1";  // nothing listens there
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions o,
                       MakeExecutorOptions(f, nullptr));
  ASSERT_TRUE(o.workflow.throttle);
  EXPECT_THAT(o.workflow.throttle(primary),
              IsOkAndHolds(HasSubstr("replica root@127.0.0.1:1 cannot be "
                                     "asked its lag")));
  f.throttle_replicas = "[::1]:1";
  ASSERT_OK_AND_ASSIGN(o, MakeExecutorOptions(f, nullptr));
  EXPECT_THAT(o.workflow.throttle(primary),
              IsOkAndHolds(HasSubstr("replica root@::1:1 cannot be asked")));
}

// With the flag the copies also ask the replicas the server lists in SHOW
// SLAVE HOSTS, with the daemon's credentials; not by default (a listed
// address is whatever a replication session reported).
TEST(DaemonOptionsTest, CopiesAskTheReplicasTheServerListsOnlyWhenTold) {
  mysql::testing::ScriptedConnection primary;
  primary.script().answers["Threads_running"] = mysql::testing::OneRow(
      {{"Variable_name", "Threads_running"}, {"Value", "2"}});
  primary.script().answers["SHOW SLAVE HOSTS"] =
      mysql::testing::OneRow({{"Server_id", "2"},
                              {"Host", "127.0.0.1"},
                              {"Port", "1"},  // nothing listens there
                              {"Master_id", "1"}});
  DaemonFlags f = Flags();
  EXPECT_FALSE(f.throttle_discover_replicas);  // the default
  f.throttle_discover_replicas = true;
  f.mysql_user = "sidecut";
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions o,
                       MakeExecutorOptions(f, nullptr));
  // Found, tried with the daemon's user, and (unreachable, so not known to
  // be that replica) not watched, which is said.
  ::testing::internal::CaptureStderr();
  EXPECT_THAT(o.workflow.throttle(primary), IsOkAndHolds(""));
  EXPECT_THAT(::testing::internal::GetCapturedStderr(),
              HasSubstr("not watching sidecut@127.0.0.1:1, listed in SHOW "
                        "SLAVE HOSTS as server_id 2: cannot connect"));
  const int listed = primary.script().executed;
  f.throttle_discover_replicas = false;
  ASSERT_OK_AND_ASSIGN(o, MakeExecutorOptions(f, nullptr));
  ::testing::internal::CaptureStderr();
  EXPECT_THAT(o.workflow.throttle(primary), IsOkAndHolds(""));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(primary.script().executed, listed + 1);  // Threads_running only
}

TEST(DaemonOptionsTest, PasswordFromFlagFileOrEnvironment) {
  DaemonFlags f = Flags();
  ASSERT_OK_AND_ASSIGN(onlineddl::ExecutorOptions o,
                       MakeExecutorOptions(f, nullptr));
  EXPECT_EQ(o.connect.password, "");
  ASSERT_OK_AND_ASSIGN(o, MakeExecutorOptions(f, "from-env"));
  EXPECT_EQ(o.connect.password, "from-env");
  // The file's first line, without its line end; it wins over the
  // environment.
  f.mysql_password_file = TempFile("s3cr'et\r\nsecond line\n");
  ASSERT_OK_AND_ASSIGN(o, MakeExecutorOptions(f, "from-env"));
  EXPECT_EQ(o.connect.password, "s3cr'et");
  f.mysql_password_file.clear();
  f.mysql_password = "from-flag";
  ASSERT_OK_AND_ASSIGN(o, MakeExecutorOptions(f, "from-env"));
  EXPECT_EQ(o.connect.password, "from-flag");
}

}  // namespace
}  // namespace tablet
}  // namespace sidecut
