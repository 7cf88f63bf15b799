#include "vreplication/testing/vr_test_util.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "mysql/gtid.h"
#include "mysql/mysql_connection.h"
#include "mysql/quoting.h"
#include "util/clock.h"
#include "util/status_macros.h"
#include "util/wait.h"
#include "vreplication/vr_store.h"

namespace sidecut {
namespace vreplication {
namespace testing {

absl::StatusOr<std::string> Checksum(mysql::Connection& conn,
                                     const std::string& qualified_table,
                                     const std::string& columns,
                                     const std::string& where) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(
          absl::StrCat("SELECT COUNT(*), IFNULL(SUM(CRC32(CONCAT_WS('|', ",
                       columns, "))), 0), IFNULL(BIT_XOR(CRC32(CONCAT_WS('#', ",
                       columns, "))), 0) FROM ", qualified_table,
                       where.empty() ? "" : " WHERE ", where)));
  return absl::StrCat(r.rows[0].Get(0), ":", r.rows[0].Get(1), ":",
                      r.rows[0].Get(2));
}

std::string Cp932KeyRows(const std::string& db, int rows) {
  return absl::StrCat(
      "SELECT CONCAT(CONVERT(LPAD(seq DIV 2, 4, '0') USING cp932), "
      "CAST(IF(seq = 1, X'8140', IF(seq % 2, X'F040', X'ED40')) AS CHAR "
      "CHARACTER SET cp932)), seq FROM ",
      db, ".seq_1_to_", rows);
}

absl::Status PrepareXaAndLeave(const mysql::ConnectParams& params,
                               const std::string& xid,
                               const std::string& statement) {
  SC_ASSIGN_OR_RETURN(std::unique_ptr<mysql::MysqlConnection> xa,
                      mysql::MysqlConnection::Connect(params));
  for (const std::string& sql :
       {absl::StrCat("XA START ", xid), statement, absl::StrCat("XA END ", xid),
        absl::StrCat("XA PREPARE ", xid)}) {
    SC_RETURN_IF_ERROR(xa->Execute(sql).status());
  }
  return absl::OkStatus();
}

namespace {

absl::Status WaitCopiedImpl(Engine& engine, int64_t id, absl::Duration timeout,
                            bool through_retries) {
  return WaitFor(
      Clock::Real(), "the copy to finish",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(WorkflowRow row, engine.Read(id));
        if (row.state == kStateError &&
            !(through_retries &&
              absl::StrContains(row.message, "(will retry)"))) {
          return absl::InternalError(row.message);
        }
        return row.state == kStateRunning;
      },
      WaitOptions{.timeout = timeout});
}

}  // namespace

absl::Status WaitCopied(Engine& engine, int64_t id, absl::Duration timeout) {
  return WaitCopiedImpl(engine, id, timeout, /*through_retries=*/false);
}

absl::Status WaitCopiedThroughRetries(Engine& engine, int64_t id,
                                      absl::Duration timeout) {
  return WaitCopiedImpl(engine, id, timeout, /*through_retries=*/true);
}

absl::Status WaitCaughtUp(mysql::Connection& conn, int64_t id,
                          absl::Duration timeout) {
  SC_ASSIGN_OR_RETURN(std::string now,
                      mysql::QueryValue(conn, "SELECT @@gtid_binlog_pos"));
  SC_ASSIGN_OR_RETURN(mysql::MariadbGtidPos target,
                      mysql::MariadbGtidPos::Parse(now));
  std::string last;
  absl::Status s = WaitFor(
      Clock::Real(), "the workflow to catch up",
      [&]() -> absl::StatusOr<bool> {
        SC_ASSIGN_OR_RETURN(WorkflowRow row, ReadWorkflow(conn, id));
        last = absl::StrCat("state ", row.state, " pos ", row.pos, " message ",
                            row.message);
        if (row.state != kStateRunning) return false;
        SC_ASSIGN_OR_RETURN(mysql::Position p, mysql::Position::Parse(row.pos));
        return p.AtLeast(mysql::Position(target));
      },
      WaitOptions{.timeout = timeout});
  if (!s.ok())
    return absl::Status(s.code(), absl::StrCat(s.message(), "; ", last));
  return s;
}

