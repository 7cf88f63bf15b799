// SharedInstanceTest: a gtest fixture whose test suite shares one throwaway
// MariaDB instance (started before the suite's first test, stopped after its
// last), with a fresh connection per test in `conn_`. With
// SIDECUT_BUFFER_POOL=large in the environment the instance runs in
// benchmark mode (512M buffer pool, as a production server sized for its
// data would), for acceptance runs at full scale.
#ifndef SIDECUT_TESTS_HARNESS_SHARED_INSTANCE_TEST_H_
#define SIDECUT_TESTS_HARNESS_SHARED_INSTANCE_TEST_H_

#include <cstdlib>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "mysql/mysql_connection.h"
#include "tests/harness/instance_connection.h"
#include "tests/harness/mariadb_instance.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace harness {

class SharedInstanceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    InstanceOptions o;
    const char* pool = std::getenv("SIDECUT_BUFFER_POOL");
    o.benchmark_mode = pool != nullptr && std::string(pool) == "large";
    auto inst = MariaDbInstance::Start(o);
    ASSERT_OK(inst.status());
    instance_ = inst->release();
  }
  static void TearDownTestSuite() {
    delete instance_;
    instance_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(instance_, nullptr) << "the shared MariaDB did not start";
    ASSERT_OK_AND_ASSIGN(conn_, ConnectTo(*instance_));
  }

  static inline MariaDbInstance* instance_ = nullptr;
  std::unique_ptr<mysql::MysqlConnection> conn_;
};

}  // namespace harness
}  // namespace sidecut

#endif  // SIDECUT_TESTS_HARNESS_SHARED_INSTANCE_TEST_H_
