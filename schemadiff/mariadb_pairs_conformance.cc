#include "schemadiff/mariadb_pairs_conformance.h"

#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "schemadiff/diff_hints.h"
#include "schemadiff/json_lite.h"
#include "schemadiff/parser.h"
#include "schemadiff/printer.h"
#include "schemadiff/table_diff.h"
#include "util/status_macros.h"

namespace sidecut {
namespace schemadiff {
namespace {

constexpr absl::string_view kDatabase = "schemadiff_pairs";
constexpr absl::string_view kReplaySqlMode = "NO_ENGINE_SUBSTITUTION";

std::string Member(const JsonValue& obj, absl::string_view key) {
  const JsonValue* v = obj.Find(key);
  return v != nullptr && v->is_string() ? v->text : std::string();
}

absl::StatusOr<CreateTable> ParseTable(const std::string& sql) {
  SC_ASSIGN_OR_RETURN(Statement stmt, ParseStatement(sql));
  if (!std::holds_alternative<CreateTable>(stmt)) {
    return absl::InvalidArgumentError("not a CREATE TABLE statement");
  }
  return std::get<CreateTable>(std::move(stmt));
}

// Runs one pair; returns the failure detail, or "" on success.
absl::StatusOr<std::string> RunPair(const JsonValue& pair,
                                    mysql::Connection& conn) {
  SC_ASSIGN_OR_RETURN(CreateTable from, ParseTable(Member(pair, "from")));
  SC_ASSIGN_OR_RETURN(CreateTable to, ParseTable(Member(pair, "to")));
  DiffHints hints;
  std::string autoinc = Member(pair, "auto_increment_strategy_hint");
  if (autoinc == "AutoIncrementApplyHigher") {
    hints.auto_increment = AutoIncrementStrategy::kApplyHigher;
  } else if (autoinc == "AutoIncrementApplyAlways") {
    hints.auto_increment = AutoIncrementStrategy::kApplyAlways;
  }
  SC_ASSIGN_OR_RETURN(std::vector<AlterTable> diff,
                      DiffCreateTables(from, to, hints));
  const JsonValue* empty = pair.Find("expected_empty_diff");
  if (empty != nullptr && empty->boolean && !diff.empty()) {
    return absl::StrCat("want an empty diff, got ", ToString(diff[0]));
  }
  SC_RETURN_IF_ERROR(
      conn.Execute(absl::StrCat("DROP DATABASE IF EXISTS ", kDatabase))
          .status());
  SC_RETURN_IF_ERROR(
      conn.Execute(absl::StrCat("CREATE DATABASE ", kDatabase)).status());
  SC_RETURN_IF_ERROR(conn.Execute(absl::StrCat("USE ", kDatabase)).status());
  // Replay as a dump restore does: the server printed `from` itself, but
  // under the suite's session settings, not necessarily the recorded
  // default sql_mode (zero dates), and without the FK parent tables.
  SC_RETURN_IF_ERROR(
      conn.Execute(absl::StrCat("SET SESSION sql_mode = '", kReplaySqlMode,
                                "', SESSION foreign_key_checks = 0"))
          .status());
  SC_RETURN_IF_ERROR(conn.Execute(Member(pair, "from")).status());
  for (const AlterTable& alter : diff) {
    absl::Status applied = conn.Execute(ToString(alter)).status();
    if (!applied.ok()) {
      return absl::StrCat("server rejected `", ToString(alter),
                          "`: ", applied.message());
    }
  }
  SC_ASSIGN_OR_RETURN(
      mysql::Result shown,
      conn.Execute(absl::StrCat("SHOW CREATE TABLE ",
                                FormatIdent(from.name.name, true))));
  if (shown.rows.empty() || shown.rows[0].size() < 2) {
    return std::string("SHOW CREATE TABLE returned no row");
  }
  std::string got(shown.rows[0].Get(1));
  if (got != Member(pair, "to")) {
    std::string applied;
    for (const AlterTable& a : diff)
      absl::StrAppend(&applied, ToString(a), "; ");
    return absl::StrCat("after [", applied, "] got\n", got, "\nwant\n",
                        Member(pair, "to"));
  }
  return std::string();
}

}  // namespace

absl::StatusOr<PairsSummary> RunMariaDbPairs(const std::string& path,
                                             mysql::Connection& conn,
                                             std::ostream& out) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read corpus file ", path));
  }
  PairsSummary summary;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<JsonValue> pair = ParseJson(line);
    if (!pair.ok() || pair->type != JsonValue::Type::kObject) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": not a JSON object"));
    }
    std::string id = Member(*pair, "id");
    absl::StatusOr<std::string> failure = RunPair(*pair, conn);
    if (failure.ok() && failure->empty()) {
      ++summary.passed;
      out << "PASS " << id << "\n";
    } else {
      ++summary.failed;
      out << "FAIL " << id << ": "
          << (failure.ok() ? *failure : failure.status().ToString()) << "\n";
    }
  }
  conn.Execute(absl::StrCat("DROP DATABASE IF EXISTS ", kDatabase))
      .IgnoreError();
  out << summary.passed << " passed, " << summary.failed << " failed, "
      << summary.skipped << " skipped\n";
  return summary;
}

}  // namespace schemadiff
}  // namespace sidecut
