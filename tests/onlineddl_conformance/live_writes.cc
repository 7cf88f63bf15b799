#include "tests/onlineddl_conformance/live_writes.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/mysql_error.h"
#include "mysql/quoting.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/wait.h"
#include "vreplication/testing/vr_test_util.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace onlineddl_conformance {
namespace {

constexpr int kErUnknownEvent = 1539;

// The latest start of an execution of an event of `db` ("" if none).
absl::StatusOr<std::string> LastExecuted(mysql::Connection& conn,
                                         absl::string_view db) {
  return mysql::QueryValue(
      conn, absl::StrCat("SELECT MAX(LAST_EXECUTED) FROM "
                         "information_schema.EVENTS WHERE EVENT_SCHEMA = ",
                         mysql::QuoteString(db), " AND STATUS = 'ENABLED'"));
}

absl::Status DisableEvents(mysql::Connection& conn, absl::string_view db) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> events, EventNames(conn, db));
  for (const std::string& e : events) {
    absl::Status s =
        conn.Execute(absl::StrCat("ALTER EVENT ", mysql::QuoteQualified(db, e),
                                  " DISABLE"))
            .status();
    if (!s.ok() && mysql::MysqlErrno(s) != kErUnknownEvent) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> EventNames(mysql::Connection& conn,
                                                    absl::string_view db) {
  SC_ASSIGN_OR_RETURN(mysql::Result r,
                      conn.Execute(absl::StrCat(
                          "SELECT EVENT_NAME FROM "
                          "information_schema.EVENTS WHERE "
                          "EVENT_SCHEMA = ",
                          mysql::QuoteString(db), " AND STATUS = 'ENABLED'")));
  std::vector<std::string> names;
  for (const mysql::Row& row : r.rows) names.emplace_back(row.Get(0));
  std::sort(names.begin(), names.end());
  return names;
}

absl::Status AwaitEventWrite(mysql::Connection& conn, absl::string_view db,
                             absl::Duration timeout) {
  SC_ASSIGN_OR_RETURN(std::vector<std::string> events, EventNames(conn, db));
  if (events.empty()) return absl::OkStatus();
  // LAST_EXECUTED has a resolution of one second; executions are a second
  // apart, so each one changes it.
  SC_ASSIGN_OR_RETURN(std::string before, LastExecuted(conn, db));
  return WaitFor(
      Clock::Real(), absl::StrCat("an event of ", db, " to write again"),
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string now, LastExecuted(conn, db));
        return now != before;  // "" once the event ended
      },
      WaitOptions{.timeout = timeout, .max_interval = absl::Milliseconds(50)});
}

absl::Status StopEventWrites(mysql::Connection& conn, absl::string_view db,
                             StopWrites how, absl::Duration timeout) {
  SC_RETURN_IF_ERROR(
      how == StopWrites::kStopScheduler
          ? conn.Execute("SET GLOBAL event_scheduler = OFF").status()
          : DisableEvents(conn, db));
  // Event executions run as sessions with Command "Connect" in the
  // event's database.
  const std::string running = absl::StrCat(
      "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ",
      mysql::QuoteString(db), " AND COMMAND = 'Connect'");
  return WaitFor(
      Clock::Real(), absl::StrCat("running events of ", db, " to finish"),
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(std::string n, mysql::QueryValue(conn, running));
        return n == "0";
      },
      WaitOptions{.timeout = timeout});
}

absl::Status WaitStreamCaughtUp(mysql::Connection& conn, absl::string_view db,
                                absl::Duration timeout) {
  absl::StatusOr<std::string> id = mysql::QueryValue(
      conn,
      absl::StrCat("SELECT MAX(id) FROM _vt.vreplication WHERE db_name = ",
                   mysql::QuoteString(db), " AND state <> ",
                   mysql::QuoteString(vreplication::kStateStopped)));
  int64_t workflow = 0;
  if (!id.ok() || !absl::SimpleAtoi(*id, &workflow)) {
    return absl::NotFoundError(
        absl::StrCat("no active VReplication workflow for ", db));
  }
  return vreplication::testing::WaitCaughtUp(conn, workflow, timeout);
}

}  // namespace onlineddl_conformance
}  // namespace sidecut
