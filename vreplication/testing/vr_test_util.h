// Helpers for VReplication and online DDL integration tests: table
// checksums, waiting for a workflow to catch up with the source, the
// binlog's RENAMEs, a steady writer.
#ifndef SIDECUT_VREPLICATION_TESTING_VR_TEST_UTIL_H_
#define SIDECUT_VREPLICATION_TESTING_VR_TEST_UTIL_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "mysql/connection.h"
#include "vreplication/engine.h"

namespace sidecut {
namespace vreplication {
namespace testing {

// "count:sum-of-crc32" over `expr` (an SQL expression list per row, e.g.
// "id, name, val") of db.table, optionally filtered.
absl::StatusOr<std::string> Checksum(mysql::Connection& conn,
                                     const std::string& qualified_table,
                                     const std::string& columns,
                                     const std::string& where = "");

// "SELECT k, v FROM `db`.seq_1_to_<rows>" of cp932 keys ordered so that
// characters utf8mb4 changes end chunks: '0000'||0x8140 (v 1), then for
// each n n||0xED40 (v 2n), n||0xF040 (v 2n+1). Read through utf8mb4,
// 0xED40 comes back as 0xFA5C, past n||0xF040.
std::string Cp932KeyRows(const std::string& db, int rows);

// Runs `statement` as two-phase XA transaction `xid` (an SQL literal, as
// "'p0'") on a session of its own, prepares it and closes that session: the
// transaction stays prepared (XA RECOVER lists it) until another session
// ends it with XA COMMIT or XA ROLLBACK.
absl::Status PrepareXaAndLeave(const mysql::ConnectParams& params,
                               const std::string& xid,
                               const std::string& statement);

// Waits until workflow `id` has copied everything and runs (its state
// Running); an error state ends the wait with the workflow's message.
absl::Status WaitCopied(Engine& engine, int64_t id,
                        absl::Duration timeout = absl::Seconds(10));
// The same through runs that failed and are retried ("(will retry)" in
// the message: a DDL changing a table as its definition was read, say),
// for tests whose concurrent DDL may fail a run now and then.
absl::Status WaitCopiedThroughRetries(Engine& engine, int64_t id,
                                      absl::Duration timeout);

// Waits until workflow `id` has applied everything the server's binlog
// holds now and is in state Running.
absl::Status WaitCaughtUp(mysql::Connection& conn, int64_t id,
                          absl::Duration timeout);

// A place in the server's binlog: file and offset.
struct BinlogMark {
  std::string file;
  int64_t offset = 4;  // the first event of a file
};
// Where the server's binlog ends now.
absl::StatusOr<BinlogMark> BinlogEnd(mysql::Connection& conn);
// The events (SHOW BINLOG EVENTS rows: Log_name, Pos, Event_type,
// Server_id, End_log_pos, Info) of `from`'s file from `from` on.
absl::StatusOr<mysql::Result> BinlogEventsSince(mysql::Connection& conn,
                                                const BinlogMark& from);

// The RENAME TABLE statements in the server's current binlog file.
absl::StatusOr<std::vector<std::string>> BinlogRenames(mysql::Connection& conn);
// How many of `tables` the RENAME statement `rename` renames.
int TablesRenamed(const std::string& rename,
                  const std::vector<std::string>& tables);

// Random inserts, updates and deletes on `table` (id INT AUTO_INCREMENT PK,
// name VARCHAR, val INT) until stopped, at most `max_per_second` statements
// per second (a steady production-like load, not a flood); counts the
// statements it ran.
class Writer {
 public:
  Writer(mysql::ConnectParams params, std::string table, int max_id,
         int max_per_second = 1000);
  ~Writer();
  void Start();
  // Stops and returns the first error, if any.
  absl::Status Stop();
  int64_t statements() const { return statements_.load(); }

 private:
  mysql::ConnectParams params_;
  std::string table_;
  int max_id_;
  int max_per_second_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> statements_{0};
  absl::Status error_;
  std::thread thread_;
};

}  // namespace testing
}  // namespace vreplication
}  // namespace sidecut

#endif  // SIDECUT_VREPLICATION_TESTING_VR_TEST_UTIL_H_
