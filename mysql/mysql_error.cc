#include "mysql/mysql_error.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sidecut {
namespace mysql {
namespace {
constexpr char kErrnoUrl[] = "sidecut.dev/mysql_errno";
constexpr char kSqlStateUrl[] = "sidecut.dev/mysql_sqlstate";
}  // namespace

absl::StatusCode CodeForMysqlErrno(int errnum) {
  switch (errnum) {
    case kCrConnectionError:
    case kCrConnHostError:
    case kCrServerGone:
    case kCrServerLost:
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 4031:  // MySQL 8.0.24+: disconnected for inactivity
      return absl::StatusCode::kUnavailable;
    case kErLockDeadlock:
      return absl::StatusCode::kAborted;
    case kErLockWaitTimeout:
    case kErStatementTimeout:
    case 3024:  // MySQL max_execution_time
      return absl::StatusCode::kDeadlineExceeded;
    case kErQueryInterrupted:
      return absl::StatusCode::kCancelled;
    case kErNoSuchTable:
    case 1049:  // unknown database
    case 1054:  // unknown column
      return absl::StatusCode::kNotFound;
    case kErDupEntry:
    case 1050:  // table exists
    case 1007:  // database exists
      return absl::StatusCode::kAlreadyExists;
    // Values the table cannot hold (strict sql_mode): data errors.
    case 1048:  // column cannot be null
    case 1264:  // out of range value
    case 1265:  // data truncated
    case 1292:  // incorrect datetime/… value
    case 1364:  // field doesn't have a default value
    case 1366:  // incorrect string value
    case 1406:  // data too long
    case 3140:  // MySQL: invalid JSON text
    case 4025:  // MariaDB: CHECK constraint failed
      return absl::StatusCode::kOutOfRange;
    case kErParseError:
    case 1149:
      return absl::StatusCode::kInvalidArgument;
    case 1044:
    case 1045:
    case 1142:
    case 1227:  // the statement needs a privilege the user lacks
      return absl::StatusCode::kPermissionDenied;
    case kErMasterFatalReadingBinlog:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return errnum >= 2000 && errnum < 3000 ? absl::StatusCode::kUnavailable
                                             : absl::StatusCode::kUnknown;
  }
}

absl::Status MysqlError(int errnum, absl::string_view sqlstate,
                        absl::string_view message, absl::string_view context) {
  absl::Status s(
      CodeForMysqlErrno(errnum),
      absl::StrCat(context, ": ", message, " (errno ", errnum,
                   sqlstate.empty() ? "" : ", sqlstate ", sqlstate, ")"));
  s.SetPayload(kErrnoUrl, absl::Cord(absl::StrCat(errnum)));
  if (!sqlstate.empty()) s.SetPayload(kSqlStateUrl, absl::Cord(sqlstate));
  return s;
}

int MysqlErrno(const absl::Status& s) {
  absl::optional<absl::Cord> p = s.GetPayload(kErrnoUrl);
  int n = 0;
  if (!p.has_value() || !absl::SimpleAtoi(std::string(*p), &n)) return 0;
  return n;
}

std::string MysqlSqlState(const absl::Status& s) {
  absl::optional<absl::Cord> p = s.GetPayload(kSqlStateUrl);
  return p.has_value() ? std::string(*p) : "";
}

}  // namespace mysql
}  // namespace sidecut
