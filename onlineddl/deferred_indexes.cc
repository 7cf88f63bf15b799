#include "onlineddl/deferred_indexes.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "mysql/quoting.h"
#include "util/status_macros.h"

namespace sidecut {
namespace onlineddl {
namespace {

// How the build's ALTER ends.
constexpr char kBuildSuffix[] = ", ALGORITHM=INPLACE, LOCK=NONE";

// How the build's ALTER begins, before its first "ADD " (IndexBuildsRunning
// looks for it).
std::string BuildPrefix(absl::string_view db, absl::string_view shadow) {
  return absl::StrCat("ALTER TABLE ", mysql::QuoteQualified(db, shadow), " ");
}

// The backquoted identifier at the start of `s` ("`a``b`" -> "a`b").
bool ConsumeQuotedName(absl::string_view* s, std::string* name) {
  if (!absl::ConsumePrefix(s, "`")) return false;
  name->clear();
  while (!s->empty()) {
    char c = s->front();
    s->remove_prefix(1);
    if (c != '`') {
      name->push_back(c);
    } else if (absl::ConsumePrefix(s, "`")) {
      name->push_back('`');
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<DeferredIndex> DeferrableIndexes(absl::string_view create_table) {
  std::vector<DeferredIndex> out;
  for (absl::string_view line : absl::StrSplit(create_table, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "FULLTEXT ") ||
        absl::StartsWith(line, "SPATIAL ") ||
        absl::StartsWith(line, "VECTOR ") ||
        absl::StartsWith(line, "CONSTRAINT ") ||
        absl::StrContains(line, "FOREIGN KEY")) {
      return {};
    }
    if (!absl::StartsWith(line, "KEY `")) continue;
    absl::string_view rest = line.substr(4);
    DeferredIndex idx;
    if (!ConsumeQuotedName(&rest, &idx.name)) return {};  // unexpected
    idx.definition = std::string(absl::StripSuffix(line, ","));
    out.push_back(std::move(idx));
  }
  return out;
}

absl::Status EnsureDeferredIndexTable(mysql::Connection& conn) {
  return conn
      .Execute(
          "CREATE TABLE IF NOT EXISTS _vt.sidecut_deferred_indexes ("
          "migration_uuid VARCHAR(64) NOT NULL, "
          "seq INT NOT NULL, "
          "index_name VARCHAR(128) NOT NULL, "
          "definition TEXT NOT NULL, "
          "PRIMARY KEY (migration_uuid, seq)) ENGINE=InnoDB "
          "DEFAULT CHARSET=utf8mb4")
      .status();
}

absl::StatusOr<int> DeferIndexes(mysql::Connection& conn,
                                 absl::string_view uuid, absl::string_view db,
                                 absl::string_view shadow) {
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn.Execute(absl::StrCat(
                                           "SHOW CREATE TABLE ",
                                           mysql::QuoteQualified(db, shadow))));
  if (r.rows.empty()) return 0;
  std::vector<DeferredIndex> indexes = DeferrableIndexes(r.rows[0].Get(1));
  if (indexes.empty()) return 0;
  // Recorded before they are dropped: a crash in between leaves indexes
  // that are still there, which restoring skips. (What an earlier attempt
  // at this migration recorded went with its shadow.)
  SC_RETURN_IF_ERROR(ForgetDeferredIndexes(conn, uuid));
  std::vector<std::string> values, drops;
  for (size_t i = 0; i < indexes.size(); ++i) {
    values.push_back(absl::StrCat("(", mysql::QuoteString(uuid), ", ", i, ", ",
                                  mysql::QuoteString(indexes[i].name), ", ",
                                  mysql::QuoteString(indexes[i].definition),
                                  ")"));
    drops.push_back(
        absl::StrCat("DROP INDEX ", mysql::QuoteIdentifier(indexes[i].name)));
  }
  SC_RETURN_IF_ERROR(
      conn.Execute(absl::StrCat("INSERT INTO _vt.sidecut_deferred_indexes "
                                "(migration_uuid, seq, index_name, "
                                "definition) VALUES ",
                                absl::StrJoin(values, ", ")))
          .status());
  absl::Status dropped =
      conn.Execute(absl::StrCat("ALTER TABLE ",
                                mysql::QuoteQualified(db, shadow), " ",
                                absl::StrJoin(drops, ", ")))
          .status();
  if (!dropped.ok()) {
    // The table needs one of them (an AUTO_INCREMENT column's only index,
    // say): the failed ALTER dropped nothing; copy with them all.
    SC_RETURN_IF_ERROR(ForgetDeferredIndexes(conn, uuid));
    return 0;
  }
  return static_cast<int>(indexes.size());
}

absl::StatusOr<bool> HasDeferredIndexes(mysql::Connection& conn,
                                        absl::string_view uuid) {
  SC_ASSIGN_OR_RETURN(mysql::Result r, conn.Execute(absl::StrCat(
                                           "SELECT COUNT(*) FROM "
                                           "_vt.sidecut_deferred_indexes WHERE "
                                           "migration_uuid = ",
                                           mysql::QuoteString(uuid))));
  return !r.rows.empty() && r.rows[0].Get(0) != "0";
}

absl::Status RestoreDeferredIndexes(mysql::Connection& conn,
                                    absl::string_view uuid,
                                    absl::string_view db,
                                    absl::string_view shadow) {
  SC_ASSIGN_OR_RETURN(
      mysql::Result deferred,
      conn.Execute(absl::StrCat("SELECT index_name, definition FROM "
                                "_vt.sidecut_deferred_indexes WHERE "
                                "migration_uuid = ",
                                mysql::QuoteString(uuid), " ORDER BY seq")));
  if (deferred.rows.empty()) return absl::OkStatus();
  SC_ASSIGN_OR_RETURN(
      mysql::Result present,
      conn.Execute(absl::StrCat(
          "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS "
          "WHERE TABLE_SCHEMA = ",
          mysql::QuoteString(db),
          " AND TABLE_NAME = ", mysql::QuoteString(shadow))));
  std::set<std::string> have;
  for (const mysql::Row& row : present.rows)
    have.insert(std::string(row.Get(0)));
  std::vector<std::string> adds;
  for (const mysql::Row& row : deferred.rows) {
    if (have.count(std::string(row.Get(0))) == 0) {
      adds.push_back(absl::StrCat("ADD ", row.Get(1)));
    }
  }
  if (!adds.empty()) {
    SC_RETURN_IF_ERROR(
        conn.Execute(absl::StrCat(BuildPrefix(db, shadow),
                                  absl::StrJoin(adds, ", "), kBuildSuffix))
            .status());
  }
  return ForgetDeferredIndexes(conn, uuid);
}

absl::StatusOr<std::vector<int64_t>> IndexBuildsRunning(
    mysql::Connection& conn, absl::string_view db, absl::string_view shadow) {
  // Its indexes are plain KEYs (DeferrableIndexes).
  const std::string prefix =
      mysql::QuoteString(absl::StrCat(BuildPrefix(db, shadow), "ADD KEY "));
  const std::string suffix = mysql::QuoteString(kBuildSuffix);
  SC_ASSIGN_OR_RETURN(
      mysql::Result r,
      conn.Execute(absl::StrCat(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE ID <> "
          "CONNECTION_ID() AND COMMAND = 'Query' AND LEFT(INFO, CHAR_LENGTH(",
          prefix, ")) = ", prefix, " AND RIGHT(INFO, CHAR_LENGTH(", suffix,
          ")) = ", suffix, " ORDER BY ID")));
  std::vector<int64_t> ids;
  for (const mysql::Row& row : r.rows) {
    int64_t id = 0;
    if (absl::SimpleAtoi(row.Get(0), &id)) ids.push_back(id);
  }
  return ids;
}

absl::Status ForgetDeferredIndexes(mysql::Connection& conn,
                                   absl::string_view uuid) {
  return conn
      .Execute(absl::StrCat("DELETE FROM _vt.sidecut_deferred_indexes "
                            "WHERE migration_uuid = ",
                            mysql::QuoteString(uuid)))
      .status();
}

}  // namespace onlineddl
}  // namespace sidecut
