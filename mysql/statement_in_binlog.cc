#include "mysql/statement_in_binlog.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace mysql {
namespace {

// Info of a Query event: the statement, run in database `db` (shown as
// "use `db`; " before it).
bool IsStatement(absl::string_view info, absl::string_view db,
                 absl::string_view statement) {
  return info == absl::StrCat("use ", QuoteIdentifier(db), "; ", statement);
}

}  // namespace

absl::StatusOr<std::optional<BinlogCoordinates>> BinlogEndCoordinates(
    Connection& conn) {
  SC_ASSIGN_OR_RETURN(Result r, conn.Execute("SHOW MASTER STATUS"));
  if (r.rows.empty() || r.rows[0].size() < 2) {
    return std::optional<BinlogCoordinates>();
  }
  // binlog-do-db / binlog-ignore-db: a statement may not be written at
  // all, so its absence would tell nothing.
  for (const char* filter : {"Binlog_Do_DB", "Binlog_Ignore_DB"}) {
    const int i = r.ColumnIndex(filter);
    if (i >= 0 && !r.rows[0].IsNull(i) && !r.rows[0].Get(i).empty()) {
      return std::optional<BinlogCoordinates>();
    }
  }
  BinlogCoordinates c;
  c.file = std::string(r.rows[0].Get(0));
  if (!absl::SimpleAtoi(r.rows[0].Get(1), &c.offset)) {
    return absl::InternalError(absl::StrCat(
        "SHOW MASTER STATUS gave a position that is not a number: ",
        r.rows[0].Get(1)));
  }
  return std::optional<BinlogCoordinates>(std::move(c));
}

absl::StatusOr<bool> StatementLoggedSince(Connection& conn,
                                          const BinlogCoordinates& from,
                                          absl::string_view db,
                                          absl::string_view statement,
                                          uint64_t max_events, int page) {
  SC_ASSIGN_OR_RETURN(Result logs, conn.Execute("SHOW BINARY LOGS"));
  std::vector<std::string> files;
  bool found = false;
  for (const Row& row : logs.rows) {
    found |= row.Get(0) == from.file;
    if (found) files.emplace_back(row.Get(0));
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat(
        "binlog ", from.file, " is no longer on the server (purged)"));
  }
  uint64_t read = 0;
  // Under binlog_alter_two_phase an ALTER is written as "START ALTER"
  // before it runs and "ROLLBACK ALTER" if it fails, both with its text:
  // only an event not so marked (its Gtid event's Info says) counts.
  bool marked = false;
  for (size_t i = 0; i < files.size(); ++i) {
    uint64_t pos = i == 0 ? from.offset : 4;
    while (true) {
      SC_ASSIGN_OR_RETURN(
          Result r, conn.Execute(absl::StrCat("SHOW BINLOG EVENTS IN ",
                                              QuoteString(files[i]), " FROM ",
                                              pos, " LIMIT ", page)));
      const int type = r.ColumnIndex("Event_type");
      const int end = r.ColumnIndex("End_log_pos");
      const int info = r.ColumnIndex("Info");
      if (type < 0 || end < 0 || info < 0) {
        return absl::InternalError(
            "SHOW BINLOG EVENTS lacks Event_type, End_log_pos or Info");
      }
      for (const Row& row : r.rows) {
        if (row.Get(type) == "Gtid") {
          marked = !row.IsNull(info) &&
                   (absl::StrContains(row.Get(info), "START ALTER") ||
                    absl::StrContains(row.Get(info), "ROLLBACK ALTER"));
          continue;
        }
        // "Query", or "Query_compressed" (log_bin_compress).
        if (absl::StartsWith(row.Get(type), "Query") && !row.IsNull(info) &&
            !marked && IsStatement(row.Get(info), db, statement)) {
          return true;
        }
      }
      read += r.rows.size();
      if (read > max_events) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "read ", read, " binlog events without reaching the end"));
      }
      if (r.rows.size() < static_cast<size_t>(page)) break;
      uint64_t next = 0;
      if (!absl::SimpleAtoi(r.rows.back().Get(end), &next) || next <= pos) {
        return absl::InternalError(absl::StrCat(
            "SHOW BINLOG EVENTS in ", files[i], " did not move past ", pos));
      }
      pos = next;
    }
  }
  return false;
}

}  // namespace mysql
}  // namespace sidecut
