#include "tests/harness/mariadb_instance.h"

#include <dirent.h>
#include <mariadb/mysql.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <map>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace harness {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Reads global variables over a fresh TCP connection.
std::map<std::string, std::string> Variables(const ConnectionParams& p) {
  std::map<std::string, std::string> vars;
  MYSQL* m = mysql_init(nullptr);
  if (mysql_real_connect(m, p.host.c_str(), p.user.c_str(), "", nullptr, p.port,
                         nullptr, 0) == nullptr) {
    ADD_FAILURE() << "connect: " << mysql_error(m);
    mysql_close(m);
    return vars;
  }
  if (mysql_query(m, "SHOW GLOBAL VARIABLES") == 0) {
    MYSQL_RES* res = mysql_store_result(m);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      vars[row[0]] = row[1] ? row[1] : "";
    }
    mysql_free_result(res);
  }
  mysql_close(m);
  return vars;
}

bool DirExists(const std::string& d) { return access(d.c_str(), F_OK) == 0; }

int CountEntries(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  closedir(d);
  return n;
}

TEST(MariaDbInstanceTest, TwoInstancesConfiguredAsPrimariesAndCleanedUp) {
  absl::Time t0 = absl::Now();
  ASSERT_OK_AND_ASSIGN(auto instances, StartInstances(2, InstanceOptions()));
  std::cerr << "started 2 instances in " << (absl::Now() - t0) << "\n";
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_NE(instances[0]->port(), instances[1]->port());

  std::map<std::string, std::string> v0 = Variables(instances[0]->params());
  std::map<std::string, std::string> v1 = Variables(instances[1]->params());
  for (const auto* v : {&v0, &v1}) {
    EXPECT_EQ(v->at("log_bin"), "ON");
    EXPECT_EQ(v->at("binlog_format"), "ROW");
    EXPECT_EQ(v->at("binlog_row_image"), "FULL");
    EXPECT_EQ(v->at("binlog_row_metadata"), "FULL");
    EXPECT_EQ(v->at("binlog_checksum"), "CRC32");
    EXPECT_EQ(v->at("gtid_strict_mode"), "ON");
    EXPECT_EQ(v->at("event_scheduler"), "ON");
    EXPECT_EQ(v->at("character_set_server"), "utf8mb4");
    EXPECT_EQ(v->at("bind_address"), "127.0.0.1");
    EXPECT_THAT(v->at("version"), HasSubstr("MariaDB"));
  }
  EXPECT_NE(v0.at("server_id"), v1.at("server_id"));
  EXPECT_NE(v0.at("gtid_domain_id"), v1.at("gtid_domain_id"));

  std::string dir = instances[0]->dir();
  pid_t pid = instances[0]->server_pid();
  EXPECT_TRUE(DirExists(dir));
  EXPECT_EQ(kill(pid, 0), 0);
  EXPECT_OK(instances[0]->Stop());
  EXPECT_FALSE(DirExists(dir));
  EXPECT_NE(kill(pid, 0), 0) << "mariadbd " << pid << " still running";
  EXPECT_OK(instances[0]->Stop());  // idempotent

  // The destructor stops the other one.
  std::string dir1 = instances[1]->dir();
  pid_t pid1 = instances[1]->server_pid();
  instances.clear();
  EXPECT_FALSE(DirExists(dir1));
  EXPECT_NE(kill(pid1, 0), 0);
}

TEST(MariaDbInstanceTest, StartFailureReportsErrorLogAndLeavesNothing) {
  std::string base = std::string(getenv("TEST_TMPDIR")) + "/failing";
  ASSERT_EQ(mkdir(base.c_str(), 0700), 0);
  InstanceOptions o;
  o.base_dir = base;
  o.extra_config = {"no_such_sidecut_option=1"};
  o.start_timeout = absl::Seconds(20);
  auto inst = MariaDbInstance::Start(o);
  EXPECT_THAT(inst, Not(IsOk()));
  EXPECT_THAT(inst.status().message(), HasSubstr("no_such_sidecut_option"));
  EXPECT_EQ(CountEntries(base), 0);
}

TEST(MariaDbInstanceTest, MissingTemplateIsAClearError) {
  InstanceOptions o;
  o.template_tar = "/nonexistent/template.tar";
  auto inst = MariaDbInstance::Start(o);
  EXPECT_THAT(inst, Not(IsOk()));
}

}  // namespace
}  // namespace harness
}  // namespace sidecut