absl::StatusOr<BinlogMark> BinlogEnd(mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(mysql::Result status, conn.Execute("SHOW MASTER STATUS"));
  if (status.rows.empty()) return absl::FailedPreconditionError("no binlog");
  BinlogMark mark;
  mark.file = std::string(status.rows[0].Get(0));
  SC_ASSIGN_OR_RETURN(mark.offset, status.rows[0].GetInt64(1));
  return mark;
}

absl::StatusOr<mysql::Result> BinlogEventsSince(mysql::Connection& conn,
                                                const BinlogMark& from) {
  return conn.Execute(absl::StrCat("SHOW BINLOG EVENTS IN ",
                                   mysql::QuoteString(from.file), " FROM ",
                                   from.offset));
}

absl::StatusOr<std::vector<std::string>> BinlogRenames(
    mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(BinlogMark end, BinlogEnd(conn));
  SC_ASSIGN_OR_RETURN(mysql::Result events,
                      BinlogEventsSince(conn, BinlogMark{end.file, 4}));
  std::vector<std::string> renames;
  for (const mysql::Row& row : events.rows) {
    std::string info(row.Get(row.size() - 1));  // "use `db`; RENAME ..."
    if (absl::StrContains(info, "RENAME TABLE")) {
      renames.push_back(std::move(info));
    }
  }
  return renames;
}

int TablesRenamed(const std::string& rename,
                  const std::vector<std::string>& tables) {
  int n = 0;
  for (const std::string& t : tables) {
    n += absl::StrContains(rename,
                           absl::StrCat(".", mysql::QuoteIdentifier(t), " TO"));
  }
  return n;
}

Writer::Writer(mysql::ConnectParams params, std::string table, int max_id,
               int max_per_second)
    : params_(std::move(params)),
      table_(std::move(table)),
      max_id_(max_id),
      max_per_second_(max_per_second) {}

Writer::~Writer() { Stop().IgnoreError(); }

void Writer::Start() {
  thread_ = std::thread([this] {
    auto conn = mysql::MysqlConnection::Connect(params_);
    if (!conn.ok()) {
      error_ = conn.status();
      return;
    }
    std::mt19937 rng(42);
    static const char* kNames[] = {"alpha",  "Alpha", "ÄLPHA", "béta",
                                   "gamma ", "日本",  "it's",  "x"};
    const absl::Time start = Clock::Real()->Now();
    while (!stop_) {
      // Pace: statement n is not sent before start + n / rate.
      Clock::Real()->SleepUntil(start + absl::Seconds(1) * statements_.load() /
                                            max_per_second_);
      int op = rng() % 10;
      int id = 1 + rng() % max_id_;
      std::string name = absl::StrCat(kNames[rng() % 8], rng() % 1000);
      std::string sql;
      if (op < 4) {
        sql = absl::StrCat("INSERT INTO ", table_, " (name, val) VALUES (",
                           mysql::QuoteString(name), ", ", rng() % 100000, ")");
      } else if (op < 6) {
        sql = absl::StrCat("INSERT INTO ", table_, " (id, name, val) VALUES (",
                           id,
                           ", 'again', 1) "
                           "ON DUPLICATE KEY UPDATE val = val + 1");
      } else if (op < 8) {
        sql = absl::StrCat(
            "UPDATE ", table_, " SET name = ", mysql::QuoteString(name),
            ", val = val + 7 WHERE id BETWEEN ", id, " AND ", id + 3);
      } else {
        sql = absl::StrCat("DELETE FROM ", table_, " WHERE id = ", id);
      }
      absl::Status s = (*conn)->Execute(sql).status();
      if (!s.ok()) {
        error_ = s;
        return;
      }
      ++statements_;
    }
  });
}

absl::Status Writer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  return error_;
}

}  // namespace testing
}  // namespace vreplication
}  // namespace sidecut
