// When the server-side copy of a plan may be written to the binlog as its
// INSERT ... SELECT statements (WorkflowOptions::statement_copy).
//
// A replica replays such a chunk by running the same statement at the
// chunk's place in the binlog. It copies the same rows, with the same
// values, when the statement reads what the chunk read (it locks its range,
// so every change to those rows is before it in the binlog or waits for its
// commit) and computes nothing the replica could compute differently: each
// inserted column is a plain source column, and each other target column
// gets a fixed default.
#include <iostream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"
#include "vreplication/workflow.h"

namespace sidecut {
namespace vreplication {
namespace {

// A default a replica evaluates to the same value: none, NULL, a literal,
// or the statement's timestamp (replicated with it).
bool FixedDefault(const mysql::Row& row, int i) {
  if (row.IsNull(i)) return true;
  const std::string d = absl::AsciiStrToLower(row.Get(i));
  if (d == "null") return true;
  // One quoted literal (a quote inside is doubled), nothing after it.
  if (d.size() >= 2 && d.front() == '\'' && d.back() == '\'') {
    std::string inner = d.substr(1, d.size() - 2);
    absl::StrReplaceAll({{"''", ""}}, &inner);
    return inner.find('\'') == std::string::npos;
  }
  // CURRENT_TIMESTAMP[(n)] exactly: the statement's timestamp.
  if (absl::StartsWith(d, "current_timestamp")) {
    absl::string_view rest = absl::string_view(d).substr(17);
    if (rest.empty() || rest == "()") return true;
    if (rest.size() < 3 || rest.front() != '(' || rest.back() != ')') {
      return false;
    }
    for (char c : rest.substr(1, rest.size() - 2)) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  }
  // A number.
  if (d.empty()) return false;
  for (char c : d) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' &&
        c != '-' && c != '+' && c != 'e') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<std::string> Workflow::StatementCopyServerBlocker() {
  if (session_binlog_format_.empty()) {
    SC_ASSIGN_OR_RETURN(mysql::Result format,
                        conn_->Execute("SELECT @@session.binlog_format"));
    const std::string current(format.rows.at(0).Get(0));
    absl::Status set =
        conn_->Execute("SET SESSION binlog_format = 'STATEMENT'").status();
    if (!set.ok()) {
      session_binlog_format_ = "-";
      std::cerr << "workflow " << id_
                << ": the session may not set binlog_format: " << set.message()
                << std::endl;
    } else {
      SC_RETURN_IF_ERROR(
          conn_
              ->Execute(absl::StrCat("SET SESSION binlog_format = ",
                                     mysql::QuoteString(current)))
              .status());
      session_binlog_format_ = current;
    }
  }
  if (session_binlog_format_ == "-") {
    return std::string("this session may not set binlog_format");
  }
  SC_ASSIGN_OR_RETURN(mysql::Result wsrep,
                      conn_->Execute("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'"));
  if (!wsrep.rows.empty() &&
      absl::EqualsIgnoreCase(wsrep.rows[0].Get(1), "ON")) {
    return std::string("Galera (wsrep_on) replicates rows only");
  }
  // binlog_do_db / binlog_ignore_db judge a statement by its default
  // database, rows by their table's: the chunks could be left out.
  SC_ASSIGN_OR_RETURN(mysql::Result master,
                      conn_->Execute("SHOW MASTER STATUS"));
  if (!master.rows.empty() && master.rows[0].size() >= 4 &&
      (!master.rows[0].Get(2).empty() || !master.rows[0].Get(3).empty())) {
    return std::string(
        "the binlog is filtered (binlog_do_db/binlog_ignore_db)");
  }
  return std::string();
}

absl::StatusOr<std::string> Workflow::StatementCopyBlocker(
    const TablePlan& plan) {
  if (!plan.where.empty()) return std::string("the filter has a WHERE clause");
  // Its chunks then start with SET STATEMENT foreign_key_checks = 0 FOR:
  // read back from the binlog, not known for the copy's own.
  if (plan.copy_unchecked) {
    return std::string(
        "it copies without foreign key checks (a foreign key between the "
        "workflow's tables)");
  }
  for (size_t i = 0; i < plan.select_exprs.size(); ++i) {
    bool plain = false;
    for (const ColumnInfo& c : plan.source.columns) {
      plain |= plan.select_exprs[i] == mysql::QuoteIdentifier(c.name);
    }
    if (!plain) {
      return absl::StrCat("column ", plan.target_columns[i],
                          " is computed: ", plan.select_exprs[i]);
    }
  }
  SC_ASSIGN_OR_RETURN(mysql::Result cols,
                      conn_->Execute(absl::StrCat(
                          "SELECT COLUMN_NAME, COLUMN_DEFAULT, EXTRA FROM "
                          "information_schema.COLUMNS WHERE TABLE_SCHEMA = ",
                          mysql::QuoteString(plan.db), " AND TABLE_NAME = ",
                          mysql::QuoteString(plan.target.table))));
  for (const mysql::Row& row : cols.rows) {
    const std::string name(row.Get(0));
    bool fed = false;
    for (const std::string& t : plan.target_columns) {
      fed |= absl::EqualsIgnoreCase(t, name);
    }
    const std::string extra = absl::AsciiStrToLower(row.Get(2));
    if (fed || absl::StrContains(extra, "generated")) continue;
    if (absl::StrContains(extra, "auto_increment")) {
      return absl::StrCat("column ", name, " is AUTO_INCREMENT and not copied");
    }
    if (!FixedDefault(row, 1)) {
      return absl::StrCat("column ", name, " has the default expression ",
                          row.Get(1));
    }
  }
  return std::string();
}

absl::StatusOr<bool> Workflow::UseStatementCopy(const TablePlan& plan) {
  if (!options_.statement_copy) return false;
  auto it = statement_copy_.find(plan.target.table);
  if (it != statement_copy_.end() && !session_binlog_format_.empty()) {
    return it->second;
  }
  SC_ASSIGN_OR_RETURN(std::string blocker, StatementCopyServerBlocker());
  // A chunk's own catch-up (in its transaction, so logged as statements
  // too) applies changes to every table of the workflow: each must replay
  // alike.
  for (auto p = plans_.begin(); blocker.empty() && p != plans_.end(); ++p) {
    SC_ASSIGN_OR_RETURN(blocker, StatementCopyBlocker(p->second));
    if (!blocker.empty() && p->first != plan.target.table) {
      blocker = absl::StrCat("its chunks' catch-up also writes to ", p->first,
                             ": ", blocker);
    }
  }
  if (!blocker.empty()) {
    std::cerr << "workflow " << id_ << ": copying " << plan.target.table
              << " as rows in the binlog: " << blocker << std::endl;
  }
  statement_copy_[plan.target.table] = blocker.empty();
  return blocker.empty();
}

}  // namespace vreplication
}  // namespace sidecut
