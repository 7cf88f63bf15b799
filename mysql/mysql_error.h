// MySQL errors as absl::Status. The server's error number and SQLSTATE ride
// in payloads so callers can branch on them (e.g. 1213 deadlock -> retry),
// and the canonical code follows its documented meaning (kUnavailable =
// connection lost, retry; kAborted = deadlock, retry the transaction; ...).
#ifndef SIDECUT_MYSQL_MYSQL_ERROR_H_
#define SIDECUT_MYSQL_MYSQL_ERROR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sidecut {
namespace mysql {

// Common server and client error numbers.
inline constexpr int kErNoSuchTable = 1146;
inline constexpr int kErDupEntry = 1062;
inline constexpr int kErTableExists = 1050;
inline constexpr int kErNoReferencedRow = 1452;  // a child row's parent
inline constexpr int kErParseError = 1064;
inline constexpr int kErSpecificAccessDenied = 1227;  // needs a privilege
inline constexpr int kErDbAccessDenied = 1044;
inline constexpr int kErLockWaitTimeout = 1205;
inline constexpr int kErLockDeadlock = 1213;
inline constexpr int kErMasterFatalReadingBinlog = 1236;
inline constexpr int kErQueryInterrupted = 1317;
// A read view older than the table's definition (an index added since).
inline constexpr int kErTableDefChanged = 1412;
// Warning: information_schema skipped a table another DDL was changing.
inline constexpr int kWarnISSkippedTable = 1684;
inline constexpr int kErStatementTimeout = 1969;  // MariaDB max_statement_time
inline constexpr int kCrConnectionError = 2002;
inline constexpr int kCrConnHostError = 2003;
inline constexpr int kCrServerGone = 2006;
inline constexpr int kCrServerLost = 2013;

// Builds a Status for MySQL error `errnum`, prefixed by `context` (what was
// being done, e.g. the statement or "connect to 127.0.0.1:3306").
absl::Status MysqlError(int errnum, absl::string_view sqlstate,
                        absl::string_view message, absl::string_view context);

// Returns the MySQL error number carried by `s`, or 0.
int MysqlErrno(const absl::Status& s);

// Returns the SQLSTATE carried by `s`, or "".
std::string MysqlSqlState(const absl::Status& s);

// Maps a MySQL error number to the canonical code used for it.
absl::StatusCode CodeForMysqlErrno(int errnum);

}  // namespace mysql
}  // namespace sidecut

#endif  // SIDECUT_MYSQL_MYSQL_ERROR_H_
