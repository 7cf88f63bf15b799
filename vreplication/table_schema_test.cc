#include "vreplication/table_schema.h"

#include <atomic>
#include <memory>
#include <thread>  // NOLINT(build/c++11)

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/harness/shared_instance_test.h"
#include "util/status_matchers.h"

namespace sidecut {
namespace vreplication {
namespace {

class TableSchemaTest : public harness::SharedInstanceTest {};

TEST_F(TableSchemaTest, LoadsColumnsAndKeys) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE s1"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE s1.t (a INT NOT NULL, b VARCHAR(5), c INT NOT NULL, "
      "PRIMARY KEY (c, a), UNIQUE KEY ub (b))"));
  ASSERT_OK_AND_ASSIGN(TableSchema s, LoadTableSchema(*conn_, "s1", "t"));
  ASSERT_EQ(s.columns.size(), 3u);
  EXPECT_EQ(s.columns[1].name, "b");
  EXPECT_TRUE(s.columns[1].nullable);
  EXPECT_EQ(s.key_name, "PRIMARY");
  EXPECT_EQ(s.key_columns, (std::vector<int>{2, 0}));
  EXPECT_EQ(s.unique_index_count, 2);  // `ub` is over a nullable column
  EXPECT_EQ(LoadTableSchema(*conn_, "s1", "none").status().code(),
            absl::StatusCode::kNotFound);
}

// A key mixing ascending and descending parts has no index order the
// copy's ORDER BY can follow (every chunk would sort the rest of the
// table): another key is taken, or none. One wholly descending is read
// backwards, and kept.
TEST_F(TableSchemaTest, AKeyMixingDirectionsIsNotUsed) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE s4"));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE s4.mixed (a INT NOT NULL, b INT NOT NULL, c INT NOT "
      "NULL, PRIMARY KEY (a, b DESC), UNIQUE KEY uc (c))"));
  ASSERT_OK_AND_ASSIGN(TableSchema s, LoadTableSchema(*conn_, "s4", "mixed"));
  EXPECT_EQ(s.key_name, "uc");
  EXPECT_EQ(s.unique_index_count, 2);
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE s4.down (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a "
      "DESC, b DESC))"));
  ASSERT_OK_AND_ASSIGN(s, LoadTableSchema(*conn_, "s4", "down"));
  EXPECT_EQ(s.key_name, "PRIMARY");
  EXPECT_EQ(s.key_columns, (std::vector<int>{0, 1}));
  ASSERT_OK(conn_->Execute(
      "CREATE TABLE s4.only (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a "
      "DESC, b))"));
  ASSERT_OK_AND_ASSIGN(s, LoadTableSchema(*conn_, "s4", "only"));
  EXPECT_TRUE(s.key_columns.empty());
  EXPECT_THAT(
      RequireKey(s),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               ::testing::HasSubstr("mixing ascending and descending")));
}

// Inside a transaction the server leaves a table out of information_schema
// while another DDL statement changes it (a trigger created or dropped:
// warning 1684) instead of waiting. That is not "no such table" (a stream
// took it so and stopped for good): Unavailable, retried.
TEST_F(TableSchemaTest, ATableAnotherDdlChangesIsNotTakenForMissing) {
  ASSERT_OK(conn_->Execute("CREATE DATABASE s2"));
  ASSERT_OK(conn_->Execute("CREATE TABLE s2.users (id INT PRIMARY KEY)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE s2.audit (id INT)"));
  ASSERT_OK(conn_->Execute("CREATE TABLE s2.other (id INT)"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<mysql::MysqlConnection> ddl,
                       harness::ConnectTo(*instance_));
  std::atomic<bool> stop{false};
  std::thread churn([&ddl, &stop]() {
    while (!stop.load()) {
      if (!ddl->Execute("CREATE TRIGGER s2.tr AFTER INSERT ON s2.users FOR "
                        "EACH ROW INSERT INTO s2.audit VALUES (NEW.id)")
               .ok() ||
          !ddl->Execute("DROP TRIGGER s2.tr").ok()) {
        return;
      }
    }
  });
  // Stopped and joined however the test ends (an ASSERT returns early).
  struct Join {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~Join() {
      stop = true;
      thread.join();
    }
  } join{stop, churn};
  // A session holding metadata locks, as a stream's amid a transaction.
  ASSERT_OK(conn_->Execute("BEGIN"));
  ASSERT_OK(conn_->Execute("SELECT COUNT(*) FROM s2.other"));
  int skipped = 0;
  int loaded = 0;
  for (int i = 0; i < 4000 && (skipped == 0 || loaded < 20); ++i) {
    absl::StatusOr<TableSchema> s = LoadTableSchema(*conn_, "s2", "users");
    if (s.ok()) {
      ++loaded;
      EXPECT_EQ(s->key_name, "PRIMARY");
    } else {
      ASSERT_EQ(s.status().code(), absl::StatusCode::kUnavailable)
          << s.status();
      EXPECT_THAT(std::string(s.status().message()),
                  ::testing::HasSubstr("being changed by another DDL"));
      ++skipped;
    }
  }
  ASSERT_OK(conn_->Execute("ROLLBACK"));
  // The race was there to be lost (the server skipped the table).
  EXPECT_GT(skipped, 0);
  EXPECT_GT(loaded, 0);
}

}  // namespace
}  // namespace vreplication
}  // namespace sidecut
